"""Two-dimensional vectors, also used to represent points."""

from __future__ import annotations

import math
from dataclasses import dataclass

EPS = 1e-9


def almost_equal(a: float, b: float, tol: float = EPS) -> bool:
    """Return True when ``a`` and ``b`` differ by at most ``tol``."""
    return abs(a - b) <= tol


@dataclass(frozen=True)
class Vector:
    """An immutable 2-D vector; a point is a vector from the origin."""

    x: float
    y: float

    def __add__(self, other: Vector) -> Vector:
        return Vector(self.x + other.x, self.y + other.y)

    def __sub__(self, other: Vector) -> Vector:
        return Vector(self.x - other.x, self.y - other.y)

    def __neg__(self) -> Vector:
        return Vector(-self.x, -self.y)

    def __mul__(self, factor: float) -> Vector:
        return self.scale(factor)

    def scale(self, factor: float) -> Vector:
        """Multiply both components by ``factor``."""
        return Vector(self.x * factor, self.y * factor)

    def dot(self, other: Vector) -> float:
        """Dot product."""
        return self.x * other.x + self.y * other.y

    def cross(self, other: Vector) -> float:
        """Z component of the 3-D cross product (positive when ``other`` is counter-clockwise)."""
        return self.x * other.y - self.y * other.x

    def length_squared(self) -> float:
        """Squared Euclidean length."""
        return self.x * self.x + self.y * self.y

    def length(self) -> float:
        """Euclidean length."""
        return math.sqrt(self.length_squared())

    def distance_to(self, other: Vector) -> float:
        """Euclidean distance between two points."""
        return (other - self).length()

    def normalize(self) -> Vector:
        """Return the unit vector with the same direction; a zero vector raises ValueError."""
        size = self.length()
        if size <= EPS:
            raise ValueError("cannot normalize a zero-length vector")
        return Vector(self.x / size, self.y / size)

    def rotate(self, angle: float, origin: Vector | None = None) -> Vector:
        """Rotate counter-clockwise by ``angle`` radians about ``origin`` (default: the origin)."""
        pivot = origin if origin is not None else Vector(0.0, 0.0)
        dx = self.x - pivot.x
        dy = self.y - pivot.y
        cos_a = math.cos(angle)
        sin_a = math.sin(angle)
        return Vector(pivot.x + dx * cos_a - dy * sin_a, pivot.y + dx * sin_a + dy * cos_a)

    def is_close(self, other: Vector, tol: float = EPS) -> bool:
        """Equality with tolerance: both components differ by at most ``tol``."""
        return almost_equal(self.x, other.x, tol) and almost_equal(self.y, other.y, tol)


def turn(origin: Vector, a: Vector, b: Vector) -> float:
    """Cross product of ``a - origin`` and ``b - origin``: >0 for a left turn, <0 for a right turn."""
    return (a - origin).cross(b - origin)
