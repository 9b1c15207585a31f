"""Potential-based reward shaping (Ng, Harada & Russell 1999): ``F_t = coef * (gamma * Phi(s_{t+1}) - Phi(s_t))``.

Added to the env's rewards, F leaves the optimal policy unchanged; with ``gamma = 1`` an episode's
shaping telescopes to ``coef * (Phi(s_T) - Phi(s_0))``. ``potentials`` holds, per episode, the
potential after each step (e.g. the env's ``info["progress"]``); ``initial`` is the potential at
reset (0 for progress).

Example:
    >>> from agentgym.credit import potential_shaping
    >>> [f.tolist() for f in potential_shaping([[0.2, 0.2, 1.0], [0.5]], coef=2.0)]
    [[0.4, 0.0, 1.6], [1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def potential_shaping(potentials: Sequence[Sequence[float]], coef: float = 1.0, gamma: float = 1.0,
                      initial: float = 0.0) -> list[np.ndarray]:
    """Per episode, the shaping reward of each step: ``coef * (gamma * Phi_after - Phi_before)``."""
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    out = []
    for episode in potentials:
        after = np.asarray(episode, dtype=np.float64)
        if after.ndim != 1 or not np.all(np.isfinite(after)):
            raise ValueError("each episode's potentials must be a 1-D sequence of finite numbers")
        before = np.concatenate([[float(initial)], after[:-1]])
        out.append(coef * (gamma * after - before))
    return out
