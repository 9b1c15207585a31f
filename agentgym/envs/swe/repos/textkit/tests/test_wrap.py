import pytest
from textkit import align, fill, justify, truncate, wrap

FOX = "the quick brown fox jumps over the lazy dog"


def test_wrap_fills_lines_up_to_and_including_width():
    assert wrap(FOX, 10) == ["the quick", "brown fox", "jumps over", "the lazy", "dog"]
    assert wrap("abc def ghi", 7) == ["abc def", "ghi"]


def test_wrap_collapses_whitespace():
    assert wrap("  a \n\n b\tc  ", 80) == ["a b c"]
    assert wrap("   ", 10) == []


def test_wrap_breaks_long_words_when_asked():
    assert wrap("abcdefghijkl xy", 5) == ["abcde", "fghij", "kl xy"]
    assert wrap("abcdefghij", 5) == ["abcde", "fghij"]


def test_wrap_keeps_long_words_whole_when_breaking_disabled():
    assert wrap("ab abcdefghij cd", 5, break_long_words=False) == ["ab", "abcdefghij", "cd"]


def test_wrap_counts_indentation_in_width():
    assert wrap("aaa bbb ccc", 8, indent="  ") == ["  aaa", "  bbb", "  ccc"]


def test_wrap_uses_subsequent_indent_after_first_line():
    assert wrap("one two three four", 10, indent="* ", subsequent_indent="") == ["* one two", "three four"]


def test_wrap_measures_room_of_each_new_line():
    assert wrap("aaaa bbbbbb", 8, subsequent_indent=">>>>") == ["aaaa", ">>>>bbbb", ">>>>bb"]
    assert wrap("abcdefghij", 6, indent="1234", subsequent_indent="-") == ["1234ab", "-cdefg", "-hij"]


def test_wrap_rejects_width_not_larger_than_indent():
    with pytest.raises(ValueError):
        wrap("text", 3, indent="...")
    with pytest.raises(ValueError):
        wrap("text", 4, subsequent_indent="....")


def test_fill_joins_lines_with_newlines():
    assert fill("aa bb cc", 5) == "aa bb\ncc"
    assert fill("aa bb", 6, indent="> ", break_long_words=False) == "> aa\n> bb"


def test_justify_pads_gaps_left_first_and_leaves_last_line():
    assert justify(FOX, 16) == ["the  quick brown", "fox  jumps  over", "the lazy dog"]


def test_justify_leaves_lines_without_gaps_alone():
    assert justify("alpha beta", 6) == ["alpha", "beta"]
    assert justify("abcdefgh ij kl", 5, break_long_words=False) == ["abcdefgh", "ij kl"]


def test_align_pads_left_right_and_center():
    assert align("ab", 5) == "ab   "
    assert align("abcd", 5, "right") == " abcd"
    assert align("ab", 7, "center", "*") == "**ab***"


def test_align_returns_long_line_unchanged():
    assert align("abcdef", 4, "center") == "abcdef"
    assert align("abcdef", 6, "right") == "abcdef"


def test_align_rejects_unknown_alignment():
    with pytest.raises(ValueError):
        align("x", 4, "middle")


def test_truncate_cuts_at_word_boundary():
    assert truncate(FOX, 18) == "the quick brown..."
    assert truncate(FOX, 17) == "the quick..."


def test_truncate_keeps_text_that_fits():
    assert truncate("short  text", 10) == "short text"


def test_truncate_cuts_first_word_when_nothing_fits():
    assert truncate("extraordinary things", 8, placeholder="~") == "extraor~"
    assert truncate("abcdef", 3) == "..."


def test_truncate_rejects_width_below_placeholder():
    with pytest.raises(ValueError):
        truncate("some long text", 2)
