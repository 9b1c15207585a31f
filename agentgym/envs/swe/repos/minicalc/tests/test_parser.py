import pytest
from minicalc import ParseError, dump, parse


def shape(source):
    return dump(parse(source))


def test_multiplication_binds_tighter_than_addition():
    assert shape("1 + 2 * 3") == "(+ 1 (* 2 3))"


def test_subtraction_and_division_are_left_associative():
    assert shape("8 - 4 - 2") == "(- (- 8 4) 2)"
    assert shape("8 / 4 % 3") == "(% (/ 8 4) 3)"


def test_power_is_right_associative():
    assert shape("2 ** 3 ** 2") == "(** 2 (** 3 2))"


def test_unary_minus_binds_looser_than_power():
    assert shape("-2 ** 2") == "(- (** 2 2))"
    assert shape("2 ** -x") == "(** 2 (- x))"


def test_parentheses_override_precedence():
    assert shape("(1 + 2) * 3") == "(* (+ 1 2) 3)"


def test_comparisons_bind_looser_than_arithmetic():
    assert shape("a + 1 < b * 2") == "(cmp (+ a 1) < (* b 2))"


def test_comparison_chain_is_one_node():
    assert shape("1 < x <= 3 != y") == "(cmp 1 < x <= 3 != y)"


def test_and_binds_tighter_than_or_and_not_tighter_than_and():
    assert shape("a or b and not c") == "(or a (and b (not c)))"
    assert shape("not a == b") == "(not (cmp a == b))"


def test_if_then_else_expression():
    assert shape("if x > 0 then x else -x") == "(if (cmp x > 0) x (- x))"


def test_function_calls_with_arguments():
    assert shape("max(1, a + 2, min(b))") == "(call max 1 (+ a 2) (call min b))"
    assert shape("f()") == "(call f)"


def test_dump_rejects_non_nodes():
    with pytest.raises(TypeError):
        dump("1 + 2")


def test_let_statements_and_semicolons():
    assert shape("let x = 2; let y = x * 3; y;") == "(let x 2); (let y (* x 3)); y"


def test_nodes_record_operator_positions():
    node = parse("1 +\n  2 * 3").statements[0]
    assert (node.line, node.column) == (1, 3)
    assert (node.right.line, node.right.column) == (2, 5)


def test_parse_error_for_missing_operand_at_end():
    with pytest.raises(ParseError) as info:
        parse("1 +")
    assert str(info.value) == "expected an expression, found end of input at line 1, column 4"


def test_parse_error_for_unclosed_parenthesis():
    with pytest.raises(ParseError) as info:
        parse("(1 + 2")
    assert info.value.message == "expected ')', found end of input"
    assert info.value.column == 7
    with pytest.raises(ParseError) as info:
        parse("max(1, 2 3)")
    assert info.value.message == "expected ')', found 3"


def test_parse_error_for_two_expressions_without_separator():
    with pytest.raises(ParseError) as info:
        parse("1 2")
    assert info.value.message == "expected ';' or end of input, found 2"


def test_parse_error_for_let_without_name():
    with pytest.raises(ParseError) as info:
        parse("let 5 = 1")
    assert info.value.column == 5


def test_parse_error_for_if_without_else():
    with pytest.raises(ParseError) as info:
        parse("if 1 then 2")
    assert info.value.message == "expected 'else', found end of input"


def test_parse_error_for_empty_program():
    with pytest.raises(ParseError):
        parse("  # nothing")
