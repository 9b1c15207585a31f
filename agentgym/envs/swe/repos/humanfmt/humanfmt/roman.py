"""Conversion between integers and canonical Roman numerals (1 to 3999)."""

from __future__ import annotations

# (one, five, ten) symbols for ones, tens, hundreds and thousands.
_PLACES = [("I", "V", "X"), ("X", "L", "C"), ("C", "D", "M"), ("M", "", "")]
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
MAX_ROMAN = 3999


def _digit_to_roman(digit: int, symbols: tuple[str, str, str]) -> str:
    one, five, ten = symbols
    if digit == 9:
        return one + ten
    if digit >= 5:
        return five + one * (digit - 5)
    if digit == 4:
        return one + five
    return one * digit


def to_roman(number: int) -> str:
    """Return the canonical Roman numeral for ``number``, e.g. 1994 -> 'MCMXCIV'."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError("roman numerals need an int")
    if number < 1 or number > MAX_ROMAN:
        raise ValueError(f"{number} is outside 1..{MAX_ROMAN}")
    parts: list[str] = []
    place = 0
    while number > 0:
        parts.append(_digit_to_roman(number % 10, _PLACES[place]))
        number //= 10
        place += 1
    return "".join(reversed(parts))


def from_roman(text: str) -> int:
    """Parse a canonical Roman numeral (case-insensitive); reject forms like 'IIII' or 'IC'."""
    numeral = text.strip().upper()
    for ch in numeral:
        if ch not in _VALUES:
            raise ValueError(f"invalid roman numeral character {ch!r}")
    total = 0
    for i, ch in enumerate(numeral):
        value = _VALUES[ch]
        if i + 1 < len(numeral) and _VALUES[numeral[i + 1]] > value:
            total -= value
        else:
            total += value
    # to_roman raises ValueError for totals outside 1..MAX_ROMAN (including the empty string's 0).
    if to_roman(total) != numeral:
        raise ValueError(f"{text!r} is not a canonical roman numeral")
    return total


def is_roman(text: str) -> bool:
    """Return True when ``text`` is a valid canonical Roman numeral."""
    try:
        from_roman(text)
    except ValueError:
        return False
    return True
