"""Lexer: turns source text into tokens with line and column numbers."""

from dataclasses import dataclass

from minicalc.errors import ParseError

KEYWORDS = frozenset({"let", "if", "then", "else", "and", "or", "not"})
TWO_CHAR_OPS = ("**", "<=", ">=", "==", "!=")
ONE_CHAR_OPS = "+-*/%<>=(),;"


@dataclass(frozen=True)
class Token:
    """A token; ``kind`` is ``number``, ``name``, ``keyword``, ``op`` or ``eof``."""

    kind: str
    value: str | int | float
    line: int
    column: int


def _scan_digits(source: str, i: int) -> int:
    """Return the index after a (possibly empty) run of digits starting at ``i``."""
    while i < len(source) and source[i].isdigit():
        i += 1
    return i


def _read_number(source: str, start: int, line: int, column: int) -> tuple[int | float, int]:
    """Read an int or float literal (``12``, ``1.5``, ``.5``, ``2e-3``) starting at ``start``."""
    i = _scan_digits(source, start)
    is_float = False
    if i < len(source) and source[i] == ".":
        end = _scan_digits(source, i + 1)
        if end == i + 1:
            raise ParseError("malformed number", line, column)
        i = end
        is_float = True
    if i < len(source) and source[i] in "eE":
        j = i + 1
        if j < len(source) and source[j] in "+-":
            j += 1
        end = _scan_digits(source, j)
        if end == j:
            raise ParseError("malformed number", line, column)
        i = end
        is_float = True
    text = source[start:i]
    return (float(text) if is_float else int(text)), i


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``eof`` token. ``#`` starts a comment."""
    tokens: list[Token] = []
    i = 0
    line = 1
    line_start = 0
    while i < len(source):
        ch = source[i]
        column = i - line_start + 1
        if ch == "\n":
            line += 1
            line_start = i + 1
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "#":
            while i < len(source) and source[i] != "\n":
                i += 1
        elif ch.isdigit() or (ch == "." and i + 1 < len(source) and source[i + 1].isdigit()):
            value, i = _read_number(source, i, line, column)
            tokens.append(Token("number", value, line, column))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < len(source) and (source[i].isalnum() or source[i] == "_"):
                i += 1
            word = source[start:i]
            tokens.append(Token("keyword" if word in KEYWORDS else "name", word, line, column))
        elif source[i : i + 2] in TWO_CHAR_OPS:
            tokens.append(Token("op", source[i : i + 2], line, column))
            i += 2
        elif ch in ONE_CHAR_OPS:
            tokens.append(Token("op", ch, line, column))
            i += 1
        else:
            raise ParseError(f"unexpected character {ch!r}", line, column)
    tokens.append(Token("eof", "", line, len(source) - line_start + 1))
    return tokens
