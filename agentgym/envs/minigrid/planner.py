"""Shortest plans for MiniGrid tasks: breadth-first search over abstract states.

An abstract state is the agent's cell and direction, what it carries, each door's state and
each movable object's cell. Transitions follow ``MiniGridEnv.step`` exactly: turning, moving
forward onto empty/floor/goal cells or through open doors, pick up and drop (one object at a
time, drop only onto a cell with nothing in it), toggling doors (a locked door opens only with a
key of its color) and boxes (an empty box disappears). Stepping into lava ends the episode in
failure, so those transitions are pruned. Success follows upstream's tests, by objective (see
:mod:`~agentgym.envs.minigrid.objective`).

Two pruned transitions can never shorten a plan: closing an open door (open doors block
nothing that a closed one does not) and actions that change nothing.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-Empty-5x5-v0").unwrapped
    >>> _ = env.reset(seed=0)   # agent at (1, 1) facing right, goal at (3, 3)
    >>> plan = solve(env)
    >>> len(plan), plan.actions  # 2 forward, turn right, 2 forward
    (5, (2, 2, 1, 2, 2))
    >>> remaining_steps(env), next_action(env)
    (5, 2)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from minigrid.core.actions import Actions
from minigrid.core.constants import DIR_TO_VEC

from .catalog import Objective
from .objective import target_cells, target_objects

#: Default cap on expanded states; beyond it the planner gives up (returns None).
DEFAULT_MAX_EXPANSIONS = 300_000

# Static cell kinds. Doors and movable objects live in the state, not here.
_EMPTY, _WALL, _GOAL, _LAVA, _FLOOR, _DOOR = range(6)
_STATIC = {"wall": _WALL, "goal": _GOAL, "lava": _LAVA, "floor": _FLOOR, "door": _DOOR}
# Door states, as minigrid encodes them.
_OPEN, _CLOSED, _LOCKED = 0, 1, 2
# Positions of movable objects that are not on the grid.
_CARRIED, _GONE = -1, -2

_LEFT, _RIGHT, _FORWARD = int(Actions.left), int(Actions.right), int(Actions.forward)
_PICKUP, _DROP, _TOGGLE, _DONE = int(Actions.pickup), int(Actions.drop), int(Actions.toggle), int(Actions.done)
_STEPS = tuple((int(v[0]), int(v[1])) for v in DIR_TO_VEC)

# (x, y, dir, carried object index or -1, door states, object cells as y * width + x)
State = tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Plan:
    """An optimal plan from the env's current state.

    Attributes:
        actions: one shortest sequence of primitive actions (``Actions`` values).
        first_actions: every action that starts some shortest plan.
        expansions: states the search expanded.
    """

    actions: tuple[int, ...]
    first_actions: frozenset[int]
    expansions: int

    def __len__(self) -> int:
        return len(self.actions)


class _World:
    """The static layout, the movable objects and the success test of one env snapshot."""

    def __init__(self, env: Any, objective: Objective) -> None:
        self.width, self.height = env.width, env.height
        self.objective = objective
        self.static = [_EMPTY] * (self.width * self.height)
        self.door_at: dict[int, int] = {}
        door_colors: list[str] = []
        door_states: list[int] = []
        self.objects: list[Any] = []
        obj_cells: list[int] = []
        for idx, cell in enumerate(env.grid.grid):
            if cell is None:
                continue
            if cell.type == "door":
                self.door_at[idx] = len(door_colors)
                door_colors.append(cell.color)
                door_states.append(_OPEN if cell.is_open else _LOCKED if cell.is_locked else _CLOSED)
            if cell.can_pickup():
                self.objects.append(cell)
                obj_cells.append(idx)
            else:
                self.static[idx] = _STATIC.get(cell.type, _WALL)
        carry = -1
        if env.carrying is not None:
            carry = len(self.objects)
            self.objects.append(env.carrying)
            obj_cells.append(_CARRIED)
        self.door_colors = tuple(door_colors)
        self.obj_types = tuple(o.type for o in self.objects)
        self.obj_colors = tuple(o.color for o in self.objects)
        # Toggling a box replaces it by its contents; only empty boxes (all these tasks have) are modelled.
        self.box_vanishes = tuple(o.type == "box" and o.contains is None for o in self.objects)
        targets = target_objects(env, objective)
        self.target_objs = frozenset(i for i, o in enumerate(self.objects) if any(o is t for t in targets))
        self.target_doors = frozenset(
            self.door_at[y * self.width + x] for x, y in target_cells(env, objective)
            if y * self.width + x in self.door_at
        )
        self.target_cells = frozenset(y * self.width + x for x, y in target_cells(env, objective))
        ax, ay = (int(v) for v in env.agent_pos)
        self.start: State = (ax, ay, int(env.agent_dir), carry, tuple(door_states), tuple(obj_cells))

    def front(self, state: State) -> int:
        """Flat index of the faced cell (the outer walls keep it inside the grid)."""
        x, y, d = state[0], state[1], state[2]
        dx, dy = _STEPS[d]
        return (y + dy) * self.width + (x + dx)

    def successors(self, s: State) -> Iterator[tuple[int, State, bool]]:
        """``(action, next_state, success)`` for every transition that changes the state."""
        x, y, d, carry, doors, objs = s
        yield _LEFT, (x, y, (d - 1) % 4, carry, doors, objs), self._faces_target(x, y, (d - 1) % 4)
        yield _RIGHT, (x, y, (d + 1) % 4, carry, doors, objs), self._faces_target(x, y, (d + 1) % 4)
        f = self.front(s)
        kind = self.static[f]
        obj = objs.index(f) if f in objs else -1
        if kind == _DOOR:
            door = self.door_at[f]
            if doors[door] == _OPEN:
                yield from self._move(s, f)
            elif doors[door] == _CLOSED or (
                carry >= 0 and self.obj_types[carry] == "key" and self.obj_colors[carry] == self.door_colors[door]
            ):
                opened = doors[:door] + (_OPEN,) + doors[door + 1:]
                success = self.objective == "open" and door in self.target_doors
                yield _TOGGLE, (x, y, d, carry, opened, objs), success or self._faces_target(x, y, d)
        elif obj >= 0:
            if carry < 0:
                picked = objs[:obj] + (_CARRIED,) + objs[obj + 1:]
                success = self.objective == "pickup" and obj in self.target_objs
                yield _PICKUP, (x, y, d, obj, doors, picked), success or self._faces_target(x, y, d)
            if self.box_vanishes[obj]:
                gone = objs[:obj] + (_GONE,) + objs[obj + 1:]
                yield _TOGGLE, (x, y, d, carry, doors, gone), self._faces_target(x, y, d)
        elif kind != _WALL and kind != _LAVA:  # lava kills: the move is pruned
            yield from self._move(s, f)
            if kind == _EMPTY and carry >= 0:
                dropped = objs[:carry] + (f,) + objs[carry + 1:]
                yield _DROP, (x, y, d, -1, doors, dropped), self._faces_target(x, y, d)

    def _move(self, s: State, f: int) -> Iterator[tuple[int, State, bool]]:
        nx, ny = f % self.width, f // self.width
        success = self.objective == "reach" and f in self.target_cells
        yield _FORWARD, (nx, ny, s[2], s[3], s[4], s[5]), success or self._faces_target(nx, ny, s[2])

    def _faces_target(self, x: int, y: int, d: int) -> bool:
        """BabyAI's GoTo test, run after every action: the faced cell is a target's cell."""
        if self.objective != "goto":
            return False
        dx, dy = _STEPS[d]
        return (y + dy) * self.width + (x + dx) in self.target_cells


def solve(env: Any, objective: Objective | None = None, *, max_expansions: int = DEFAULT_MAX_EXPANSIONS) -> Plan | None:
    """A shortest plan that accomplishes the task from ``env``'s current state.

    Args:
        env: a MiniGrid env made by agentgym (or its ``unwrapped``), after ``reset``.
        objective: what success means; defaults to the env's catalogue entry.
        max_expansions: give up after expanding this many states.

    Returns:
        The plan, or None if the task cannot be accomplished or the cap was reached.
    """
    env = getattr(env, "unwrapped", env)
    world = _World(env, objective or env.minigrid_task.objective)
    start = world.start
    if world.objective == "goto" and world.front(start) in world.target_cells:
        # GoTo is checked after every action, so any action (even "done") succeeds at once.
        return Plan((_DONE,), frozenset(range(len(Actions))), 0)
    # Layer by layer, so that every shortest route into a state merges its first actions.
    parent: dict[State, tuple[State, int] | None] = {start: None}
    depth: dict[State, int] = {start: 0}
    first: dict[State, int] = {start: 0}  # bit mask of the first actions of shortest routes
    layer, level, expansions = [start], 0, 0
    while layer:
        found: tuple[State, int] | None = None
        found_mask = 0
        next_layer: list[State] = []
        for state in layer:
            expansions += 1
            if expansions > max_expansions:
                return None
            for action, nxt, success in world.successors(state):
                mask = first[state] or (1 << action)
                if success:
                    found = found or (state, action)
                    found_mask |= mask
                elif nxt not in depth:
                    parent[nxt], depth[nxt], first[nxt] = (state, action), level + 1, mask
                    next_layer.append(nxt)
                elif depth[nxt] == level + 1:
                    first[nxt] |= mask
        if found is not None:
            return Plan(_unwind(parent, *found), _bits(found_mask), expansions)
        layer, level = next_layer, level + 1
    return None


def _unwind(parent: dict[State, tuple[State, int] | None], state: State, last: int) -> tuple[int, ...]:
    actions = [last]
    link = parent[state]
    while link is not None:
        state, action = link
        actions.append(action)
        link = parent[state]
    return tuple(reversed(actions))


def _bits(mask: int) -> frozenset[int]:
    return frozenset(a for a in range(len(Actions)) if mask >> a & 1)


def remaining_steps(env: Any, *, max_expansions: int = DEFAULT_MAX_EXPANSIONS) -> int | None:
    """The fewest primitive actions that still accomplish the task (None if unknown)."""
    plan = solve(env, max_expansions=max_expansions)
    return None if plan is None else len(plan)


def next_action(env: Any, *, max_expansions: int = DEFAULT_MAX_EXPANSIONS) -> int | None:
    """The first action of a shortest plan (an oracle policy), or None if there is none."""
    plan = solve(env, max_expansions=max_expansions)
    return None if plan is None else plan.actions[0]
