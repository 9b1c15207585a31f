"""Event messages: what a MiniGrid step did, in one short sentence (``info["message"]``).

A MiniGrid action changes at most the agent's cell and heading, what it carries, and the one
cell in front of it. So comparing a :class:`Snapshot` of those before the step with the env
after it tells what happened, at the cost of a few attribute reads: "You pick up the yellow
key.", "You unlock the yellow door.", "You bump into a wall.", "You face a blue ball." Steps
that change nothing worth telling (a turn towards empty floor, a step on open floor) give
``""``. These are the messages an LLM annotator judges for the LLM-feedback intrinsic reward
(ONI / Motif: NetHack's messages play that part there).

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-DoorKey-5x5-v0")
    >>> _, info = env.reset(seed=0)
    >>> info["message"]
    ''
    >>> messages = []
    >>> while (action := env.unwrapped.oracle_action()) is not None:
    ...     _, _, terminated, _, info = env.step(action)
    ...     messages.append(info["message"])
    ...     if terminated:
    ...         break
    >>> [m for m in messages if m]  # doctest: +NORMALIZE_WHITESPACE
    ['You face a yellow key.', 'You pick up the yellow key.', 'You face a locked yellow door.',
     'You unlock the yellow door.', 'You walk through the yellow door.', 'You face the green goal square.',
     'You reach the green goal square.']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .describe import object_phrase

#: Object types that are not worth a "You face ..." message.
_DULL = {None, "wall", "floor", "empty"}


@dataclass(frozen=True)
class Cell:
    """What a cell holds: object type, color, and a door's open/locked flags."""

    type: str | None
    color: str | None = None
    is_open: bool = False
    is_locked: bool = False

    @classmethod
    def of(cls, obj: Any) -> Cell:
        if obj is None:
            return cls(None)
        return cls(obj.type, obj.color, bool(getattr(obj, "is_open", False)), bool(getattr(obj, "is_locked", False)))


def _phrase(cell: Cell) -> str:
    """A noun phrase for ``cell`` (see :func:`~agentgym.envs.minigrid.describe.object_phrase`)."""
    return object_phrase(cell)


def _definite(cell: Cell) -> str:
    """``"the yellow key"``: the phrase with a definite article (no door state)."""
    if cell.type == "goal":
        return "the green goal square"
    if cell.type == "lava":
        return "lava"
    return f"the {cell.color} {cell.type}"


@dataclass(frozen=True)
class Snapshot:
    """The part of a MiniGrid env that one action can change."""

    pos: tuple[int, int]
    dir: int
    carrying: Cell
    front: Cell

    @classmethod
    def of(cls, env: Any) -> Snapshot:
        front = env.front_pos
        inside = 0 <= front[0] < env.width and 0 <= front[1] < env.height
        return cls((int(env.agent_pos[0]), int(env.agent_pos[1])), int(env.agent_dir), Cell.of(env.carrying),
                   Cell.of(env.grid.get(*front)) if inside else Cell("wall"))


def step_message(action: int, before: Snapshot, env: Any) -> str:
    """The message of ``action`` (a MiniGrid action index), given the :class:`Snapshot` taken before it."""
    after = Snapshot.of(env)
    here = Cell.of(env.grid.get(*after.pos))
    if action == 2:  # forward
        if after.pos == before.pos:
            if before.front.type == "wall":
                return "You bump into a wall."
            if before.front.type == "door":
                return f"The {before.front.color} door is {'locked' if before.front.is_locked else 'closed'}."
            return f"{_phrase(before.front).capitalize()} blocks the way."
        if here.type == "lava":
            return "You step into lava and die."
        if here.type == "goal":
            return "You reach the green goal square."
        if here.type == "door":
            return f"You walk through the {here.color} door."
    elif action == 3:  # pick up
        if after.carrying.type is not None and before.carrying.type is None:
            return f"You pick up {_definite(after.carrying)}."
        if before.front.type in _DULL or before.front.type in ("goal", "lava"):
            return "There is nothing to pick up."
        if before.front.type in ("key", "ball", "box") and before.carrying.type is not None:
            return "Your hands are full."
        return f"You cannot pick up {_phrase(before.front)}."
    elif action == 4:  # drop
        if before.carrying.type is not None and after.carrying.type is None:
            return f"You drop {_definite(before.carrying)}."
        return "You carry nothing to drop." if before.carrying.type is None else "You cannot drop it here."
    elif action == 5:  # toggle
        front = before.front
        if front.type == "door":
            now = after.front
            if front.is_locked and now.is_open:
                return f"You unlock the {front.color} door."
            if front.is_locked:
                return f"The {front.color} door is locked; it needs the {front.color} key."
            if not front.is_open and now.is_open:
                return f"You open the {front.color} door."
            if front.is_open and not now.is_open:
                return f"You close the {front.color} door."
        if front.type == "box" and after.front != front:
            inside = "nothing" if after.front.type is None else _phrase(after.front)
            return f"You open the {front.color} box: {inside} is inside."
        return "Nothing happens."
    if after.front != before.front and after.front.type not in _DULL:
        return f"You face {_phrase(after.front)}."
    return ""
