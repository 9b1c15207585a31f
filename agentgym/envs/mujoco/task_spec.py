"""Build the :class:`~agentgym.core.TaskSpec` of a MuJoCo task, without loading MuJoCo.

Example:
    >>> from agentgym.envs.mujoco.tasks import TASKS
    >>> spec = build_task_spec(TASKS["Hopper-Backflip"])
    >>> spec.success_criterion
    'pitch_rotation <= -2*pi and z > 0.7'
    >>> "pitch_rotation" in spec.field_names and "foot_contacts" in spec.field_names
    True
"""

from __future__ import annotations

from agentgym.core import StateField, TaskSpec

from .robots import ROBOTS
from .state_fields import robot_fields
from .tasks import Task

_SPARSE = "Reward: sparse, 1.0 on the step where success first holds, and the episode then terminates; 0 otherwise."
_DENSE = "Reward: gymnasium's v5 dense reward, unchanged."


def state_fields(task: Task) -> tuple[StateField, ...]:
    """Every compact-state field of a task: the robot's fields, then its accumulators'."""
    robot = ROBOTS[task.robot]
    trackers = task.make_trackers(robot.dt)
    return robot_fields(robot) + tuple(f for t in trackers for f in t.fields)


def build_task_spec(task: Task) -> TaskSpec:
    """The TaskSpec an LLM or a person reads for ``task``."""
    robot = ROBOTS[task.robot]
    overrides = ", ".join(f"{k}={v!r}" for k, v in task.env_kwargs.items())
    notes = (
        f"dt = {robot.dt:g} s per step; episode: {task.episode_note}. "
        f"{_SPARSE if task.sparse else _DENSE} "
        f"Gymnasium v5 {robot.name} model" + (f" built with {overrides}." if overrides else " with default settings.")
        + " Floor at z = 0; x forward, y left, z up."
    )
    return TaskSpec(
        name=task.name,
        task=task.instruction,
        state_fields=state_fields(task),
        action_meaning=robot.describe_action(),
        success_criterion=task.success_criterion,
        notes=notes,
        extra={"robot": robot.name, "dt": robot.dt, "max_episode_steps": task.max_episode_steps,
               "sparse_reward": task.sparse, "env_id": task.env_id},
    )
