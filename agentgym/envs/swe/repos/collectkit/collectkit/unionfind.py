"""Disjoint-set forest with path compression and union by rank."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


class UnionFind:
    """Tracks a partition of hashable elements into disjoint components."""

    def __init__(self, elements: Iterable[Hashable] = ()) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._rank: dict[Hashable, int] = {}
        self._size: dict[Hashable, int] = {}
        self.components = 0
        for element in elements:
            self.add(element)

    def add(self, element: Hashable) -> bool:
        """Add ``element`` as a singleton; return False if it was already present."""
        if element in self._parent:
            return False
        self._parent[element] = element
        self._rank[element] = 0
        self._size[element] = 1
        self.components += 1
        return True

    def find(self, element: Hashable) -> Hashable:
        """Return the root of ``element``'s component, compressing the path to it."""
        if element not in self._parent:
            raise KeyError(element)
        root = element
        while self._parent[root] != root:
            root = self._parent[root]
        node = element
        while node != root:
            following = self._parent[node]
            self._parent[node] = root
            node = following
        return root

    def depth(self, element: Hashable) -> int:
        """Return the number of parent links from ``element`` to its root (no compression)."""
        steps = 0
        while self._parent[element] != element:
            element = self._parent[element]
            steps += 1
        return steps

    def union(self, a: Hashable, b: Hashable) -> bool:
        """Merge the components of ``a`` and ``b``; return False if already joined.

        On equal ranks the root of ``a`` becomes the new root.
        """
        root_a = self.find(a)
        root_b = self.find(b)
        if root_a == root_b:
            return False
        if self._rank[root_a] < self._rank[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size[root_b]
        if self._rank[root_a] == self._rank[root_b]:
            self._rank[root_a] += 1
        self.components -= 1
        return True

    def connected(self, a: Hashable, b: Hashable) -> bool:
        """Return True when ``a`` and ``b`` are in the same component."""
        return self.find(a) == self.find(b)

    def rank(self, element: Hashable) -> int:
        """Return the rank stored for ``element``."""
        return self._rank[element]

    def component_size(self, element: Hashable) -> int:
        """Return the number of elements in ``element``'s component."""
        return self._size[self.find(element)]

    def groups(self) -> list[list[Hashable]]:
        """Return the components as lists, each in insertion order, ordered by first member."""
        by_root: dict[Hashable, list[Hashable]] = {}
        for element in self._parent:
            by_root.setdefault(self.find(element), []).append(element)
        return list(by_root.values())

    def __contains__(self, element: object) -> bool:
        return element in self._parent

    def __len__(self) -> int:
        return len(self._parent)
