import pytest
from tinyconf import ConfigError, format_value, parse_value


def test_integers_with_and_without_sign():
    assert parse_value("42") == 42
    assert parse_value("-7") == -7
    assert parse_value("+3") == 3


def test_floats_including_exponent_forms():
    assert parse_value("3.5") == 3.5
    assert parse_value("-0.25") == -0.25
    assert parse_value(".5") == 0.5
    assert parse_value("1e3") == 1000.0
    assert isinstance(parse_value("1e3"), float)


def test_boolean_words_are_case_insensitive():
    assert parse_value("yes") is True
    assert parse_value("On") is True
    assert parse_value("TRUE") is True
    assert parse_value("no") is False
    assert parse_value("off") is False
    assert parse_value("False") is False


def test_unrecognised_text_stays_a_bare_string():
    assert parse_value("hello world") == "hello world"
    assert parse_value("nan") == "nan"
    assert parse_value("12abc") == "12abc"
    assert parse_value("   ") == ""


def test_double_quoted_string_with_escapes():
    assert parse_value('"a\\tb\\nc"') == "a\tb\nc"
    assert parse_value('"say \\"hi\\""') == 'say "hi"'
    assert parse_value('"back\\\\slash"') == "back\\slash"


def test_quoted_strings_keep_typed_looking_text_as_strings():
    assert parse_value('"42"') == "42"
    assert parse_value("'yes'") == "yes"
    assert parse_value("'it\\'s'") == "it's"


def test_bad_quoted_strings_raise_config_error():
    with pytest.raises(ConfigError, match="unterminated string"):
        parse_value('"open', line=4)
    with pytest.raises(ConfigError, match="invalid escape"):
        parse_value('"bad \\q"')
    with pytest.raises(ConfigError, match="invalid escape"):
        parse_value('"trailing\\')
    with pytest.raises(ConfigError, match="unterminated string"):
        parse_value('"ends with escaped quote\\"')
    with pytest.raises(ConfigError, match="after closing quote"):
        parse_value('"a"b')


def test_lists_of_mixed_values():
    assert parse_value("[1, 2.5, yes, name]") == [1, 2.5, True, "name"]
    assert parse_value("[]") == []
    assert parse_value("[ ]") == []


def test_list_items_with_commas_inside_quotes_and_nested_lists():
    assert parse_value('["a, b", c]') == ["a, b", "c"]
    assert parse_value("[[1, 2], [3], []]") == [[1, 2], [3], []]
    assert parse_value('["\\"", b]') == ['"', "b"]
    assert parse_value("[1,2,3]") == [1, 2, 3]


def test_list_allows_single_trailing_comma():
    assert parse_value("[1, 2,]") == [1, 2]
    assert parse_value("[x,]") == ["x"]


def test_malformed_lists_raise_config_error():
    with pytest.raises(ConfigError, match="unterminated list"):
        parse_value("[1, 2")
    with pytest.raises(ConfigError, match="empty list item"):
        parse_value("[1, , 2]")
    with pytest.raises(ConfigError, match="unbalanced"):
        parse_value("[[1, 2]")
    with pytest.raises(ConfigError, match="unbalanced"):
        parse_value("[1], [2]")
    with pytest.raises(ConfigError, match="unbalanced"):
        parse_value('["a]')


def test_format_scalars():
    assert format_value(True) == "true"
    assert format_value(False) == "false"
    assert format_value(-12) == "-12"
    assert format_value(2.5) == "2.5"
    assert format_value(3.0) == "3.0"


def test_format_strings_bare_when_safe_and_quoted_otherwise():
    assert format_value("localhost") == "localhost"
    assert format_value("/var/log") == "/var/log"
    assert format_value("two words") == '"two words"'
    assert format_value("yes") == '"yes"'
    assert format_value("") == '""'


def test_format_escapes_special_characters_in_quoted_strings():
    assert format_value('a"b') == '"a\\"b"'
    assert format_value("x\\y") == '"x\\\\y"'
    assert format_value("l1\nl2\tz") == '"l1\\nl2\\tz"'
    assert format_value("cost $5") == '"cost $$5"'


def test_format_lists_recursively():
    assert format_value([1, "a b", [True]]) == '[1, "a b", [true]]'


def test_format_rejects_unsupported_and_non_finite_values():
    with pytest.raises(ConfigError):
        format_value(float("inf"))
    with pytest.raises(ConfigError):
        format_value({"a": 1})
