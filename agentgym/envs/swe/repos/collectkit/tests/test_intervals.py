import pytest
from collectkit import IntervalSet


def test_add_keeps_disjoint_intervals_sorted():
    s = IntervalSet()
    s.add(10, 12)
    s.add(1, 3)
    s.add(5, 7)
    assert s.intervals() == [(1, 3), (5, 7), (10, 12)]
    assert list(s) == [(1, 3), (5, 7), (10, 12)]
    assert len(s) == 3


def test_add_merges_overlapping_intervals():
    s = IntervalSet([(1, 4), (6, 9)])
    s.add(3, 7)
    assert s.intervals() == [(1, 9)]


def test_add_merges_adjacent_intervals():
    s = IntervalSet([(1, 3)])
    s.add(3, 5)
    s.add(0, 1)
    assert s.intervals() == [(0, 5)]


def test_add_swallowing_several_intervals():
    s = IntervalSet([(2, 3), (5, 6), (8, 9), (20, 21)])
    s.add(0, 10)
    assert s.intervals() == [(0, 10), (20, 21)]


def test_add_inside_existing_interval_changes_nothing():
    s = IntervalSet([(0, 10)])
    s.add(2, 5)
    s.add(4, 4)
    assert s.intervals() == [(0, 10)]
    empty = IntervalSet()
    empty.add(3, 3)
    assert empty.intervals() == []


def test_reversed_interval_is_rejected():
    s = IntervalSet()
    with pytest.raises(ValueError):
        s.add(5, 1)
    with pytest.raises(ValueError):
        s.remove(3, 2)
    for check in (s.covers, s.overlaps, s.gaps):
        with pytest.raises(ValueError):
            check(9, 8)


def test_remove_splits_interval():
    s = IntervalSet([(0, 10)])
    s.remove(3, 6)
    assert s.intervals() == [(0, 3), (6, 10)]


def test_remove_trims_edges_and_drops_covered_intervals():
    s = IntervalSet([(0, 4), (6, 8), (10, 15)])
    s.remove(2, 12)
    assert s.intervals() == [(0, 2), (12, 15)]
    s.remove(12, 15)
    assert s.intervals() == [(0, 2)]


def test_remove_empty_or_disjoint_range_changes_nothing():
    s = IntervalSet([(0, 4)])
    s.remove(2, 2)
    s.remove(4, 9)
    assert s.intervals() == [(0, 4)]


def test_contains_uses_half_open_bounds():
    s = IntervalSet([(1, 3), (5, 6)])
    assert s.contains(1)
    assert s.contains(2)
    assert not s.contains(3)
    assert not s.contains(0)
    assert s.contains(5)
    assert not s.contains(6)


def test_covers_requires_single_enclosing_interval():
    s = IntervalSet([(0, 5), (6, 10)])
    assert s.covers(1, 5)
    assert s.covers(6, 10)
    assert not s.covers(4, 7)
    assert not s.covers(9, 11)
    assert s.covers(20, 20)


def test_overlaps_detects_any_shared_point():
    s = IntervalSet([(5, 10)])
    assert s.overlaps(0, 6)
    assert s.overlaps(9, 20)
    assert not s.overlaps(0, 5)
    assert not s.overlaps(10, 12)
    assert s.overlaps(7, 7) is False


def test_total_length_sums_interval_lengths():
    s = IntervalSet([(0, 3), (10, 20)])
    assert s.total_length() == 13
    s.add(2, 11)
    assert s.total_length() == 20
    assert IntervalSet().total_length() == 0


def test_gaps_lists_uncovered_parts_of_range():
    s = IntervalSet([(2, 4), (6, 8), (12, 14)])
    assert s.gaps(0, 10) == [(0, 2), (4, 6), (8, 10)]
    assert s.gaps(3, 7) == [(4, 6)]
    assert s.gaps(12, 14) == []
