import pytest
from collectkit import RingBuffer


def test_append_below_capacity_keeps_insertion_order():
    ring = RingBuffer(3)
    assert ring.append(1) is None
    ring.append(2)
    assert list(ring) == [1, 2]
    assert len(ring) == 2
    assert not ring.is_full()


def test_append_when_full_overwrites_oldest_and_returns_it():
    ring = RingBuffer(3)
    ring.extend([1, 2, 3])
    assert ring.is_full()
    assert ring.append(4) == 1
    assert ring.append(5) == 2
    assert list(ring) == [3, 4, 5]
    assert len(ring) == 3


def test_indexing_counts_from_oldest_after_wraparound():
    ring = RingBuffer(4)
    ring.extend(range(10))
    assert [ring[i] for i in range(4)] == [6, 7, 8, 9]
    assert ring[-1] == 9
    assert ring[-4] == 6


def test_index_out_of_range_raises():
    ring = RingBuffer(3)
    ring.extend([1, 2])
    with pytest.raises(IndexError):
        ring[2]
    with pytest.raises(IndexError):
        ring[-3]


def test_setitem_replaces_element_at_logical_index():
    ring = RingBuffer(3)
    ring.extend([1, 2, 3, 4])
    ring[0] = "x"
    ring[-1] = "y"
    assert list(ring) == ["x", 3, "y"]


def test_pop_removes_newest_element():
    ring = RingBuffer(3)
    ring.extend([1, 2, 3, 4])
    assert ring.pop() == 4
    assert ring.pop() == 3
    assert list(ring) == [2]
    ring.append(9)
    assert list(ring) == [2, 9]


def test_popleft_removes_oldest_element():
    ring = RingBuffer(3)
    ring.extend([1, 2, 3, 4, 5])
    assert ring.popleft() == 3
    assert list(ring) == [4, 5]
    ring.extend([6, 7])
    assert list(ring) == [5, 6, 7]
    fresh = RingBuffer(4)
    fresh.extend([1, 2, 3])
    assert fresh.popleft() == 1
    assert fresh.popleft() == 2
    assert list(fresh) == [3]


def test_pop_from_empty_buffer_raises():
    ring = RingBuffer(2)
    with pytest.raises(IndexError):
        ring.pop()
    with pytest.raises(IndexError):
        ring.popleft()


def test_clear_resets_buffer():
    ring = RingBuffer(2)
    ring.extend([1, 2, 3])
    ring.clear()
    assert len(ring) == 0
    assert list(ring) == []
    ring.append(8)
    assert ring[0] == 8


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        RingBuffer(0)
    single = RingBuffer(1)
    single.extend([1, 2])
    assert list(single) == [2]


def test_repr_lists_items_oldest_first():
    ring = RingBuffer(2)
    ring.extend("abc")
    assert repr(ring) == "RingBuffer(['b', 'c'], capacity=2)"
