"""Axis-aligned bounding boxes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .vector import Vector


@dataclass(frozen=True)
class BBox:
    """A closed axis-aligned rectangle ``[min_x, max_x] x [min_y, max_y]``."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float

    def __post_init__(self) -> None:
        if self.min_x > self.max_x or self.min_y > self.max_y:
            raise ValueError("minimum corner must not exceed maximum corner")

    @classmethod
    def from_points(cls, points: Iterable[Vector]) -> BBox:
        """Smallest box containing every point; ValueError when there are none."""
        pts = list(points)
        if not pts:
            raise ValueError("no points given")
        xs = [p.x for p in pts]
        ys = [p.y for p in pts]
        return cls(min(xs), min(ys), max(xs), max(ys))

    @property
    def width(self) -> float:
        return self.max_x - self.min_x

    @property
    def height(self) -> float:
        return self.max_y - self.min_y

    def area(self) -> float:
        """Width times height."""
        return self.width * self.height

    def center(self) -> Vector:
        """Centre point of the box."""
        return Vector((self.min_x + self.max_x) / 2, (self.min_y + self.max_y) / 2)

    def contains_point(self, point: Vector) -> bool:
        """True when ``point`` is inside or on the edge of the box."""
        return self.min_x <= point.x <= self.max_x and self.min_y <= point.y <= self.max_y

    def contains_box(self, other: BBox) -> bool:
        """True when ``other`` lies entirely within this box."""
        return (
            self.min_x <= other.min_x
            and self.min_y <= other.min_y
            and other.max_x <= self.max_x
            and other.max_y <= self.max_y
        )

    def intersects(self, other: BBox) -> bool:
        """True when the boxes share at least one point (touching edges count)."""
        if self.max_x < other.min_x or other.max_x < self.min_x:
            return False
        return not (self.max_y < other.min_y or other.max_y < self.min_y)

    def intersection(self, other: BBox) -> BBox | None:
        """The common box, or None when the boxes are disjoint."""
        if not self.intersects(other):
            return None
        return BBox(
            max(self.min_x, other.min_x),
            max(self.min_y, other.min_y),
            min(self.max_x, other.max_x),
            min(self.max_y, other.max_y),
        )

    def union(self, other: BBox) -> BBox:
        """Smallest box containing both boxes."""
        return BBox(
            min(self.min_x, other.min_x),
            min(self.min_y, other.min_y),
            max(self.max_x, other.max_x),
            max(self.max_y, other.max_y),
        )

    def overlap_area(self, other: BBox) -> float:
        """Area of the intersection (0 when disjoint or only touching)."""
        common = self.intersection(other)
        if common is None:
            return 0.0
        return common.area()

    def expand(self, margin: float) -> BBox:
        """Grow the box by ``margin`` on every side (a negative margin shrinks it)."""
        return BBox(self.min_x - margin, self.min_y - margin, self.max_x + margin, self.max_y + margin)
