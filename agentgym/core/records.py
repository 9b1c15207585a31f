"""Small helpers for the settings dataclasses (run configs, credit settings) read back from JSON or flags.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Settings:
    ...     lr: float = 0.1
    ...     steps: int = 10
    >>> unknown_fields(Settings, {"lr": 1.0, "stpes": 5})
    (['stpes'], ['lr', 'steps'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


def unknown_fields(cls: Any, data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(the keys of data that are not fields of the dataclass cls, its field names)``, both sorted."""
    known = {f.name for f in dataclasses.fields(cls)}
    return sorted(set(data) - known), sorted(known)
