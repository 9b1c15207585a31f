"""Evaluation of a policy over seeded episodes, with confidence intervals.

Episode k uses seed ``seed + k`` whatever the batching, so the same policy, seed and episode
count give the same numbers every time.

Example:
    >>> r = summarize([1.0, 2.0, 3.0], [True, False, True], [10, 12, 14])
    >>> round(r.mean_return, 3), [round(x, 3) for x in r.return_ci95], round(r.success_rate, 3)
    (2.0, [-0.484, 4.484], 0.667)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

# Two-sided 95% Student-t quantiles by degrees of freedom (1..30); 1.96 beyond.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)


def t95(dof: int) -> float:
    return _T95[dof - 1] if 1 <= dof <= len(_T95) else 1.96


def wilson95(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a success rate (sensible at 0% and 100%, unlike mean ± 2 sd)."""
    if n == 0:
        return (0.0, 1.0)
    z = 1.96
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class EvalResult:
    """Mean return and success rate over ``episodes`` with 95% confidence intervals."""

    episodes: int
    mean_return: float
    return_ci95: tuple[float, float]
    success_rate: float
    success_ci95: tuple[float, float]
    mean_length: float
    seed: int = 0
    deterministic: bool = True
    returns: list[float] = field(default_factory=list)
    successes: list[bool] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lo, hi = self.return_ci95
        slo, shi = self.success_ci95
        return (f"{self.episodes} episodes: return {self.mean_return:.3f} (95% CI {lo:.3f} to {hi:.3f}), "
                f"success {self.success_rate:.1%} (95% CI {slo:.1%} to {shi:.1%}), "
                f"length {self.mean_length:.1f}")


def summarize(returns: Sequence[float], successes: Sequence[bool], lengths: Sequence[int], *,
              seed: int = 0, deterministic: bool = True) -> EvalResult:
    n = len(returns)
    r = np.asarray(returns, dtype=np.float64)
    mean = float(r.mean()) if n else float("nan")
    half = t95(n - 1) * float(r.std(ddof=1)) / math.sqrt(n) if n > 1 else float("nan")
    wins = int(sum(bool(s) for s in successes))
    return EvalResult(
        episodes=n, mean_return=mean, return_ci95=(mean - half, mean + half),
        success_rate=wins / n if n else float("nan"), success_ci95=wilson95(wins, n),
        mean_length=float(np.mean(lengths)) if n else float("nan"), seed=seed, deterministic=deterministic,
        returns=[float(x) for x in r], successes=[bool(s) for s in successes], lengths=[int(x) for x in lengths],
    )


def stack_observations(observations: Sequence[Any]) -> Any:
    """Batch single-env observations the way a vector env does (dicts key by key)."""
    first = observations[0]
    if isinstance(first, dict):
        return {k: stack_observations([o[k] for o in observations]) for k in first}
    return np.stack([np.asarray(o) for o in observations])


def evaluate_policy(
    predict: Callable[[Any], np.ndarray],
    env_fn: Callable[[], gym.Env],
    *,
    episodes: int,
    seed: int,
    batch: int = 8,
    deterministic: bool = True,
    on_episode: Callable[[int], None] | None = None,
) -> EvalResult:
    """Run ``episodes`` seeded episodes with ``predict(batched_obs) -> actions``; ``batch`` envs at a time."""
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    envs = [env_fn() for _ in range(min(batch, episodes))]
    returns, successes, lengths = [0.0] * episodes, [False] * episodes, [0] * episodes
    queue = list(range(episodes))
    current: dict[int, int] = {}  # env index -> episode index
    obs: dict[int, Any] = {}
    try:
        for i, env in enumerate(envs):
            k = queue.pop(0)
            current[i] = k
            obs[i], _ = env.reset(seed=seed + k)
        while current:
            active = sorted(current)
            actions = predict(stack_observations([obs[i] for i in active]))
            for i, action in zip(active, actions, strict=True):
                k = current[i]
                obs[i], reward, terminated, truncated, info = envs[i].step(action)
                returns[k] += float(reward)
                lengths[k] += 1
                if terminated or truncated:
                    successes[k] = bool(info.get("success", False))
                    if on_episode is not None:
                        on_episode(k)
                    del current[i]
                    if queue:
                        current[i] = queue.pop(0)
                        obs[i], _ = envs[i].reset(seed=seed + current[i])
    finally:
        for env in envs:
            env.close()
    return summarize(returns, successes, lengths, seed=seed, deterministic=deterministic)
