import pytest
from minicalc import ArgumentError, DomainError, NameError_, evaluate, round_half_away


def test_min_and_max_pick_extremes_anywhere_in_arguments():
    assert evaluate("min(4, -1, 7)") == -1
    assert evaluate("min(5, 1, 3)") == 1
    assert evaluate("max(4, -1, 7)") == 7
    assert evaluate("max(1, 5, 3)") == 5
    assert evaluate("min(3) + max(3)") == 6


def test_min_and_max_return_first_of_equal_values():
    assert type(evaluate("max(2, 2.0)")) is int
    assert type(evaluate("min(2, 2.0)")) is int


def test_abs_of_negative_and_positive():
    assert evaluate("abs(-4.5)") == 4.5
    assert evaluate("abs(-0.5)") == 0.5
    assert evaluate("abs(3)") == 3
    assert evaluate("abs(0.5)") == 0.5


def test_sqrt_returns_float_root():
    assert evaluate("sqrt(2 * 8)") == 4.0
    assert evaluate("sqrt(0.25)") == 0.5
    assert evaluate("sqrt(0)") == 0.0


def test_sqrt_takes_exactly_one_argument():
    with pytest.raises(ArgumentError):
        evaluate("sqrt()")
    with pytest.raises(ArgumentError):
        evaluate("sqrt(4, 9)")


def test_sqrt_of_negative_raises_domain_error():
    with pytest.raises(DomainError) as info:
        evaluate("1 + sqrt(-0.25)")
    assert info.value.column == 5


def test_round_halves_away_from_zero():
    assert evaluate("round(2.5)") == 3
    assert type(evaluate("round(2.5)")) is int
    assert evaluate("round(-2.5)") == -3
    assert evaluate("round(2.4)") == 2
    assert evaluate("round(0.5)") == 1
    assert round_half_away(-1.5) == -2


def test_round_to_decimal_places():
    assert evaluate("round(1.25, 1)") == 1.3
    assert evaluate("round(-0.125, 2)") == -0.13
    assert type(round_half_away(2, 1)) is float


def test_round_to_negative_places_gives_int():
    assert evaluate("round(1250, -2)") == 1300
    assert type(evaluate("round(1250, -2)")) is int


def test_round_rejects_fractional_digits():
    with pytest.raises(ArgumentError) as info:
        evaluate("round(1.5, 0.5)")
    assert info.value.message == "round() digits must be a whole number"


def test_wrong_argument_count_for_fixed_arity():
    with pytest.raises(ArgumentError) as info:
        evaluate("abs(1, 2)")
    assert info.value.message == "abs() takes 1 argument(s), got 2"


def test_wrong_argument_count_for_ranged_arity():
    with pytest.raises(ArgumentError) as info:
        evaluate("round()")
    assert info.value.message == "round() takes 1 to 2 argument(s), got 0"


def test_wrong_argument_count_for_variadic_function():
    with pytest.raises(ArgumentError) as info:
        evaluate("max()")
    assert info.value.message == "max() takes at least 1 argument(s), got 0"
    with pytest.raises(ArgumentError):
        evaluate("min()")


def test_unknown_function_raises_name_error():
    with pytest.raises(NameError_) as info:
        evaluate("2 * floor(1.5)")
    assert info.value.message == "unknown function 'floor'"
    assert info.value.column == 5
