"""Step rewards from outside the outcome, and how they become advantages.

Three sources of per-step rewards live here (the learned ones are in :mod:`.spa` and
:mod:`.implicit_prm`):

- :func:`progress_rewards`: turn-level dense rewards from the env's ``info["progress"]`` (the
  progress gained by each step, so an episode's rewards sum to its final progress, at most 1).
- :func:`pbrs_rewards`: potential-based shaping ``F_t = γ Φ(s_{t+1}) − Φ(s_t)`` with a given
  potential (Ng, Harada & Russell 1999); ``Φ`` of a terminal state is 0, so the shaping of a
  finished episode sums to ``−Φ(s_0)`` and the optimal policy is unchanged.
- :func:`gated_rewards`: gated reward accumulation (G-RA): low-level step rewards count only in
  episodes whose outcome reaches a threshold, ``R = r_high + 1[r_high ≥ δ] Σ_t r_low,t``.

:func:`process_advantages` turns any of them (and the SPA / implicit-PRM rewards) into per-step
advantages the way PRIME and iStar do: the episode-level advantage of the outcome, plus ``w`` times
the step's return of process rewards measured against a leave-one-out baseline over the group::

    b_i   = mean_{j ≠ i in the group} Σ_t r_t^j           (the other episodes' process sums)
    G_t^i = Σ_{s ≥ t} γ^{s−t} (r_s^i − b_i / T_i)          (T_i: the episode's length)
    A_t^i = A_outcome(i) + w · G_t^i

With γ = 1 the first step's process term is ``Σ_t r_t^i − b_i``: RLOO on the process sums.

Example::

    >>> import numpy as np
    >>> adv = process_advantages([[0.0, 1.0], [0.5, 0.0]], outcome_advantages=[0.0, 0.0], group_ids=[0, 0])
    >>> [a.tolist() for a in adv]
    [[0.5, 0.75], [-0.5, -0.5]]
    >>> [r.tolist() for r in gated_rewards([[0.2, 0.3], [0.2, 0.3]], outcomes=[1.0, 0.0], threshold=0.5)]
    [[0.2, 0.3], [0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from agentgym.core.trajectory import Trajectory

from .outcome import _returns_and_groups
from .shaping import potential_shaping
from .steps import StepValues


def _as_rows(values: Sequence[Sequence[float]], what: str) -> StepValues:
    rows = []
    for i, v in enumerate(values):
        arr = np.asarray(v, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{what}: episode {i} has non-finite values")
        rows.append(arr)
    return rows


def process_advantages(step_rewards: Sequence[Sequence[float]], outcome_advantages: Sequence[float],
                       group_ids: Sequence[Any], *, weight: float = 1.0, gamma: float = 1.0) -> StepValues:
    """Per-step advantages: the outcome advantage plus ``weight`` times the leave-one-out-baselined
    process return (see the module docstring). A group of one has no baseline (b = 0)."""
    rows = _as_rows(step_rewards, "step_rewards")
    adv = np.asarray(outcome_advantages, dtype=np.float64)
    if adv.shape != (len(rows),):
        raise ValueError(f"outcome_advantages must hold one value per episode ({len(rows)}), got shape {adv.shape}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    sums = np.array([r.sum() for r in rows])
    sums, index, sizes = _returns_and_groups(sums, group_ids)
    totals = np.bincount(index, weights=sums, minlength=len(sizes))[index] if len(rows) else sums
    size = sizes[index] if len(rows) else sizes
    baseline = np.where(size > 1, (totals - sums) / np.maximum(size - 1, 1), 0.0)
    out = []
    for i, r in enumerate(rows):
        shifted = r - (baseline[i] / len(r) if len(r) else 0.0)
        ret = np.zeros_like(shifted)
        running = 0.0
        for t in range(len(r) - 1, -1, -1):
            running = shifted[t] + gamma * running
            ret[t] = running
        out.append(adv[i] + weight * ret)
    return out


def gated_rewards(low_rewards: Sequence[Sequence[float]], outcomes: Sequence[float], threshold: float) -> StepValues:
    """G-RA: each episode's low-level step rewards, kept where its outcome ≥ ``threshold``, zeroed elsewhere."""
    rows = _as_rows(low_rewards, "low_rewards")
    outs = np.asarray(outcomes, dtype=np.float64)
    if outs.shape != (len(rows),):
        raise ValueError(f"outcomes must hold one value per episode ({len(rows)}), got shape {outs.shape}")
    return [r if o >= threshold else np.zeros_like(r) for r, o in zip(rows, outs, strict=True)]


def progress_of(trajectory: Trajectory, key: str = "progress") -> np.ndarray:
    """The ``info[key]`` after each step, as floats; a clear error where a step lacks it."""
    values = [step.info.get(key) for step in trajectory.steps]
    if any(v is None for v in values):
        raise ValueError(f"this credit method needs info[{key!r}] on every step, which "
                         f"{trajectory.env_id or 'this env'} does not report")
    return np.asarray(values, dtype=np.float64)


def progress_rewards(trajectories: Sequence[Trajectory], *, scale: float = 1.0, initial: float = 0.0) -> StepValues:
    """Turn-level dense rewards: ``scale * (progress after the step − progress before it)``.

    Progress starts at ``initial`` (0 at reset), so an episode's rewards sum to ``scale`` times
    the progress it ended at.
    """
    return potential_shaping([progress_of(t) for t in trajectories], coef=scale, gamma=1.0, initial=initial)


def pbrs_rewards(trajectories: Sequence[Trajectory], potential: Callable[[Any], float] | None = None, *,
                 gamma: float = 1.0, coef: float = 1.0) -> StepValues:
    """Potential-based shaping ``coef * (γ Φ(s_{t+1}) − Φ(s_t))`` per step, with ``Φ(terminal) = 0``.

    ``potential(observation) -> float``; by default Φ is the env's progress (``info["progress"]``
    after each step, 0 at reset). The step that terminates an episode shapes towards 0 (a
    truncated episode keeps its last potential, since its state was not terminal).
    """
    out = []
    for traj in trajectories:
        if potential is None:
            after = progress_of(traj)
            before0 = 0.0
        else:
            obs = [s.observation for s in traj.steps]
            after = np.array([float(potential(o)) for o in obs[1:]] + ([float(potential(traj.final_observation))]
                                                                       if traj.steps else []), dtype=np.float64)
            before0 = float(potential(obs[0])) if obs else 0.0
        if len(traj) and traj.steps[-1].terminated:
            after = after.copy()
            after[-1] = 0.0
        (shaped,) = potential_shaping([after], coef=coef, gamma=gamma, initial=before0)
        out.append(shaped)
    return out
