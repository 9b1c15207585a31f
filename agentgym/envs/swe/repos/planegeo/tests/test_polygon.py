import pytest
from planegeo import (
    BOUNDARY,
    INSIDE,
    OUTSIDE,
    Vector,
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


def poly(*coords):
    return [Vector(x, y) for x, y in coords]


SQUARE = poly((0, 0), (4, 0), (4, 4), (0, 4))
L_SHAPE = poly((0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4))


def test_signed_area_sign_follows_vertex_order():
    assert signed_area(SQUARE) == 16
    assert signed_area(poly((0, 0), (3, 0), (0, 2))) == 3
    assert signed_area(list(reversed(SQUARE))) == -16


def test_area_is_absolute_value_and_handles_concave():
    assert area(list(reversed(SQUARE))) == 16
    assert area(L_SHAPE) == 12


def test_polygon_with_fewer_than_three_vertices_raises():
    with pytest.raises(ValueError):
        signed_area(poly((0, 0), (1, 1)))
    with pytest.raises(ValueError):
        perimeter(poly((0, 0), (1, 1)))
    with pytest.raises(ValueError):
        locate_point(Vector(0, 0), poly((0, 0), (1, 1)))
    with pytest.raises(ValueError):
        is_convex(poly((0, 0), (1, 1)))


def test_perimeter_sums_all_sides_including_closing_edge():
    assert perimeter(SQUARE) == 16
    assert perimeter(poly((0, 0), (3, 0), (3, 4))) == 12
    sides = edges(poly((0, 0), (1, 0), (0, 1)))
    assert len(sides) == 3
    assert sides[2].start == Vector(0, 1)
    assert sides[2].end == Vector(0, 0)


def test_centroid_of_square_and_triangle():
    assert centroid(SQUARE).is_close(Vector(2, 2))
    assert centroid(poly((0, 0), (6, 0), (0, 3))).is_close(Vector(2, 1))


def test_centroid_of_concave_l_shape_in_either_order():
    assert centroid(L_SHAPE).is_close(Vector(5 / 3, 5 / 3))
    assert centroid(list(reversed(L_SHAPE))).is_close(Vector(5 / 3, 5 / 3))


def test_centroid_of_degenerate_polygon_raises():
    with pytest.raises(ValueError):
        centroid(poly((0, 0), (1, 1), (2, 2)))


def test_orientation_reports_ccw_cw_and_collinear():
    assert orientation(SQUARE) == 1
    assert orientation(list(reversed(SQUARE))) == -1
    assert orientation(poly((0, 0), (1, 1), (3, 3))) == 0


def test_make_counter_clockwise_reverses_only_clockwise_input():
    clockwise = poly((0, 4), (4, 4), (4, 0), (0, 0))
    assert make_counter_clockwise(clockwise) == poly((0, 0), (4, 0), (4, 4), (0, 4))
    assert make_counter_clockwise(SQUARE) == SQUARE
    flat = poly((2, 2), (1, 1), (0, 0))
    assert make_counter_clockwise(flat) == flat


def test_locate_point_inside_and_outside_square():
    assert locate_point(Vector(1, 3), SQUARE) == INSIDE
    assert locate_point(Vector(5, 2), SQUARE) == OUTSIDE
    assert locate_point(Vector(-1, 2), SQUARE) == OUTSIDE
    assert locate_point(Vector(2, 5), SQUARE) == OUTSIDE
    diamond = poly((0, -2), (2, 0), (0, 2), (-2, 0))
    assert locate_point(Vector(-1, 0), diamond) == INSIDE
    assert locate_point(Vector(-3, 0), diamond) == OUTSIDE


def test_locate_point_on_edges_and_vertices_is_boundary():
    assert locate_point(Vector(4, 2), SQUARE) == BOUNDARY
    assert locate_point(Vector(0, 0), SQUARE) == BOUNDARY
    assert locate_point(Vector(2, 4), SQUARE) == BOUNDARY


def test_locate_point_in_notch_of_concave_polygon_is_outside():
    assert locate_point(Vector(3, 3), L_SHAPE) == OUTSIDE
    assert locate_point(Vector(1, 3), L_SHAPE) == INSIDE
    assert locate_point(Vector(3, 1), L_SHAPE) == INSIDE


def test_contains_point_boundary_depends_on_flag():
    assert contains_point(Vector(4, 1), SQUARE)
    assert not contains_point(Vector(4, 1), SQUARE, include_boundary=False)
    assert contains_point(Vector(1, 1), SQUARE, include_boundary=False)
    assert not contains_point(Vector(9, 1), SQUARE)


def test_is_convex_true_for_square_in_both_orders():
    assert is_convex(SQUARE)
    assert is_convex(list(reversed(SQUARE)))


def test_is_convex_false_for_concave_polygon():
    assert is_convex(L_SHAPE) is False


def test_is_convex_allows_collinear_vertices():
    assert is_convex(poly((0, 0), (2, 0), (4, 0), (4, 4), (0, 4)))


def test_is_convex_rejects_self_intersecting_or_flat_polygons():
    star = poly((0, 3), (-2, -3), (3, 1), (-3, 1), (2, -3))
    assert is_convex(star) is False
    assert is_convex(poly((0, 0), (1, 0), (2, 0))) is False
