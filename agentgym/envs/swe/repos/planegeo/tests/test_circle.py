import math

import pytest
from planegeo import BBox, Circle, Vector


def test_negative_radius_is_rejected():
    with pytest.raises(ValueError):
        Circle(Vector(0, 0), -1)
    assert Circle(Vector(0, 0), 0).area() == 0
    assert Circle(Vector(0, 0), 0.5).radius == 0.5


def test_area_circumference_and_bbox():
    c = Circle(Vector(1, 1), 2)
    assert c.area() == pytest.approx(4 * math.pi)
    assert c.circumference() == pytest.approx(4 * math.pi)
    assert Circle(Vector(0, 0), 3).area() == pytest.approx(9 * math.pi)
    assert Circle(Vector(2, -1), 3).bbox() == BBox(-1, -4, 5, 2)


def test_contains_point_inside_outside_and_boundary():
    c = Circle(Vector(0, 0), 5)
    assert c.contains_point(Vector(1, 2))
    assert c.contains_point(Vector(3, 4))
    assert not c.contains_point(Vector(4, 4))
    assert not c.contains_point(Vector(3, 4), include_boundary=False)
    assert c.contains_point(Vector(3, 3.9), include_boundary=False)


def test_two_circles_crossing_meet_in_two_points():
    a = Circle(Vector(0, 0), 5)
    b = Circle(Vector(8, 0), 5)
    hits = a.intersections(b)
    assert len(hits) == 2
    assert hits[0].is_close(Vector(4, 3))
    assert hits[1].is_close(Vector(4, -3))


def test_circle_intersection_with_offset_centers():
    a = Circle(Vector(1, 1), 5)
    b = Circle(Vector(1, 9), 5)
    hits = a.intersections(b)
    assert hits[0].is_close(Vector(-2, 5))
    assert hits[1].is_close(Vector(4, 5))


def test_tangent_circles_meet_in_one_point():
    hits = Circle(Vector(0, 0), 2).intersections(Circle(Vector(5, 0), 3))
    assert len(hits) == 1
    assert hits[0].is_close(Vector(2, 0))
    hits = Circle(Vector(0, 0), 5).intersections(Circle(Vector(2, 0), 3))
    assert len(hits) == 1
    assert hits[0].is_close(Vector(5, 0))


def test_separate_and_nested_circles_do_not_intersect():
    assert Circle(Vector(0, 0), 1).intersections(Circle(Vector(5, 0), 1)) == []
    assert Circle(Vector(0, 0), 5).intersections(Circle(Vector(1, 0), 1)) == []
    assert Circle(Vector(1, 0), 1).intersections(Circle(Vector(0, 0), 5)) == []
    assert Circle(Vector(0, 0), 5).intersections(Circle(Vector(0, 0), 2)) == []


def test_identical_circles_raise():
    with pytest.raises(ValueError):
        Circle(Vector(1, 1), 2).intersections(Circle(Vector(1, 1), 2))
