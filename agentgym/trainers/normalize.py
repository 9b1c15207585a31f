"""Running observation and reward normalization for vectorized training (as SB3's VecNormalize).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> norm = RewardNormalizer(num_envs=4, gamma=0.0)  # γ = 0: the return is the reward
    >>> out = np.stack([norm(rng.normal(0.0, 5.0, size=4), np.zeros(4, bool)) for _ in range(500)])
    >>> round(float(out[100:].std()), 1)
    1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _clip(x: np.ndarray, bound: float) -> np.ndarray:
    """``np.clip(x, -bound, bound)`` in two ufunc calls (np.clip's dispatch costs more here)."""
    return np.minimum(np.maximum(x, -bound), bound)


class RunningMeanStd:
    """Mean and variance of a stream of batches (Chan et al.'s parallel update).

    Example:
        >>> rms = RunningMeanStd(shape=())
        >>> rms.update(np.array([1.0, 3.0])); rms.update(np.array([5.0]))
        >>> round(float(rms.mean), 3), round(float(rms.var), 3)  # of [1, 3, 5]
        (3.0, 2.667)
    """

    def __init__(self, shape: tuple[int, ...] = (), epsilon: float = 1e-4) -> None:
        self.mean = np.zeros(shape, dtype=np.float64)
        self.var = np.ones(shape, dtype=np.float64)
        self.count = epsilon  # a tiny prior count keeps the first update well defined

    def update(self, batch: np.ndarray) -> None:
        """Fold in a batch whose first axis indexes samples."""
        batch = np.asarray(batch, dtype=np.float64)
        # ufunc reductions directly: np.mean/np.var's wrappers cost more than the arithmetic on
        # a few rows, and this runs every env step
        batch_count = batch.shape[0]
        batch_mean = np.add.reduce(batch, axis=0) / batch_count
        centered = batch - batch_mean
        batch_var = np.add.reduce(centered * centered, axis=0) / batch_count
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean = self.mean + delta * batch_count / total
        m2 = self.var * self.count + batch_var * batch_count + delta**2 * self.count * batch_count / total
        self.var = m2 / total
        self.count = total

    def state_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "var": self.var.tolist(), "count": float(self.count)}  # plain values: weights_only loads

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean, self.var, self.count = np.array(state["mean"]), np.array(state["var"]), float(state["count"])


class ObsNormalizer:
    """Normalizes the named Box parts of flat observations to zero mean, unit variance, clipped.

    Observations are flat dicts (see :func:`agentgym.trainers.networks.flatten_obs`); parts
    not named in ``shapes`` (one-hot codes, tokens) pass through unchanged.
    """

    def __init__(self, shapes: dict[str, tuple[int, ...]], clip: float = 10.0, epsilon: float = 1e-8) -> None:
        self.stats = {key: RunningMeanStd(shape) for key, shape in shapes.items()}
        self.clip = clip
        self.epsilon = epsilon

    def __call__(self, obs: dict[str, np.ndarray], update: bool = False) -> dict[str, np.ndarray]:
        out = dict(obs)
        for key, rms in self.stats.items():
            if update:
                rms.update(obs[key])
            scaled = (obs[key] - rms.mean) / np.sqrt(rms.var + self.epsilon)
            out[key] = _clip(scaled, self.clip).astype(np.float32)
        return out

    def state_dict(self) -> dict[str, Any]:
        return {key: rms.state_dict() for key, rms in self.stats.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, rms in self.stats.items():
            rms.load_state_dict(state[key])


class RewardNormalizer:
    """Scales rewards by the running std of the discounted return, then clips them.

    Like gymnasium's ``NormalizeReward`` and SB3's ``VecNormalize``: the scale makes the value
    targets O(1) whatever the reward's units; the mean is not subtracted, so the sign of a
    reward is kept.
    """

    def __init__(self, num_envs: int, gamma: float, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        self.rms = RunningMeanStd(shape=())
        self.returns = np.zeros(num_envs)
        self.gamma = gamma
        self.clip = clip
        self.epsilon = epsilon

    def __call__(self, rewards: np.ndarray, dones: np.ndarray) -> np.ndarray:
        """Update with one vector step's rewards and return them normalized."""
        self.returns = self.returns * self.gamma + rewards
        self.rms.update(self.returns)
        self.returns[np.asarray(dones, dtype=bool)] = 0.0  # the next reward starts a new episode
        return _clip(rewards / np.sqrt(self.rms.var + self.epsilon), self.clip)

    def state_dict(self) -> dict[str, Any]:
        return self.rms.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rms.load_state_dict(state)
        self.returns[:] = 0.0  # envs are reset on resume
