"""Text statistics: words, sentences and word frequencies."""

from dataclasses import dataclass

_TERMINATORS = ".!?"


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``: runs of letters/digits, keeping inner apostrophes (``don't``)."""
    found: list[str] = []
    current = ""
    lowered = text.lower()
    for i, ch in enumerate(lowered):
        if ch.isalnum():
            current += ch
        elif ch == "'" and current and i + 1 < len(lowered) and lowered[i + 1].isalnum():
            current += ch
        elif current:
            found.append(current)
            current = ""
    if current:
        found.append(current)
    return found


def word_count(text: str) -> int:
    """Number of words in ``text``."""
    return len(words(text))


def sentence_count(text: str) -> int:
    """Number of sentences: text ending in a run of ``.!?``, plus trailing unterminated text."""
    count = 0
    has_content = False
    for ch in text:
        if ch in _TERMINATORS:
            if has_content:
                count += 1
                has_content = False
        elif ch.isalnum():
            has_content = True
    if has_content:
        count += 1
    return count


def average_word_length(text: str) -> float:
    """Mean word length rounded to 2 decimals; 0.0 for text without words."""
    found = words(text)
    if not found:
        return 0.0
    return round(sum(len(w) for w in found) / len(found), 2)


def most_common(text: str, n: int | None = None, stopwords: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """The ``n`` most frequent words (all if ``n`` is None) as (word, count) pairs.

    Ties keep the order in which the words first appear in ``text``. Words listed in
    ``stopwords`` (lower-case) are ignored.
    """
    counts: dict[str, int] = {}
    for word in words(text):
        if word in stopwords:
            continue
        counts[word] = counts.get(word, 0) + 1
    ranked: list[tuple[str, int]] = []
    for word, count in counts.items():
        position = len(ranked)
        while position > 0 and ranked[position - 1][1] < count:
            position -= 1
        ranked.insert(position, (word, count))
    if n is None:
        return ranked
    return ranked[: max(n, 0)]


@dataclass(frozen=True)
class TextStats:
    """Summary numbers for a piece of text."""

    words: int
    unique_words: int
    sentences: int
    characters: int
    average_word_length: float
    longest_word: str


def summarize(text: str) -> TextStats:
    """Compute a :class:`TextStats`; ``characters`` excludes whitespace and the longest
    word is the first one of maximal length."""
    found = words(text)
    longest = ""
    for word in found:
        if len(word) > len(longest):
            longest = word
    return TextStats(
        words=len(found),
        unique_words=len(set(found)),
        sentences=sentence_count(text),
        characters=sum(1 for ch in text if not ch.isspace()),
        average_word_length=average_word_length(text),
        longest_word=longest,
    )
