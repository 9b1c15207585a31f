"""A fixed-capacity ring buffer that overwrites its oldest element when full."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


class RingBuffer:
    """Circular buffer indexed from oldest (0) to newest (-1)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items: list[Any] = [None] * capacity
        self._start = 0
        self._size = 0

    def _physical(self, index: int) -> int:
        """Translate a logical index (negative allowed) to a slot in storage."""
        if index < 0:
            index += self._size
        if index < 0 or index >= self._size:
            raise IndexError("ring buffer index out of range")
        return (self._start + index) % self.capacity

    def append(self, value: Any) -> Any:
        """Add ``value`` as the newest element; return the overwritten element or None."""
        if self._size < self.capacity:
            self._items[(self._start + self._size) % self.capacity] = value
            self._size += 1
            return None
        overwritten = self._items[self._start]
        self._items[self._start] = value
        self._start = (self._start + 1) % self.capacity
        return overwritten

    def extend(self, values: Iterable[Any]) -> None:
        """Append each value in order."""
        for value in values:
            self.append(value)

    def pop(self) -> Any:
        """Remove and return the newest element."""
        if self._size == 0:
            raise IndexError("pop from an empty ring buffer")
        slot = (self._start + self._size - 1) % self.capacity
        value = self._items[slot]
        self._items[slot] = None
        self._size -= 1
        return value

    def popleft(self) -> Any:
        """Remove and return the oldest element."""
        if self._size == 0:
            raise IndexError("pop from an empty ring buffer")
        value = self._items[self._start]
        self._items[self._start] = None
        self._start = (self._start + 1) % self.capacity
        self._size -= 1
        return value

    def is_full(self) -> bool:
        """Return True when another append would overwrite an element."""
        return self._size == self.capacity

    def clear(self) -> None:
        """Remove every element."""
        self._items = [None] * self.capacity
        self._start = 0
        self._size = 0

    def __getitem__(self, index: int) -> Any:
        return self._items[self._physical(index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self._items[self._physical(index)] = value

    def __iter__(self) -> Iterator[Any]:
        for i in range(self._size):
            yield self._items[(self._start + i) % self.capacity]

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"RingBuffer({list(self)!r}, capacity={self.capacity})"
