"""Line segments: length, midpoint, distances and intersections."""

from __future__ import annotations

from dataclasses import dataclass

from .vector import EPS, Vector


@dataclass(frozen=True)
class Segment:
    """A closed line segment from ``start`` to ``end``."""

    start: Vector
    end: Vector

    def direction(self) -> Vector:
        """Vector from start to end."""
        return self.end - self.start

    def length(self) -> float:
        """Length of the segment."""
        return self.direction().length()

    def midpoint(self) -> Vector:
        """Point halfway between the endpoints."""
        return Vector((self.start.x + self.end.x) / 2, (self.start.y + self.end.y) / 2)

    def point_at(self, t: float) -> Vector:
        """Point at parameter ``t`` (0 gives start, 1 gives end)."""
        return self.start + self.direction().scale(t)

    def project(self, point: Vector) -> float:
        """Parameter of the closest point on the segment to ``point``, clamped to [0, 1]."""
        d = self.direction()
        denom = d.length_squared()
        if denom <= EPS:
            return 0.0
        t = (point - self.start).dot(d) / denom
        return _clamp(t, 0.0, 1.0)

    def closest_point(self, point: Vector) -> Vector:
        """Point on the segment nearest to ``point``."""
        return self.point_at(self.project(point))

    def distance_to_point(self, point: Vector) -> float:
        """Shortest distance from ``point`` to the segment."""
        return self.closest_point(point).distance_to(point)

    def contains_point(self, point: Vector, tol: float = EPS) -> bool:
        """True when ``point`` lies on the segment (within ``tol``)."""
        return self.distance_to_point(point) <= tol

    def intersection(self, other: Segment) -> Vector | Segment | None:
        """Intersection with ``other``: a point, an overlapping segment (collinear case) or None."""
        if self.length() <= EPS:
            return self.start if other.contains_point(self.start) else None
        if other.length() <= EPS:
            return other.start if self.contains_point(other.start) else None
        r = self.direction()
        s = other.direction()
        offset = other.start - self.start
        denom = r.cross(s)
        if abs(denom) <= EPS:
            if abs(offset.cross(r)) > EPS:
                return None
            return self._collinear_overlap(other)
        t = offset.cross(s) / denom
        u = offset.cross(r) / denom
        if t < -EPS or t > 1 + EPS or u < -EPS or u > 1 + EPS:
            return None
        return self.point_at(_clamp(t, 0.0, 1.0))

    def _collinear_overlap(self, other: Segment) -> Vector | Segment | None:
        """Overlap of two collinear segments."""
        r = self.direction()
        rr = r.length_squared()
        t0 = (other.start - self.start).dot(r) / rr
        t1 = (other.end - self.start).dot(r) / rr
        lo = max(min(t0, t1), 0.0)
        hi = min(max(t0, t1), 1.0)
        if lo > hi + EPS:
            return None
        if hi - lo <= EPS:
            return self.point_at(lo)
        return Segment(self.point_at(lo), self.point_at(hi))


def _clamp(value: float, low: float, high: float) -> float:
    """Limit ``value`` to the range [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value
