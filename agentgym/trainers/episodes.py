"""Episode statistics from vector-env steps: returns, lengths, success, reward components.

Works with gymnasium vector envs in ``AutoresetMode.SAME_STEP`` (the final step's info is in
``infos["final_info"]``) and with plain per-env info dicts (SB3's VecEnv gives a list of them).

Example:
    >>> import numpy as np
    >>> tracker = EpisodeTracker(num_envs=2)
    >>> infos = {"final_info": {"success": np.array([True, False]), "_success": np.array([True, False])},
    ...          "_final_info": np.array([True, False])}
    >>> tracker.step(np.array([1.0, 0.5]), np.array([True, False]), infos)
    >>> tracker.pop()
    {'episode/length': 1.0, 'episode/return': 1.0, 'episode/success': 1.0, 'episode/count': 1.0}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _row(infos: Mapping[str, Any], i: int) -> dict[str, Any]:
    """Sub-env ``i``'s entries of a vector-env info dict (keys with their ``_key`` mask set)."""
    out: dict[str, Any] = {}
    for key, value in infos.items():
        if key.startswith("_"):
            continue
        mask = infos.get(f"_{key}")
        if mask is not None and not mask[i]:
            continue
        out[key] = _row(value, i) if isinstance(value, Mapping) else value[i]
    return out


class EpisodeTracker:
    """Accumulates per-env returns and reward components; reports finished episodes' means."""

    def __init__(self, num_envs: int) -> None:
        self.num_envs = num_envs
        self._returns = np.zeros(num_envs)
        self._lengths = np.zeros(num_envs, dtype=np.int64)
        self._components: list[dict[str, float]] = [defaultdict(float) for _ in range(num_envs)]
        self._finished: list[dict[str, float]] = []

    def step(self, rewards: np.ndarray, dones: np.ndarray,
             infos: Mapping[str, Any] | Sequence[Mapping[str, Any]],
             components: Mapping[str, np.ndarray] | None = None) -> None:
        """Record one vector step. ``rewards`` are the env's own (unnormalized) rewards.

        Reward components come from ``info["reward_components"]``, or from ``components``
        (name -> one value per env) when the rewards were computed outside the envs.
        """
        self._returns += rewards
        self._lengths += 1
        if components:
            for name, values in components.items():
                for i in range(self.num_envs):
                    self._components[i][name] += float(values[i])
        batched = isinstance(infos, Mapping)  # a vector env's dict, or SB3's list of per-env dicts
        in_infos = "reward_components" in infos if batched else any("reward_components" in i for i in infos)
        if not in_infos and not np.any(dones):
            return  # the common step: nothing to read from the infos
        for i in range(self.num_envs):
            done = bool(dones[i])
            if not done and not in_infos:
                continue
            info = self._info(infos, i, final=done)
            for name, value in (info.get("reward_components") or {}).items():
                self._components[i][name] += float(value)
            if done:
                episode = {"episode/return": float(self._returns[i]), "episode/length": float(self._lengths[i]),
                           "episode/success": float(bool(info.get("success", False)))}
                episode.update({f"reward/{k}": v for k, v in self._components[i].items()})
                self._finished.append(episode)
                self._returns[i], self._lengths[i] = 0.0, 0
                self._components[i] = defaultdict(float)

    @staticmethod
    def _info(infos: Mapping[str, Any] | Sequence[Mapping[str, Any]], i: int, final: bool) -> dict[str, Any]:
        if not isinstance(infos, Mapping):  # a list of per-env dicts (SB3)
            return dict(infos[i])
        if final and "final_info" in infos and infos.get("_final_info", np.ones(1, bool))[i]:
            return _row(infos["final_info"], i)
        return _row(infos, i)

    def pop(self) -> dict[str, float]:
        """Means over the episodes finished since the last call (empty if none), plus their count."""
        if not self._finished:
            return {}
        keys = sorted({k for ep in self._finished for k in ep}, key=lambda k: (not k.startswith("episode/"), k))
        out = {k: float(np.mean([ep[k] for ep in self._finished if k in ep])) for k in keys}
        out["episode/count"] = float(len(self._finished))
        self._finished = []
        return out
