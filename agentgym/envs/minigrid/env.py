"""The classic MiniGrid envs: upstream classes plus a TaskSpec, a compact state and an SB3-ready observation.

:func:`make_minigrid` looks the upstream class up in gymnasium's registry (entry point and
kwargs of the upstream id) and instantiates a subclass of it made by :func:`agentgym_class`,
which adds :class:`AgentGymMiniGrid`'s behaviour. Reward, termination and ``max_steps`` stay
upstream's.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-DoorKey-5x5-v0")
    >>> obs, info = env.reset(seed=0)
    >>> sorted(obs), obs["image"].shape, info["task"], info["success"]
    (['direction', 'image'], (7, 7, 3), 'use the key to open the door and then get to the goal', False)
    >>> env.unwrapped.compact_state()["agent_pos"].tolist() == list(env.unwrapped.agent_pos)
    True
"""

from __future__ import annotations

import contextlib
import io
from functools import cache
from typing import Any

import gymnasium as gym
import minigrid  # noqa: F401  (registers the upstream ids)
import numpy as np
from gymnasium import spaces
from gymnasium.envs.registration import load_env_creator

from .catalog import TASKS, MiniGridTask
from .messages import Snapshot, step_message
from .missions import encode_mission, mission_space
from .planner import next_action
from .progress import PlanProgress
from .state import build_task_spec, compact_state


class AgentGymMiniGrid:
    """Mixed in before an upstream ``MiniGridEnv`` subclass (see :func:`agentgym_class`).

    Args:
        minigrid_task: the catalogue entry this env mirrors.
        with_progress: put planner progress in ``info["progress"]`` (a search per step, so off
            by default to keep classic training fast).
        **kwargs: upstream constructor arguments (``render_mode``, ``max_steps``, ...).
    """

    def __init__(self, minigrid_task: MiniGridTask, *, with_progress: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minigrid_task = minigrid_task
        self.task_spec = build_task_spec(minigrid_task)
        self.with_progress = with_progress
        view = self.agent_view_size
        obs_spaces: dict[str, spaces.Space[Any]] = {
            "image": spaces.Box(0, 255, (view, view, 3), dtype=np.uint8),
            "direction": spaces.Discrete(4),
        }
        # Classic missions are fixed (they are in info["task"]); BabyAI's change every episode.
        if minigrid_task.babyai:
            obs_spaces["mission"] = mission_space()
        self.observation_space = spaces.Dict(obs_spaces)
        self._success = False
        self._progress = PlanProgress() if with_progress else None
        self._message = ""

    def gen_obs(self) -> dict[str, Any]:
        obs = super().gen_obs()
        out = {"image": obs["image"], "direction": int(obs["direction"])}
        if self.minigrid_task.babyai:
            out["mission"] = encode_mission(obs["mission"])
        return out

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        # BabyAI level generation prints its rejection-sampling retries; keep stdout clean.
        with contextlib.redirect_stdout(io.StringIO()):
            obs, _ = super().reset(seed=seed, options=options)
        self._success = False
        self._message = ""
        if self._progress is not None:
            self._progress.reset(self)
        return obs, self._info()

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        before = Snapshot.of(self)
        obs, reward, terminated, truncated, _ = super().step(action)
        self._message = step_message(int(action), before, self)
        # Upstream pays a positive reward exactly when the task is accomplished.
        self._success = bool(terminated and reward > 0)
        if self._progress is not None:
            self._progress.update(self, terminated=terminated, success=self._success)
        return obs, float(reward), bool(terminated), bool(truncated), self._info()

    def compact_state(self) -> dict[str, np.ndarray]:
        """The TaskSpec's fields, read from the grid now."""
        return compact_state(self, self.minigrid_task)

    def oracle_action(self) -> int | None:
        """The first action of a shortest plan from here (None if the planner finds none)."""
        return next_action(self)

    def _info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"task": self.mission, "success": self._success, "message": self._message}
        if self._progress is not None and self._progress.value is not None:
            info["progress"] = self._progress.value
        return info


@cache
def agentgym_class(upstream: type) -> type:
    """The subclass of ``upstream`` with :class:`AgentGymMiniGrid` mixed in (one per class)."""
    return type(f"AgentGym{upstream.__name__}", (AgentGymMiniGrid, upstream), {"__module__": __name__})


def make_minigrid(task_id: str, *, with_progress: bool = False, **kwargs: Any) -> gym.Env:
    """Build the classic env of catalogue entry ``task_id`` (e.g. ``"MiniGrid-DoorKey-5x5-v0"``).

    ``kwargs`` override the upstream id's registered kwargs.
    """
    if task_id not in TASKS:
        raise KeyError(f"unknown MiniGrid task {task_id!r}; known: {', '.join(TASKS)}")
    task = TASKS[task_id]
    spec = gym.registry[task.upstream_id]
    upstream = load_env_creator(spec.entry_point) if isinstance(spec.entry_point, str) else spec.entry_point
    return agentgym_class(upstream)(task, with_progress=with_progress, **{**spec.kwargs, **kwargs})
