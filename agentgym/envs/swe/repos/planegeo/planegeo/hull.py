"""Convex hull by Andrew's monotone chain algorithm."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .vector import EPS, Vector, turn


def _unique_sorted(points: Iterable[Vector]) -> list[Vector]:
    """Distinct points sorted by x, then y."""
    seen = {(p.x, p.y) for p in points}
    return [Vector(x, y) for x, y in sorted(seen)]


def _all_collinear(points: Sequence[Vector]) -> bool:
    """True when every point lies on the line through the first and last point."""
    first = points[0]
    last = points[-1]
    for i in range(1, len(points) - 1):
        if abs(turn(first, last, points[i])) > EPS:
            return False
    return True


def _half_hull(points: Sequence[Vector], keep_collinear: bool) -> list[Vector]:
    """One chain of the hull, turning left at every kept vertex."""
    chain: list[Vector] = []
    for p in points:
        while len(chain) >= 2:
            t = turn(chain[-2], chain[-1], p)
            if t > EPS or (keep_collinear and t >= -EPS):
                break
            chain.pop()
        chain.append(p)
    return chain


def convex_hull(points: Iterable[Vector], keep_collinear: bool = False) -> list[Vector]:
    """Hull vertices in counter-clockwise order, starting at the lowest-x (then lowest-y) point.

    Points lying on a hull edge are dropped unless ``keep_collinear`` is set. When every point is
    collinear the result is the two extreme points (or all points in sorted order with
    ``keep_collinear``).
    """
    pts = _unique_sorted(points)
    if len(pts) <= 2:
        return pts
    if _all_collinear(pts):
        return pts if keep_collinear else [pts[0], pts[-1]]
    lower = _half_hull(pts, keep_collinear)
    upper = _half_hull(list(reversed(pts)), keep_collinear)
    return lower[:-1] + upper[:-1]
