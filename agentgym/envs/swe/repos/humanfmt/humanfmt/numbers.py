"""Byte sizes, grouped and compact numbers, and English ordinals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"]
BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
COMPACT_SUFFIXES = ["", "K", "M", "B", "T"]


def format_bytes(size: int, binary: bool = False, precision: int = 1) -> str:
    """Format a byte count, e.g. 1500 -> '1.5 kB' or 1536 -> '1.5 KiB' with ``binary``."""
    if precision < 0:
        raise ValueError("precision must not be negative")
    base = 1024 if binary else 1000
    units = BINARY_UNITS if binary else DECIMAL_UNITS
    sign = "-" if size < 0 else ""
    value = float(abs(size))
    if value < base:
        return f"{sign}{int(value)} B"
    exponent = 0
    # Compare the rounded value so that e.g. 999.96 kB carries over to 1.0 MB.
    while exponent < len(units) - 1 and float(f"{value:.{precision}f}") >= base:
        value /= base
        exponent += 1
    return f"{sign}{value:.{precision}f} {units[exponent]}"


def parse_bytes(text: str) -> int:
    """Parse '1.5 kB', '2KiB' or '300' (case-insensitive units) into a number of bytes."""
    cleaned = text.strip()
    split = 0
    while split < len(cleaned) and (cleaned[split].isdigit() or cleaned[split] == "."):
        split += 1
    number_part, unit_part = cleaned[:split], cleaned[split:].strip().lower()
    multipliers = {"": 1}
    for power, unit in enumerate(DECIMAL_UNITS):
        multipliers[unit.lower()] = 1000**power
    for power, unit in enumerate(BINARY_UNITS):
        multipliers[unit.lower()] = 1024**power
    if unit_part not in multipliers:
        raise ValueError(f"unknown size unit: {unit_part!r}")
    return int(round(float(number_part) * multipliers[unit_part]))  # float() rejects '', '.' and '1.2.3'


def group_digits(digits: str, separator: str = ",", group: int = 3) -> str:
    """Insert ``separator`` between groups of ``group`` digits, counting from the right."""
    parts: list[str] = []
    end = len(digits)
    while end > group:
        parts.append(digits[end - group : end])
        end -= group
    parts.append(digits[:end])
    return separator.join(reversed(parts))


def format_number(value: float, decimals: int = 0, separator: str = ",", point: str = ".") -> str:
    """Round half away from zero to ``decimals`` places and group thousands."""
    if decimals < 0:
        raise ValueError("decimals must not be negative")
    quantum = Decimal(10) ** -decimals
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = format(abs(rounded), "f")
    whole, _, fraction = text.partition(".")
    result = group_digits(whole, separator)
    if decimals > 0:
        result = result + point + fraction
    if rounded < 0:
        result = "-" + result
    return result


def compact_number(value: float, precision: int = 1) -> str:
    """Abbreviate large numbers: 1234 -> '1.2K', 2_500_000 -> '2.5M'; trailing '.0' is dropped."""
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    index = 0
    text = f"{magnitude:.{precision}f}"
    while float(text) >= 1000 and index < len(COMPACT_SUFFIXES) - 1:
        magnitude /= 1000
        index += 1
        text = f"{magnitude:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign}{text}{COMPACT_SUFFIXES[index]}"


def ordinal_suffix(number: int) -> str:
    """Return the English ordinal suffix for ``number`` ('st', 'nd', 'rd' or 'th')."""
    number = abs(number)
    if 11 <= number % 100 <= 13:
        return "th"
    last = number % 10
    if last == 1:
        return "st"
    if last == 2:
        return "nd"
    if last == 3:
        return "rd"
    return "th"


def ordinal(number: int) -> str:
    """Return ``number`` followed by its ordinal suffix, e.g. 112 -> '112th'."""
    return f"{number}{ordinal_suffix(number)}"
