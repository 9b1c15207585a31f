"""What the player reads: room descriptions, the inventory, and what ``examine`` shows.

Example:
    >>> from .world import generate_world, make_config
    >>> world = generate_world(5, make_config("easy"))
    >>> text = describe_room(world, world.start)
    >>> text.startswith(world.rooms[world.start.room].intro), "Exits:" in text
    (True, True)
    >>> describe_inventory(world, world.start)
    'You are carrying nothing.'
"""

from __future__ import annotations

from .vocabulary import a, join_phrases
from .world import INVENTORY, State, World


def _contents(world: World, state: State, holder: int) -> list[str]:
    return [a(world.items[i].name) for i, h in enumerate(state.locs) if h == holder]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def fixture_status(world: World, state: State, fixture: int) -> str:
    """``"open"``, ``"closed"`` or ``"locked"`` for a container; ``""`` for a supporter."""
    if world.fixtures[fixture].kind != "container":
        return ""
    if state.locked_fixtures >> fixture & 1:
        return "locked"
    return "open" if state.open_fixtures >> fixture & 1 else "closed"


def describe_fixture(world: World, state: State, fixture: int) -> str:
    """One sentence: the fixture, its state and, if visible, what it holds."""
    fx = world.fixtures[fixture]
    held = _contents(world, state, len(world.rooms) + fixture)
    status = fixture_status(world, state, fixture)
    if fx.kind == "supporter":
        on_it = f"on it: {join_phrases(held)}" if held else "there is nothing on it"
        return _sentence(f"{a(fx.name)} stands {fx.place}; {on_it}.")
    if status != "open":
        return _sentence(f"{a(fx.name)} ({status}) stands {fx.place}.")
    if not held:
        return _sentence(f"{a(fx.name)} (open, empty) stands {fx.place}.")
    return _sentence(f"{a(fx.name)} (open) stands {fx.place}; inside: {join_phrases(held)}.")


def describe_exits(world: World, state: State) -> str:
    parts = []
    for direction, _, door in world.rooms[state.room].exits:
        if door < 0:
            parts.append(direction)
        else:
            status = "locked" if state.locked_doors >> door & 1 else "open"
            parts.append(f"{direction} ({a(status)} {world.doors[door].name})")
    return "Exits: " + ", ".join(parts) + "."


def describe_room(world: World, state: State) -> str:
    """The room the agent is in: its intro, fixtures, what lies on the floor, and the exits."""
    room = world.rooms[state.room]
    lines = [f"{room.intro} {room.flavor}"]
    lines += [describe_fixture(world, state, f) for f in world.room_fixtures[state.room]]
    floor = _contents(world, state, state.room)
    if floor:
        lines.append(f"On the floor: {join_phrases(floor)}.")
    lines.append(describe_exits(world, state))
    return "\n".join(lines)


def describe_inventory(world: World, state: State) -> str:
    held = _contents(world, state, INVENTORY)
    return f"You are carrying: {join_phrases(held)}." if held else "You are carrying nothing."


def describe_item(world: World, state: State, item: int) -> str:
    it = world.items[item]
    if item == world.target:
        return f"The {it.name}: the very thing your task is about."
    if it.key_of is not None:
        material = it.name.split()[0]
        return f"The {it.name}. It would fit a {material} lock."
    return f"The {it.name}. There is nothing special about it."


def describe_door(world: World, state: State, door: int) -> str:
    d = world.doors[door]
    direction = next(dr for dr, _, dd in world.rooms[state.room].exits if dd == door)
    status = "It is locked." if state.locked_doors >> door & 1 else "It stands open."
    return f"The {d.name} leads {direction}. {status}"
