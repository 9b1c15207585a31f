"""SALT: step-level advantages from a trajectory graph (Li et al. 2025, "SALT: Step-level Advantage
Assignment for Long-horizon Agents via Trajectory Graph").

The trajectories of one task (same ``group_id``) are merged into a graph: steps that are the same
step — by default the same (state, action) pair — become one edge, shared by every trajectory that
took it. Each edge gets the mean of the episode-level advantages (GRPO by default) of the distinct
trajectories through it, and every step on that edge gets that value::

    A(s, a) = mean { A(τ) : τ in the group, τ takes a in s }

A step that winners and losers alike take (the opening move, a corridor) averages their
advantages towards 0; a step that only winners take keeps a positive advantage, one that only
losers take a negative one. A step no other trajectory shares keeps its episode's advantage,
as in GRPO.

Two merge rules: ``"state_action"`` (the same observation and action, wherever in the episode;
the graph of the paper's Markov reading) and ``"history"`` (the same observation and action after
the same history: a prefix tree, for observations that do not capture the state).

Example::

    >>> from agentgym.core import Trajectory
    >>> win, lose = Trajectory(group_id=0), Trajectory(group_id=0)
    >>> win.append("start", "go", 0.0); win.append("hall", "left", 1.0)
    >>> lose.append("start", "go", 0.0); lose.append("hall", "right", 0.0)
    >>> [a.round(3).tolist() for a in salt_advantages([win, lose])]
    [[0.0, 1.0], [0.0, -1.0]]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from agentgym.core.trajectory import Trajectory

from .outcome import grpo_advantages
from .steps import StepValues, group_index, outcomes, state_key

MERGE_RULES = ("state_action", "history")


def step_nodes(trajectories: Sequence[Trajectory], merge: str = "state_action") -> list[list[Hashable]]:
    """Each step's node in its group's trajectory graph (equal keys = the same edge of the graph)."""
    if merge not in MERGE_RULES:
        raise ValueError(f"merge must be one of {', '.join(MERGE_RULES)}, got {merge!r}")
    groups = group_index(trajectories)
    out = []
    for traj, g in zip(trajectories, groups, strict=True):
        keys: list[Hashable] = []
        history: tuple[Hashable, ...] = ()
        for step in traj.steps:
            pair = (state_key(step.observation), state_key(step.action))
            if merge == "history":
                history = (*history, pair)
                keys.append((int(g), history))
            else:
                keys.append((int(g), pair))
        out.append(keys)
    return out


def salt_advantages(trajectories: Sequence[Trajectory], episode_advantages: Sequence[float] | None = None, *,
                    merge: str = "state_action", normalize_std: bool = True) -> StepValues:
    """SALT per-step advantages: the mean episode advantage of the distinct trajectories through each step.

    Args:
        trajectories: a batch holding whole groups.
        episode_advantages: one advantage per trajectory (default: GRPO over the outcomes).
        merge: ``"state_action"`` or ``"history"`` (see the module docstring).
        normalize_std: for the default GRPO episode advantages.

    Returns:
        One array of per-step advantages per trajectory.
    """
    trajectories = list(trajectories)
    if not trajectories:
        return []
    if episode_advantages is None:
        episode = grpo_advantages(outcomes(trajectories), group_index(trajectories), normalize_std=normalize_std)
    else:
        episode = np.asarray(episode_advantages, dtype=np.float64)
        if episode.shape != (len(trajectories),):
            raise ValueError(f"episode_advantages must hold one value per trajectory ({len(trajectories)}), "
                             f"got shape {episode.shape}")
    nodes = step_nodes(trajectories, merge)
    members: dict[Hashable, set[int]] = {}
    for i, keys in enumerate(nodes):
        for key in keys:
            members.setdefault(key, set()).add(i)
    value = {key: float(np.mean([episode[i] for i in who])) for key, who in members.items()}
    return [np.array([value[key] for key in keys], dtype=np.float64) for keys in nodes]
