"""MiniGrid and BabyAI tasks, classic (image + direction) and as text (words in, words out).

For every task in :data:`~agentgym.envs.minigrid.catalog.TASKS` two ids are registered:

* ``agentgym/<Name>-v0``: the upstream env with a TaskSpec, ``compact_state()`` and a
  Dict(image, direction[, mission]) observation that Stable-Baselines3 accepts;
* ``agentgym/<Name>-Text-v0``: a :class:`~agentgym.core.TextEnv` that describes the agent's
  view in words and takes actions such as ``"go forward"``.

Nothing here imports minigrid or pygame: the entry points are strings.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-DoorKey-5x5-Text-v0")
    >>> obs, info = env.reset(seed=0)
    >>> info["admissible_actions"][:3]
    ['turn left', 'turn right', 'go forward']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .catalog import TASKS, MiniGridTask

FAMILY = "minigrid"


def register_envs(register: Callable[..., Any]) -> None:
    """Register the classic and the text id of every task with ``register`` (``register_env``)."""
    for task_id, task in TASKS.items():
        register(
            task.classic_id,
            family=FAMILY,
            summary=task.summary,
            entry_point="agentgym.envs.minigrid.env:make_minigrid",
            kwargs={"task_id": task_id},
            max_episode_steps=task.max_steps,
        )
        register(
            task.text_id,
            family=FAMILY,
            summary=f"Text view: {task.summary}",
            entry_point="agentgym.envs.minigrid.text_view:MiniGridTextEnv",
            kwargs={"task_id": task_id},
            max_episode_steps=task.max_steps,
            text=True,
        )


__all__ = ["FAMILY", "TASKS", "MiniGridTask", "register_envs"]
