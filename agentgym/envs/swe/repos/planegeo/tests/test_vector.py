import math

import pytest
from planegeo import Vector, almost_equal, turn


def test_add_sub_and_negate_combine_componentwise():
    assert Vector(1, 2) + Vector(3, 5) == Vector(4, 7)
    assert Vector(1, 2) - Vector(3, 5) == Vector(-2, -3)
    assert -Vector(2, -3) == Vector(-2, 3)


def test_scale_and_multiply_stretch_vector():
    assert Vector(1.5, -2).scale(2) == Vector(3, -4)
    assert Vector(1, 2) * 3 == Vector(3, 6)


def test_dot_product_of_known_vectors():
    assert Vector(1, 2).dot(Vector(3, 4)) == 11
    assert Vector(1, 0).dot(Vector(0, 5)) == 0


def test_cross_product_sign_gives_turn_direction():
    assert Vector(1, 0).cross(Vector(0, 1)) == 1
    assert Vector(0, 1).cross(Vector(1, 0)) == -1
    assert Vector(2, 3).cross(Vector(4, 5)) == -2


def test_length_and_distance_use_euclidean_norm():
    assert Vector(3, 4).length() == 5
    assert Vector(3, 4).length_squared() == 25
    assert Vector(1, 1).distance_to(Vector(4, 5)) == 5


def test_normalize_returns_unit_vector_in_same_direction():
    unit = Vector(3, -4).normalize()
    assert unit.is_close(Vector(0.6, -0.8))
    assert almost_equal(unit.length(), 1.0)


def test_normalize_zero_vector_raises():
    with pytest.raises(ValueError):
        Vector(0, 0).normalize()


def test_rotate_counter_clockwise_about_origin_or_pivot():
    assert Vector(1, 0).rotate(math.pi / 2).is_close(Vector(0, 1))
    assert Vector(2, 1).rotate(math.pi).is_close(Vector(-2, -1))
    assert Vector(1, 2).rotate(math.pi / 2).is_close(Vector(-2, 1))
    rotated = Vector(3, 1).rotate(math.pi / 2, origin=Vector(1, 1))
    assert rotated.is_close(Vector(1, 3))
    assert Vector(2, 3).rotate(-math.pi / 2, origin=Vector(1, 1)).is_close(Vector(3, 0))


def test_is_close_respects_tolerance():
    assert Vector(1, 1).is_close(Vector(1 + 1e-12, 1 - 1e-12))
    assert not Vector(1, 1).is_close(Vector(1.001, 1))
    assert Vector(1, 1).is_close(Vector(1.001, 0.999), tol=0.01)
    assert not Vector(1, 1).is_close(Vector(1, 1.02), tol=0.01)
    assert almost_equal(1.0, 1.5, tol=0.5)
    assert not almost_equal(1.0, 1.6, tol=0.5)


def test_turn_is_positive_for_left_turn_and_negative_for_right():
    origin = Vector(1, 1)
    assert turn(origin, Vector(3, 1), Vector(3, 4)) == 6
    assert turn(origin, Vector(3, 1), Vector(3, -2)) == -6
    assert turn(origin, Vector(2, 2), Vector(5, 5)) == 0
