"""Tokenizer and matcher for a small search-query language.

The language has four kinds of terms, separated by whitespace:

- bare words: ``apple``
- quoted phrases: ``"red apple"`` (``\\"`` and ``\\\\`` escape inside quotes)
- fields: ``key:value`` or ``key:"quoted value"`` (keys are lower-cased)
- negation: a leading ``-`` on any term, e.g. ``-pear`` or ``-color:green``
"""

from collections.abc import Mapping
from dataclasses import dataclass


class QuerySyntaxError(ValueError):
    """Raised for malformed queries; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.position = position


@dataclass(frozen=True)
class Term:
    """One query term: ``kind`` is ``"word"``, ``"phrase"`` or ``"field"``."""

    kind: str
    value: str
    key: str | None = None
    negated: bool = False


def _read_quoted(query: str, start: int) -> tuple[str, int]:
    """Read a quoted string whose opening quote is at ``start``; return (text, index after it)."""
    chars: list[str] = []
    i = start + 1
    while i < len(query):
        ch = query[i]
        if ch == "\\" and i + 1 < len(query):
            chars.append(query[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(chars), i + 1
        chars.append(ch)
        i += 1
    raise QuerySyntaxError("unterminated quote", start)


def _read_bare(query: str, start: int) -> tuple[str, int]:
    """Read characters up to whitespace or a quote; return (text, end index)."""
    i = start
    while i < len(query) and not query[i].isspace() and query[i] != '"':
        i += 1
    return query[start:i], i


def tokenize(query: str) -> list[Term]:
    """Split ``query`` into a list of :class:`Term` objects, in order."""
    terms: list[Term] = []
    i = 0
    n = len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        negated = False
        if query[i] == "-" and i + 1 < n and not query[i + 1].isspace():
            negated = True
            i += 1
        if query[i] == '"':
            value, i = _read_quoted(query, i)
            terms.append(Term("phrase", value, None, negated))
            continue
        text, end = _read_bare(query, i)
        colon = text.find(":")
        if colon > 0 and colon + 1 < len(text):
            terms.append(Term("field", text[colon + 1 :], text[:colon].lower(), negated))
        elif colon > 0 and end < n and query[end] == '"':
            value, end = _read_quoted(query, end)
            terms.append(Term("field", value, text[:colon].lower(), negated))
        else:
            terms.append(Term("word", text, None, negated))
        i = end
    return terms


def _normalize(text: str) -> str:
    """Lower-case ``text`` and collapse runs of whitespace to single spaces."""
    return " ".join(text.lower().split())


def _term_matches(term: Term, text: str, fields: Mapping[str, str]) -> bool:
    """Whether a single (non-negated view of a) term matches the document."""
    if term.kind == "field":
        actual = fields.get(term.key or "", "")
        return _normalize(actual) == _normalize(term.value)
    if term.kind == "phrase":
        return _normalize(term.value) in _normalize(text)
    return term.value.lower() in _normalize(text).split()


def matches(query: str, text: str, fields: Mapping[str, str] | None = None) -> bool:
    """True when every positive term matches ``text``/``fields`` and no negated term does.

    Matching is case-insensitive; words must match a whole word, phrases a substring,
    and fields the whole (normalized) field value.
    """
    lookup = fields if fields is not None else {}
    for term in tokenize(query):
        found = _term_matches(term, text, lookup)
        if term.negated and found:
            return False
        if not term.negated and not found:
            return False
    return True
