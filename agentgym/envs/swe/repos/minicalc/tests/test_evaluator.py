import pytest
from minicalc import DivisionByZeroError, DomainError, NameError_, evaluate


def test_evaluates_arithmetic_with_precedence():
    assert evaluate("1 + 2 * 3 - 4") == 3


def test_division_is_true_division():
    assert evaluate("7 / 2") == 3.5


def test_modulo_follows_sign_of_divisor():
    assert evaluate("7 % 3") == 1
    assert evaluate("-7 % 3") == 2


def test_power_is_right_associative_and_unary_minus_applies_last():
    assert evaluate("2 ** 3 ** 2") == 512
    assert evaluate("-2 ** 2") == -4
    assert evaluate("2 ** -1") == 0.5


def test_unary_plus_keeps_value():
    assert evaluate("+ -3") == -3


def test_let_binds_variable_for_later_statements():
    assert evaluate("let x = 3; let y = x + 1; x * y") == 12


def test_program_value_is_last_statement_even_a_let():
    assert evaluate("1; let z = 5") == 5


def test_env_supplies_variables():
    assert evaluate("rate * hours", {"rate": 10, "hours": 4}) == 40


def test_env_is_updated_by_let():
    env = {"a": 1}
    evaluate("let b = a + 1; let a = 10", env)
    assert env == {"a": 10, "b": 2}


def test_comparisons_return_booleans():
    assert evaluate("2 < 3") is True
    assert evaluate("3 < 2") is False
    assert evaluate("4 > 3") is True
    assert evaluate("2 > 3") is False
    assert evaluate("2 <= 1") is False
    assert evaluate("2 >= 3") is False


def test_strict_and_inclusive_comparisons_of_equal_values():
    assert evaluate("3 < 3") is False
    assert evaluate("3 > 3") is False
    assert evaluate("3 <= 3") is True
    assert evaluate("3 >= 3") is True


def test_equality_comparisons():
    assert evaluate("3 == 3.0") is True
    assert evaluate("3 == 4") is False
    assert evaluate("3 != 3") is False
    assert evaluate("3 != 4") is True


def test_comparison_chains_require_every_link_and_stop_at_first_false_one():
    assert evaluate("1 < 2 < 3") is True
    assert evaluate("1 < 3 < 2") is False
    assert evaluate("3 > 2 > 2") is False
    assert evaluate("2 < 1 < missing") is False


def test_and_or_not_return_booleans():
    assert evaluate("1 and 2") is True
    assert evaluate("0 or 0") is False
    assert evaluate("not 0") is True
    assert evaluate("not 5") is False


def test_and_or_short_circuit():
    assert evaluate("0 and missing") is False
    assert evaluate("1 or missing") is True


def test_if_picks_branch_by_truthiness_and_evaluates_only_that_branch():
    assert evaluate("if 0 then missing else 2") == 2
    assert evaluate("if 0.5 then 1 else missing") == 1


def test_unknown_variable_raises_name_error_with_position():
    with pytest.raises(NameError_) as info:
        evaluate("let a = 1;\na + bee")
    assert (info.value.line, info.value.column) == (2, 5)
    assert info.value.message == "unknown variable 'bee'"


def test_division_and_modulo_by_zero_report_operator_column():
    with pytest.raises(DivisionByZeroError) as info:
        evaluate("1 + 4 / (2 - 2)")
    assert info.value.column == 7
    with pytest.raises(DivisionByZeroError) as info:
        evaluate("5 % 0.0")
    assert info.value.column == 3


def test_zero_to_negative_power_raises_division_by_zero():
    with pytest.raises(DivisionByZeroError) as info:
        evaluate("0 ** -1")
    assert info.value.message == "zero to a negative power"


def test_zero_to_non_negative_power():
    assert evaluate("0 ** 0") == 1
    assert evaluate("0 ** 0.5") == 0.0


def test_fractional_power_of_negative_number_raises_domain_error():
    with pytest.raises(DomainError):
        evaluate("(-1) ** 0.5")
    assert evaluate("(-2) ** 3") == -8


def test_overflowing_power_raises_domain_error():
    with pytest.raises(DomainError) as info:
        evaluate("10.0 ** 400")
    assert info.value.message == "result too large"
