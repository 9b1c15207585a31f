"""Case conversion (snake, kebab, camel, Pascal, title) and slugs."""

import unicodedata

_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to"})


def split_words(text: str) -> list[str]:
    """Split an identifier or phrase into words.

    Any non-alphanumeric character separates words; so do a lower-case letter or
    digit followed by an upper-case letter (``fooBar``) and the last capital of an
    acronym that starts a new word (``HTTPServer`` -> ``HTTP``, ``Server``).
    """
    words: list[str] = []
    current = ""
    for i, ch in enumerate(text):
        if not ch.isalnum():
            if current:
                words.append(current)
                current = ""
            continue
        if current and ch.isupper():
            prev = text[i - 1]
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()):
                words.append(current)
                current = ""
        current += ch
    if current:
        words.append(current)
    return words


def _capitalize(word: str) -> str:
    """Upper-case the first character and lower-case the rest."""
    return word[:1].upper() + word[1:].lower()


def to_snake(text: str) -> str:
    """``"HelloWorld"`` -> ``"hello_world"``."""
    return "_".join(w.lower() for w in split_words(text))


def to_kebab(text: str) -> str:
    """``"HelloWorld"`` -> ``"hello-world"``."""
    return "-".join(w.lower() for w in split_words(text))


def to_pascal(text: str) -> str:
    """``"hello world"`` -> ``"HelloWorld"``."""
    return "".join(_capitalize(w) for w in split_words(text))


def to_camel(text: str) -> str:
    """``"hello world"`` -> ``"helloWorld"``."""
    words = split_words(text)
    if not words:
        return ""
    return words[0].lower() + "".join(_capitalize(w) for w in words[1:])


def to_title(text: str) -> str:
    """Title-case words, keeping short connecting words lower-case unless first or last."""
    words = split_words(text)
    out: list[str] = []
    last = len(words) - 1
    for index, word in enumerate(words):
        lower = word.lower()
        if 0 < index < last and lower in _SMALL_WORDS:
            out.append(lower)
        else:
            out.append(_capitalize(word))
    return " ".join(out)


def _ascii_fold(text: str) -> str:
    """Remove accents by decomposing characters and dropping non-ASCII leftovers."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def slugify(text: str, sep: str = "-", max_length: int | None = None) -> str:
    """Make a lower-case ASCII slug such as ``"cafe-au-lait"``.

    Runs of characters that are not letters or digits become one ``sep``. When the
    slug is longer than ``max_length`` it is cut at the last separator that fits,
    or hard-cut if the first word alone is too long.
    """
    pieces: list[str] = []
    word = ""
    for ch in _ascii_fold(text).lower():
        if ch.isalnum():
            word += ch
        elif word:
            pieces.append(word)
            word = ""
    if word:
        pieces.append(word)
    slug = sep.join(pieces)
    if max_length is None or len(slug) <= max_length:
        return slug
    cut = slug[: max_length + len(sep)]
    boundary = cut.rfind(sep)
    if boundary > 0:
        return slug[:boundary]
    return slug[:max_length]
