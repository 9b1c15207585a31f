"""Reading config text into sections of raw entries."""

from __future__ import annotations

from .config import DEFAULT_SECTION, Config, check_key_name, check_section_name
from .errors import ConfigError
from .interpolate import RawEntry, resolve_all


def strip_comment(text: str) -> str:
    """Remove a ``#`` or ``;`` comment that starts the text or follows whitespace, outside quotes."""
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "#;" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
        i += 1
    return text.rstrip()


def split_pair(text: str, line: int) -> tuple[str, str]:
    """Split ``key = value`` or ``key: value`` at the first separator."""
    positions = [pos for pos in (text.find("="), text.find(":")) if pos >= 0]
    if not positions:
        raise ConfigError("expected 'key = value'", line)
    cut = min(positions)
    key = check_key_name(text[:cut].strip(), line)
    return key, strip_comment(text[cut + 1 :]).strip()


def parse_header(text: str, line: int) -> str:
    """Section name from a ``[name]`` header line."""
    body = strip_comment(text)
    if not body.endswith("]"):
        raise ConfigError("section header is missing ']'", line)
    return check_section_name(body[1:-1].strip(), line)


def read_raw(text: str) -> dict[str, dict[str, RawEntry]]:
    """Sections of unconverted entries; indented lines continue the previous value."""
    sections: dict[str, dict[str, RawEntry]] = {}
    current: str | None = None
    last_key: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            last_key = None
            continue
        if stripped[0] in "#;":
            continue
        if line[0] in " \t":
            if current is None or last_key is None:
                raise ConfigError("unexpected indentation", number)
            entry = sections[current][last_key]
            joined = (entry.text + "\n" + strip_comment(stripped)).strip()
            sections[current][last_key] = RawEntry(joined, entry.line)
            continue
        last_key = None
        if stripped[0] == "[":
            current = parse_header(stripped, number)
            if current in sections:
                raise ConfigError(f"duplicate section {current!r}", number)
            sections[current] = {}
            continue
        if current is None:
            raise ConfigError("key outside of any section", number)
        key, value = split_pair(stripped, number)
        if key in sections[current]:
            raise ConfigError(f"duplicate key {key!r}", number)
        sections[current][key] = RawEntry(value, number)
        last_key = key
    return sections


def parse(text: str, default_section: str = DEFAULT_SECTION) -> Config:
    """Parse config text into a :class:`Config` with typed, interpolated values."""
    raw = read_raw(text)
    return Config(resolve_all(raw, default_section), default_section)
