"""Conversion between value text and typed Python values."""

from __future__ import annotations

import math
import re
from typing import TypeAlias

from .errors import ConfigError

Value: TypeAlias = "str | int | float | bool | list[Value]"

TRUE_WORDS = ("true", "yes", "on")
FALSE_WORDS = ("false", "no", "off")

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_BARE = re.compile(r"[A-Za-z_/][A-Za-z0-9_./:@-]*")

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def parse_value(text: str, line: int | None = None) -> Value:
    """Turn the text of a value into a str, int, float, bool or list."""
    text = text.strip()
    if not text:
        return ""
    if text[0] in "\"'":
        return parse_quoted(text, line)
    if text[0] == "[":
        if not text.endswith("]"):
            raise ConfigError("unterminated list", line)
        return [parse_value(item, line) for item in split_items(text[1:-1], line)]
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def parse_quoted(text: str, line: int | None = None) -> str:
    """Decode a single- or double-quoted string with backslash escapes."""
    quote = text[0]
    out: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in _ESCAPES:
                raise ConfigError("invalid escape sequence", line)
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        if ch == quote:
            if i != len(text) - 1:
                raise ConfigError("unexpected text after closing quote", line)
            return "".join(out)
        out.append(ch)
        i += 1
    raise ConfigError("unterminated string", line)


def split_items(inner: str, line: int | None = None) -> list[str]:
    """Split the inside of a list on top-level commas, honouring quotes and nested brackets."""
    if not inner.strip():
        return []
    items: list[str] = []
    depth = 0
    quote = ""
    start = 0
    i = 0
    while i < len(inner):
        ch = inner[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise ConfigError("unbalanced brackets in list", line)
        elif ch == "," and depth == 0:
            items.append(inner[start:i])
            start = i + 1
        i += 1
    if depth != 0 or quote:
        raise ConfigError("unbalanced brackets in list", line)
    items.append(inner[start:])
    if len(items) > 1 and not items[-1].strip():
        items.pop()
    for item in items:
        if not item.strip():
            raise ConfigError("empty list item", line)
    return items


def quote_string(text: str) -> str:
    """Double-quote ``text``, escaping what the parser would otherwise interpret."""
    out = ['"']
    for ch in text:
        if ch == "\\" or ch == '"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "$":
            out.append("$$")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def format_value(value: Value) -> str:
    """Render a typed value as text that :func:`parse_value` reads back unchanged."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"cannot write non-finite number {value!r}")
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if isinstance(value, str):
        if _BARE.fullmatch(value) and parse_value(value) == value:
            return value
        return quote_string(value)
    raise ConfigError(f"unsupported value type {type(value).__name__}")
