"""A tiny template renderer with ``{{name}}`` placeholders.

- ``{{ name }}``: the value of ``name`` (spaces inside the braces are ignored)
- ``{{ user.name }}``: dotted lookup through mappings (keys) or objects (attributes)
- ``{{ name | fallback }}``: ``fallback`` is used when ``name`` is missing or None
- ``\\{{``: a literal ``{{`` in the output
"""

from collections.abc import Mapping
from typing import Any

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_MISSING = object()


class TemplateError(ValueError):
    """Raised for malformed templates or, in strict mode, missing values."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.position = position


def escape_html(text: str) -> str:
    """Replace the characters ``& < > " '`` with HTML entities."""
    out: list[str] = []
    for ch in text:
        out.append(_ESCAPES.get(ch, ch))
    return "".join(out)


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    """Resolve a dotted ``path`` in ``context``; return ``_MISSING`` when absent."""
    value: Any = context
    for part in path.split("."):
        if isinstance(value, Mapping):
            if part not in value:
                return _MISSING
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            return _MISSING
    return value


def _parse_tag(inner: str, position: int) -> tuple[str, str | None]:
    """Split a tag body into (name, default or None)."""
    name, bar, default = inner.partition("|")
    name = name.strip()
    if not name:
        raise TemplateError("empty placeholder", position)
    return name, (default.strip() if bar else None)


def _tags(template: str) -> list[tuple[int, int, str]]:
    """Find placeholders as (start, end, inner text); escaped openers are skipped."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(template):
        if template.startswith("\\{{", i):
            i += 3
        elif template.startswith("{{", i):
            end = template.find("}}", i + 2)
            if end == -1:
                raise TemplateError("unclosed placeholder", i)
            found.append((i, end + 2, template[i + 2 : end]))
            i = end + 2
        else:
            i += 1
    return found


def placeholders(template: str) -> list[str]:
    """Names used by ``template``, each once, in order of first appearance."""
    names: list[str] = []
    for start, _end, inner in _tags(template):
        name, _default = _parse_tag(inner, start)
        if name not in names:
            names.append(name)
    return names


def render(template: str, context: Mapping[str, Any], *, escape: bool = False, strict: bool = False) -> str:
    """Fill the placeholders of ``template`` from ``context``.

    Missing values (absent or None) use the tag's default; without one they render as
    an empty string, or raise :class:`TemplateError` when ``strict`` is true. With
    ``escape`` the substituted values (defaults included) are HTML-escaped.
    """
    out: list[str] = []
    cursor = 0
    for start, end, inner in _tags(template):
        out.append(template[cursor:start].replace("\\{{", "{{"))
        name, default = _parse_tag(inner, start)
        value = _lookup(context, name)
        if value is _MISSING or value is None:
            if default is None and strict:
                raise TemplateError(f"missing value for {name!r}", start)
            text = default or ""
        else:
            text = str(value)
        out.append(escape_html(text) if escape else text)
        cursor = end
    out.append(template[cursor:].replace("\\{{", "{{"))
    return "".join(out)
