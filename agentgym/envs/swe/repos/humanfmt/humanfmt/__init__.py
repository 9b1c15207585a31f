"""humanfmt: human-friendly formatting of sizes, numbers, durations and dates."""

from humanfmt.dates import (
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
from humanfmt.durations import format_duration, parse_duration, relative_time
from humanfmt.numbers import compact_number, format_bytes, format_number, ordinal, parse_bytes
from humanfmt.roman import from_roman, is_roman, to_roman

__all__ = [
    "Date",
    "add_days",
    "compact_number",
    "day_of_year",
    "days_between",
    "days_in_month",
    "format_bytes",
    "format_duration",
    "format_iso_date",
    "format_long_date",
    "format_number",
    "from_iso_week",
    "from_roman",
    "is_leap_year",
    "is_roman",
    "iso_calendar",
    "ordinal",
    "parse_bytes",
    "parse_duration",
    "parse_iso_date",
    "relative_time",
    "to_roman",
    "weekday",
    "weekday_name",
]
