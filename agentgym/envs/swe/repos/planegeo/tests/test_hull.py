from planegeo import Vector, convex_hull


def pts(*coords):
    return [Vector(x, y) for x, y in coords]


def test_hull_of_square_with_interior_points():
    points = pts((0, 0), (4, 0), (4, 4), (0, 4), (1, 1), (2, 3), (3, 2))
    assert convex_hull(points) == pts((0, 0), (4, 0), (4, 4), (0, 4))


def test_hull_is_counter_clockwise_from_lowest_x_point():
    points = pts((3, 3), (1, 0), (0, 2), (5, 1), (2, 5), (4, 4))
    assert convex_hull(points) == pts((0, 2), (1, 0), (5, 1), (4, 4), (2, 5))


def test_hull_drops_points_on_edges_by_default():
    points = pts((0, 0), (2, 0), (4, 0), (4, 2), (4, 4), (2, 4), (0, 4), (0, 2))
    assert convex_hull(points) == pts((0, 0), (4, 0), (4, 4), (0, 4))


def test_hull_keeps_points_on_edges_when_asked():
    points = pts((0, 0), (2, 0), (4, 0), (4, 2), (4, 4), (2, 4), (0, 4), (0, 2), (1, 1))
    expected = pts((0, 0), (2, 0), (4, 0), (4, 2), (4, 4), (2, 4), (0, 4), (0, 2))
    assert convex_hull(points, keep_collinear=True) == expected


def test_hull_of_few_or_duplicate_points():
    assert convex_hull(pts((5, 5))) == pts((5, 5))
    assert convex_hull(pts((3, 1), (1, 2))) == pts((1, 2), (3, 1))
    assert convex_hull([]) == []
    points = pts((0, 0), (0, 0), (2, 0), (2, 0), (1, 2), (1, 2))
    assert convex_hull(points) == pts((0, 0), (2, 0), (1, 2))


def test_hull_of_collinear_points_is_the_two_extremes():
    points = pts((2, 2), (0, 0), (3, 3), (1, 1))
    assert convex_hull(points) == pts((0, 0), (3, 3))


def test_hull_of_collinear_points_keeps_all_when_asked():
    points = pts((2, 2), (0, 0), (3, 3), (1, 1))
    assert convex_hull(points, keep_collinear=True) == pts((0, 0), (1, 1), (2, 2), (3, 3))


def test_hull_of_nearly_collinear_points_is_a_triangle():
    points = pts((0, 0), (1, 0), (2, 1), (3, 0))
    assert convex_hull(points) == pts((0, 0), (3, 0), (2, 1))


def test_hull_of_triangle_with_point_on_vertical_edge():
    points = pts((0, 0), (0, 1), (0, 2), (2, 1))
    assert convex_hull(points) == pts((0, 0), (2, 1), (0, 2))
    assert convex_hull(points, keep_collinear=True) == pts((0, 0), (2, 1), (0, 2), (0, 1))
