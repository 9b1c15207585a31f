"""The interface every trainer backend implements (native PPO, stable-baselines3).

The run machinery (:mod:`agentgym.trainers.run`: run folders, metrics, checkpoints, resume,
evaluation, the CLI) drives a backend only through this interface.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

#: Called after every update with that update's metrics; returning True stops training
#: at this update boundary (used for Ctrl-C and for checkpoints taken between updates).
UpdateCallback = Callable[[dict[str, float]], bool | None]


class Backend(Protocol):
    """A trainer over a vector of envs built from thunks (see :func:`~agentgym.trainers.envs.make_env_fn`).

    Metrics passed to the callback always hold ``global_step`` (env steps so far, all envs),
    ``time/steps_per_s``, the episode statistics of :class:`~agentgym.trainers.episodes.EpisodeTracker`
    (``episode/return``, ``episode/length``, ``episode/success``, ``episode/count``,
    ``reward/<component>``) when episodes finished since the last update, and the backend's
    losses (``loss/policy``, ``loss/value``, ``loss/entropy``, ``stats/approx_kl``, ``lr``, ...).
    """

    global_step: int

    def learn(self, total_steps: int, on_update: UpdateCallback | None = None) -> None:
        """Train until ``global_step >= total_steps`` (or the callback returns True)."""

    def save(self, path: Path) -> None:
        """Write everything needed to resume exactly: weights, optimizer, normalizer stats,
        ``global_step``, RNG states."""

    def load(self, path: Path) -> None:
        """Restore what :meth:`save` wrote."""

    def predict(self, obs: Any, deterministic: bool = True) -> np.ndarray:
        """Actions for a batch of observations as a vector env returns them (obs normalization applied)."""

    def close(self) -> None:
        """Close the envs."""
