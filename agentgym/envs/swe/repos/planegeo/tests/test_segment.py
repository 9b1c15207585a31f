from planegeo import Segment, Vector


def seg(x1, y1, x2, y2):
    return Segment(Vector(x1, y1), Vector(x2, y2))


def test_length_of_three_four_five_segment():
    assert seg(1, 1, 4, 5).length() == 5


def test_midpoint_is_average_of_endpoints():
    assert seg(0, 0, 4, -2).midpoint() == Vector(2, -1)
    assert seg(1, 3, 2, 8).midpoint() == Vector(1.5, 5.5)


def test_point_at_interpolates_along_segment():
    s = seg(0, 0, 10, 20)
    assert s.point_at(0) == Vector(0, 0)
    assert s.point_at(0.25) == Vector(2.5, 5)
    assert s.point_at(1) == Vector(10, 20)


def test_distance_to_point_perpendicular_to_interior():
    assert seg(0, 0, 10, 0).distance_to_point(Vector(4, 3)) == 3
    assert seg(0, 0, 10, 0).closest_point(Vector(4, 3)) == Vector(4, 0)


def test_distance_to_point_beyond_endpoints_uses_nearest_endpoint():
    s = seg(0, 0, 10, 0)
    assert s.distance_to_point(Vector(13, 4)) == 5
    assert s.distance_to_point(Vector(-3, -4)) == 5
    assert s.project(Vector(-3, -4)) == 0.0
    assert s.project(Vector(13, 4)) == 1.0
    assert seg(2, 2, 2, 2).distance_to_point(Vector(5, 6)) == 5


def test_contains_point_on_and_off_segment():
    s = seg(0, 0, 4, 4)
    assert s.contains_point(Vector(1, 1))
    assert s.contains_point(Vector(4, 4))
    assert not s.contains_point(Vector(5, 5))
    assert not s.contains_point(Vector(1, 2))


def test_crossing_segments_meet_at_single_point():
    hit = seg(0, 0, 4, 4).intersection(seg(0, 4, 4, 0))
    assert isinstance(hit, Vector)
    assert hit.is_close(Vector(2, 2))
    assert seg(1, 1, 5, 5).intersection(seg(1, 5, 5, 1)).is_close(Vector(3, 3))


def test_intersection_of_offset_and_endpoint_touching_segments():
    hit = seg(0, 0, 6, 0).intersection(seg(1, -1, 1, 3))
    assert hit.is_close(Vector(1, 0))
    hit = seg(0, 0, 2, 0).intersection(seg(2, 0, 2, 5))
    assert hit.is_close(Vector(2, 0))


def test_non_touching_or_parallel_segments_have_no_intersection():
    assert seg(0, 0, 1, 1).intersection(seg(3, 0, 2, 1)) is None
    assert seg(0, 0, 4, 0).intersection(seg(5, -1, 5, 1)) is None
    assert seg(0, 0, 4, 0).intersection(seg(2, 1, 2, 5)) is None
    assert seg(0, 0, 4, 0).intersection(seg(2, 5, 2, 1)) is None
    assert seg(2, 1, 2, 5).intersection(seg(0, 0, 4, 0)) is None
    assert seg(0, 0, 4, 0).intersection(seg(0, 1, 4, 1)) is None


def test_collinear_overlapping_segments_return_shared_segment():
    overlap = seg(0, 0, 4, 0).intersection(seg(6, 0, 2, 0))
    assert overlap == Segment(Vector(2, 0), Vector(4, 0))
    assert seg(2, 1, 6, 1).intersection(seg(4, 1, 9, 1)) == Segment(Vector(4, 1), Vector(6, 1))
    assert seg(2, 1, 6, 1).intersection(seg(0, 1, 4, 1)) == Segment(Vector(2, 1), Vector(4, 1))


def test_collinear_segments_sharing_one_endpoint_return_point():
    hit = seg(0, 0, 2, 2).intersection(seg(2, 2, 5, 5))
    assert hit == Vector(2, 2)


def test_collinear_disjoint_segments_do_not_intersect():
    assert seg(0, 0, 1, 0).intersection(seg(2, 0, 3, 0)) is None


def test_degenerate_segment_intersection_is_the_point_when_on_other():
    assert seg(1, 1, 1, 1).intersection(seg(0, 0, 2, 2)) == Vector(1, 1)
    assert seg(0, 0, 2, 2).intersection(seg(1, 1, 1, 1)) == Vector(1, 1)
    assert seg(1, 0, 1, 0).intersection(seg(0, 0, 2, 2)) is None
    assert seg(0, 0, 2, 2).intersection(seg(1, 0, 1, 0)) is None
