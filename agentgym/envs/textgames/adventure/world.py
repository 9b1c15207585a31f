"""The world of a text adventure, and the generator that builds one from a seed.

A world is a tree of rooms on a grid (neighbours connect north/south/east/west), some
passages closed by locked doors, fixtures (containers, which open, close and may lock, and
supporters such as tables), portable items (objects and keys; each key fits one lock) and a
quest: put the *target* object in (or on) a *goal* holder -- a fixture, or a room's floor.

The quest is built **backwards**, TextWorld-style, so it is always solvable: from the goal,
each precondition is chained in turn -- the target lies in a closed box, the box is in a room
behind a locked door, the door's key sits in a locked coffer whose key lies on a table in a
room reachable from the start. The *quest length* is the number of non-movement commands the
quest needs (take, open, unlock, and the final put or drop); every one of them is necessary,
because the map is a tree (paths are unique) and every lock has exactly one key, so every
optimal plan has exactly ``quest_length`` non-movement commands. Distractors (extra
containers, supporters, and locked doors or boxes with their keys) are never needed.

Example:
    >>> config = make_config("easy", quest_length=3)
    >>> world = generate_world(42, config)
    >>> world.quest_length, len(world.rooms)
    (3, 3)
    >>> world == generate_world(42, config)
    True
"""

from __future__ import annotations

import numbers
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .vocabulary import (
    CONTAINER_ADJECTIVES,
    CONTAINER_NOUNS,
    DIRECTIONS,
    LOCKABLE_NOUNS,
    MATERIALS,
    OBJECT_ADJECTIVES,
    OBJECT_NOUNS,
    OPPOSITE,
    PLACES,
    ROOM_INTROS,
    ROOMS,
    SUPPORTERS,
    TASK_TEMPLATES,
)

#: Holder id of the agent's inventory (rooms are holders 0..R-1, fixture f is holder R + f).
INVENTORY = -1
#: Largest world (rooms) the generator builds; compact-state shapes do not depend on it.
MAX_ROOMS = 16
MAX_OBJECTS = 20
MAX_QUEST_LENGTH = 30
MAX_DISTRACTORS = 20


# ------------------------------------------------------------------------------ configuration
@dataclass(frozen=True)
class AdventureConfig:
    """The generator's knobs (see :data:`PRESETS`).

    Attributes:
        rooms: number of rooms (2..16).
        objects: portable objects that are not keys, the quest's target among them (1..20).
        quest_length: ``(lo, hi)``: each world draws its quest length (non-movement commands
            the quest needs) uniformly from this range; at least ``2 + 2 * locked_doors``.
        distractors: extra fixtures, and locked doors or boxes with their keys, that the quest
            never needs (0..20).
        locked_doors: locked doors the quest must pass (each adds an unlock and a key to take).
        max_steps: the episode's step limit.
    """

    rooms: int
    objects: int
    quest_length: tuple[int, int]
    distractors: int
    locked_doors: int
    max_steps: int

    def __post_init__(self) -> None:
        def check_int(name: str, value: Any, lo: int, hi: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an int, got {value!r}")
            if not lo <= value <= hi:
                raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")

        check_int("rooms", self.rooms, 2, MAX_ROOMS)
        check_int("objects", self.objects, 1, MAX_OBJECTS)
        check_int("distractors", self.distractors, 0, MAX_DISTRACTORS)
        check_int("locked_doors", self.locked_doors, 0, min(self.rooms - 1, 4))
        check_int("max_steps", self.max_steps, 1, 100_000)
        lo, hi = self.quest_length
        shortest = 2 + 2 * self.locked_doors
        check_int("quest_length (low end)", lo, 2, MAX_QUEST_LENGTH)
        if lo < shortest:
            raise ValueError(
                f"quest_length {lo} is too short for {self.locked_doors} locked door(s): the target's take and the "
                f"final put, plus an unlock and a key to take per door, make at least {shortest}"
            )
        check_int("quest_length (high end)", hi, lo, MAX_QUEST_LENGTH)


#: Preset knobs; any constructor kwarg overrides its preset's value.
PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"rooms": 3, "objects": 2, "quest_length": (2, 3), "distractors": 1, "locked_doors": 0, "max_steps": 100},
    "medium": {"rooms": 6, "objects": 4, "quest_length": (4, 6), "distractors": 3, "locked_doors": 1, "max_steps": 200},
    "hard": {"rooms": 10, "objects": 7, "quest_length": (8, 10), "distractors": 6, "locked_doors": 2, "max_steps": 300},
}


def make_config(preset: str = "medium", **overrides: Any) -> AdventureConfig:
    """The preset's knobs with ``overrides`` (``None`` values keep the preset's); ValueError if invalid.

    ``quest_length`` may be an int or a ``(lo, hi)`` range.

    Example:
        >>> make_config("hard", rooms=12).rooms
        12
        >>> make_config("easy", quest_length=2).quest_length
        (2, 2)
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {preset!r}")
    unknown = set(overrides) - set(PRESETS[preset])
    if unknown:
        raise ValueError(f"unknown adventure knobs {sorted(unknown)}; knobs: {', '.join(PRESETS[preset])}")
    knobs = dict(PRESETS[preset])
    knobs.update({k: _plain_int(v) for k, v in overrides.items() if v is not None})
    length = knobs["quest_length"]
    if isinstance(length, int) and not isinstance(length, bool):
        length = (length, length)
    elif isinstance(length, tuple | list) and len(length) == 2:
        length = (_plain_int(length[0]), _plain_int(length[1]))
    else:
        raise ValueError(f"quest_length must be an int or a (lo, hi) pair, got {length!r}")
    knobs["quest_length"] = length
    if "quest_length" not in overrides and "locked_doors" in overrides:
        # keep the preset's range long enough for the doors asked for
        lo = max(length[0], 2 + 2 * knobs["locked_doors"]) if isinstance(knobs["locked_doors"], int) else length[0]
        knobs["quest_length"] = (lo, max(lo, length[1]))
    return AdventureConfig(**knobs)


def _plain_int(value: Any) -> Any:
    """numpy integers become ints; anything else is left for validation to judge."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return int(value)
    return value


# ------------------------------------------------------------------------------------ world
@dataclass(frozen=True)
class Room:
    """A room: its name, grid cell, the two sentences that open its description, and its exits."""

    name: str
    pos: tuple[int, int]
    intro: str
    flavor: str
    #: (direction, neighbouring room, door id or -1 for an open passage), in compass order
    exits: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Door:
    """A lockable door between two rooms, opened by one key."""

    name: str
    rooms: tuple[int, int]
    key: int


@dataclass(frozen=True)
class Fixture:
    """Furniture that stays put: a ``"container"`` (opens, closes, may lock) or a ``"supporter"``."""

    name: str
    kind: str
    room: int
    key: int  # the key item that locks it, -1 if it has no lock
    place: str


@dataclass(frozen=True)
class Item:
    """A portable thing; a key names the lock it fits (``("door", i)`` or ``("fixture", i)``)."""

    name: str
    key_of: tuple[str, int] | None = None


class State(NamedTuple):
    """Everything that changes in an episode (hashable, so the solver and caches can key on it)."""

    room: int
    locs: tuple[int, ...]  # holder of each item (room, R + fixture, or INVENTORY)
    locked_doors: int  # bitmask over doors
    open_fixtures: int  # bitmask over fixtures (containers only)
    locked_fixtures: int  # bitmask over fixtures


@dataclass(eq=False)
class World:
    """A generated world: the static parts plus the start state and the quest.

    Derived tables (filled on construction): ``distance[a][b]`` (passages between rooms),
    ``first_step[a][b]`` (direction of the first move from a to b), ``path_doors[a][b]``
    (``(door, near room)`` for each door on the way from a to b, in order) and ``door_side[r]``
    (bitmask of the doors whose far side from room 0 holds r; it tells the agent's side of
    each locked door) and ``room_fixtures[r]`` (the fixtures in room r).
    """

    seed: int
    rooms: tuple[Room, ...]
    doors: tuple[Door, ...]
    fixtures: tuple[Fixture, ...]
    items: tuple[Item, ...]
    start: State
    target: int
    goal: int  # a holder: a room (drop the target there) or R + fixture
    task: str
    quest_length: int
    distance: list[list[int]] = field(init=False, repr=False)
    first_step: list[list[str]] = field(init=False, repr=False)
    path_doors: list[list[tuple[tuple[int, int], ...]]] = field(init=False, repr=False)
    door_side: list[int] = field(init=False, repr=False)
    room_fixtures: list[tuple[int, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.rooms)
        self.room_fixtures = [tuple(f for f, fx in enumerate(self.fixtures) if fx.room == r) for r in range(n)]
        self.distance = [[0] * n for _ in range(n)]
        self.first_step = [[""] * n for _ in range(n)]
        self.path_doors = [[()] * n for _ in range(n)]
        for source in range(n):
            queue = deque([source])
            seen = {source}
            while queue:
                here = queue.popleft()
                for direction, there, door in self.rooms[here].exits:
                    if there in seen:
                        continue
                    seen.add(there)
                    self.distance[source][there] = self.distance[source][here] + 1
                    self.first_step[source][there] = self.first_step[source][here] or direction
                    path = self.path_doors[source][here]
                    self.path_doors[source][there] = path + ((door, here),) if door >= 0 else path
                    queue.append(there)
        self.door_side = [0] * n
        for d in range(len(self.doors)):
            for r in range(n):
                if any(step[0] == d for step in self.path_doors[0][r]):
                    self.door_side[r] |= 1 << d

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, World):
            return NotImplemented
        fields = ("rooms", "doors", "fixtures", "items", "start", "target", "goal", "task", "quest_length")
        return all(getattr(self, f) == getattr(other, f) for f in fields)

    __hash__ = None  # type: ignore[assignment]

    # holders ---------------------------------------------------------------------------
    def holder_room(self, holder: int) -> int:
        """The room a holder is in (a room is its own); -1 for the inventory."""
        if holder < 0:
            return -1
        n = len(self.rooms)
        return holder if holder < n else self.fixtures[holder - n].room

    def goal_phrase(self) -> str:
        """Where the target must end up, in words."""
        n = len(self.rooms)
        if self.goal < n:
            return f"on the floor of the {self.rooms[self.goal].name}"
        fixture = self.fixtures[self.goal - n]
        preposition = "in" if fixture.kind == "container" else "on"
        return f"{preposition} the {fixture.name} in the {self.rooms[fixture.room].name}"


# -------------------------------------------------------------------------------- generator
def generate_world(seed: int, config: AdventureConfig) -> World:
    """Build the world of ``seed`` (the same seed and config always give the same world)."""
    rng = random.Random(seed)
    length = rng.randint(*config.quest_length)
    for _ in range(200):
        world = _Builder(rng, config, length, seed).build()
        if world is not None:
            return world
    raise RuntimeError(f"could not generate a world for seed {seed} with {config}")  # pragma: no cover


@dataclass
class _Slot:
    """Something the quest needs: an item to take, or the goal holder; with where it goes."""

    role: str  # "target", "key" or "goal"
    stage: int  # the room's stage: how many quest doors lie before it
    key_stage: int  # the latest stage its own key (if it is locked) may lie in
    kind: str = "plain"  # "plain", "closed" or "locked"
    item: int = -1
    lock: tuple[str, int] | None = None  # for a key: the lock it fits (filled when placed)


class _Builder:
    """One attempt at a world; ``build()`` returns None when the random choices dead-end."""

    def __init__(self, rng: random.Random, config: AdventureConfig, length: int, seed: int) -> None:
        self.rng, self.config, self.length, self.seed = rng, config, length, seed

    # layout ------------------------------------------------------------------------------
    def _layout(self) -> None:
        rng, n = self.rng, self.config.rooms
        pos = [(0, 0)]
        cells = {(0, 0): 0}
        self.links: list[dict[str, int]] = [{}]
        while len(pos) < n:
            p = rng.randrange(len(pos))
            x, y = pos[p]
            free = [d for d, (dx, dy) in DIRECTIONS.items() if (x + dx, y + dy) not in cells]
            if not free:
                continue
            d = rng.choice(free)
            dx, dy = DIRECTIONS[d]
            cells[(x + dx, y + dy)] = len(pos)
            pos.append((x + dx, y + dy))
            self.links[p][d] = len(pos) - 1
            self.links.append({OPPOSITE[d]: p})
        self.pos = pos
        self.start = rng.randrange(n)
        # root the tree at the start room: parent, and each room's subtree
        self.parent = [-1] * n
        order = [self.start]
        for here in order:
            for there in self.links[here].values():
                if there != self.start and self.parent[there] < 0 and there not in order:
                    self.parent[there] = here
                    order.append(there)
        self.subtree = [{r} for r in range(n)]
        for r in reversed(order[1:]):
            self.subtree[self.parent[r]] |= self.subtree[r]

    def _choose_quest_doors(self) -> bool:
        # Door i guards the passage into room gates[i]. A later door may not guard an earlier
        # one (its key would lie behind it), so no chosen door may lie in a new door's subtree.
        n = self.config.rooms
        self.gates: list[int] = []
        for _ in range(self.config.locked_doors):
            options = [c for c in range(n) if c != self.start and c not in self.gates
                       and not any(g in self.subtree[c] for g in self.gates)]
            if not options:
                return False
            self.gates.append(self.rng.choice(options))
        # stage of a room: the index (1-based) of the last quest door on the way to it
        self.stage = [max((i + 1 for i, g in enumerate(self.gates) if r in self.subtree[g]), default=0)
                      for r in range(n)]
        return True

    # quest -------------------------------------------------------------------------------
    def _plan_slots(self) -> list[_Slot] | None:
        rng, m = self.rng, self.config.locked_doors
        slots = [_Slot("target", m, m)]
        slots += [_Slot("key", i, i, lock=("door", i)) for i in range(m)]  # the key of door i lies at stage i
        slots.append(_Slot("goal", rng.randint(0, m), m))
        budget = self.length - 2 - 2 * m
        locks_left = len(MATERIALS) - m - 2  # keep a few materials for distractors

        def feasible(b: int, plain: int, locks: int) -> bool:
            return any(0 <= b - 3 * j <= plain for j in range(min(b // 3, locks) + 1))

        plain = list(slots)
        while budget > 0:
            options = []
            if plain and feasible(budget - 1, len(plain) - 1, locks_left):
                options.append("closed")
            if plain and budget >= 3 and locks_left > 0 and feasible(budget - 3, len(plain), locks_left - 1):
                options += ["locked"] * 2  # locks chain further, which makes quests more interesting
            if not options:
                return None
            kind = rng.choice(options)
            slot = plain.pop(rng.randrange(len(plain)))
            slot.kind = kind
            if kind == "closed":
                budget -= 1
            else:
                budget -= 3
                locks_left -= 1
                key_stage = rng.randint(0, slot.key_stage)
                key_slot = _Slot("key", key_stage, key_stage)
                key_slot.lock = ("fixture-of", next(i for i, s in enumerate(slots) if s is slot))
                slots.append(key_slot)
                plain.append(key_slot)
        return slots

    # building blocks -----------------------------------------------------------------------
    def _new_fixture(self, kind: str, room: int, *, material: str | None = None, is_open: bool = False,
                     locked: bool = False) -> int:
        rng = self.rng
        if kind == "supporter":
            name = rng.choice([s for s in SUPPORTERS if s not in self.names] or [""])
        elif material is not None:
            name = f"{material} {rng.choice(LOCKABLE_NOUNS)}"
        else:
            options = [f"{a} {b}" for a in CONTAINER_ADJECTIVES for b in CONTAINER_NOUNS]
            name = rng.choice([o for o in options if o not in self.names] or [""])
        if not name:
            raise _DeadEnd
        self.names.add(name)
        self.fixtures.append({"name": name, "kind": kind, "room": room, "key": -1, "place": rng.choice(PLACES)})
        f = len(self.fixtures) - 1
        self.fixture_open.append(is_open and kind == "container")
        self.fixture_locked.append(locked)
        return f

    def _new_item(self, name: str, holder: int) -> int:
        self.names.add(name)
        self.items.append({"name": name, "key_of": None})
        self.locs.append(holder)
        return len(self.items) - 1

    def _object_name(self) -> str:
        options = [f"{a} {b}" for a in OBJECT_ADJECTIVES for b in OBJECT_NOUNS if a != b]
        return self.rng.choice([o for o in options if o not in self.names])

    def _material(self) -> str | None:
        return self.materials.pop() if self.materials else None

    def _plain_holder(self, room: int, *, allow_floor: bool = True) -> int:
        """A holder that costs nothing to take from: the floor, a supporter or an open box."""
        n = len(self.rooms_named)
        roll = self.rng.random()
        if allow_floor and roll < 0.35:
            return room
        if roll < 0.75:
            supporters = [f for f, fx in enumerate(self.fixtures) if fx["room"] == room and fx["kind"] == "supporter"]
            if supporters and self.rng.random() < 0.5:
                return n + self.rng.choice(supporters)
            return n + self._new_fixture("supporter", room)
        return n + self._new_fixture("container", room, is_open=True)

    def _pick_room(self, stage: int, avoid: set[int]) -> int:
        rooms = [r for r in range(self.config.rooms) if self.stage[r] == stage]
        fresh = [r for r in rooms if r not in avoid]
        return self.rng.choice(fresh or rooms)

    # the whole world ---------------------------------------------------------------------
    def build(self) -> World | None:
        try:
            return self._build()
        except _DeadEnd:
            return None

    def _build(self) -> World | None:
        rng, config = self.rng, self.config
        self._layout()
        if not self._choose_quest_doors():
            return None
        slots = self._plan_slots()
        if slots is None:
            return None
        n = config.rooms
        self.rooms_named = rng.sample(sorted(ROOMS), n)
        self.names: set[str] = set(self.rooms_named)
        self.materials = list(MATERIALS)
        rng.shuffle(self.materials)
        self.fixtures: list[dict[str, Any]] = []
        self.fixture_open: list[bool] = []
        self.fixture_locked: list[bool] = []
        self.items: list[dict[str, Any]] = []
        self.locs: list[int] = []
        self.doors: list[dict[str, Any]] = []
        used_rooms: set[int] = set()

        # quest doors
        for child in self.gates:
            material = self._material()
            self.doors.append({"name": f"{material} door", "rooms": (self.parent[child], child), "key": -1,
                               "material": material, "locked": True})
        # the target, then keys and the goal, each in its own holder
        target_slot = slots[0]
        target_room = self._pick_room(target_slot.stage, used_rooms)
        used_rooms.add(target_room)
        holders: dict[int, int] = {}  # slot index -> holder
        slot_room: dict[int, int] = {0: target_room}
        for index, slot in enumerate(slots):
            if slot.role == "goal":
                continue
            room = slot_room.get(index)
            if room is None:
                room = self._pick_room(slot.stage, used_rooms)
                used_rooms.add(room)
                slot_room[index] = room
            holders[index] = self._slot_holder(slot, room)
        goal_index = self.config.locked_doors + 1  # slots start: target, the door keys, the goal
        goal_slot = slots[goal_index]
        goal_room = self._pick_room(goal_slot.stage, {target_room})
        if goal_slot.kind == "plain" and goal_room != target_room and rng.random() < 0.25:
            goal = goal_room  # "drop it in the attic"
        elif goal_slot.kind == "plain":
            kind = "supporter" if rng.random() < 0.5 else "container"
            goal = n + self._new_fixture(kind, goal_room, is_open=True)
        else:
            goal = n + self._new_fixture_for(goal_slot, goal_room)
        holders[goal_index] = goal
        if goal == target_room:
            return None
        # items: the target, then keys; a key fits the lock its slot names
        target = self._new_item(self._object_name(), holders[0])
        for index, slot in enumerate(slots):
            if slot.role != "key":
                continue
            kind, which = slot.lock  # type: ignore[misc]
            if kind == "door":
                door = self.doors[which]
                key = self._new_item(f"{door['material']} key", holders[index])
                door["key"] = key
                self.items[key]["key_of"] = ("door", which)
            else:
                fixture = holders[which] - n
                material = self.fixtures[fixture]["material"]
                key = self._new_item(f"{material} key", holders[index])
                self.fixtures[fixture]["key"] = key
                self.items[key]["key_of"] = ("fixture", fixture)
        quest_rooms = set(slot_room.values()) | {goal_room}
        self._add_distractors(quest_rooms)
        self._add_objects(config.objects - 1)
        return self._finish(target, goal)

    def _slot_holder(self, slot: _Slot, room: int) -> int:
        n = self.config.rooms
        if slot.kind == "plain":
            return self._plain_holder(room)
        return n + self._new_fixture_for(slot, room)

    def _new_fixture_for(self, slot: _Slot, room: int) -> int:
        if slot.kind == "closed":
            return self._new_fixture("container", room)
        material = self._material()
        if material is None:
            raise _DeadEnd
        f = self._new_fixture("container", room, material=material, locked=True)
        self.fixtures[f]["material"] = material
        return f

    def _add_distractors(self, quest_rooms: set[int]) -> None:
        rng, n = self.rng, self.config.rooms
        protected = set(quest_rooms)
        behind_distractor_doors: set[int] = set()
        for _ in range(self.config.distractors):
            kind = rng.choice(["container", "supporter", "locked container", "locked door", "locked door"])
            if kind == "locked door":
                taken = {frozenset(d["rooms"]) for d in self.doors}
                options = [c for c in range(n) if c != self.start and frozenset((self.parent[c], c)) not in taken
                           and not (self.subtree[c] & protected)]
                if options and self.materials:
                    child = rng.choice(options)
                    material = self._material()
                    key_room = rng.choice([r for r in range(n) if r not in self.subtree[child]
                                           and r not in behind_distractor_doors])
                    key = self._new_item(f"{material} key", self._plain_holder(key_room))
                    self.doors.append({"name": f"{material} door", "rooms": (self.parent[child], child), "key": key,
                                       "material": material, "locked": True})
                    self.items[key]["key_of"] = ("door", len(self.doors) - 1)
                    protected.add(key_room)
                    behind_distractor_doors |= self.subtree[child]
                    continue
                kind = "locked container"
            room = rng.randrange(n)
            if kind == "locked container" and self.materials:
                material = self._material()
                f = self._new_fixture("container", room, material=material, locked=True)
                self.fixtures[f]["material"] = material
                key_room = rng.choice([r for r in range(n) if r not in behind_distractor_doors])
                key = self._new_item(f"{material} key", self._plain_holder(key_room))
                self.fixtures[f]["key"] = key
                self.items[key]["key_of"] = ("fixture", f)
                protected.add(key_room)
            elif kind == "supporter":
                self._new_fixture("supporter", room)
            else:
                self._new_fixture("container", room, is_open=rng.random() < 0.5)

    def _add_objects(self, count: int) -> None:
        rng, n = self.rng, self.config.rooms
        for _ in range(count):
            room = rng.randrange(n)
            fixtures = [f for f, fx in enumerate(self.fixtures) if fx["room"] == room]
            holder = n + rng.choice(fixtures) if fixtures and rng.random() < 0.6 else room
            self._new_item(self._object_name(), holder)

    def _finish(self, target: int, goal: int) -> World:
        rng, n = self.rng, self.config.rooms
        door_of = {frozenset(d["rooms"]): i for i, d in enumerate(self.doors)}
        rooms = []
        for r in range(n):
            name = self.rooms_named[r]
            exits = tuple(
                (d, self.links[r][d], door_of.get(frozenset((r, self.links[r][d])), -1))
                for d in DIRECTIONS if d in self.links[r]
            )
            rooms.append(Room(name, self.pos[r], rng.choice(ROOM_INTROS).format(name=name),
                              rng.choice(ROOMS[name]), exits))
        doors = tuple(Door(d["name"], d["rooms"], d["key"]) for d in self.doors)
        fixtures = tuple(Fixture(f["name"], f["kind"], f["room"], f["key"], f["place"]) for f in self.fixtures)
        items = tuple(Item(i["name"], i["key_of"]) for i in self.items)
        start = State(
            room=self.start,
            locs=tuple(self.locs),
            locked_doors=sum(1 << i for i, d in enumerate(self.doors) if d["locked"]),
            open_fixtures=sum(1 << f for f, o in enumerate(self.fixture_open) if o),
            locked_fixtures=sum(1 << f for f, lk in enumerate(self.fixture_locked) if lk),
        )
        if goal < n:
            kind, goal_name, goal_room = "room", "", goal
        else:
            fixture = fixtures[goal - n]
            kind, goal_name, goal_room = fixture.kind, fixture.name, fixture.room
        task = rng.choice(TASK_TEMPLATES[kind]).format(
            target=items[target].name, goal=goal_name, room=rooms[goal_room].name)
        return World(self.seed, tuple(rooms), doors, fixtures, items, start, target, goal, task, self.length)


class _DeadEnd(Exception):
    """A random choice ran out of names or materials; the builder starts over."""
