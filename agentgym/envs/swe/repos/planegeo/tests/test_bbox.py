import pytest
from planegeo import BBox, Vector


def test_from_points_spans_extremes():
    box = BBox.from_points([Vector(3, -1), Vector(-2, 4), Vector(1, 1)])
    assert box == BBox(-2, -1, 3, 4)


def test_inverted_corners_or_no_points_are_rejected():
    with pytest.raises(ValueError):
        BBox(2, 0, 1, 5)
    with pytest.raises(ValueError):
        BBox(0, 5, 1, 4)
    assert BBox(0, 3, 5, 3).area() == 0
    assert BBox(2, 0, 2, 5).area() == 0
    with pytest.raises(ValueError):
        BBox.from_points([])


def test_width_height_area_and_center():
    box = BBox(1, 2, 5, 8)
    assert box.width == 4
    assert box.height == 6
    assert box.area() == 24
    assert box.center() == Vector(3, 5)


def test_contains_point_includes_edges():
    box = BBox(0, 0, 4, 2)
    assert box.contains_point(Vector(4, 2))
    assert box.contains_point(Vector(0, 1))
    assert box.contains_point(Vector(2, 0))
    assert not box.contains_point(Vector(4.5, 1))
    assert not box.contains_point(Vector(2, -0.5))


def test_contains_box_requires_full_containment():
    outer = BBox(0, 0, 10, 10)
    assert outer.contains_box(BBox(1, 1, 9, 9))
    assert outer.contains_box(outer)
    assert not outer.contains_box(BBox(5, 5, 11, 9))
    assert not outer.contains_box(BBox(-1, 2, 3, 4))


def test_intersection_of_overlapping_boxes():
    assert BBox(0, 0, 4, 4).intersection(BBox(2, 1, 6, 3)) == BBox(2, 1, 4, 3)


def test_intersection_of_disjoint_boxes_is_none():
    assert BBox(0, 0, 1, 1).intersection(BBox(2, 0, 3, 1)) is None
    assert BBox(0, 0, 1, 1).intersection(BBox(0, 2, 1, 3)) is None
    assert BBox(2, 0, 3, 1).intersects(BBox(0, 0, 1, 1)) is False
    assert BBox(0, 2, 1, 3).intersects(BBox(0, 0, 1, 1)) is False


def test_touching_boxes_intersect_in_zero_area():
    a = BBox(0, 0, 2, 2)
    b = BBox(2, 0, 4, 2)
    assert a.intersects(b)
    assert b.intersects(a)
    assert BBox(0, 2, 2, 4).intersects(a)
    assert a.intersects(BBox(0, 2, 2, 4))
    assert a.intersection(b) == BBox(2, 0, 2, 2)
    assert a.overlap_area(b) == 0


def test_union_covers_both_boxes():
    assert BBox(0, 0, 1, 1).union(BBox(3, -2, 4, 0)) == BBox(0, -2, 4, 1)


def test_overlap_area_of_partial_and_disjoint_boxes():
    assert BBox(0, 0, 4, 4).overlap_area(BBox(1, 2, 6, 7)) == 6
    assert BBox(0, 0, 1, 1).overlap_area(BBox(5, 5, 6, 6)) == 0.0


def test_expand_grows_each_side_by_margin():
    assert BBox(1, 1, 3, 4).expand(1) == BBox(0, 0, 4, 5)
    assert BBox(0, 0, 4, 4).expand(-1) == BBox(1, 1, 3, 3)
