"""MuJoCo locomotion family: gymnasium's v5 robots with a TaskSpec and a compact state, plus
Text2Reward-style task variants with sparse rewards and dense reference rewards.

Importing this package loads neither MuJoCo nor gymnasium's MuJoCo envs: entry points are
strings ("agentgym.envs.mujoco.env:HopperEnv").

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/Hopper-Jump-v0")
    >>> _, info = env.reset(seed=0)
    >>> env.unwrapped.task_spec.success_criterion
    'z >= 1.6 and sum(foot_contacts) == 0 and healthy == 1'
    >>> reference_reward_path("agentgym/Hopper-Jump-v0").name
    'hopper_jump.py'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .reference_rewards import reference_reward_ids, reference_reward_path, reference_reward_source
from .robots import ROBOTS
from .tasks import TASKS, Task

FAMILY = "mujoco"

__all__ = [
    "FAMILY",
    "TASKS",
    "Task",
    "reference_reward_ids",
    "reference_reward_path",
    "reference_reward_source",
    "register_envs",
]


def _summary(task: Task) -> str:
    return f"{task.instruction} ({'sparse reward' if task.sparse else 'dense v5 reward'})"


def register_envs(register: Callable[..., Any]) -> None:
    """Register every MuJoCo task with ``register`` (:func:`agentgym.envs.registration.register_env`)."""
    for task in TASKS.values():
        robot = ROBOTS[task.robot]
        register(
            task.env_id.split("/", 1)[1],
            family=FAMILY,
            summary=_summary(task),
            entry_point=f"agentgym.envs.mujoco.env:{robot.class_name}",
            kwargs={} if not task.sparse else {"task": task.name},
            max_episode_steps=task.max_episode_steps,
        )
