import datetime

import pytest
from humanfmt import (
    Date,
    add_days,
    day_of_year,
    days_between,
    days_in_month,
    format_iso_date,
    format_long_date,
    from_iso_week,
    is_leap_year,
    iso_calendar,
    parse_iso_date,
    weekday,
    weekday_name,
)
from humanfmt.dates import days_in_year, from_day_of_year, from_ordinal, iso_weeks_in_year, to_ordinal, validate


def sample_dates():
    """Every 13th day from 1999 to 2031, plus the ends of the supported range."""
    start = datetime.date(1999, 1, 1)
    days = [start + datetime.timedelta(days=k) for k in range(0, 12000, 13)]
    return days + [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)]


def test_leap_year_rules():
    assert is_leap_year(2024)
    assert not is_leap_year(2023)
    assert not is_leap_year(1900)
    assert is_leap_year(2000)
    assert days_in_year(2000) == 366
    assert days_in_year(2100) == 365


def test_days_in_month_including_february():
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2023, 2) == 28
    assert days_in_month(2023, 4) == 30
    assert days_in_month(2023, 12) == 31
    assert days_in_month(2023, 1) == 31
    with pytest.raises(ValueError):
        days_in_month(2023, 13)
    with pytest.raises(ValueError):
        days_in_month(2023, 0)


def test_validate_rejects_impossible_dates():
    assert validate(Date(2024, 2, 29)) == Date(2024, 2, 29)
    for bad in [Date(2023, 2, 29), Date(2023, 4, 31), Date(2023, 1, 0), Date(0, 1, 1), Date(10000, 1, 1)]:
        with pytest.raises(ValueError):
            validate(bad)


def test_day_of_year_counts_from_january_first():
    assert day_of_year(Date(2023, 1, 1)) == 1
    assert day_of_year(Date(2023, 3, 1)) == 60
    assert day_of_year(Date(2024, 3, 1)) == 61
    assert day_of_year(Date(2024, 12, 31)) == 366
    with pytest.raises(ValueError):
        day_of_year(Date(2023, 2, 29))


def test_from_day_of_year_inverts_day_of_year():
    assert from_day_of_year(2024, 60) == Date(2024, 2, 29)
    assert from_day_of_year(2023, 365) == Date(2023, 12, 31)
    with pytest.raises(ValueError):
        from_day_of_year(2023, 366)
    with pytest.raises(ValueError):
        from_day_of_year(2023, 0)


def test_ordinal_matches_datetime_toordinal():
    for d in sample_dates():
        assert to_ordinal(Date(d.year, d.month, d.day)) == d.toordinal()


def test_from_ordinal_matches_datetime_fromordinal():
    for d in sample_dates():
        assert from_ordinal(d.toordinal()) == Date(d.year, d.month, d.day)
    with pytest.raises(ValueError):
        from_ordinal(0)
    with pytest.raises(ValueError):
        from_ordinal(-5)


def test_from_ordinal_handles_last_day_of_leap_years():
    for year in [4, 400, 1600, 1996, 2000, 2024, 2400]:
        d = datetime.date(year, 12, 31)
        assert from_ordinal(d.toordinal()) == Date(year, 12, 31)
        assert from_ordinal(d.toordinal() + 1) == Date(year + 1, 1, 1)
    assert from_ordinal(365) == Date(1, 12, 31)


def test_add_days_crosses_month_and_year_boundaries():
    assert add_days(Date(2023, 12, 31), 1) == Date(2024, 1, 1)
    assert add_days(Date(2024, 2, 28), 1) == Date(2024, 2, 29)
    assert add_days(Date(2024, 3, 1), -1) == Date(2024, 2, 29)
    assert add_days(Date(2024, 1, 1), 366) == Date(2025, 1, 1)


def test_days_between_is_signed():
    assert days_between(Date(2024, 1, 1), Date(2024, 3, 1)) == 60
    assert days_between(Date(2024, 3, 1), Date(2024, 1, 1)) == -60
    assert days_between(Date(1999, 12, 31), Date(2000, 1, 1)) == 1


def test_weekday_and_names():
    assert weekday(Date(2024, 1, 1)) == 0
    assert weekday(Date(2024, 3, 3)) == 6
    assert weekday_name(Date(2000, 1, 1)) == "Saturday"
    assert weekday_name(Date(2024, 7, 4), short=True) == "Thu"


def test_weekday_matches_datetime():
    for d in sample_dates():
        assert weekday(Date(d.year, d.month, d.day)) == d.weekday()


def test_iso_calendar_at_year_boundaries():
    assert iso_calendar(Date(2021, 1, 3)) == (2020, 53, 7)
    assert iso_calendar(Date(2021, 1, 4)) == (2021, 1, 1)
    assert iso_calendar(Date(2024, 12, 30)) == (2025, 1, 1)
    assert iso_calendar(Date(2024, 12, 29)) == (2024, 52, 7)
    assert iso_calendar(Date(2026, 1, 1)) == (2026, 1, 4)


def test_iso_calendar_matches_datetime():
    for d in sample_dates():
        assert iso_calendar(Date(d.year, d.month, d.day)) == tuple(d.isocalendar())


def test_iso_weeks_in_year_is_52_or_53():
    assert iso_weeks_in_year(2020) == 53
    assert iso_weeks_in_year(2015) == 53
    assert iso_weeks_in_year(2021) == 52
    assert iso_weeks_in_year(2024) == 52


def test_from_iso_week_builds_dates_and_validates():
    assert from_iso_week(2020, 53, 7) == Date(2021, 1, 3)
    assert from_iso_week(2025, 1) == Date(2024, 12, 30)
    assert from_iso_week(2024, 10, 3) == Date(2024, 3, 6)
    with pytest.raises(ValueError):
        from_iso_week(2021, 53)
    with pytest.raises(ValueError):
        from_iso_week(2021, 0)
    with pytest.raises(ValueError):
        from_iso_week(2021, 5, 8)
    with pytest.raises(ValueError):
        from_iso_week(2021, 5, 0)


def test_parse_calendar_dates_extended_and_basic():
    assert parse_iso_date("2024-02-29") == Date(2024, 2, 29)
    assert parse_iso_date(" 19991231 ") == Date(1999, 12, 31)
    assert parse_iso_date("0001-01-01") == Date(1, 1, 1)


def test_parse_ordinal_and_week_dates():
    assert parse_iso_date("2024-060") == Date(2024, 2, 29)
    assert parse_iso_date("2023-365") == Date(2023, 12, 31)
    assert parse_iso_date("2020-W53-7") == Date(2021, 1, 3)
    assert parse_iso_date("2024-W10") == Date(2024, 3, 4)


def test_parse_rejects_malformed_or_impossible_dates():
    for bad in ["2023-02-29", "2024-13-01", "2024/01/01", "24-01-01", "2024-1-01", "2024-W1x-1",
                "2024-W10-12", "2023-366", "2024-01-01T", "2024-", "20240132", "abcd-01-01", "2024",
                "2024/W10-3", "2024-+1-05", "+024-01-01", "2024-W1-03"]:
        with pytest.raises(ValueError):
            parse_iso_date(bad)
    with pytest.raises(ValueError, match="expected 2 digits at position 5"):
        parse_iso_date("2024-x1-01")


def test_format_iso_date_styles():
    d = Date(2024, 3, 6)
    assert format_iso_date(d) == "2024-03-06"
    assert format_iso_date(d, "basic") == "20240306"
    assert format_iso_date(d, "ordinal") == "2024-066"
    assert format_iso_date(d, "week") == "2024-W10-3"
    assert format_iso_date(Date(5, 1, 9)) == "0005-01-09"
    with pytest.raises(ValueError):
        format_iso_date(d, "roman")
    with pytest.raises(ValueError):
        format_iso_date(Date(2023, 2, 29))


def test_format_and_parse_round_trip_in_every_style():
    for d in sample_dates()[::7]:
        date = Date(d.year, d.month, d.day)
        for style in ["calendar", "basic", "ordinal", "week"]:
            assert parse_iso_date(format_iso_date(date, style)) == date


def test_format_long_date_spells_weekday_and_month():
    assert format_long_date(Date(2024, 3, 5)) == "Tuesday, 5 March 2024"
    assert format_long_date(Date(1999, 12, 31)) == "Friday, 31 December 1999"
    with pytest.raises(ValueError):
        format_long_date(Date(2023, 2, 30))
