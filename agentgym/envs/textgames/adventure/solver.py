"""The exact solver: the length of an optimal plan from any state, and its first command.

Why it can be exact and fast: from any state, an optimal plan never drops, closes or locks
anything, never takes a thing it does not need, and opens or unlocks only what it must
(carrying is free, and none of those actions ever shortens a plan). The map is a tree and
every lock has one key, so the set of non-movement commands still needed is *determined* by
the state: walking back from the goal, the target must be taken (if it is not carried), the
box it lies in opened (and unlocked, which needs that key taken), every locked door on the
unique path to a place it must reach unlocked (which needs that key taken), and so on.

What remains is the order: a shortest walk that does the needed commands, each after its
prerequisites. A memoized search over (commands done, room) finds it, with moves costing
their tree distance (a prerequisite door is always open by the time a path needs it). The
needed set and that table are cached per *configuration* (where the relevant items are, and
what is open and locked), so moving around costs one lookup.

Example:
    >>> from .world import generate_world, make_config
    >>> world = generate_world(3, make_config("easy", quest_length=2))
    >>> solver = Solver(world)
    >>> plan = solver.plan(world.start)
    >>> len(plan) == solver.remaining(world.start)
    True
    >>> sum(not c.startswith("go ") for c in plan)  # quest length: the non-movement commands
    2
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .world import INVENTORY, State, World

#: Remaining length of a state from which the quest cannot be finished (never generated).
UNSOLVABLE = 1_000_000


class _Cycle(Exception):
    """A lock needs a key that lies behind the lock itself."""


@dataclass
class _Plan:
    """The commands still needed in one configuration, and the memo of the best order."""

    commands: tuple[str, ...]
    sites: tuple[int, ...]  # the room each command is given in
    prereqs: tuple[int, ...]  # bitmask over commands that must come first
    memo: dict[int, tuple[int, int]] = field(default_factory=dict)  # done * rooms + room -> (cost, best)


class Solver:
    """Optimal remaining plan length (``remaining``), next command (``next_command``) and plan of a world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._rooms = len(world.rooms)
        # the items whose place can matter: the target, and keys
        self._relevant = tuple(i for i, item in enumerate(world.items) if i == world.target or item.key_of)
        self._plans: dict[tuple, _Plan | None] = {}
        self._answers: dict[State, tuple[int, str | None, int]] = {}

    # ------------------------------------------------------------------------ public API
    def remaining(self, state: State) -> int:
        """Commands in an optimal plan from ``state`` to the win (0 once won; UNSOLVABLE if none)."""
        return self._answer(state)[0]

    def next_command(self, state: State) -> str | None:
        """The first command of an optimal plan (None once won or if unsolvable)."""
        return self._answer(state)[1]

    def subgoals(self, state: State) -> int:
        """Non-movement commands every optimal plan from ``state`` contains."""
        return self._answer(state)[2]

    def plan(self, state: State) -> list[str]:
        """A whole optimal plan from ``state`` (commands in order)."""
        from .rules import apply  # the rules import the world only; no cycle at import time

        commands = []
        while (command := self.next_command(state)) is not None:
            commands.append(command)
            state = apply(self.world, state, command)
        return commands

    # ------------------------------------------------------------------------- internals
    def _answer(self, state: State) -> tuple[int, str | None, int]:
        answer = self._answers.get(state)
        if answer is None:
            answer = self._answers[state] = self._solve(state)
        return answer

    def _solve(self, state: State) -> tuple[int, str | None, int]:
        world = self.world
        if state.locs[world.target] == world.goal:
            return 0, None, 0
        locs = state.locs
        key = (tuple(locs[i] for i in self._relevant), state.locked_doors, state.open_fixtures,
               state.locked_fixtures, state.locked_doors & world.door_side[state.room])
        if key in self._plans:
            plan = self._plans[key]
        else:
            try:
                plan = self._plans[key] = self._needed(state)
            except _Cycle:
                plan = self._plans[key] = None
        if plan is None:
            return UNSOLVABLE, None, 0
        room = state.room
        cost, best = self._best(plan, 0, room)
        if cost >= UNSOLVABLE:
            return UNSOLVABLE, None, 0
        site = plan.sites[best]
        command = plan.commands[best] if site == room else f"go {world.first_step[room][site]}"
        return cost, command, len(plan.commands)

    def _best(self, plan: _Plan, done: int, room: int) -> tuple[int, int]:
        """(cost of the best order of the commands not in ``done`` from ``room``, its first command)."""
        n = len(plan.commands)
        if done == (1 << n) - 1:
            return 0, -1
        memo_key = done * self._rooms + room
        hit = plan.memo.get(memo_key)
        if hit is not None:
            return hit
        distance = self.world.distance[room]
        best_cost, best = UNSOLVABLE, -1
        for i in range(n):
            bit = 1 << i
            if done & bit or plan.prereqs[i] & ~done:
                continue
            site = plan.sites[i]
            cost = distance[site] + 1 + self._best(plan, done | bit, site)[0]
            if cost < best_cost:
                best_cost, best = cost, i
        plan.memo[memo_key] = (best_cost, best)
        return best_cost, best

    def _needed(self, state: State) -> _Plan:
        """The needed commands of ``state``'s configuration, walking back from the goal."""
        world, rooms = self.world, self._rooms
        locs, here = state.locs, state.room
        commands: list[str] = []
        sites: list[int] = []
        prereqs: list[int] = []
        index: dict[tuple, int] = {}
        visiting: set[tuple] = set()

        def add(tag: tuple, command: str, site: int, make_prereqs) -> int:
            if tag in index:
                return 1 << index[tag]
            if tag in visiting:
                raise _Cycle
            visiting.add(tag)
            before = make_prereqs()
            visiting.discard(tag)
            index[tag] = len(commands)
            commands.append(command)
            sites.append(site)
            prereqs.append(before)
            return 1 << index[tag]

        def reach(room: int) -> int:
            mask = 0
            for door, near in world.path_doors[here][room]:
                if state.locked_doors >> door & 1:
                    d = world.doors[door]
                    mask |= add(("door", door), f"unlock {d.name} with {world.items[d.key].name}", near,
                                lambda near=near, d=d: reach(near) | take(d.key))
            return mask

        def take(item: int) -> int:
            holder = locs[item]
            if holder == INVENTORY:
                return 0
            name = world.items[item].name
            if holder < rooms:
                return add(("take", item), f"take {name}", holder, lambda: reach(holder))
            fixture = holder - rooms
            room = world.fixtures[fixture].room
            return add(("take", item), f"take {name} from {world.fixtures[fixture].name}", room,
                       lambda: reach(room) | open_(fixture))

        def open_(fixture: int) -> int:
            f = world.fixtures[fixture]
            if f.kind != "container" or state.open_fixtures >> fixture & 1:
                return 0
            return add(("open", fixture), f"open {f.name}", f.room, lambda: reach(f.room) | unlock(fixture))

        def unlock(fixture: int) -> int:
            if not state.locked_fixtures >> fixture & 1:
                return 0
            f = world.fixtures[fixture]
            return add(("unlock", fixture), f"unlock {f.name} with {world.items[f.key].name}", f.room,
                       lambda: reach(f.room) | take(f.key))

        target = world.items[world.target].name
        goal_room = world.holder_room(world.goal)
        if world.goal < rooms:
            add(("goal",), f"drop {target}", goal_room, lambda: take(world.target) | reach(goal_room))
        else:
            fixture = world.goal - rooms
            f = world.fixtures[fixture]
            preposition = "in" if f.kind == "container" else "on"
            add(("goal",), f"put {target} {preposition} {f.name}", goal_room,
                lambda: take(world.target) | reach(goal_room) | open_(fixture))
        return _Plan(tuple(commands), tuple(sites), tuple(prereqs))
