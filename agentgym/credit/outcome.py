"""Outcome-level advantages for LLM policies: group baselines (GRPO, RLOO) and turn-level GAE.

A *group* is a set of episodes on the same task (same seed): their returns are compared with each
other instead of with a learned value. The estimators take a flat 1-D array of episode returns and
a parallel array of group ids (any sortable labels; members of a group need not be contiguous).

- GRPO (Shao et al. 2024, DeepSeekMath)::

      A_i = (R_i − mean_g R) / (std_g R + ε)        std_g the population std of i's group g

  With ``normalize_std=False`` it is the Dr. GRPO variant (Liu et al. 2025), ``A_i = R_i − mean_g R``.
- RLOO (Kool et al. 2019; Ahmadian et al. 2024)::

      A_i = R_i − (1/(G−1)) Σ_{j≠i} R_j = G/(G−1) (R_i − mean_g R)

An episode-level advantage is given to each of its turns (or tokens) by :func:`broadcast_to_steps`.
For the PPO variant with a per-turn value, :func:`turn_gae` runs GAE over each episode's turns.

Example:
    >>> import numpy as np
    >>> from agentgym.credit import grpo_advantages, rloo_advantages
    >>> np.round(grpo_advantages([1.0, 0.0, 2.0, 2.0], [0, 0, 1, 1]), 4).tolist()
    [1.0, -1.0, 0.0, 0.0]
    >>> rloo_advantages([1.0, 0.0, 3.0], [7, 7, 7]).tolist()
    [-0.5, -2.0, 2.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .gae import gae

ArrayLike = np.ndarray | Sequence[float]


def _returns_and_groups(returns: ArrayLike, group_ids: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float returns, each episode's dense group index, and each group's size."""
    returns = np.asarray(returns, dtype=np.float64)
    group_ids = np.asarray(group_ids)
    if returns.ndim != 1:
        raise ValueError(f"returns must be 1-D (one per episode), got shape {returns.shape}")
    if group_ids.shape != returns.shape:
        raise ValueError(f"group_ids must have the shape of returns {returns.shape}, got {group_ids.shape}")
    if not np.all(np.isfinite(returns)):
        raise ValueError("returns must be finite (found NaN or inf)")
    if returns.size == 0:
        return returns, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, index = np.unique(group_ids, return_inverse=True)
    index = index.reshape(-1)
    return returns, index, np.bincount(index)


def _group_mean(returns: np.ndarray, index: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each episode's group mean."""
    return (np.bincount(index, weights=returns, minlength=len(sizes)) / sizes)[index]


def grpo_advantages(
    returns: ArrayLike, group_ids: ArrayLike, *, normalize_std: bool = True, eps: float = 1e-6
) -> np.ndarray:
    """GRPO advantages: ``(R_i − mean_g R) / (std_g R + eps)``, or ``R_i − mean_g R`` without std.

    ``std_g`` is the population standard deviation of the group (ddof 0). A group whose returns
    are all equal (including a group of one) carries no signal and gets exactly zero advantages,
    with or without normalization. Within each group the advantages sum to zero.

    Args:
        returns: one return per episode, shape (N,).
        group_ids: the group of each episode, shape (N,) (e.g. the task seed).
        normalize_std: divide by the group std (GRPO); False gives Dr. GRPO's unscaled advantage.
        eps: added to the std in the denominator.

    Returns:
        float64 advantages, shape (N,).

    Example:
        >>> grpo_advantages([1.0, 0.0, 0.0, 3.0], ["a", "a", "b", "b"], normalize_std=False).tolist()
        [0.5, -0.5, -1.5, 1.5]
    """
    returns, index, sizes = _returns_and_groups(returns, group_ids)
    if returns.size == 0:
        return returns
    centered = returns - _group_mean(returns, index, sizes)
    # Equal returns: the centered values may be rounding noise (mean of 0.1s), which std
    # normalization would blow up; the true advantage is zero.
    group_max = np.full(len(sizes), -np.inf)
    group_min = np.full(len(sizes), np.inf)
    np.maximum.at(group_max, index, returns)
    np.minimum.at(group_min, index, returns)
    flat = (group_max == group_min)[index]
    if normalize_std:
        std = np.sqrt(np.bincount(index, weights=centered**2, minlength=len(sizes)) / sizes)[index]
        centered = centered / (std + eps)
    return np.where(flat, 0.0, centered)


def rloo_advantages(returns: ArrayLike, group_ids: ArrayLike) -> np.ndarray:
    """REINFORCE leave-one-out advantages: ``R_i − mean_{j≠i, j∈g} R_j``.

    Equals ``G/(G−1) (R_i − mean_g R)`` for a group of size G, so each group sums to zero.
    A group of one has no other member to compare with: its advantage is 0.

    Args:
        returns: one return per episode, shape (N,).
        group_ids: the group of each episode, shape (N,).

    Returns:
        float64 advantages, shape (N,).

    Example:
        >>> rloo_advantages([2.0, 0.0, 5.0], [0, 0, 1]).tolist()
        [2.0, -2.0, 0.0]
    """
    returns, index, sizes = _returns_and_groups(returns, group_ids)
    if returns.size == 0:
        return returns
    totals = np.bincount(index, weights=returns, minlength=len(sizes))[index]
    size = sizes[index]
    others = np.maximum(size - 1, 1)
    advantages = returns - (totals - returns) / others
    return np.where(size > 1, advantages, 0.0)


def broadcast_to_steps(episode_values: ArrayLike, lengths: Sequence[int] | np.ndarray) -> list[np.ndarray]:
    """Give each of an episode's ``lengths[i]`` steps (turns or tokens) the episode's value.

    Example:
        >>> [a.tolist() for a in broadcast_to_steps([0.5, -1.0], [2, 3])]
        [[0.5, 0.5], [-1.0, -1.0, -1.0]]
    """
    values = np.asarray(episode_values, dtype=np.float64)
    lengths = np.asarray(lengths)
    if values.ndim != 1 or lengths.shape != values.shape:
        raise ValueError(
            f"episode_values and lengths must be 1-D of the same length, got {values.shape} and {lengths.shape}"
        )
    if lengths.size and (not np.issubdtype(lengths.dtype, np.integer) or lengths.min() < 0):
        raise ValueError(f"lengths must be non-negative integers, got {lengths.tolist()}")
    return [np.full(int(n), v) for v, n in zip(values, lengths, strict=True)]


def turn_gae(
    rewards_per_episode: Sequence[ArrayLike],
    values_per_episode: Sequence[ArrayLike],
    gamma: float = 1.0,
    lam: float = 1.0,
    *,
    truncated: Sequence[bool] | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """GAE(γ, λ) over the turns of each episode, with a per-turn value V(s_t).

    For an episode of T turns with rewards ``r_0..r_{T−1}`` and values ``V(s_0)..V(s_{T−1})``
    (s_t is the prompt of turn t), this is :func:`~agentgym.credit.gae` with
    ``next_values[t] = V(s_{t+1})`` and the end of the episode handled as:

    - terminated (the default): the state after the last turn is terminal, V = 0.
    - ``truncated[i]`` (e.g. a turn limit): the episode did not end, so the value of the state it
      stopped in is bootstrapped. Pass T + 1 values to give that value V(s_T) explicitly; with T
      values the last one, V(s_{T−1}), stands in for it (the policy never saw s_T as a prompt, so
      no value was computed there).

    With a T + 1-th value on a terminated episode, that value is ignored.

    Args:
        rewards_per_episode: per episode, the T rewards of its turns.
        values_per_episode: per episode, T (or T + 1) values.
        gamma: discount per turn.
        lam: GAE λ (1: Monte-Carlo returns minus the value; 0: one-step TD).
        truncated: per episode, whether it was cut rather than terminated (default: none cut).

    Returns:
        ``(advantages, returns)``: per episode, arrays of length T; ``returns = advantages + values``.

    Example:
        >>> adv, ret = turn_gae([[0.0, 1.0]], [[0.5, 0.5]], gamma=1.0, lam=1.0)
        >>> adv[0].tolist(), ret[0].tolist()
        ([0.5, 0.5], [1.0, 1.0])
        >>> adv, _ = turn_gae([[0.0, 1.0]], [[0.5, 0.5]], gamma=1.0, lam=1.0, truncated=[True])
        >>> adv[0].tolist()
        [1.0, 1.0]
    """
    if len(rewards_per_episode) != len(values_per_episode):
        raise ValueError(
            f"got rewards for {len(rewards_per_episode)} episodes but values for {len(values_per_episode)}"
        )
    if truncated is None:
        truncated = [False] * len(rewards_per_episode)
    if len(truncated) != len(rewards_per_episode):
        raise ValueError(f"got {len(truncated)} truncated flags for {len(rewards_per_episode)} episodes")
    all_advantages, all_returns = [], []
    for i, (rewards, values, cut) in enumerate(zip(rewards_per_episode, values_per_episode, truncated, strict=True)):
        rewards = np.asarray(rewards, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        T = len(rewards)
        if rewards.ndim != 1 or values.ndim != 1 or len(values) not in (T, T + 1):
            raise ValueError(
                f"episode {i}: rewards must be 1-D with T entries and values 1-D with T or T + 1 entries, "
                f"got shapes {rewards.shape} and {values.shape}"
            )
        if T == 0:
            all_advantages.append(np.zeros(0))
            all_returns.append(np.zeros(0))
            continue
        bootstrap = values[T] if len(values) == T + 1 else values[T - 1]
        values = values[:T]
        next_values = np.append(values[1:], bootstrap if cut else 0.0)
        end = np.zeros(T, dtype=bool)
        end[-1] = True
        advantages, returns = gae(
            rewards, values, next_values, terminated=end & (not cut), truncated=end & bool(cut), gamma=gamma, lam=lam
        )
        all_advantages.append(advantages)
        all_returns.append(returns)
    return all_advantages, all_returns
