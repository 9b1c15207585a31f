"""Where the task's targets are in a live MiniGrid env, per objective.

The planner and the compact state both read targets from here, so "the goal" means the same
thing to both. Targets follow upstream's own success tests:

* ``reach``: every green goal square (``MiniGridEnv.step`` terminates on entering one);
* ``open``: ``UnlockEnv.door``;
* ``pickup``: ``KeyCorridorEnv.obj``, or the objects a BabyAI ``PickupInstr`` matches;
* ``goto``: the cells a BabyAI ``GoToInstr`` checks against ``front_pos`` (``desc.obj_poss``).

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-Empty-5x5-v0").unwrapped
    >>> _ = env.reset(seed=0)
    >>> target_cells(env, "reach")
    [(3, 3)]
"""

from __future__ import annotations

from typing import Any

from .catalog import Objective

Cell = tuple[int, int]


def cell_of(env: Any, obj: Any) -> Cell | None:
    """The grid cell holding exactly ``obj`` (identity), or None (carried or gone)."""
    pos = getattr(obj, "cur_pos", None)
    # cur_pos is upstream's bookkeeping; confirm it against the grid, which is the truth.
    if pos is not None and 0 <= pos[0] < env.width and 0 <= pos[1] < env.height and env.grid.get(*pos) is obj:
        return int(pos[0]), int(pos[1])
    for i, cell in enumerate(env.grid.grid):
        if cell is obj:
            return i % env.width, i // env.width
    return None


def target_objects(env: Any, objective: Objective) -> list[Any]:
    """The world objects whose pick-up or opening accomplishes the task (empty for reach/goto)."""
    if objective == "open":
        return [env.door]
    if objective == "pickup":
        instrs = getattr(env, "instrs", None)
        return list(instrs.desc.obj_set) if instrs is not None else [env.obj]
    return []


def target_cells(env: Any, objective: Objective) -> list[Cell]:
    """The cells the task is about now (objects being carried have none)."""
    if objective == "reach":
        return [
            (i % env.width, i // env.width)
            for i, cell in enumerate(env.grid.grid)
            if cell is not None and cell.type == "goal"
        ]
    if objective == "goto":
        return [(int(x), int(y)) for x, y in env.instrs.desc.obj_poss]
    cells = (cell_of(env, obj) for obj in target_objects(env, objective))
    return [c for c in cells if c is not None]
