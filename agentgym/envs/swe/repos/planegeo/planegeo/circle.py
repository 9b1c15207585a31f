"""Circles: containment and circle-circle intersection."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .bbox import BBox
from .vector import EPS, Vector


@dataclass(frozen=True)
class Circle:
    """A circle with a ``center`` point and a non-negative ``radius``."""

    center: Vector
    radius: float

    def __post_init__(self) -> None:
        if self.radius < 0:
            raise ValueError("radius must be non-negative")

    def area(self) -> float:
        """Enclosed area."""
        return math.pi * self.radius * self.radius

    def circumference(self) -> float:
        """Length of the circle."""
        return 2 * math.pi * self.radius

    def bbox(self) -> BBox:
        """Bounding box of the disc."""
        c = self.center
        r = self.radius
        return BBox(c.x - r, c.y - r, c.x + r, c.y + r)

    def contains_point(self, point: Vector, include_boundary: bool = True) -> bool:
        """True when ``point`` is inside the disc (boundary included unless told otherwise)."""
        d = self.center.distance_to(point)
        if include_boundary:
            return d <= self.radius + EPS
        return d < self.radius - EPS

    def intersections(self, other: Circle) -> list[Vector]:
        """Points where the two circles cross: 0, 1 (tangent) or 2 points.

        Identical circles meet in infinitely many points and raise ValueError.
        """
        d = self.center.distance_to(other.center)
        if d <= EPS:
            if abs(self.radius - other.radius) <= EPS:
                raise ValueError("identical circles intersect everywhere")
            return []
        if d > self.radius + other.radius + EPS:
            return []
        if d < abs(self.radius - other.radius) - EPS:
            return []
        a = (d * d + self.radius * self.radius - other.radius * other.radius) / (2 * d)
        h_sq = self.radius * self.radius - a * a
        unit = (other.center - self.center).scale(1 / d)
        base = self.center + unit.scale(a)
        if h_sq <= EPS:
            return [base]
        h = math.sqrt(h_sq)
        offset = Vector(-unit.y * h, unit.x * h)
        return [base + offset, base - offset]
