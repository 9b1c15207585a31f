"""Text spaces whose charset holds all printable text.

Gymnasium's default :class:`~gymnasium.spaces.Text` charset is alphanumeric, which rejects
actions such as ``search[red shirt]`` or observations with punctuation and newlines. Every
agentgym text env uses :func:`text_space` instead.

Example:
    >>> space = text_space(64)
    >>> space.contains("search[red shirt, size 8]")
    True
    >>> to_printable("caf\u00e9 \u2192 bar")
    'cafe -> bar'
"""

from __future__ import annotations

import string
import unicodedata

from gymnasium.spaces import Text

#: Printable ASCII plus newline and tab: everything an observation or an action may contain.
PRINTABLE_CHARSET: frozenset[str] = frozenset(
    string.ascii_letters + string.digits + string.punctuation + " \n\t"
)

#: Default length limits (characters) of text observations and actions.
DEFAULT_OBSERVATION_LENGTH = 8192
DEFAULT_ACTION_LENGTH = 1024

# Common non-ASCII characters with a readable ASCII form (NFKD does not cover these).
_REPLACEMENTS = {
    "\u2192": "->",
    "\u2190": "<-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "--",
    "\u2026": "...",
    "\u00d7": "x",
    "\u00b0": " deg",
    "\r\n": "\n",
    "\r": "\n",
}


def text_space(max_length: int, *, min_length: int = 0) -> Text:
    """A :class:`~gymnasium.spaces.Text` space over :data:`PRINTABLE_CHARSET`."""
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    return Text(max_length, min_length=min_length, charset=PRINTABLE_CHARSET)


def to_printable(text: str, max_length: int | None = None) -> str:
    """Map ``text`` into :data:`PRINTABLE_CHARSET` (and cut it to ``max_length``).

    Accents are stripped, a few symbols get ASCII spellings, anything else becomes ``?``.
    A cut text ends with ``...`` so a reader can tell it was cut.
    """
    for src, dst in _REPLACEMENTS.items():
        if src in text:
            text = text.replace(src, dst)
    if not all(ch in PRINTABLE_CHARSET for ch in text):
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(
            ch if ch in PRINTABLE_CHARSET else ("" if unicodedata.combining(ch) else "?")
            for ch in decomposed
        )
    if max_length is not None and len(text) > max_length:
        text = text[: max(0, max_length - 3)] + "..."[: max_length]
    return text
