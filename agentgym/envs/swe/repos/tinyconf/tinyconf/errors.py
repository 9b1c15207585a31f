"""Error type raised for malformed input and failed lookups."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem, optionally tied to a 1-based source line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        if line is None:
            super().__init__(message)
        else:
            super().__init__(f"line {line}: {message}")
