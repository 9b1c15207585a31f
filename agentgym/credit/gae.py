"""Generalized advantage estimation (Schulman et al. 2016) and discounted returns.

Both work on numpy arrays and torch tensors alike (time on axis 0, any batch shape after it)
and return the same kind they are given.

Conventions, for a rollout of T steps over N envs (time step t moves s_t to s_{t+1}):

- ``next_values[t]`` is V(s_{t+1}), the value of the state the transition *actually* reached:
  at an episode end that is the final observation (``infos["final_obs"]`` in a vector env),
  not the first observation of the next episode.
- ``terminated[t]``: s_{t+1} is terminal, so nothing is bootstrapped from it.
- ``truncated[t]``: the episode was cut (time limit); s_{t+1} is not terminal, so its value is
  bootstrapped, but the next step belongs to another episode.

Then::

    δ_t = r_t + γ V(s_{t+1}) (1 − terminated_t) − V(s_t)
    A_t = δ_t + γ λ (1 − done_t) A_{t+1},      done_t = terminated_t or truncated_t,  A_T = 0
    returns_t = A_t + V(s_t)                   (the value-function target, TD(λ))

Example:
    >>> import numpy as np
    >>> adv, ret = gae(np.array([1.0, 1.0]), np.zeros(2), np.zeros(2),
    ...                terminated=np.array([False, True]), truncated=np.array([False, False]),
    ...                gamma=0.5, lam=1.0)
    >>> adv.tolist(), ret.tolist()
    ([1.5, 1.0], [1.5, 1.0])
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

Array = TypeVar("Array", np.ndarray, torch.Tensor)


def _as_float(x: np.ndarray | torch.Tensor, like: Array) -> Array:
    """``x`` (bool or numeric) as a float array of the same kind, dtype and device as ``like``."""
    if isinstance(like, torch.Tensor):
        dtype = like.dtype if like.is_floating_point() else torch.float32
        return torch.as_tensor(x, device=like.device).to(dtype)
    return np.asarray(x, dtype=like.dtype if np.issubdtype(like.dtype, np.floating) else np.float64)


def gae(
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
    *,
    gamma: float = 0.99,
    lam: float = 0.95,
) -> tuple[Array, Array]:
    """Advantages and value targets by GAE(γ, λ) over arrays of shape (T, ...).

    Args:
        rewards: r_t.
        values: V(s_t).
        next_values: V(s_{t+1}) of the state each transition reached (see the module docstring);
            entries where ``terminated`` is set are ignored, so pre-zeroed values are fine too.
        terminated: the transition ended the episode in a terminal state (no bootstrap).
        truncated: the episode was cut after this transition (bootstrap, but stop the recursion).
        gamma: discount γ.
        lam: GAE λ (1 gives Monte-Carlo advantages with bootstrapping at truncation, 0 gives TD(0)).

    Returns:
        ``(advantages, returns)``, both shaped like ``values``; ``returns = advantages + values``.
    """
    values = _as_float(values, values)
    not_terminal = 1.0 - _as_float(terminated, values)
    # An episode boundary (either kind) stops the recursion: A_{t+1} belongs to another episode.
    not_done = not_terminal * (1.0 - _as_float(truncated, values))
    deltas = _as_float(rewards, values) + gamma * _as_float(next_values, values) * not_terminal - values
    advantages = deltas * 0.0  # zeros of the same kind, dtype and device
    running = deltas[0] * 0.0
    for t in reversed(range(len(deltas))):
        running = deltas[t] + gamma * lam * not_done[t] * running
        advantages[t] = running
    return advantages, advantages + values


def discounted_returns(rewards: Array, dones: Array, *, gamma: float = 0.99) -> Array:
    """R_t = Σ_{k≥t} γ^{k−t} r_k within each episode; ``dones[t]`` ends the episode after step t.

    Steps after the last episode end of the array are summed up to the array's end (no bootstrap).

    Example:
        >>> import numpy as np
        >>> discounted_returns(np.array([0.0, 1.0, 2.0, 4.0]), np.array([False, True, False, False]), gamma=0.5).tolist()
        [0.5, 1.0, 4.0, 4.0]
    """
    rewards = _as_float(rewards, rewards)
    not_done = 1.0 - _as_float(dones, rewards)
    out = rewards * 0.0
    running = rewards[0] * 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * not_done[t] * running
        out[t] = running
    return out
