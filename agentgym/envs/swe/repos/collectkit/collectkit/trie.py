"""A prefix tree of strings with prefix queries and pruning deletion."""

from __future__ import annotations


class _TrieNode:
    """One character position; ``count`` is the number of words passing through it."""

    __slots__ = ("children", "terminal", "count")

    def __init__(self) -> None:
        self.children: dict[str, _TrieNode] = {}
        self.terminal = False
        self.count = 0


class Trie:
    """A set of strings organised by shared prefixes."""

    def __init__(self, words: list[str] | None = None) -> None:
        self._root = _TrieNode()
        for word in words or []:
            self.insert(word)

    def _walk(self, prefix: str) -> _TrieNode | None:
        node = self._root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return None
        return node

    def insert(self, word: str) -> bool:
        """Add ``word``; return False if it was already present."""
        if word in self:
            return False
        node = self._root
        node.count += 1
        for ch in word:
            node = node.children.setdefault(ch, _TrieNode())
            node.count += 1
        node.terminal = True
        return True

    def delete(self, word: str) -> bool:
        """Remove ``word`` and prune nodes no other word uses; return False if absent."""
        if word not in self:
            return False
        node = self._root
        node.count -= 1
        for ch in word:
            child = node.children[ch]
            child.count -= 1
            if child.count == 0:
                del node.children[ch]
                return True
            node = child
        node.terminal = False
        return True

    def starts_with(self, prefix: str) -> bool:
        """Return True when at least one stored word begins with ``prefix``."""
        node = self._walk(prefix)
        return node is not None and node.count > 0

    def count_prefix(self, prefix: str) -> int:
        """Return how many stored words begin with ``prefix``."""
        node = self._walk(prefix)
        return 0 if node is None else node.count

    def words_with_prefix(self, prefix: str = "", limit: int | None = None) -> list[str]:
        """Return stored words beginning with ``prefix`` in sorted order, at most ``limit``."""
        node = self._walk(prefix)
        found: list[str] = []
        if node is None:
            return found
        stack: list[tuple[_TrieNode, str]] = [(node, prefix)]
        while stack:
            if limit is not None and len(found) >= limit:
                break
            current, text = stack.pop()
            if current.terminal:
                found.append(text)
            for ch in sorted(current.children, reverse=True):
                stack.append((current.children[ch], text + ch))
        return found

    def longest_prefix_of(self, text: str) -> str | None:
        """Return the longest stored word that is a prefix of ``text``, or None."""
        node = self._root
        best = "" if node.terminal else None
        for i, ch in enumerate(text):
            node = node.children.get(ch)
            if node is None:
                break
            if node.terminal:
                best = text[: i + 1]
        return best

    def node_count(self) -> int:
        """Return the number of nodes below the root (useful to check pruning)."""
        total = 0
        stack = [self._root]
        while stack:
            node = stack.pop()
            total += len(node.children)
            stack.extend(node.children.values())
        return total

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        node = self._walk(word)
        return node is not None and node.terminal

    def __len__(self) -> int:
        return self._root.count
