import pytest
from collectkit import PriorityQueue


def run_scripted_operations(queue, seed, steps=300):
    """Drive ``queue`` and a plain-dict reference model with the same pseudo-random (LCG) operations."""
    reference = {}  # item -> (priority, insertion number)
    inserted = 0
    got, want = [], []
    state = seed
    for _ in range(steps):
        state = (state * 1103515245 + 12345) % 2**31
        item, priority, action = f"k{state % 16}", (state >> 8) % 25, (state >> 16) % 5
        if action <= 1:
            if item not in reference:
                queue.push(item, priority)
                reference[item] = (priority, inserted)
                inserted += 1
        elif action == 2:
            queue.update(item, priority)
            if item in reference:
                reference[item] = (priority, reference[item][1])
            else:
                reference[item] = (priority, inserted)
                inserted += 1
        elif action == 3 and reference:
            best = min(reference, key=reference.get)
            want.append((best, reference.pop(best)[0]))
            got.append(queue.pop())
        elif action == 4 and item in reference:
            want.append((item, reference.pop(item)[0]))
            got.append((item, queue.remove(item)))
    return got, want, reference


def drain(queue):
    out = []
    while queue:
        out.append(queue.pop())
    return out


def test_pop_returns_items_in_ascending_priority():
    queue = PriorityQueue()
    for item, priority in [("a", 1), ("e", 10), ("b", 2), ("f", 11), ("c", 3), ("g", 20), ("h", 30), ("d", 4)]:
        queue.push(item, priority)
    assert drain(queue) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 10), ("f", 11), ("g", 20), ("h", 30)]
    assert len(queue) == 0


def test_equal_priorities_pop_in_insertion_order():
    queue = PriorityQueue()
    for item in ["first", "second", "third", "fourth"]:
        queue.push(item, 1)
    queue.push("zero", 0)
    assert [item for item, _ in drain(queue)] == ["zero", "first", "second", "third", "fourth"]


def test_peek_shows_minimum_without_removing():
    queue = PriorityQueue()
    queue.push("b", 2)
    queue.push("a", 1)
    assert queue.peek() == ("a", 1)
    assert len(queue) == 2


def test_empty_queue_pop_and_peek_raise_index_error():
    queue = PriorityQueue()
    with pytest.raises(IndexError, match="empty priority queue"):
        queue.pop()
    with pytest.raises(IndexError, match="empty priority queue"):
        queue.peek()
    assert not queue


def test_pushing_duplicate_item_is_rejected():
    queue = PriorityQueue()
    queue.push("a", 1)
    with pytest.raises(ValueError):
        queue.push("a", 2)


def test_decrease_key_moves_item_to_front():
    queue = PriorityQueue()
    for i in range(8):
        queue.push(f"n{i}", 10 + i)
    queue.decrease_key("n7", 1)
    assert queue.peek() == ("n7", 1)
    assert queue.priority("n7") == 1


def test_decrease_key_refuses_higher_priority_and_unknown_item():
    queue = PriorityQueue()
    queue.push("a", 5)
    with pytest.raises(ValueError):
        queue.decrease_key("a", 6)
    with pytest.raises(KeyError):
        queue.decrease_key("missing", 1)
    queue.decrease_key("a", 5)
    assert queue.priority("a") == 5


def test_update_can_raise_priority_and_sink_item():
    queue = PriorityQueue()
    for item, priority in [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]:
        queue.push(item, priority)
    queue.update("a", 10)
    assert [item for item, _ in drain(queue)] == ["b", "c", "d", "e", "a"]


def test_update_inserts_missing_item():
    queue = PriorityQueue()
    queue.push("a", 3)
    queue.update("b", 1)
    assert "b" in queue
    assert queue.pop() == ("b", 1)


def test_remove_from_middle_keeps_heap_order():
    queue = PriorityQueue()
    for item, priority in [("a", 1), ("b", 5), ("c", 2), ("d", 6), ("e", 7), ("f", 3), ("g", 4)]:
        queue.push(item, priority)
    assert queue.remove("d") == 6
    assert "d" not in queue
    assert drain(queue) == [("a", 1), ("c", 2), ("f", 3), ("g", 4), ("b", 5), ("e", 7)]
    with pytest.raises(KeyError):
        queue.remove("d")


def test_pseudo_random_operations_match_reference_model():
    for seed in (9, 49):
        queue = PriorityQueue()
        got, want, reference = run_scripted_operations(queue, seed)
        assert got == want
        assert {item: queue.priority(item) for item in reference} == {k: v[0] for k, v in reference.items()}
        assert len(queue) == len(reference)
