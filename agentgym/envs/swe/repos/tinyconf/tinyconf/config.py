"""The Config container and its typed getter API."""

from __future__ import annotations

import copy
import re
from typing import Any

from .errors import ConfigError
from .values import Value, format_value

DEFAULT_SECTION = "defaults"

_SECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*")
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_MISSING = object()


def check_section_name(name: str, line: int | None = None) -> str:
    """Return ``name`` if it is a valid (possibly dotted) section name, else raise ConfigError."""
    if not _SECTION_NAME.fullmatch(name):
        raise ConfigError(f"invalid section name {name!r}", line)
    return name


def check_key_name(name: str, line: int | None = None) -> str:
    """Return ``name`` if it is a valid key, else raise ConfigError."""
    if not _KEY_NAME.fullmatch(name):
        raise ConfigError(f"invalid key {name!r}", line)
    return name


class Config:
    """Sections of typed values; keys missing from a section fall back to the defaults section."""

    def __init__(self, data: dict[str, dict[str, Value]] | None = None, default_section: str = DEFAULT_SECTION) -> None:
        self.default_section = default_section
        self._data: dict[str, dict[str, Value]] = {}
        for section, values in (data or {}).items():
            self.add_section(section)
            for key, value in values.items():
                self.set(section, key, value)

    def add_section(self, name: str) -> None:
        """Create an empty section; ConfigError if it already exists."""
        check_section_name(name)
        if name in self._data:
            raise ConfigError(f"duplicate section {name!r}")
        self._data[name] = {}

    def set(self, section: str, key: str, value: Value) -> None:
        """Store ``value``, creating the section when needed."""
        check_key_name(key)
        if section not in self._data:
            self.add_section(section)
        self._data[section][key] = value

    def sections(self) -> list[str]:
        """Section names in insertion order."""
        return list(self._data)

    def has_section(self, name: str) -> bool:
        return name in self._data

    def subsections(self, name: str) -> list[str]:
        """Names of the sections nested directly below ``name`` (``a.b`` is below ``a``)."""
        prefix = name + "."
        depth = name.count(".") + 1
        return [s for s in self._data if s.startswith(prefix) and s.count(".") == depth]

    def keys(self, section: str) -> list[str]:
        """Keys defined in the section itself (defaults not included)."""
        if section not in self._data:
            raise ConfigError(f"no section {section!r}")
        return list(self._data[section])

    def items(self, section: str) -> dict[str, Value]:
        """The section's values merged over the defaults."""
        merged = dict(self._data.get(self.default_section, {}))
        merged.update(self._data.get(section, {}))
        return merged

    def _lookup(self, section: str, key: str) -> Any:
        values = self._data.get(section, {})
        if key in values:
            return values[key]
        defaults = self._data.get(self.default_section, {})
        if key in defaults:
            return defaults[key]
        return _MISSING

    def has(self, section: str, key: str) -> bool:
        """True when ``key`` is found in the section or in the defaults."""
        return self._lookup(section, key) is not _MISSING

    def _fallback(self, section: str, key: str, fallback: Any) -> Any:
        if fallback is _MISSING:
            raise ConfigError(f"no option {key!r} in section {section!r}")
        return fallback

    def get(self, section: str, key: str, fallback: Any = _MISSING) -> Any:
        """Value of ``key``; ``fallback`` when missing, or ConfigError without one."""
        value = self._lookup(section, key)
        if value is _MISSING:
            return self._fallback(section, key, fallback)
        return value

    def get_int(self, section: str, key: str, fallback: Any = _MISSING) -> int:
        """Integer value; ConfigError if the value has another type."""
        value = self._lookup(section, key)
        if value is _MISSING:
            return self._fallback(section, key, fallback)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{section}.{key} is not an integer")
        return value

    def get_float(self, section: str, key: str, fallback: Any = _MISSING) -> float:
        """Float value; integers are widened, other types raise ConfigError."""
        value = self._lookup(section, key)
        if value is _MISSING:
            return self._fallback(section, key, fallback)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{section}.{key} is not a number")
        return float(value)

    def get_bool(self, section: str, key: str, fallback: Any = _MISSING) -> bool:
        """Boolean value; ConfigError if the value has another type."""
        value = self._lookup(section, key)
        if value is _MISSING:
            return self._fallback(section, key, fallback)
        if not isinstance(value, bool):
            raise ConfigError(f"{section}.{key} is not a boolean")
        return value

    def get_str(self, section: str, key: str, fallback: Any = _MISSING) -> str:
        """String value; scalars are rendered as text, lists raise ConfigError."""
        value = self._lookup(section, key)
        if value is _MISSING:
            return self._fallback(section, key, fallback)
        if isinstance(value, list):
            raise ConfigError(f"{section}.{key} is a list, not a string")
        if isinstance(value, str):
            return value
        return format_value(value)

    def get_list(self, section: str, key: str, fallback: Any = _MISSING) -> list[Value]:
        """List value; an empty string gives [] and any other scalar a one-item list."""
        value = self._lookup(section, key)
        if value is _MISSING:
            return self._fallback(section, key, fallback)
        if isinstance(value, list):
            return copy.deepcopy(value)
        if value == "":
            return []
        return [value]

    def to_dict(self) -> dict[str, dict[str, Value]]:
        """Deep copy of all sections."""
        return copy.deepcopy(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return self._data == other._data

    def __repr__(self) -> str:
        return f"Config({self._data!r})"
