"""A binary min-heap priority queue that supports changing an item's priority."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class PriorityQueue:
    """Min-priority queue of distinct items; equal priorities pop in insertion order."""

    def __init__(self) -> None:
        self._heap: list[list[Any]] = []  # entries: [priority, sequence, item]
        self._index: dict[Hashable, int] = {}
        self._counter = 0

    def _less(self, i: int, j: int) -> bool:
        a, b = self._heap[i], self._heap[j]
        if a[0] != b[0]:
            return a[0] < b[0]
        return a[1] < b[1]

    def _swap(self, i: int, j: int) -> None:
        self._heap[i], self._heap[j] = self._heap[j], self._heap[i]
        self._index[self._heap[i][2]] = i
        self._index[self._heap[j][2]] = j

    def _sift_up(self, i: int) -> None:
        while i > 0:
            parent = (i - 1) // 2
            if not self._less(i, parent):
                break
            self._swap(i, parent)
            i = parent

    def _sift_down(self, i: int) -> None:
        size = len(self._heap)
        while True:
            left = 2 * i + 1
            right = left + 1
            smallest = i
            if left < size and self._less(left, smallest):
                smallest = left
            if right < size and self._less(right, smallest):
                smallest = right
            if smallest == i:
                return
            self._swap(i, smallest)
            i = smallest

    def push(self, item: Hashable, priority: float) -> None:
        """Add ``item``; raise ``ValueError`` if it is already queued."""
        if item in self._index:
            raise ValueError(f"{item!r} is already in the queue")
        self._heap.append([priority, self._counter, item])
        self._counter += 1
        self._index[item] = len(self._heap) - 1
        self._sift_up(len(self._heap) - 1)

    def peek(self) -> tuple[Hashable, float]:
        """Return ``(item, priority)`` with the lowest priority without removing it."""
        if not self._heap:
            raise IndexError("peek from an empty priority queue")
        priority, _, item = self._heap[0]
        return item, priority

    def pop(self) -> tuple[Hashable, float]:
        """Remove and return ``(item, priority)`` with the lowest priority."""
        if not self._heap:
            raise IndexError("pop from an empty priority queue")
        return self._remove_at(0)

    def _remove_at(self, i: int) -> tuple[Hashable, float]:
        last = len(self._heap) - 1
        if i != last:
            self._swap(i, last)
        priority, _, item = self._heap.pop()
        del self._index[item]
        if i < len(self._heap):
            self._sift_down(i)
            self._sift_up(i)
        return item, priority

    def remove(self, item: Hashable) -> float:
        """Remove ``item`` from anywhere in the queue and return its priority."""
        if item not in self._index:
            raise KeyError(item)
        return self._remove_at(self._index[item])[1]

    def update(self, item: Hashable, priority: float) -> None:
        """Set the priority of ``item``, inserting it if it is not queued."""
        if item not in self._index:
            self.push(item, priority)
            return
        i = self._index[item]
        old = self._heap[i][0]
        self._heap[i][0] = priority
        if priority < old:
            self._sift_up(i)
        elif priority > old:
            self._sift_down(i)

    def decrease_key(self, item: Hashable, priority: float) -> None:
        """Lower the priority of a queued item; raise if it would increase."""
        if item not in self._index:
            raise KeyError(item)
        if priority > self.priority(item):
            raise ValueError("new priority is greater than the current one")
        self.update(item, priority)

    def priority(self, item: Hashable) -> float:
        """Return the current priority of ``item``."""
        return self._heap[self._index[item]][0]

    def __contains__(self, item: object) -> bool:
        return item in self._index

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return len(self._heap) > 0
