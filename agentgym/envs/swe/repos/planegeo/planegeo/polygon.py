"""Simple polygons given as sequences of vertices."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .segment import Segment
from .vector import EPS, Vector

INSIDE = "inside"
OUTSIDE = "outside"
BOUNDARY = "boundary"


def _require_polygon(points: Sequence[Vector]) -> None:
    """Raise ValueError unless there are at least three vertices."""
    if len(points) < 3:
        raise ValueError("a polygon needs at least 3 vertices")


def edges(points: Sequence[Vector]) -> list[Segment]:
    """Edges of the closed polygon, the last one joining the final vertex to the first."""
    n = len(points)
    return [Segment(points[i], points[(i + 1) % n]) for i in range(n)]


def signed_area(points: Sequence[Vector]) -> float:
    """Shoelace area: positive for counter-clockwise vertex order, negative for clockwise."""
    _require_polygon(points)
    total = 0.0
    n = len(points)
    for i in range(n):
        a = points[i]
        b = points[(i + 1) % n]
        total += a.x * b.y - b.x * a.y
    return total / 2


def area(points: Sequence[Vector]) -> float:
    """Unsigned area."""
    return abs(signed_area(points))


def perimeter(points: Sequence[Vector]) -> float:
    """Total length of the closed boundary."""
    _require_polygon(points)
    return sum(edge.length() for edge in edges(points))


def centroid(points: Sequence[Vector]) -> Vector:
    """Centre of mass of the polygon's area; ValueError for a degenerate polygon."""
    a = signed_area(points)
    if abs(a) <= EPS:
        raise ValueError("degenerate polygon has no centroid")
    cx = 0.0
    cy = 0.0
    n = len(points)
    for i in range(n):
        p = points[i]
        q = points[(i + 1) % n]
        w = p.x * q.y - q.x * p.y
        cx += (p.x + q.x) * w
        cy += (p.y + q.y) * w
    return Vector(cx / (6 * a), cy / (6 * a))


def orientation(points: Sequence[Vector]) -> int:
    """1 for counter-clockwise, -1 for clockwise, 0 when the vertices are collinear."""
    a = signed_area(points)
    if a > EPS:
        return 1
    if a < -EPS:
        return -1
    return 0


def make_counter_clockwise(points: Sequence[Vector]) -> list[Vector]:
    """Return the vertices in counter-clockwise order."""
    if orientation(points) < 0:
        return list(reversed(points))
    return list(points)


def locate_point(point: Vector, points: Sequence[Vector]) -> str:
    """Classify ``point`` as INSIDE, OUTSIDE or on the BOUNDARY of the polygon (ray casting)."""
    _require_polygon(points)
    for edge in edges(points):
        if edge.contains_point(point):
            return BOUNDARY
    inside = False
    n = len(points)
    for i in range(n):
        a = points[i]
        b = points[(i + 1) % n]
        if (a.y > point.y) != (b.y > point.y):
            x_cross = a.x + (point.y - a.y) * (b.x - a.x) / (b.y - a.y)
            if x_cross > point.x:
                inside = not inside
    return INSIDE if inside else OUTSIDE


def contains_point(point: Vector, points: Sequence[Vector], include_boundary: bool = True) -> bool:
    """True when ``point`` is inside the polygon, or on its boundary if ``include_boundary``."""
    where = locate_point(point, points)
    if where == BOUNDARY:
        return include_boundary
    return where == INSIDE


def is_convex(points: Sequence[Vector]) -> bool:
    """True for a convex polygon; collinear vertices are allowed, self-intersection is not."""
    _require_polygon(points)
    n = len(points)
    sign = 0
    winding = 0.0
    for i in range(n):
        a = points[i]
        b = points[(i + 1) % n]
        c = points[(i + 2) % n]
        ab = b - a
        bc = c - b
        turn = ab.cross(bc)
        if abs(turn) > EPS:
            current = 1 if turn > 0 else -1
            if sign != 0 and current != sign:
                return False
            sign = current
        winding += math.atan2(turn, ab.dot(bc))
    if sign == 0:
        return False
    return abs(abs(winding) - 2 * math.pi) < 1e-6
