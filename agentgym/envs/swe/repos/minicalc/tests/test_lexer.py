import pytest
from minicalc import ParseError, tokenize


def kinds_and_values(source):
    return [(t.kind, t.value) for t in tokenize(source)]


def test_tokenize_reads_integers_and_floats():
    assert kinds_and_values("12 3.5 .25") == [("number", 12), ("number", 3.5), ("number", 0.25), ("eof", "")]
    assert tokenize(".5")[0].value == 0.5
    assert type(tokenize("42")[0].value) is int
    assert type(tokenize("42.0")[0].value) is float


def test_tokenize_reads_exponents():
    assert [t.value for t in tokenize("1e3 2.5E-2 4e+1")[:3]] == [1000.0, 0.025, 40.0]


def test_tokenize_separates_keywords_from_names():
    assert kinds_and_values("let x_1 if iffy not") == [
        ("keyword", "let"),
        ("name", "x_1"),
        ("keyword", "if"),
        ("name", "iffy"),
        ("keyword", "not"),
        ("eof", ""),
    ]


def test_tokenize_prefers_two_character_operators():
    ops = [t.value for t in tokenize("a<=b**c>=d==e!=f<g>h=i*j;")][1:-1:2]
    assert ops == ["<=", "**", ">=", "==", "!=", "<", ">", "=", "*", ";"]


def test_tokenize_reads_punctuation():
    assert [t.value for t in tokenize("f(a,b)%2")] == ["f", "(", "a", ",", "b", ")", "%", 2, ""]


def test_tokenize_tracks_lines_and_columns():
    tokens = tokenize("a +\n  bc")
    assert [(t.value, t.line, t.column) for t in tokens] == [("a", 1, 1), ("+", 1, 3), ("bc", 2, 3), ("", 2, 5)]


def test_tokenize_skips_comments_up_to_end_of_line():
    tokens = tokenize("1 # a\n# whole line\n2")
    assert [(t.value, t.line, t.column) for t in tokens] == [(1, 1, 1), (2, 3, 1), ("", 3, 2)]


def test_tokenize_rejects_unknown_character_with_position():
    with pytest.raises(ParseError) as info:
        tokenize("1 +\n 2 $ 3")
    assert (info.value.line, info.value.column) == (2, 4)
    assert str(info.value) == "unexpected character '$' at line 2, column 4"


def test_tokenize_rejects_number_with_dot_but_no_digits():
    with pytest.raises(ParseError) as info:
        tokenize("x + 3.")
    assert info.value.column == 5


def test_tokenize_rejects_exponent_without_digits():
    with pytest.raises(ParseError):
        tokenize("2e+")
    with pytest.raises(ParseError):
        tokenize("1e")


def test_tokenize_rejects_dot_not_followed_by_digit():
    with pytest.raises(ParseError) as info:
        tokenize("x.")
    assert info.value.message == "unexpected character '.'"
