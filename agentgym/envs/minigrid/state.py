"""The compact state of a MiniGrid env and the TaskSpec that documents it.

The state is read from the env's own grid on every call (fresh arrays, nothing cached), with a
fixed shape per task: key and door arrays are padded with -1 up to the capacities in
:mod:`~agentgym.envs.minigrid.catalog`.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-DoorKey-5x5-v0")
    >>> _ = env.reset(seed=1)
    >>> state = env.unwrapped.compact_state()
    >>> env.unwrapped.task_spec.validate_state(state)
    >>> state["door_state"].tolist()  # the one door starts locked
    [2]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from minigrid.core.constants import COLOR_TO_IDX, OBJECT_TO_IDX, STATE_TO_IDX

from agentgym.core import StateField, TaskSpec

from .catalog import SUCCESS_CRITERIA, MiniGridTask
from .objective import target_cells

#: MiniGrid's primitive actions, by index (minigrid.core.actions.Actions).
ACTION_NAMES: tuple[str, ...] = ("left", "right", "forward", "pickup", "drop", "toggle", "done")
CLASSIC_ACTION_MEANING = (
    "Discrete(7): 0 turn left, 1 turn right, 2 move forward one cell, 3 pick up the object in front, "
    "4 drop the carried object onto the (empty) cell in front, 5 toggle the door or box in front "
    "(open/close a door; a locked door opens only while carrying a key of its color), 6 done (no effect)"
)
# Upstream encodings (minigrid.core.constants), spelled out for reward writers.
_TYPES = "type: key 5, ball 6, box 7"
_COLORS = "color: red 0, green 1, blue 2, purple 3, yellow 4, grey 5"
_GOAL_MEANING = {
    "reach": "the green goal square",
    "open": "the locked door to open",
    "pickup": "the nearest target object lying on the grid ((-1, -1) while it is carried)",
    "goto": "the nearest target object (its start position, which BabyAI's success test uses)",
}


def state_fields(task: MiniGridTask) -> tuple[StateField, ...]:
    """The compact-state fields of ``task`` (shapes depend on its key and door capacities)."""
    k, d = task.keys, task.doors
    return (
        StateField("agent_pos", (2,), "cells", "agent column x and row y (0-based from the top-left; y grows downward)", "int64"),
        StateField("agent_dir", (), "index", "facing: 0 right (+x), 1 down (+y), 2 left (-x), 3 up (-y)", "int64"),
        StateField("front_pos", (2,), "cells", "the cell the agent faces (agent_pos + direction vector)", "int64"),
        StateField("carrying", (2,), "index", f"[type, color] of the carried object ({_TYPES}; {_COLORS}), or [-1, -1]", "int64"),
        StateField("goal_pos", (2,), "cells", f"{_GOAL_MEANING[task.objective]}, or [-1, -1] if none", "int64"),
        StateField("goal_distance", (), "cells", "Manhattan distance from agent_pos to goal_pos (-1 if no goal_pos); walls ignored", "int64"),
        StateField("key_pos", (k, 2), "cells", f"cells of the keys lying on the grid, sorted by (x, y), padded with -1 to {k}", "int64"),
        StateField("door_pos", (d, 2), "cells", f"cells of the doors, sorted by (x, y), padded with -1 to {d}", "int64"),
        StateField("door_state", (d,), "index", "state of each door in door_pos: 0 open, 1 closed, 2 locked, -1 padding", "int64"),
        StateField("step_count", (), "steps", f"primitive actions taken this episode (upstream truncates at {task.max_steps})", "int64"),
    )


def build_task_spec(task: MiniGridTask, *, extra_fields: tuple[StateField, ...] = (),
                    action_meaning: str = CLASSIC_ACTION_MEANING, name: str | None = None) -> TaskSpec:
    """The TaskSpec of ``task``; the text view adds its fields and its action words."""
    return TaskSpec(
        name=name or task.name,
        task=task.task,
        state_fields=state_fields(task) + tuple(extra_fields),
        action_meaning=action_meaning,
        success_criterion=SUCCESS_CRITERIA[task.objective],
        notes=(
            f"Mirrors upstream {task.upstream_id} (reward and termination unchanged; episodes are cut "
            f"after {task.max_steps} steps). The agent sees a 7x7 egocentric window; the episode's "
            "mission is in info['task']."
        ),
    )


def _padded(rows: list[tuple[int, ...]], n: int, width: int) -> np.ndarray:
    out = np.full((n, width), -1, dtype=np.int64)
    rows = rows[:n]  # capacities are checked by the tests over many seeds
    if rows:
        out[: len(rows)] = rows
    return out


def compact_state(env: Any, task: MiniGridTask) -> dict[str, np.ndarray]:
    """The compact state of the (unwrapped) MiniGrid ``env`` for ``task``, as fresh arrays."""
    agent = np.array(env.agent_pos, dtype=np.int64)
    keys: list[tuple[int, ...]] = []
    doors: list[tuple[int, ...]] = []
    for i, cell in enumerate(env.grid.grid):
        if cell is None:
            continue
        x, y = i % env.width, i // env.width  # the grid is stored row by row
        if cell.type == "key":
            keys.append((x, y))
        elif cell.type == "door":
            state = "open" if cell.is_open else "locked" if cell.is_locked else "closed"
            doors.append((x, y, STATE_TO_IDX[state]))
    keys.sort()
    doors.sort()
    carried = env.carrying
    carrying = [OBJECT_TO_IDX[carried.type], COLOR_TO_IDX[carried.color]] if carried is not None else [-1, -1]
    goals = target_cells(env, task.objective)
    goal = min(goals, key=lambda c: (abs(c[0] - agent[0]) + abs(c[1] - agent[1]), c)) if goals else (-1, -1)
    distance = int(abs(goal[0] - agent[0]) + abs(goal[1] - agent[1])) if goals else -1
    door_rows = _padded(doors, task.doors, 3)
    return {
        "agent_pos": agent,
        "agent_dir": np.array(env.agent_dir, dtype=np.int64),
        "front_pos": np.array(env.front_pos, dtype=np.int64),
        "carrying": np.array(carrying, dtype=np.int64),
        "goal_pos": np.array(goal, dtype=np.int64),
        "goal_distance": np.array(distance, dtype=np.int64),
        "key_pos": _padded(keys, task.keys, 2),
        "door_pos": door_rows[:, :2].copy(),
        "door_state": door_rows[:, 2].copy(),
        "step_count": np.array(env.step_count, dtype=np.int64),
    }
