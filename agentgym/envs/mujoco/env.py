"""Gymnasium's v5 MuJoCo envs with a TaskSpec, a compact state, and task success.

Each class subclasses gymnasium's own v5 env, so a standard task (``task=None``) keeps its
observation, reward and termination bit for bit. A variant (``task="Hopper-Backflip"``) keeps
the observation, applies the task's constructor defaults (e.g. no unhealthy termination for a
flip), and replaces the reward with the sparse one: 1.0 on the step where success first holds,
then ``terminated=True``. Every step's ``info`` carries ``task``, ``success`` and ``progress``.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/Hopper-Backflip-v0")
    >>> obs, info = env.reset(seed=0)
    >>> info["task"].startswith("Do a backflip"), info["success"]
    (True, False)
    >>> sorted(env.unwrapped.compact_state())[:3]
    ['elapsed_time', 'foot_contacts', 'foot_heights']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.envs.mujoco import ant_v5, half_cheetah_v5, hopper_v5, humanoid_v5, walker2d_v5
from gymnasium.utils import EzPickle

from .robots import ROBOTS, Robot
from .state_reader import StateReader
from .task_spec import build_task_spec
from .tasks import TASKS, Task


class AgentGymMujocoEnv:
    """Mixin over a gymnasium v5 MuJoCo env: TaskSpec, compact state, success and sparse variants.

    Subclasses set :attr:`robot` and list the gymnasium env class second in their bases.
    """

    robot: Robot

    def __init__(self, task: str | None = None, **kwargs: Any) -> None:
        name = task or self.robot.name
        if name not in TASKS or TASKS[name].robot != self.robot.name:
            choices = sorted(t.name for t in TASKS.values() if t.robot == self.robot.name)
            raise ValueError(f"unknown {self.robot.name} task {name!r}; choose one of {choices}")
        self.task: Task = TASKS[name]
        super().__init__(**{**self.task.env_kwargs, **kwargs})  # type: ignore[call-arg]
        # gymnasium's EzPickle recorded the parent's arguments; record ours so copies keep the task.
        EzPickle.__init__(self, task=task, **kwargs)
        self.task_spec = build_task_spec(self.task)
        self._reader = StateReader(self.model, self.robot)  # type: ignore[attr-defined]
        self._trackers = self.task.make_trackers(self.dt)  # type: ignore[attr-defined]
        self._succeeded = False
        self._trackers_ready = False

    # ------------------------------------------------------------------ state
    def _healthy(self) -> bool:
        return bool(self.is_healthy)  # type: ignore[attr-defined]

    def _pose_state(self) -> dict[str, np.ndarray]:
        return self._reader.read(self.data, self._healthy())  # type: ignore[attr-defined]

    def compact_state(self) -> dict[str, np.ndarray]:
        """The task's compact state (``task_spec.state_fields``) as fresh numpy arrays.

        Pose fields are read from the simulator now; accumulators hold their value from the last
        ``reset``/``step`` (so after ``set_state`` only the pose fields change).
        """
        if not self._trackers_ready:
            raise RuntimeError("call reset() before compact_state()")
        return self._with_accumulators(self._pose_state())

    def _with_accumulators(self, pose: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        for tracker in self._trackers:
            pose.update(tracker.values())
        return pose

    def _task_info(self, state: dict[str, np.ndarray]) -> dict[str, Any]:
        return {
            "task": self.task.instruction,
            "success": bool(self.task.is_success(state)),
            "progress": float(self.task.progress(state)),
        }

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = super().reset(seed=seed, options=options)  # type: ignore[misc]
        pose = self._pose_state()
        for tracker in self._trackers:
            tracker.reset(pose)
        self._trackers_ready = True
        self._succeeded = False
        return obs, {**info, **self._task_info(self._with_accumulators(pose))}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)  # type: ignore[misc]
        pose = self._pose_state()
        for tracker in self._trackers:
            tracker.update(pose)
        task_info = self._task_info(self._with_accumulators(pose))
        if self.task.sparse:
            # The dense reward terms of the standard task do not apply to a variant.
            info = {k: v for k, v in info.items() if not k.startswith("reward_")}
            reward = 1.0 if task_info["success"] and not self._succeeded else 0.0
            terminated = bool(terminated or task_info["success"])
        self._succeeded = self._succeeded or task_info["success"]
        return obs, float(reward), bool(terminated), truncated, {**info, **task_info}


class HalfCheetahEnv(AgentGymMujocoEnv, half_cheetah_v5.HalfCheetahEnv):
    """HalfCheetah-v5 with agentgym's TaskSpec and compact state."""

    robot = ROBOTS["HalfCheetah"]

    @property
    def is_healthy(self) -> bool:
        return True  # gymnasium's HalfCheetah has no unhealthy states and never terminates


class HopperEnv(AgentGymMujocoEnv, hopper_v5.HopperEnv):
    """Hopper-v5 with agentgym's TaskSpec and compact state."""

    robot = ROBOTS["Hopper"]


class Walker2dEnv(AgentGymMujocoEnv, walker2d_v5.Walker2dEnv):
    """Walker2d-v5 with agentgym's TaskSpec and compact state."""

    robot = ROBOTS["Walker2d"]


class AntEnv(AgentGymMujocoEnv, ant_v5.AntEnv):
    """Ant-v5 with agentgym's TaskSpec and compact state."""

    robot = ROBOTS["Ant"]


class HumanoidEnv(AgentGymMujocoEnv, humanoid_v5.HumanoidEnv):
    """Humanoid-v5 with agentgym's TaskSpec and compact state."""

    robot = ROBOTS["Humanoid"]
