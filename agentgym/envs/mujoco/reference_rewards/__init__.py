"""Hand-written dense reference rewards for the MuJoCo variants, one file per variant.

The variants pay a sparse reward by default; these dense rewards are kept for comparison with
LLM-written ones. Each file defines ``compute_reward(state, action, next_state, info)`` over the
variant's compact state and loads through :func:`agentgym.core.load_reward_fn`.

Example:
    >>> from agentgym.core import load_reward_fn
    >>> path = reference_reward_path("agentgym/HalfCheetah-Backward-v0")
    >>> path.name
    'half_cheetah_backward.py'
    >>> load_reward_fn(path).name.endswith("half_cheetah_backward.py")
    True
"""

from __future__ import annotations

from pathlib import Path

from ..tasks import TASKS, Task

_HERE = Path(__file__).resolve().parent


def _task_for(env_id: str) -> Task:
    """The task behind ``agentgym/Name-v0``, ``Name-v0`` or ``Name``."""
    name = env_id.split("/", 1)[-1]
    for task in TASKS.values():
        if name in (task.name, task.env_id.split("/", 1)[1]):
            return task
    raise KeyError(f"unknown MuJoCo task {env_id!r}; known: {sorted(t.env_id for t in TASKS.values())}")


def reference_reward_ids() -> list[str]:
    """Env ids that ship a reference reward (every variant)."""
    return [t.env_id for t in TASKS.values() if t.reference_reward]


def reference_reward_path(env_id: str) -> Path:
    """Path of the reference reward file of a variant.

    Raises:
        KeyError: ``env_id`` is no MuJoCo task, or a standard task (they have none).
    """
    task = _task_for(env_id)
    if not task.reference_reward:
        raise KeyError(f"{task.env_id} has no reference reward; variants that do: {reference_reward_ids()}")
    return _HERE / f"{task.reference_reward}.py"


def reference_reward_source(env_id: str) -> str:
    """Source code of the reference reward of a variant."""
    return reference_reward_path(env_id).read_text()
