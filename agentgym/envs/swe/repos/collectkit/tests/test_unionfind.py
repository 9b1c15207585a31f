import pytest
from collectkit import UnionFind


def test_new_elements_are_separate_components():
    uf = UnionFind("abc")
    assert uf.components == 3
    assert len(uf) == 3
    assert not uf.connected("a", "b")
    assert uf.find("a") == "a"


def test_add_existing_element_returns_false():
    uf = UnionFind()
    assert uf.add(1) is True
    assert uf.add(1) is False
    assert uf.components == 1
    assert 1 in uf and 2 not in uf


def test_union_connects_and_reduces_component_count():
    uf = UnionFind(range(5))
    assert uf.union(0, 1) is True
    assert uf.union(3, 4) is True
    assert uf.components == 3
    assert uf.connected(0, 1)
    assert uf.connected(4, 3)
    assert not uf.connected(1, 3)


def test_union_of_already_connected_elements_returns_false():
    uf = UnionFind(range(3))
    uf.union(0, 1)
    uf.union(1, 2)
    assert uf.union(0, 2) is False
    assert uf.components == 1


def test_equal_rank_union_makes_first_root_parent_and_bumps_rank():
    uf = UnionFind("ab")
    uf.union("a", "b")
    assert uf.find("b") == "a"
    assert uf.rank("a") == 1
    assert uf.rank("b") == 0


def test_union_by_rank_attaches_shorter_tree_under_taller():
    uf = UnionFind("abc")
    uf.union("a", "b")
    uf.union("c", "a")
    assert uf.find("c") == "a"
    assert uf.rank("a") == 1
    assert uf.depth("c") == 1


def test_find_compresses_path_to_root():
    uf = UnionFind("abcd")
    uf.union("a", "b")
    uf.union("c", "d")
    uf.union("a", "c")
    assert uf.rank("a") == 2
    assert uf.depth("d") == 2
    assert uf.find("d") == "a"
    assert uf.depth("d") == 1


def test_component_size_tracks_merges():
    uf = UnionFind(range(6))
    uf.union(0, 1)
    uf.union(2, 3)
    uf.union(3, 4)
    uf.union(1, 4)
    assert uf.component_size(2) == 5
    assert uf.component_size(5) == 1


def test_groups_lists_components_in_insertion_order():
    uf = UnionFind(["x", "y", "z", "w"])
    uf.union("w", "x")
    uf.union("z", "y")
    assert uf.groups() == [["x", "w"], ["y", "z"]]


def test_find_unknown_element_raises_key_error():
    uf = UnionFind([1])
    with pytest.raises(KeyError):
        uf.find(2)
