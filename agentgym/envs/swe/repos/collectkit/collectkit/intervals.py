"""A set of integers stored as sorted, disjoint, half-open intervals ``[start, end)``."""

from __future__ import annotations

from collections.abc import Iterator


def _check(start: int, end: int) -> None:
    if start > end:
        raise ValueError(f"interval start {start} is after end {end}")


class IntervalSet:
    """Sorted disjoint half-open intervals; touching intervals are merged."""

    def __init__(self, intervals: list[tuple[int, int]] | None = None) -> None:
        self._spans: list[tuple[int, int]] = []
        for start, end in intervals or []:
            self.add(start, end)

    def _first_reaching(self, point: int) -> int:
        """Index of the first interval whose end is >= ``point`` (binary search)."""
        lo, hi = 0, len(self._spans)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._spans[mid][1] < point:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def add(self, start: int, end: int) -> None:
        """Add ``[start, end)``, merging with overlapping or adjacent intervals."""
        _check(start, end)
        if start == end:
            return
        i = self._first_reaching(start)
        j = i
        while j < len(self._spans) and self._spans[j][0] <= end:
            start = min(start, self._spans[j][0])
            end = max(end, self._spans[j][1])
            j += 1
        self._spans[i:j] = [(start, end)]

    def remove(self, start: int, end: int) -> None:
        """Remove every point in ``[start, end)``, splitting intervals as needed."""
        _check(start, end)
        if start == end:
            return
        kept: list[tuple[int, int]] = []
        for s, e in self._spans:
            if e <= start or s >= end:
                kept.append((s, e))
                continue
            if s < start:
                kept.append((s, start))
            if e > end:
                kept.append((end, e))
        self._spans = kept

    def contains(self, point: int) -> bool:
        """Return True when ``point`` lies inside one of the intervals."""
        i = self._first_reaching(point + 1)
        return i < len(self._spans) and self._spans[i][0] <= point

    def covers(self, start: int, end: int) -> bool:
        """Return True when all of ``[start, end)`` is inside a single interval."""
        _check(start, end)
        if start == end:
            return True
        i = self._first_reaching(end)
        return i < len(self._spans) and self._spans[i][0] <= start

    def overlaps(self, start: int, end: int) -> bool:
        """Return True when any point of ``[start, end)`` is in the set."""
        _check(start, end)
        if start == end:
            return False
        i = self._first_reaching(start + 1)
        return i < len(self._spans) and self._spans[i][0] < end

    def total_length(self) -> int:
        """Return the number of integers covered by all intervals."""
        total = 0
        for start, end in self._spans:
            total += end - start
        return total

    def gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        """Return the uncovered sub-intervals of ``[start, end)`` in order."""
        _check(start, end)
        result: list[tuple[int, int]] = []
        cursor = start
        for s, e in self._spans:
            if s >= end:
                break
            if s > cursor:
                result.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < end:
            result.append((cursor, end))
        return result

    def intervals(self) -> list[tuple[int, int]]:
        """Return a copy of the intervals in ascending order."""
        return list(self._spans)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(list(self._spans))

    def __len__(self) -> int:
        return len(self._spans)
