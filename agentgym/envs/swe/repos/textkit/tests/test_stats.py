from textkit import TextStats, average_word_length, most_common, sentence_count, summarize, word_count, words


def test_words_are_lowercased_alphanumeric_runs():
    assert words("Hello, World! 42 times") == ["hello", "world", "42", "times"]


def test_words_keep_inner_apostrophes_only():
    assert words("Don't 'quote' it'") == ["don't", "quote", "it"]
    assert words("it's") == ["it's"]


def test_word_count_counts_words():
    assert word_count("one, two -- three") == 3
    assert word_count("") == 0


def test_sentence_count_counts_terminated_sentences():
    assert sentence_count("Hi there. How are you?! Fine") == 3
    assert sentence_count("Wait... what?") == 2


def test_sentence_count_ignores_stray_punctuation_and_spaces():
    assert sentence_count("... Wait!!") == 1
    assert sentence_count("?!") == 0
    assert sentence_count("Done.  \n") == 1


def test_average_word_length_is_rounded():
    assert average_word_length("a bb ccc dd") == 2.0
    assert average_word_length("ab abc abcd") == 3.0
    assert average_word_length("a ab ab") == 1.67
    assert average_word_length(" !! ") == 0.0


def test_most_common_orders_by_count():
    assert most_common("a b b c c c d d d d") == [("d", 4), ("c", 3), ("b", 2), ("a", 1)]


def test_most_common_breaks_ties_by_first_appearance():
    assert most_common("pear fig apple fig apple pear kiwi") == [("pear", 2), ("fig", 2), ("apple", 2), ("kiwi", 1)]
    assert most_common("a b b c c") == [("b", 2), ("c", 2), ("a", 1)]


def test_most_common_limits_to_n():
    assert most_common("x y y z z z", 2) == [("z", 3), ("y", 2)]
    assert most_common("x y", 0) == []
    assert most_common("x y", -1) == []


def test_most_common_skips_stopwords():
    assert most_common("the cat and the hat", stopwords=frozenset({"the", "and"})) == [("cat", 1), ("hat", 1)]


def test_summarize_reports_all_numbers():
    assert summarize("The cat sat. The cat ran away!") == TextStats(
        words=7,
        unique_words=5,
        sentences=2,
        characters=24,
        average_word_length=3.14,
        longest_word="away",
    )
    assert summarize("ab cd ef").longest_word == "ab"
