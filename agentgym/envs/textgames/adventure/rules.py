"""The rules: which commands are valid in a state, why one is not, and what each one does.

A command is a tuple: ``("go", direction)``, ``("take", item)``, ``("drop", item)``,
``("put", item, fixture)``, ``("open", fixture)``, ``("close", fixture)``,
``("unlock", kind, lock, key)`` and ``("lock", kind, lock, key)`` with kind ``"door"`` or
``"fixture"``, ``("look",)``, ``("inventory",)`` and ``("examine", kind, thing)`` with kind
``"item"``, ``"fixture"`` or ``"door"``. Its canonical text is what :func:`admissible` lists.

Example:
    >>> from .world import generate_world, make_config
    >>> world = generate_world(1, make_config("easy"))
    >>> commands = admissible(world, world.start)
    >>> "look" in commands and "inventory" in commands
    True
    >>> state, text, event = perform(world, world.start, ("look",))
    >>> state == world.start, event
    (True, '')
"""

from __future__ import annotations

from .describe import (
    describe_door,
    describe_fixture,
    describe_inventory,
    describe_item,
    describe_room,
    fixture_status,
)
from .vocabulary import join_phrases
from .world import INVENTORY, State, World

Command = tuple


def admissible(world: World, state: State) -> dict[str, Command]:
    """The valid commands of ``state``, canonical text -> command, in a stable order.

    Listed: every move through an open passage, every take, open, close, unlock, lock, drop
    and put that is possible, ``look``, ``inventory``, and ``examine`` for the room's fixtures.
    """
    n = len(world.rooms)
    room = state.room
    locs = state.locs
    items = world.items
    fixtures = world.fixtures
    here = world.room_fixtures[room]
    commands: dict[str, Command] = {}
    for direction, _, door in world.rooms[room].exits:
        if door < 0 or not state.locked_doors >> door & 1:
            commands[f"go {direction}"] = ("go", direction)
    reachable = []  # fixtures whose contents can be taken and added to
    for f in here:
        fx = fixtures[f]
        if fx.kind == "supporter" or state.open_fixtures >> f & 1:
            reachable.append(f)
    held = []
    for i, holder in enumerate(locs):
        if holder == room:
            commands[f"take {items[i].name}"] = ("take", i)
        elif holder == INVENTORY:
            held.append(i)
        elif holder >= n and holder - n in reachable:
            commands[f"take {items[i].name} from {fixtures[holder - n].name}"] = ("take", i)
    for f in here:
        fx = fixtures[f]
        if fx.kind != "container":
            continue
        is_locked = state.locked_fixtures >> f & 1
        if state.open_fixtures >> f & 1:
            commands[f"close {fx.name}"] = ("close", f)
        elif not is_locked:
            commands[f"open {fx.name}"] = ("open", f)
        if fx.key >= 0 and locs[fx.key] == INVENTORY:
            key = items[fx.key].name
            if is_locked:
                commands[f"unlock {fx.name} with {key}"] = ("unlock", "fixture", f, fx.key)
            elif not state.open_fixtures >> f & 1:
                commands[f"lock {fx.name} with {key}"] = ("lock", "fixture", f, fx.key)
    for _, _, door in world.rooms[room].exits:
        if door >= 0 and locs[world.doors[door].key] == INVENTORY:
            d = world.doors[door]
            verb = "unlock" if state.locked_doors >> door & 1 else "lock"
            commands[f"{verb} {d.name} with {items[d.key].name}"] = (verb, "door", door, d.key)
    for i in held:
        name = items[i].name
        commands[f"drop {name}"] = ("drop", i)
        for f in reachable:
            fx = fixtures[f]
            preposition = "in" if fx.kind == "container" else "on"
            commands[f"put {name} {preposition} {fx.name}"] = ("put", i, f)
    commands["look"] = ("look",)
    commands["inventory"] = ("inventory",)
    for f in here:
        commands[f"examine {fixtures[f].name}"] = ("examine", "fixture", f)
    return commands


def _the(world: World, kind: str, index: int) -> str:
    if kind == "item":
        return f"the {world.items[index].name}"
    if kind == "fixture":
        return f"the {world.fixtures[index].name}"
    return f"the {world.doors[index].name}"


def why_not(world: World, state: State, command: Command) -> str | None:
    """Why ``command`` cannot be done in ``state`` (a sentence for the player), or None if it can.

    Items and fixtures in a command are assumed to be in sight (the parser checks that).
    """
    n = len(world.rooms)
    verb = command[0]
    locs = state.locs
    if verb == "go":
        for direction, _, door in world.rooms[state.room].exits:
            if direction == command[1]:
                if door >= 0 and state.locked_doors >> door & 1:
                    return f"The {world.doors[door].name} is locked."
                return None
        return f"You can't go {command[1]} from here: there is no exit that way."
    if verb in ("look", "inventory", "examine"):
        return None
    if verb == "take":
        item = command[1]
        if locs[item] == INVENTORY:
            return f"You already have the {world.items[item].name}."
        if len(command) > 2 and command[2] != locs[item] - n:
            fx = world.fixtures[command[2]]
            preposition = "in" if fx.kind == "container" else "on"
            return f"The {world.items[item].name} is not {preposition} the {fx.name}."
        return None
    if verb == "drop":
        return None if locs[command[1]] == INVENTORY else f"You don't have the {world.items[command[1]].name}."
    if verb == "put":
        item, f = command[1], command[2]
        if locs[item] != INVENTORY:
            return f"You don't have the {world.items[item].name}."
        fx = world.fixtures[f]
        if fx.kind == "container" and not state.open_fixtures >> f & 1:
            return f"The {fx.name} is {fixture_status(world, state, f)}."
        return None
    if verb in ("open", "close"):
        f = command[1]
        fx = world.fixtures[f]
        if fx.kind != "container":
            return f"You can't {verb} the {fx.name}."
        status = fixture_status(world, state, f)
        if verb == "open":
            return None if status == "closed" else f"The {fx.name} is {'already open' if status == 'open' else 'locked'}."
        return None if status == "open" else f"The {fx.name} is already closed."
    if verb in ("unlock", "lock"):
        _, kind, lock, key = command
        if kind == "door":
            name, right_key = world.doors[lock].name, world.doors[lock].key
            is_locked = bool(state.locked_doors >> lock & 1)
        else:
            fx = world.fixtures[lock]
            name, right_key = fx.name, fx.key
            if fx.kind != "container" or right_key < 0:
                return f"The {fx.name} has no lock."
            is_locked = bool(state.locked_fixtures >> lock & 1)
            if verb == "lock" and state.open_fixtures >> lock & 1:
                return f"Close the {fx.name} first."
        if verb == "unlock" and not is_locked:
            return f"The {name} is not locked."
        if verb == "lock" and is_locked:
            return f"The {name} is already locked."
        if locs[key] != INVENTORY:
            return f"You don't have the {world.items[key].name}."
        if key != right_key:
            return f"The {world.items[key].name} doesn't fit the {name}."
        return None
    return f"You can't do that ({verb})."


def perform(world: World, state: State, command: Command) -> tuple[State, str, str]:
    """Do a valid ``command``: ``(next state, what the player reads, event message)``.

    The event message is ``""`` for commands that only look (look, inventory, examine).
    """
    n = len(world.rooms)
    verb = command[0]
    if verb == "go":
        there = next(r for d, r, _ in world.rooms[state.room].exits if d == command[1])
        text = f"You go {command[1]} to the {world.rooms[there].name}."
        return state._replace(room=there), text, text
    if verb == "look":
        return state, describe_room(world, state), ""
    if verb == "inventory":
        return state, describe_inventory(world, state), ""
    if verb == "examine":
        kind, thing = command[1], command[2]
        if kind == "item":
            return state, describe_item(world, state, thing), ""
        if kind == "door":
            return state, describe_door(world, state, thing), ""
        return state, describe_fixture(world, state, thing), ""
    if verb in ("take", "drop", "put"):
        item = command[1]
        name = world.items[item].name
        locs = list(state.locs)
        if verb == "take":
            holder = locs[item]
            locs[item] = INVENTORY
            text = f"You take the {name}." if holder < n else f"You take the {name} from the {world.fixtures[holder - n].name}."
        elif verb == "drop":
            locs[item] = state.room
            text = f"You drop the {name}."
        else:
            fx = world.fixtures[command[2]]
            locs[item] = n + command[2]
            text = f"You put the {name} {'in' if fx.kind == 'container' else 'on'} the {fx.name}."
        return state._replace(locs=tuple(locs)), text, text
    if verb in ("open", "close"):
        f = command[1]
        name = world.fixtures[f].name
        if verb == "close":
            return state._replace(open_fixtures=state.open_fixtures & ~(1 << f)), f"You close the {name}.", \
                f"You close the {name}."
        after = state._replace(open_fixtures=state.open_fixtures | (1 << f))
        inside = [world.items[i].name for i, h in enumerate(state.locs) if h == n + f]
        event = f"You open the {name}."
        contents = f" Inside: {join_phrases(['the ' + x for x in inside])}." if inside else " It is empty."
        return after, event + contents, event
    _, kind, lock, key = command
    name = _the(world, "door" if kind == "door" else "fixture", lock)
    bit = 1 << lock
    if kind == "door":
        if verb == "unlock":
            event = f"You unlock {name} with the {world.items[key].name} and swing it open."
            return state._replace(locked_doors=state.locked_doors & ~bit), event, event
        event = f"You close {name} and lock it with the {world.items[key].name}."
        return state._replace(locked_doors=state.locked_doors | bit), event, event
    if verb == "unlock":
        event = f"You unlock {name} with the {world.items[key].name}."
        return state._replace(locked_fixtures=state.locked_fixtures & ~bit), event, event
    event = f"You lock {name} with the {world.items[key].name}."
    return state._replace(locked_fixtures=state.locked_fixtures | bit), event, event


def apply(world: World, state: State, command: str) -> State:
    """The state after the admissible ``command`` (canonical text); ValueError if it is not admissible."""
    commands = admissible(world, state)
    if command not in commands:
        raise ValueError(f"{command!r} is not admissible here; admissible: {', '.join(commands)}")
    return perform(world, state, commands[command])[0]
