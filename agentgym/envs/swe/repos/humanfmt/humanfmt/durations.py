"""Durations such as '2h 5m 3s' and relative phrases such as '3 minutes ago'."""

from __future__ import annotations

_UNITS = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
_UNIT_NAMES = {"d": "day", "h": "hour", "m": "minute", "s": "second"}
_RELATIVE_STEPS = [("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
                   ("hour", 3600), ("minute", 60)]


def plural(count: int, word: str) -> str:
    """Return '1 day' or '3 days'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def split_duration(seconds: int) -> list[tuple[str, int]]:
    """Split non-negative ``seconds`` into (unit, amount) pairs, largest first, skipping zeros."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    parts: list[tuple[str, int]] = []
    remaining = seconds
    for unit, size in _UNITS:
        amount, remaining = divmod(remaining, size)
        if amount > 0:
            parts.append((unit, amount))
    return parts


def format_duration(seconds: float, max_units: int | None = None, verbose: bool = False) -> str:
    """Format seconds (rounded, halves up) as '2h 5m 3s' or, with ``verbose``, '2 hours, 5 minutes, 3 seconds'.

    ``max_units`` keeps only that many of the largest non-zero units.
    """
    if max_units is not None and max_units < 1:
        raise ValueError("max_units must be at least 1")
    sign = "-" if seconds < 0 else ""
    parts = split_duration(int(abs(seconds) + 0.5))
    if not parts:
        return "0 seconds" if verbose else "0s"
    if max_units is not None:
        parts = parts[:max_units]
    if verbose:
        return sign + ", ".join(plural(amount, _UNIT_NAMES[unit]) for unit, amount in parts)
    return sign + " ".join(f"{amount}{unit}" for unit, amount in parts)


def _unit_seconds(unit: str) -> int:
    for name, size in _UNITS:
        if name == unit:
            return size
    raise ValueError(f"unknown duration unit {unit!r}")


def parse_duration(text: str) -> int:
    """Parse '1h30m', '2h 5m 3s', '1d 4h' or a bare number of seconds into seconds.

    Units must appear from largest to smallest, each at most once.
    """
    source = text.strip().lower()
    if not source:
        raise ValueError("empty duration")
    if source.isdigit():
        return int(source)
    total = 0
    previous_size = 0
    i = 0
    while i < len(source):
        if source[i] == " ":
            i += 1
            continue
        start = i
        while i < len(source) and source[i].isdigit():
            i += 1
        if i == start:
            raise ValueError(f"expected a number at position {start} in {text!r}")
        if i >= len(source):
            raise ValueError(f"missing unit after {source[start:]!r}")
        size = _unit_seconds(source[i])
        if previous_size and size >= previous_size:
            raise ValueError("duration units must go from largest to smallest without repeats")
        previous_size = size
        total += int(source[start:i]) * size
        i += 1
    return total


def relative_time(then: float, now: float) -> str:
    """Describe timestamp ``then`` relative to ``now`` (both in seconds), e.g. 'in 2 days'.

    Differences under 10 seconds are 'just now'; a difference of exactly one
    day (counted in whole days) reads 'yesterday' or 'tomorrow'.
    """
    future = then > now
    distance = abs(then - now)
    if distance < 10:
        return "just now"
    amount, unit = int(distance), "second"
    for name, size in _RELATIVE_STEPS:
        if distance >= size:
            amount, unit = int(distance // size), name
            break
    if unit == "day" and amount == 1:
        return "tomorrow" if future else "yesterday"
    phrase = plural(amount, unit)
    if future:
        return f"in {phrase}"
    return f"{phrase} ago"
