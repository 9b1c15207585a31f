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

from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium.envs.mujoco import ant_v5, half_cheetah_v5, hopper_v5, humanoid_v5, walker2d_v5
from gymnasium.utils import EzPickle

from .robots import ROBOTS, Robot
from .state_reader import PoseState, StateReader
from .task_spec import build_task_spec
from .tasks import TASKS, Task
from .warnings import install_warning_handler

install_warning_handler()


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
        self._accumulator_dtypes = {f.name: np.dtype(f.dtype) for t in self._trackers for f in t.fields}
        self._succeeded = False
        self._trackers_ready = False

    # ------------------------------------------------------------------ state
    def _healthy(self) -> bool:
        return bool(self.is_healthy)  # type: ignore[attr-defined]

    def _health_after_step(self, terminated: bool) -> bool | Callable[[], bool]:
        """The health of the state a step ended in, or how to ask for it.

        gymnasium's v5 step sets ``terminated = not is_healthy and terminate_when_unhealthy``; where
        unhealthy states terminate, ``not terminated`` is the answer, and the health check that
        the step has already run twice (a few microseconds for Hopper) is not run a third time.
        """
        return not terminated if self._terminate_when_unhealthy else self._healthy  # type: ignore[attr-defined]

    def compact_state(self) -> dict[str, np.ndarray]:
        """The task's compact state (``task_spec.state_fields``) as fresh numpy arrays.

        Pose fields are read from the simulator now; accumulators hold their value from the last
        ``reset``/``step`` (so after ``set_state`` only the pose fields change).
        """
        if not self._trackers_ready:
            raise RuntimeError("call reset() before compact_state()")
        state = self._reader.read(self.data, self._healthy)  # type: ignore[attr-defined]
        dtypes = self._accumulator_dtypes
        for tracker in self._trackers:
            state.update((name, np.array(value, dtype=dtypes[name])) for name, value in tracker.values().items())
        return state

    def _with_accumulators(self, pose: PoseState) -> PoseState:
        """The pose plus the trackers' values (as plain numbers: the success test reads them as they are)."""
        for tracker in self._trackers:
            pose.update(tracker.values())
        return pose

    def _judge(self, state: PoseState, info: dict[str, Any]) -> bool:
        """Add the task's ``task``, ``success`` and ``progress`` to ``info``; return success."""
        success = bool(self.task.is_success(state))
        info["task"] = self.task.instruction
        info["success"] = success
        info["progress"] = float(self.task.progress(state))
        return success

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = super().reset(seed=seed, options=options)  # type: ignore[misc]
        # The pose computes each field when first read: a reset or step pays only for what the
        # task's trackers and success test read.
        pose = self._reader.view(self.data, self._healthy)  # type: ignore[attr-defined]
        for tracker in self._trackers:
            tracker.reset(pose)
        self._trackers_ready = True
        self._succeeded = False
        self._judge(self._with_accumulators(pose), info)
        return obs, info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)  # type: ignore[misc]
        pose = self._reader.view(self.data, self._health_after_step(terminated))  # type: ignore[attr-defined]
        for tracker in self._trackers:
            tracker.update(pose)
        if self.task.sparse:
            # The dense reward terms of the standard task do not apply to a variant.
            info = {k: v for k, v in info.items() if not k.startswith("reward_")}
        success = self._judge(self._with_accumulators(pose), info)
        if self.task.sparse:
            reward = 1.0 if success and not self._succeeded else 0.0
            terminated = bool(terminated or success)
        self._succeeded = self._succeeded or success
        return obs, float(reward), bool(terminated), truncated, info


class HalfCheetahEnv(AgentGymMujocoEnv, half_cheetah_v5.HalfCheetahEnv):
    """HalfCheetah-v5 with agentgym's TaskSpec and compact state."""

    robot = ROBOTS["HalfCheetah"]

    @property
    def is_healthy(self) -> bool:
        return True  # gymnasium's HalfCheetah has no unhealthy states and never terminates

    def _health_after_step(self, terminated: bool) -> bool:
        return True  # as is_healthy: nothing to ask


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
