import pytest
from humanfmt import format_duration, parse_duration, relative_time
from humanfmt.durations import split_duration

MINUTE = 60
HOUR = 3600
DAY = 86400


def test_split_duration_skips_zero_units():
    assert split_duration(7503) == [("h", 2), ("m", 5), ("s", 3)]
    assert split_duration(DAY + 5) == [("d", 1), ("s", 5)]
    assert split_duration(0) == []
    with pytest.raises(ValueError):
        split_duration(-1)


def test_format_duration_compact_form():
    assert format_duration(7503) == "2h 5m 3s"
    assert format_duration(59) == "59s"
    assert format_duration(60) == "1m"
    assert format_duration(2 * DAY + 3 * HOUR) == "2d 3h"


def test_format_duration_zero_and_negative():
    assert format_duration(0) == "0s"
    assert format_duration(0.4) == "0s"
    assert format_duration(-65) == "-1m 5s"


def test_format_duration_rounds_fractional_seconds_half_up():
    assert format_duration(59.5) == "1m"
    assert format_duration(90.49) == "1m 30s"
    assert format_duration(0.5) == "1s"
    assert format_duration(-0.6) == "-1s"


def test_format_duration_verbose_uses_words_and_plurals():
    assert format_duration(3661, verbose=True) == "1 hour, 1 minute, 1 second"
    assert format_duration(2 * DAY + 2 * MINUTE, verbose=True) == "2 days, 2 minutes"
    assert format_duration(0, verbose=True) == "0 seconds"


def test_format_duration_max_units_keeps_largest_units():
    assert format_duration(7503, max_units=1) == "2h"
    assert format_duration(7503, max_units=2) == "2h 5m"
    assert format_duration(7503, max_units=5) == "2h 5m 3s"
    with pytest.raises(ValueError):
        format_duration(10, max_units=0)


def test_parse_duration_compact_and_spaced_forms():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("2h 5m 3s") == 7503
    assert parse_duration("1d 4h") == DAY + 4 * HOUR
    assert parse_duration("45S") == 45
    assert parse_duration("1h  30m") == 5400


def test_parse_duration_bare_number_is_seconds():
    assert parse_duration("90") == 90
    assert parse_duration(" 0 ") == 0


def test_parse_duration_round_trips_format_duration():
    for seconds in [1, 59, 61, 3600, 7503, 90061, 4 * DAY]:
        assert parse_duration(format_duration(seconds)) == seconds


def test_parse_duration_rejects_unknown_or_missing_units():
    with pytest.raises(ValueError):
        parse_duration("5x")
    with pytest.raises(ValueError):
        parse_duration("1h30")
    with pytest.raises(ValueError, match="expected a number"):
        parse_duration("h")
    with pytest.raises(ValueError):
        parse_duration("   ")


def test_parse_duration_rejects_repeated_or_misordered_units():
    with pytest.raises(ValueError):
        parse_duration("5m 1h")
    with pytest.raises(ValueError):
        parse_duration("1m 2m")


def test_relative_time_past_phrases():
    now = 1_000_000
    assert relative_time(now - 3 * MINUTE, now) == "3 minutes ago"
    assert relative_time(now - 45, now) == "45 seconds ago"
    assert relative_time(now - HOUR, now) == "1 hour ago"
    assert relative_time(now - 3 * DAY, now) == "3 days ago"


def test_relative_time_future_phrases():
    now = 1_000_000
    assert relative_time(now + 2 * DAY, now) == "in 2 days"
    assert relative_time(now + 90 * MINUTE, now) == "in 1 hour"
    assert relative_time(now + 10, now) == "in 10 seconds"


def test_relative_time_just_now_under_ten_seconds():
    now = 500.0
    assert relative_time(now, now) == "just now"
    assert relative_time(now - 9.9, now) == "just now"
    assert relative_time(now + 9, now) == "just now"


def test_relative_time_yesterday_and_tomorrow():
    now = 10 * DAY
    assert relative_time(now - DAY - 5 * HOUR, now) == "yesterday"
    assert relative_time(now + DAY, now) == "tomorrow"
    assert relative_time(now - 2 * DAY, now) == "2 days ago"


def test_relative_time_weeks_months_and_years():
    now = 100 * 365 * DAY
    assert relative_time(now - 14 * DAY, now) == "2 weeks ago"
    assert relative_time(now + 60 * DAY, now) == "in 2 months"
    assert relative_time(now - 365 * DAY, now) == "1 year ago"
    assert relative_time(now - 800 * DAY, now) == "2 years ago"


def test_relative_time_switches_unit_exactly_at_boundaries():
    now = 100 * 365 * DAY
    assert relative_time(now - 59, now) == "59 seconds ago"
    assert relative_time(now - (HOUR - 1), now) == "59 minutes ago"
    assert relative_time(now - (DAY - 1), now) == "23 hours ago"
    assert relative_time(now - (7 * DAY - 1), now) == "6 days ago"
    assert relative_time(now - (30 * DAY - 1), now) == "4 weeks ago"
    assert relative_time(now - (365 * DAY - 1), now) == "12 months ago"
