"""A least-recently-used cache backed by a hash map and a doubly linked list."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class _Node:
    """One cache entry in the recency list."""

    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key: Hashable, value: Any) -> None:
        self.key = key
        self.value = value
        self.prev: _Node | None = None
        self.next: _Node | None = None


class LRUCache:
    """A bounded mapping that evicts the least recently used entry when full."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self._map: dict[Hashable, _Node] = {}
        self._head = _Node(None, None)  # most recent side
        self._tail = _Node(None, None)  # least recent side
        self._head.next = self._tail
        self._tail.prev = self._head

    def _unlink(self, node: _Node) -> None:
        node.prev.next = node.next
        node.next.prev = node.prev

    def _push_front(self, node: _Node) -> None:
        node.prev = self._head
        node.next = self._head.next
        self._head.next.prev = node
        self._head.next = node

    def _evict_oldest(self) -> Hashable:
        oldest = self._tail.prev
        self._unlink(oldest)
        del self._map[oldest.key]
        self.evictions += 1
        return oldest.key

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the value for ``key`` (marking it recently used) or ``default``."""
        node = self._map.get(key)
        if node is None:
            self.misses += 1
            return default
        self.hits += 1
        self._unlink(node)
        self._push_front(node)
        return node.value

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """Return the value for ``key`` without touching recency or statistics."""
        node = self._map.get(key)
        return default if node is None else node.value

    def put(self, key: Hashable, value: Any) -> Hashable | None:
        """Insert or replace ``key``; return the evicted key, if any."""
        node = self._map.get(key)
        if node is not None:
            node.value = value
            self._unlink(node)
            self._push_front(node)
            return None
        evicted = None
        if len(self._map) >= self.capacity:
            evicted = self._evict_oldest()
        node = _Node(key, value)
        self._map[key] = node
        self._push_front(node)
        return evicted

    def pop(self, key: Hashable) -> Any:
        """Remove ``key`` and return its value; raise ``KeyError`` if absent."""
        node = self._map.pop(key)
        self._unlink(node)
        return node.value

    def resize(self, capacity: int) -> list[Hashable]:
        """Change the capacity, evicting least recent keys; return them oldest first."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        evicted = []
        while len(self._map) > capacity:
            evicted.append(self._evict_oldest())
        return evicted

    def keys(self) -> list[Hashable]:
        """Return the keys from most to least recently used."""
        out = []
        node = self._head.next
        while node is not self._tail:
            out.append(node.key)
            node = node.next
        return out

    def hit_rate(self) -> float:
        """Return hits / lookups, or 0.0 before any lookup."""
        total = self.hits + self.misses
        if total == 0:
            return 0.0
        return self.hits / total

    def clear(self) -> None:
        """Drop every entry; statistics are kept."""
        self._map.clear()
        self._head.next = self._tail
        self._tail.prev = self._head

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __len__(self) -> int:
        return len(self._map)
