"""Writing a Config back to text."""

from __future__ import annotations

from .config import Config
from .values import format_value


def dump(config: Config) -> str:
    """Text that :func:`tinyconf.parse` turns back into an equal Config."""
    blocks: list[str] = []
    for section in config.sections():
        lines = [f"[{section}]"]
        for key in config.keys(section):
            lines.append(f"{key} = {format_value(config.get(section, key))}")
        blocks.append("\n".join(lines))
    if not blocks:
        return ""
    return "\n\n".join(blocks) + "\n"
