"""Word wrapping, justification, alignment and truncation."""


def _joined_length(words: list[str]) -> int:
    """Length of ``" ".join(words)`` for a non-empty list, without building the string."""
    return sum(len(w) for w in words) + len(words) - 1


def wrap(
    text: str,
    width: int,
    *,
    break_long_words: bool = True,
    indent: str = "",
    subsequent_indent: str | None = None,
) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` characters, indentation included.

    Whitespace runs collapse to one space. ``indent`` prefixes the first line and
    ``subsequent_indent`` (default: same as ``indent``) the others. Words longer than
    the available room are split when ``break_long_words`` is true, otherwise they
    are placed alone on an over-long line.
    """
    later = indent if subsequent_indent is None else subsequent_indent
    if width <= max(len(indent), len(later)):
        raise ValueError("width must be larger than the indentation")
    lines: list[str] = []
    current: list[str] = []

    def prefix() -> str:
        return indent if not lines else later

    def flush() -> None:
        nonlocal current
        lines.append(prefix() + " ".join(current))
        current = []

    for word in text.split():
        room = width - len(prefix())
        if current and _joined_length(current) + 1 + len(word) > room:
            flush()
            room = width - len(prefix())
        if len(word) > room:
            if not break_long_words:
                current = [word]
                flush()
                continue
            while len(word) > room:
                current = [word[:room]]
                flush()
                word = word[room:]
                room = width - len(prefix())
        current.append(word)
    if current:
        flush()
    return lines


def fill(text: str, width: int, *, break_long_words: bool = True, indent: str = "") -> str:
    """Like :func:`wrap` but returns one string with lines joined by newlines."""
    return "\n".join(wrap(text, width, break_long_words=break_long_words, indent=indent))


def _justify_line(line: str, width: int) -> str:
    """Spread the gaps of ``line`` so it is exactly ``width`` long (left gaps get extras)."""
    parts = line.split(" ")
    gaps = len(parts) - 1
    if gaps == 0:
        return line
    spaces = width - sum(len(p) for p in parts)
    base, extra = divmod(spaces, gaps)
    out = parts[0]
    for index in range(1, len(parts)):
        pad = base + 1 if index <= extra else base
        out += " " * pad + parts[index]
    return out


def justify(text: str, width: int, *, break_long_words: bool = True) -> list[str]:
    """Wrap ``text`` and pad every line except the last to exactly ``width``."""
    lines = wrap(text, width, break_long_words=break_long_words)
    result = [_justify_line(line, width) for line in lines[:-1]]
    result.extend(lines[-1:])
    return result


def align(line: str, width: int, how: str = "left", fillchar: str = " ") -> str:
    """Pad ``line`` to ``width`` on the side(s) given by ``how`` (left/right/center).

    For center alignment an odd leftover padding character goes on the right.
    Lines already at least ``width`` long are returned unchanged.
    """
    missing = max(width - len(line), 0)
    if how == "left":
        return line + fillchar * missing
    if how == "right":
        return fillchar * missing + line
    if how == "center":
        left = missing // 2
        return fillchar * left + line + fillchar * (missing - left)
    raise ValueError(f"unknown alignment: {how!r}")


def truncate(text: str, width: int, placeholder: str = "...") -> str:
    """Shorten ``text`` to at most ``width`` characters, cutting at a word boundary.

    The ``placeholder`` is appended when anything was removed. When not even one
    word fits before the placeholder, the first word is cut mid-way.
    """
    words = text.split()
    joined = " ".join(words)
    if len(joined) <= width:
        return joined
    room = width - len(placeholder)
    if room < 0:
        raise ValueError("width is smaller than the placeholder")
    kept = ""
    for word in words:
        candidate = word if not kept else kept + " " + word
        if len(candidate) > room:
            break
        kept = candidate
    if not kept:
        kept = joined[:room]
    return kept + placeholder
