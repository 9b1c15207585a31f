"""A standalone encoder of (observation, action) steps for the learned credit models (SPA, implicit PRM).

:class:`HashedFeatures` turns any observation and action into a fixed-length vector with the
hashing trick: the words of the observation, the action, and each (action, observation word) pair
are hashed (a stable hash, so runs agree) into ``dim`` buckets; the vector is L2-normalized. The
pairs let a linear model score an action differently in different states. It needs no training
and no vocabulary, and works on text observations, MiniGrid dicts and tabular state strings alike.

Example:
    >>> f = HashedFeatures(dim=64)
    >>> a, b = f("a red door", "open"), f("a red door", "open")
    >>> a.shape, bool((a == b).all()), round(float((a * a).sum()), 6)
    ((64,), True, 1.0)
    >>> bool((f("a red door", "open") == f("a red door", "close")).all())
    False
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

_WORD = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


def _text(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return " ".join(str(v) for v in x.reshape(-1).tolist())
    if isinstance(x, dict):
        return " ".join(f"{k} {_text(v)}" for k, v in sorted(x.items(), key=lambda kv: str(kv[0])))
    if isinstance(x, (list, tuple)):
        return " ".join(_text(v) for v in x)
    return str(x)


class HashedFeatures:
    """Hashed bag-of-words features of a step (see the module docstring)."""

    def __init__(self, dim: int = 4096, *, max_words: int = 256) -> None:
        if dim < 8:
            raise ValueError(f"dim must be at least 8, got {dim}")
        self.dim = int(dim)
        self.max_words = int(max_words)

    def _bucket(self, token: str) -> int:
        return zlib.crc32(token.encode()) % self.dim

    def __call__(self, observation: Any, action: Any) -> np.ndarray:
        words = _WORD.findall(_text(observation).lower())[: self.max_words]
        act = _text(action).lower().strip()
        vec = np.zeros(self.dim, dtype=np.float32)
        for w in set(words):
            vec[self._bucket("o:" + w)] += 1.0
            vec[self._bucket(f"x:{act}|{w}")] += 1.0
        vec[self._bucket("a:" + act)] += 2.0
        vec[self._bucket("bias")] += 1.0
        return vec / np.linalg.norm(vec)

    def steps(self, steps: Sequence[tuple[Any, Any]]) -> np.ndarray:
        """Features of many (observation, action) pairs, shape (N, dim)."""
        if not steps:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self(o, a) for o, a in steps])
