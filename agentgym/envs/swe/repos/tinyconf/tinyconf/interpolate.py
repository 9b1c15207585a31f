"""``${section.key}`` interpolation with cycle detection."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ConfigError
from .values import Value, format_value, parse_value

_WHOLE = re.compile(r"\$\{([^{}$]*)\}")


@dataclass(frozen=True)
class RawEntry:
    """Unconverted value text and the line where its key was defined."""

    text: str
    line: int


def split_reference(ref: str, section: str) -> tuple[str, str]:
    """Split ``a.b.key`` into (``a.b``, ``key``); a bare ``key`` refers to ``section``."""
    ref = ref.strip()
    if "." not in ref:
        return section, ref
    target, key = ref.rsplit(".", 1)
    return target, key


def as_text(value: Value) -> str:
    """Text inserted when a reference appears inside a longer value."""
    if isinstance(value, str):
        return value
    return format_value(value)


def substitute(text: str, lookup: Callable[[str], Value], line: int) -> str:
    """Replace ``${ref}`` with the referenced value's text and ``$$`` with ``$``."""
    pieces: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "$" and nxt == "$":
            pieces.append("$")
            i += 2
        elif ch == "$" and nxt == "{":
            end = text.find("}", i + 2)
            if end == -1:
                raise ConfigError("unterminated reference", line)
            pieces.append(as_text(lookup(text[i + 2 : end])))
            i = end + 1
        else:
            pieces.append(ch)
            i += 1
    return "".join(pieces)


def expand(text: str, lookup: Callable[[str], Value], line: int) -> Value:
    """Typed value of ``text``; a value that is a single reference keeps the referenced type."""
    whole = _WHOLE.fullmatch(text.strip())
    if whole:
        return copy.deepcopy(lookup(whole.group(1)))
    return parse_value(substitute(text, lookup, line), line)


class Resolver:
    """Resolves every raw entry once, following references depth-first."""

    def __init__(self, raw: dict[str, dict[str, RawEntry]], default_section: str) -> None:
        self.raw = raw
        self.default_section = default_section
        self.done: dict[tuple[str, str], Value] = {}

    def resolve(self, section: str, key: str, chain: tuple[str, ...] = ()) -> Value:
        """Typed value of ``section.key``; ConfigError on a reference cycle."""
        if (section, key) in self.done:
            return self.done[(section, key)]
        entry = self.raw[section][key]
        name = f"{section}.{key}"
        if name in chain:
            loop = chain[chain.index(name) :] + (name,)
            raise ConfigError("interpolation cycle: " + " -> ".join(loop), entry.line)
        inner = chain + (name,)

        def lookup(ref: str) -> Value:
            return self.lookup(ref, section, inner, entry.line)

        value = expand(entry.text, lookup, entry.line)
        self.done[(section, key)] = value
        return value

    def lookup(self, ref: str, section: str, chain: tuple[str, ...], line: int) -> Value:
        """Value for reference ``ref`` made from ``section``, falling back to the defaults."""
        target, key = split_reference(ref, section)
        for candidate in (target, self.default_section):
            if key in self.raw.get(candidate, {}):
                return self.resolve(candidate, key, chain)
        raise ConfigError(f"unknown reference ${{{ref}}}", line)


def resolve_all(raw: dict[str, dict[str, RawEntry]], default_section: str) -> dict[str, dict[str, Value]]:
    """Typed values for every entry, sections and keys in their original order."""
    resolver = Resolver(raw, default_section)
    return {section: {key: resolver.resolve(section, key) for key in entries} for section, entries in raw.items()}
