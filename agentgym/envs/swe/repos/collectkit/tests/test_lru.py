import pytest
from collectkit import LRUCache


def test_get_returns_stored_value_and_counts_hit():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.hits == 1
    assert cache.misses == 0


def test_get_missing_key_returns_default_and_counts_miss():
    cache = LRUCache(2)
    assert cache.get("x") is None
    assert cache.get("x", 7) == 7
    assert cache.misses == 2
    assert cache.hits == 0


def test_put_evicts_least_recently_used_key_when_full():
    cache = LRUCache(2)
    assert cache.put("a", 1) is None
    assert cache.put("b", 2) is None
    assert cache.put("c", 3) == "a"
    assert "a" not in cache
    assert "b" in cache
    assert cache.keys() == ["c", "b"]
    assert cache.evictions == 1


def test_get_refreshes_recency_so_other_key_is_evicted():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    assert cache.put("c", 3) == "b"
    assert cache.keys() == ["c", "a"]


def test_put_existing_key_updates_value_without_eviction():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.put("a", 10) is None
    assert len(cache) == 2
    assert cache.peek("a") == 10
    assert cache.keys() == ["a", "b"]
    assert cache.evictions == 0


def test_peek_does_not_change_order_or_statistics():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.peek("a") == 1
    assert cache.peek("zz", "none") == "none"
    assert cache.hits == 0 and cache.misses == 0
    assert cache.put("c", 3) == "a"


def test_hit_rate_is_ratio_of_hits_to_lookups():
    cache = LRUCache(3)
    assert cache.hit_rate() == 0.0
    cache.put("a", 1)
    cache.get("a")
    cache.get("a")
    cache.get("a")
    cache.get("b")
    assert cache.hit_rate() == 0.75


def test_pop_removes_key_and_returns_value():
    cache = LRUCache(3)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.pop("b") == 2
    assert cache.keys() == ["c", "a"]
    assert len(cache) == 2
    with pytest.raises(KeyError):
        cache.pop("b")


def test_resize_smaller_evicts_oldest_first():
    cache = LRUCache(4)
    for i, key in enumerate("abcd"):
        cache.put(key, i)
    assert cache.resize(2) == ["a", "b"]
    assert cache.keys() == ["d", "c"]
    assert cache.capacity == 2
    assert cache.evictions == 2
    assert cache.resize(1) == ["c"]
    assert cache.keys() == ["d"]


def test_resize_larger_keeps_everything():
    cache = LRUCache(1)
    cache.put("a", 1)
    assert cache.resize(3) == []
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.keys() == ["c", "b", "a"]


def test_clear_empties_cache_but_keeps_statistics():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.get("a")
    cache.clear()
    assert len(cache) == 0
    assert cache.keys() == []
    assert cache.hits == 1
    cache.put("b", 2)
    assert cache.keys() == ["b"]


def test_capacity_below_one_is_rejected():
    with pytest.raises(ValueError):
        LRUCache(0)
    cache = LRUCache(1)
    with pytest.raises(ValueError):
        cache.resize(0)
