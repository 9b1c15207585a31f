from collectkit import Trie


def test_insert_and_contains_exact_words_only():
    trie = Trie(["car", "cart"])
    assert "car" in trie
    assert "cart" in trie
    assert "ca" not in trie
    assert "carts" not in trie
    assert 5 not in trie


def test_insert_duplicate_returns_false_and_keeps_size():
    trie = Trie()
    assert trie.insert("dog") is True
    assert trie.insert("dog") is False
    assert len(trie) == 1


def test_starts_with_checks_prefixes():
    trie = Trie(["apple", "apply"])
    assert trie.starts_with("app")
    assert trie.starts_with("apple")
    assert not trie.starts_with("apx")
    assert not Trie().starts_with("")


def test_count_prefix_counts_words_below_prefix():
    trie = Trie(["tea", "ten", "team", "to", "inn"])
    assert trie.count_prefix("te") == 3
    assert trie.count_prefix("tea") == 2
    assert trie.count_prefix("") == 5
    assert trie.count_prefix("z") == 0


def test_words_with_prefix_are_sorted():
    trie = Trie(["banana", "band", "ban", "bandana", "apple", "bank"])
    assert trie.words_with_prefix("ban") == ["ban", "banana", "band", "bandana", "bank"]
    assert trie.words_with_prefix("c") == []
    assert trie.words_with_prefix() == ["apple", "ban", "banana", "band", "bandana", "bank"]


def test_words_with_prefix_respects_limit():
    trie = Trie(["aa", "ab", "ac", "ad"])
    assert trie.words_with_prefix("a", limit=2) == ["aa", "ab"]
    assert trie.words_with_prefix("a", limit=0) == []


def test_delete_removes_word_but_keeps_longer_words():
    trie = Trie(["car", "cart"])
    assert trie.delete("car") is True
    assert "car" not in trie
    assert "cart" in trie
    assert len(trie) == 1
    assert trie.count_prefix("car") == 1


def test_delete_prunes_unused_branch_nodes():
    trie = Trie(["car", "cat"])
    assert trie.node_count() == 4
    assert trie.delete("cat") is True
    assert trie.node_count() == 3
    assert trie.delete("car") is True
    assert trie.node_count() == 0
    assert len(trie) == 0


def test_delete_missing_word_returns_false():
    trie = Trie(["card"])
    assert trie.delete("car") is False
    assert trie.delete("cards") is False
    assert len(trie) == 1
    assert trie.node_count() == 4


def test_empty_string_can_be_stored_and_deleted():
    trie = Trie([""])
    assert "" in trie
    assert len(trie) == 1
    assert trie.delete("") is True
    assert "" not in trie


def test_longest_prefix_of_finds_longest_stored_word():
    trie = Trie(["a", "ab", "abcd"])
    assert trie.longest_prefix_of("abcx") == "ab"
    assert trie.longest_prefix_of("abcde") == "abcd"
    assert trie.longest_prefix_of("b") is None
    assert Trie([""]).longest_prefix_of("zz") == ""
