"""Trajectory records shared by trainers and credit-assignment methods.

A :class:`Trajectory` is the steps of one episode (observation, action, reward, flags, info)
plus the ids that group episodes (the task seed, a group id for GRPO-style groups) and the
outcome. :func:`rollout` records one episode of any policy.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-Empty-5x5-Text-v0")
    >>> traj = rollout(env, lambda obs, info: info["admissible_actions"][0], seed=3, max_steps=5)
    >>> len(traj), traj.seed
    (5, 3)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Step:
    """One transition: the observation the action was taken in, the action, and what followed."""

    observation: Any
    action: Any
    reward: float
    terminated: bool = False
    truncated: bool = False
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trajectory:
    """One episode.

    Attributes:
        steps: the transitions in order.
        final_observation: the observation after the last step.
        env_id: the registered id of the env.
        seed: the reset seed (identifies the task instance).
        group_id: episodes of one group share it (e.g. the G rollouts of one task in GRPO).
        metadata: anything else (policy version, model name, ...).
    """

    steps: list[Step] = field(default_factory=list)
    final_observation: Any = None
    env_id: str | None = None
    seed: int | None = None
    group_id: str | int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def append(self, observation: Any, action: Any, reward: float, terminated: bool = False,
               truncated: bool = False, info: dict[str, Any] | None = None) -> None:
        self.steps.append(Step(observation, action, float(reward), bool(terminated), bool(truncated), dict(info or {})))

    @property
    def rewards(self) -> np.ndarray:
        return np.array([s.reward for s in self.steps], dtype=np.float64)

    @property
    def actions(self) -> list[Any]:
        return [s.action for s in self.steps]

    @property
    def observations(self) -> list[Any]:
        return [s.observation for s in self.steps]

    @property
    def done(self) -> bool:
        return bool(self.steps) and (self.steps[-1].terminated or self.steps[-1].truncated)

    @property
    def total_reward(self) -> float:
        return float(self.rewards.sum())

    @property
    def success(self) -> bool:
        """``info["success"]`` of the last step (False for an empty trajectory)."""
        return bool(self.steps and self.steps[-1].info.get("success", False))

    @property
    def outcome(self) -> float:
        """The episode's outcome reward: ``metadata["outcome"]`` if set, else the total reward."""
        return float(self.metadata.get("outcome", self.total_reward))

    @property
    def progress(self) -> np.ndarray:
        """Per-step ``info["progress"]`` (NaN where the env gave none)."""
        return np.array([s.info.get("progress", np.nan) for s in self.steps], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "env_id": self.env_id,
            "seed": self.seed,
            "group_id": self.group_id,
            "metadata": _jsonable(self.metadata),
            "final_observation": _jsonable(self.final_observation),
            "steps": [
                {
                    "observation": _jsonable(s.observation),
                    "action": _jsonable(s.action),
                    "reward": s.reward,
                    "terminated": s.terminated,
                    "truncated": s.truncated,
                    "info": _jsonable(s.info),
                }
                for s in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        traj = cls(
            final_observation=data.get("final_observation"),
            env_id=data.get("env_id"),
            seed=data.get("seed"),
            group_id=data.get("group_id"),
            metadata=dict(data.get("metadata") or {}),
        )
        for s in data["steps"]:
            traj.append(s["observation"], s["action"], s["reward"], s["terminated"], s["truncated"], s["info"])
        return traj


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return repr(x)


def save_trajectories(trajectories: Sequence[Trajectory], path: str | Path) -> None:
    """Write trajectories as JSON lines (one episode a line)."""
    with open(path, "w") as fh:
        for t in trajectories:
            fh.write(json.dumps(t.to_dict()) + "\n")


def load_trajectories(path: str | Path) -> list[Trajectory]:
    with open(path) as fh:
        return [Trajectory.from_dict(json.loads(line)) for line in fh if line.strip()]


def rollout(env: Any, policy: Callable[[Any, dict[str, Any]], Any], *, seed: int | None = None,
            max_steps: int | None = None, group_id: str | int | None = None) -> Trajectory:
    """Run ``policy(observation, info) -> action`` for one episode and record it."""
    obs, info = env.reset(seed=seed)
    spec = getattr(env, "spec", None)
    traj = Trajectory(env_id=getattr(spec, "id", None), seed=seed, group_id=group_id)
    while max_steps is None or len(traj) < max_steps:
        action = policy(obs, info)
        next_obs, reward, terminated, truncated, info = env.step(action)
        traj.append(obs, action, reward, terminated, truncated, info)
        obs = next_obs
        if terminated or truncated:
            break
    traj.final_observation = obs
    return traj
