"""What the credit methods read from a batch of trajectories: groups, outcomes, step rewards, state keys.

Every method in :mod:`agentgym.credit` that works on whole episodes takes a sequence of
:class:`agentgym.core.Trajectory` (per-step observations, actions, rewards and infos, the group
id and the outcome) and returns one float64 array per trajectory, with one entry per step.

Example:
    >>> from agentgym.core import Trajectory
    >>> a, b = Trajectory(group_id="t1"), Trajectory(group_id="t1")
    >>> a.append("room", "go", 0.0); a.append("hall", "go", 1.0)
    >>> b.append("room", "wait", 0.0)
    >>> group_index([a, b]).tolist(), outcomes([a, b]).tolist(), [r.tolist() for r in step_rewards([a, b])]
    ([0, 0], [1.0, 0.0], [[0.0, 1.0], [0.0]])
    >>> state_key("room") == state_key("room"), state_key({"pos": [1, 2]}) == state_key({"pos": [1, 2]})
    (True, True)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from agentgym.core.trajectory import Trajectory

StepValues = list[np.ndarray]  # one float64 array per trajectory, one entry per step


def state_key(x: Any) -> Hashable:
    """A hashable key that is equal for equal observations or actions (strings, numbers, arrays, dicts, lists)."""
    if isinstance(x, (str, bytes, int, float, bool)) or x is None:
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, dict):
        return ("dict", tuple(sorted((str(k), state_key(v)) for k, v in x.items())))
    if isinstance(x, (list, tuple)):
        return ("seq", tuple(state_key(v) for v in x))
    try:
        hash(x)
    except TypeError:
        return ("repr", repr(x))
    return x


def group_index(trajectories: Sequence[Trajectory]) -> np.ndarray:
    """Each trajectory's group as a dense index 0..G-1 (by ``group_id``; a trajectory without one is its own group)."""
    labels = [("g", repr(t.group_id)) if t.group_id is not None else ("solo", i) for i, t in enumerate(trajectories)]
    seen: dict[Any, int] = {}
    return np.array([seen.setdefault(label, len(seen)) for label in labels], dtype=np.int64)


def outcomes(trajectories: Sequence[Trajectory]) -> np.ndarray:
    """Each trajectory's outcome reward (``metadata["outcome"]`` if set, else its total reward)."""
    return np.array([t.outcome for t in trajectories], dtype=np.float64)


def step_rewards(trajectories: Sequence[Trajectory]) -> StepValues:
    """Each trajectory's per-step rewards."""
    return [t.rewards for t in trajectories]


def check_step_values(values: Sequence[Any], trajectories: Sequence[Trajectory], what: str) -> StepValues:
    """``values`` as float64 arrays, checked to hold one finite entry per step of each trajectory."""
    if len(values) != len(trajectories):
        raise ValueError(f"{what}: got {len(values)} arrays for {len(trajectories)} trajectories")
    out = []
    for i, (v, t) in enumerate(zip(values, trajectories, strict=True)):
        arr = np.asarray(v, dtype=np.float64).reshape(-1)
        if arr.shape != (len(t),):
            raise ValueError(f"{what}: trajectory {i} has {len(t)} steps but {arr.size} values")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{what}: trajectory {i} has non-finite values")
        out.append(arr)
    return out


def discounted_step_returns(rewards: Sequence[np.ndarray], gamma: float) -> StepValues:
    """Per trajectory, ``R_t = sum_{k>=t} gamma^(k-t) r_k`` (the episode ends after its last step)."""
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    out = []
    for r in rewards:
        r = np.asarray(r, dtype=np.float64)
        ret = np.zeros_like(r)
        running = 0.0
        for t in range(len(r) - 1, -1, -1):
            running = r[t] + gamma * running
            ret[t] = running
        out.append(ret)
    return out


def flatten(values: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(v, dtype=np.float64) for v in values]) if len(values) else np.zeros(0)


def unflatten(flat: np.ndarray, like: Sequence[Any]) -> StepValues:
    out, k = [], 0
    for item in like:
        n = len(item)
        out.append(np.asarray(flat[k: k + n], dtype=np.float64))
        k += n
    return out
