"""GiGPO: group-in-group advantages (Feng et al. 2025, "Group-in-Group Policy Optimization for LLM Agent Training").

Two levels of groups, both from the rollouts GRPO already plays (no extra rollouts, no critic):

- **Episode level**: the trajectories of one task (same ``group_id``), compared by outcome::

      A^E(τ_i) = (R(τ_i) − mean_g R) / F,        F = std_g R, or 1 without std normalization

- **Step level**: every step whose observation (the *anchor state*) recurs across the group's
  trajectories joins that state's anchor group; its discounted return from that step on,
  ``R_t = Σ_{k≥t} γ^{k−t} r_k``, is compared with the others of its anchor group::

      A^S(a_t) = (R_t − mean_anchor R) / F,      a singleton anchor group gives 0

- ``A = A^E + ω · A^S`` for every step.

Anchor states are matched exactly (:func:`~agentgym.credit.steps.state_key`), or, with
``similarity=τ``, text observations whose ``difflib`` ratio with a group's first member is at
least τ share it (the paper's similarity variant; 0.9-0.95 there).

Example: two trajectories of one task; the loser waits a turn, then turns the wrong way in the
hall. Both levels are centred (no std) so the numbers are easy to follow: A^E = ±0.5; in the
anchor group "start" the returns are 1, 0, 0 (mean 1/3); in "hall" they are 1 and 0::

    >>> from agentgym.core import Trajectory
    >>> win, lose = Trajectory(group_id=0), Trajectory(group_id=0)
    >>> win.append("start", "go", 0.0); win.append("hall", "left", 1.0)
    >>> lose.append("start", "wait", 0.0); lose.append("start", "go", 0.0); lose.append("hall", "right", 0.0)
    >>> [a.round(3).tolist() for a in gigpo_advantages([win, lose], gamma=1.0, normalize_std=False)]
    [[1.167, 1.0], [-0.833, -0.833, -1.0]]
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence

import numpy as np

from agentgym.core.trajectory import Trajectory

from .outcome import grpo_advantages
from .steps import (
    StepValues,
    check_step_values,
    discounted_step_returns,
    flatten,
    group_index,
    outcomes,
    state_key,
    step_rewards,
    unflatten,
)


def anchor_groups(trajectories: Sequence[Trajectory], similarity: float | None = None) -> StepValues:
    """Each step's anchor-group id (an integer; equal ids share an anchor state within one task group).

    Exact matching by default; with ``similarity`` in (0, 1], a step joins the first anchor of its
    task group whose observation text has a ``difflib.SequenceMatcher`` ratio ≥ ``similarity``.
    """
    if similarity is not None and not 0.0 < similarity <= 1.0:
        raise ValueError(f"similarity must be in (0, 1], got {similarity}")
    groups = group_index(trajectories)
    ids: dict[tuple[int, Hashable], int] = {}
    representatives: dict[int, list[tuple[str, int]]] = {}  # task group -> (text, anchor id)
    out = []
    for traj, g in zip(trajectories, groups, strict=True):
        row = np.zeros(len(traj), dtype=np.float64)
        for t, step in enumerate(traj.steps):
            key = (int(g), state_key(step.observation))
            if key not in ids and similarity is not None and similarity < 1.0:
                text = str(step.observation)
                for other, anchor in representatives.setdefault(int(g), []):
                    if difflib.SequenceMatcher(None, text, other, autojunk=False).ratio() >= similarity:
                        ids[key] = anchor
                        break
                else:
                    ids[key] = len(ids)
                    representatives[int(g)].append((text, ids[key]))
            row[t] = ids.setdefault(key, len(ids))
        out.append(row)
    return out


def gigpo_advantages(trajectories: Sequence[Trajectory], *, gamma: float = 0.95, omega: float = 1.0,
                     normalize_std: bool = True, similarity: float | None = None,
                     rewards: Sequence[np.ndarray] | None = None, eps: float = 1e-6) -> StepValues:
    """GiGPO advantages for every step: ``A^E + omega * A^S`` (see the module docstring).

    Args:
        trajectories: a batch holding whole groups (``group_id`` = the task).
        gamma: discount of the step-level returns (0.95 in the paper).
        omega: weight of the step-level advantage (1 in the paper).
        normalize_std: divide both levels by their group's std (``mean_std_norm``); False only centres them.
        similarity: match anchor states by text similarity ≥ this instead of exactly.
        rewards: per-step rewards for the step-level returns (default: each trajectory's rewards).
        eps: added to the std.

    Returns:
        One array of per-step advantages per trajectory.
    """
    trajectories = list(trajectories)
    if not trajectories:
        return []
    groups = group_index(trajectories)
    episode = grpo_advantages(outcomes(trajectories), groups, normalize_std=normalize_std, eps=eps)
    r = step_rewards(trajectories) if rewards is None else check_step_values(rewards, trajectories, "rewards")
    returns = flatten(discounted_step_returns(r, gamma))
    anchors = flatten(anchor_groups(trajectories, similarity))
    step_level = unflatten(grpo_advantages(returns, anchors, normalize_std=normalize_std, eps=eps), trajectories)
    return [episode[i] + omega * step_level[i] for i in range(len(trajectories))]
