import pytest
from textkit import QuerySyntaxError, Term, matches, tokenize


def test_tokenize_splits_bare_words_on_whitespace():
    assert tokenize("  apple   pear ") == [Term("word", "apple"), Term("word", "pear")]
    assert tokenize("   ") == []


def test_tokenize_reads_quoted_phrase():
    assert tokenize('find "red apple" now') == [
        Term("word", "find"),
        Term("phrase", "red apple"),
        Term("word", "now"),
    ]
    assert tokenize('"a b"c') == [Term("phrase", "a b"), Term("word", "c")]


def test_tokenize_unescapes_quotes_and_backslashes_in_phrase():
    assert tokenize(r'"say \"hi\" \\ bye"') == [Term("phrase", 'say "hi" \\ bye')]


def test_tokenize_reads_field_with_lowercased_key_split_at_first_colon():
    assert tokenize("Color:Green x:1") == [Term("field", "Green", "color"), Term("field", "1", "x")]
    assert tokenize("time:10:30") == [Term("field", "10:30", "time")]


def test_tokenize_reads_field_with_quoted_value():
    assert tokenize('title:"war and peace" x') == [Term("field", "war and peace", "title"), Term("word", "x")]
    assert tokenize('k:"a b"') == [Term("field", "a b", "k")]


def test_tokenize_marks_negated_terms():
    assert tokenize('-pear -"bad apple" -color:red -x') == [
        Term("word", "pear", None, True),
        Term("phrase", "bad apple", None, True),
        Term("field", "red", "color", True),
        Term("word", "x", None, True),
    ]


def test_tokenize_keeps_lone_dash_and_incomplete_fields_as_words():
    assert tokenize("- foo: :bar size:") == [
        Term("word", "-"),
        Term("word", "foo:"),
        Term("word", ":bar"),
        Term("word", "size:"),
    ]
    assert tokenize("a -") == [Term("word", "a"), Term("word", "-")]
    assert tokenize(':"x"') == [Term("word", ":"), Term("phrase", "x")]


def test_tokenize_reports_position_of_unterminated_quote():
    with pytest.raises(QuerySyntaxError) as info:
        tokenize('ok "never closed')
    assert info.value.position == 3
    assert "unterminated quote at position 3" in str(info.value)
    with pytest.raises(QuerySyntaxError):
        tokenize(r'"a\"')
    with pytest.raises(QuerySyntaxError):
        tokenize('"abc\\')


def test_matches_requires_every_positive_word_as_whole_word():
    assert matches("red apple", "An apple that is RED")
    assert not matches("red apple", "a red pear")
    assert not matches("app", "an apple")


def test_matches_phrase_ignores_case_and_spacing():
    assert matches('"red   apple"', "A Red\napple pie")
    assert not matches('"red apple"', "apple red")


def test_matches_rejects_negated_terms():
    assert matches("apple -pear", "apple tart")
    assert not matches("apple -pear", "apple and pear")


def test_matches_compares_fields_and_treats_missing_as_empty():
    fields = {"color": "Dark  Green", "size": "L"}
    assert matches('color:"dark green" size:l', "", fields)
    assert not matches("color:green", "", fields)
    assert matches("-size:xl", "", fields)
    assert not matches("color:red", "red")
    assert matches("-color:red", "red")
