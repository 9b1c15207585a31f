"""planegeo: small 2-D geometry toolkit (vectors, segments, polygons, hulls, boxes, circles)."""

from .bbox import BBox
from .circle import Circle
from .hull import convex_hull
from .polygon import (
    BOUNDARY,
    INSIDE,
    OUTSIDE,
    area,
    centroid,
    contains_point,
    edges,
    is_convex,
    locate_point,
    make_counter_clockwise,
    orientation,
    perimeter,
    signed_area,
)
from .segment import Segment
from .vector import EPS, Vector, almost_equal, turn

__all__ = [
    "BBox",
    "BOUNDARY",
    "Circle",
    "EPS",
    "INSIDE",
    "OUTSIDE",
    "Segment",
    "Vector",
    "almost_equal",
    "area",
    "centroid",
    "contains_point",
    "convex_hull",
    "edges",
    "is_convex",
    "locate_point",
    "make_counter_clockwise",
    "orientation",
    "perimeter",
    "signed_area",
    "turn",
]
