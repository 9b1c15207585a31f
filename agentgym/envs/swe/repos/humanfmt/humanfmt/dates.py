"""Proleptic Gregorian calendar arithmetic and ISO-8601 date parsing/formatting."""

from __future__ import annotations

from typing import NamedTuple

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]


class Date(NamedTuple):
    """A calendar date; validated by the functions that use it."""

    year: int
    month: int
    day: int


def is_leap_year(year: int) -> bool:
    """Return True for Gregorian leap years (divisible by 4, except centuries not divisible by 400)."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Return the number of days in ``month`` of ``year``."""
    if month < 1 or month > 12:
        raise ValueError(f"month {month} is outside 1..12")
    if month == 2:
        return 29 if is_leap_year(year) else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31


def days_in_year(year: int) -> int:
    """Return 366 for leap years and 365 otherwise."""
    return 366 if is_leap_year(year) else 365


def validate(date: Date) -> Date:
    """Return ``date`` unchanged, or raise ``ValueError`` if it does not exist."""
    if date.year < 1 or date.year > 9999:
        raise ValueError(f"year {date.year} is outside 1..9999")
    if date.day < 1 or date.day > days_in_month(date.year, date.month):
        raise ValueError(f"day {date.day} does not exist in {date.year}-{date.month:02d}")
    return date


def day_of_year(date: Date) -> int:
    """Return the 1-based position of ``date`` within its year."""
    validate(date)
    total = date.day
    for month in range(1, date.month):
        total += days_in_month(date.year, month)
    return total


def from_day_of_year(year: int, day: int) -> Date:
    """Return the date that is the ``day``-th day (1-based) of ``year``."""
    if day < 1 or day > days_in_year(year):
        raise ValueError(f"day {day} is outside year {year}")
    month = 1
    while day > days_in_month(year, month):
        day -= days_in_month(year, month)
        month += 1
    return Date(year, month, day)


def _days_before_year(year: int) -> int:
    previous = year - 1
    return previous * 365 + previous // 4 - previous // 100 + previous // 400


def to_ordinal(date: Date) -> int:
    """Return the day number of ``date``, counting 0001-01-01 as day 1."""
    return _days_before_year(date.year) + day_of_year(date)


def from_ordinal(number: int) -> Date:
    """Inverse of :func:`to_ordinal`, peeling off 400-, 100-, 4- and 1-year cycles."""
    if number < 1:
        raise ValueError("ordinal must be at least 1")
    rest = number - 1
    cycles400, rest = divmod(rest, 146097)  # days in 400 years
    cycles100, rest = divmod(rest, 36524)  # days in 100 years without the 400th leap day
    cycles4, rest = divmod(rest, 1461)  # days in 4 years
    years, rest = divmod(rest, 365)
    year = cycles400 * 400 + cycles100 * 100 + cycles4 * 4 + years + 1
    if cycles100 == 4 or years == 4:
        return Date(year - 1, 12, 31)  # the last day of a leap year ends its cycle
    return from_day_of_year(year, rest + 1)


def add_days(date: Date, days: int) -> Date:
    """Return the date ``days`` days after (or before, if negative) ``date``."""
    return from_ordinal(to_ordinal(date) + days)


def days_between(start: Date, end: Date) -> int:
    """Return the signed number of days from ``start`` to ``end``."""
    return to_ordinal(end) - to_ordinal(start)


def weekday(date: Date) -> int:
    """Return the day of the week, Monday being 0 and Sunday 6."""
    return (to_ordinal(date) - 1) % 7


def weekday_name(date: Date, short: bool = False) -> str:
    """Return 'Monday' .. 'Sunday', or the three-letter form with ``short``."""
    name = WEEKDAY_NAMES[weekday(date)]
    return name[:3] if short else name


def _week_one_monday(iso_year: int) -> int:
    """Ordinal of the Monday starting ISO week 1 (the week holding January 4th)."""
    jan4 = _days_before_year(iso_year) + 4
    return jan4 - (jan4 - 1) % 7


def iso_weeks_in_year(iso_year: int) -> int:
    """Return 52 or 53, the number of ISO weeks in ``iso_year``."""
    return (_week_one_monday(iso_year + 1) - _week_one_monday(iso_year)) // 7


def iso_calendar(date: Date) -> tuple[int, int, int]:
    """Return ``(iso_year, iso_week, iso_weekday)`` with Monday as weekday 1."""
    number = to_ordinal(date)
    iso_year = date.year
    if number >= _week_one_monday(iso_year + 1):
        iso_year += 1
    elif number < _week_one_monday(iso_year):
        iso_year -= 1
    week = (number - _week_one_monday(iso_year)) // 7 + 1
    return iso_year, week, (number - 1) % 7 + 1


def from_iso_week(iso_year: int, week: int, day: int = 1) -> Date:
    """Return the date of ``day`` (1 = Monday) in ISO ``week`` of ``iso_year``."""
    if week < 1 or week > iso_weeks_in_year(iso_year):
        raise ValueError(f"week {week} does not exist in {iso_year}")
    if day < 1 or day > 7:
        raise ValueError(f"weekday {day} is outside 1..7")
    return from_ordinal(_week_one_monday(iso_year) + (week - 1) * 7 + day - 1)


def _digits(text: str, start: int, end: int) -> int:
    """Parse ``text[start:end]`` as an unsigned decimal number of exactly that many digits."""
    chunk = text[start:end]
    if len(chunk) != end - start or not chunk.isdigit():  # int() alone would accept '+1', ' 1' and '1_0'
        raise ValueError(f"expected {end - start} digits at position {start} in {text!r}")
    return int(chunk)


def parse_iso_date(text: str) -> Date:
    """Parse 'YYYY-MM-DD', 'YYYYMMDD', 'YYYY-DDD' (ordinal) or 'YYYY-Www-D' (week date)."""
    s = text.strip()
    year = _digits(s, 0, 4)
    if len(s) == 8 and s[4] != "-":
        return validate(Date(year, _digits(s, 4, 6), _digits(s, 6, 8)))
    if len(s) < 5 or s[4] != "-":
        raise ValueError(f"unrecognised ISO date: {text!r}")
    if s[5:6] == "W":
        if len(s) == 8:
            return from_iso_week(year, _digits(s, 6, 8))
        if len(s) == 10 and s[8] == "-":
            return from_iso_week(year, _digits(s, 6, 8), _digits(s, 9, 10))
    if len(s) == 8:
        return from_day_of_year(year, _digits(s, 5, 8))
    if len(s) == 10 and s[7] == "-":
        return validate(Date(year, _digits(s, 5, 7), _digits(s, 8, 10)))
    raise ValueError(f"unrecognised ISO date: {text!r}")


def format_iso_date(date: Date, style: str = "calendar") -> str:
    """Format ``date`` in ISO style 'calendar', 'basic', 'ordinal' or 'week'."""
    validate(date)
    if style == "calendar":
        return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    if style == "basic":
        return f"{date.year:04d}{date.month:02d}{date.day:02d}"
    if style == "ordinal":
        return f"{date.year:04d}-{day_of_year(date):03d}"
    if style == "week":
        iso_year, week, day = iso_calendar(date)
        return f"{iso_year:04d}-W{week:02d}-{day}"
    raise ValueError(f"unknown style {style!r}")


def format_long_date(date: Date) -> str:
    """Format ``date`` as e.g. 'Tuesday, 5 March 2024'; impossible dates raise ``ValueError``."""
    return f"{weekday_name(date)}, {date.day} {MONTH_NAMES[date.month - 1]} {date.year}"
