"""Train/test splits of the text games: evaluation never sees a training world.

Every text-game env takes ``split="train"`` (the default), ``"test"`` or ``"all"``:

* generated games (text adventure, maze) draw a *world seed* from the reset seed, inside the
  split's disjoint range of :data:`WORLD_SEEDS`: the same reset seed gives the same world, and
  a train world and a test world never share a world seed;
* games over a fixed list (Wordle's answers, Twenty Questions' objects) assign each item to
  one split by a stable hash of its name (:func:`in_split`): about one item in five is test.

``"all"`` uses every world (the union), for play and demos.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> s = world_seed(rng, "test")
    >>> WORLD_SEEDS["test"].start <= s < WORLD_SEEDS["test"].stop
    True
    >>> in_split("crane", "train") != in_split("crane", "test")
    True
    >>> split_items(["apple", "crane", "lemon", "piano", "zebra"], "test")
    ['piano']
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

SPLIT_NAMES = ("train", "test", "all")

#: World-seed ranges of the generated games; ``all`` spans both.
WORLD_SEEDS: dict[str, range] = {
    "train": range(0, 1_000_000_000),
    "test": range(1_000_000_000, 1_001_000_000),
    "all": range(0, 1_001_000_000),
}

#: One item in TEST_EVERY goes to the test split of a fixed list.
TEST_EVERY = 5


def check_split(split: str) -> str:
    """``split`` if it names a split; ValueError otherwise."""
    if split not in SPLIT_NAMES:
        raise ValueError(f"split must be one of {', '.join(SPLIT_NAMES)}; got {split!r}")
    return split


def world_seed(np_random: np.random.Generator, split: str) -> int:
    """A world seed of ``split``, drawn from the env's (reset-seeded) generator."""
    seeds = WORLD_SEEDS[check_split(split)]
    return int(np_random.integers(seeds.start, seeds.stop))


def in_split(item: str, split: str) -> bool:
    """Whether a fixed-list item (a word, an object name) belongs to ``split``."""
    if check_split(split) == "all":
        return True
    is_test = zlib.crc32(item.encode()) % TEST_EVERY == 0
    return is_test if split == "test" else not is_test


def split_items(items: Iterable[str], split: str) -> list[str]:
    """The items of ``split``, in their order."""
    return [item for item in items if in_split(item, split)]
