"""Hand-written shaped reference rewards for MiniGrid tasks, one file per task.

The tasks pay upstream's sparse reward (only on success); these shaped rewards are kept for
comparison with LLM-written ones. Each file defines ``compute_reward(state, action,
next_state, info)`` over the task's compact state (see :mod:`agentgym.envs.minigrid.state`)
and ``info["success"]``, imports only numpy, and loads through
:func:`agentgym.core.load_reward_fn` and the sandbox alike. Each pays a success bonus, one-time
bonuses for the subgoals (picking up the key, opening a door; taken back when undone, so no
loop earns anything), a potential-based distance term toward the current subgoal and a small
cost per step.

Example:
    >>> from agentgym.core import load_reward_fn
    >>> path = reference_reward_path("agentgym/MiniGrid-DoorKey-6x6-v0")
    >>> path.name
    'door_key_6x6.py'
    >>> load_reward_fn(path).name.endswith("door_key_6x6.py")
    True
"""

from __future__ import annotations

from pathlib import Path

from ..catalog import TASKS

_HERE = Path(__file__).resolve().parent

#: File stem of the reference reward of each task that has one, by classic id without namespace.
REFERENCE_REWARDS: dict[str, str] = {
    "MiniGrid-DoorKey-6x6-v0": "door_key_6x6",
    "MiniGrid-Unlock-v0": "unlock",
    "MiniGrid-KeyCorridorS3R1-v0": "key_corridor_s3r1",
}


def _task_id(env_id: str) -> str:
    """The catalogue id behind ``agentgym/Name-v0`` or ``Name-v0``."""
    name = env_id.split("/", 1)[-1]
    if name not in TASKS:
        raise KeyError(f"unknown MiniGrid task {env_id!r}; known: {sorted(f'agentgym/{t}' for t in TASKS)}")
    return name


def reference_reward_ids() -> list[str]:
    """Env ids that ship a reference reward."""
    return [f"agentgym/{task_id}" for task_id in REFERENCE_REWARDS]


def reference_reward_path(env_id: str) -> Path:
    """Path of the reference reward file of a task.

    Raises:
        KeyError: ``env_id`` is no MiniGrid task, or one without a reference reward.
    """
    task_id = _task_id(env_id)
    if task_id not in REFERENCE_REWARDS:
        raise KeyError(f"agentgym/{task_id} has no reference reward; tasks that do: {reference_reward_ids()}")
    return _HERE / f"{REFERENCE_REWARDS[task_id]}.py"


def reference_reward_source(env_id: str) -> str:
    """Source code of the reference reward of a task."""
    return reference_reward_path(env_id).read_text()
