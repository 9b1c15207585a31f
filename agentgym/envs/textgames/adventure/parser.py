"""Reading typed commands: verbs and their synonyms, and names resolved against what is in sight.

:func:`parse` turns a normalized command (lowercase, single spaces) into a command tuple of
:mod:`~agentgym.envs.textgames.adventure.rules`, or returns a sentence saying what is wrong.
Names may be shortened to any of their words when that picks one thing (``take key`` when
one key is in sight); doors may also be named by direction (``unlock east door with key``).

Example:
    >>> from .world import generate_world, make_config
    >>> world = generate_world(1, make_config("easy"))
    >>> parse(world, world.start, "n"), parse(world, world.start, "walk to the west")
    (('go', 'north'), ('go', 'west'))
    >>> parse(world, world.start, "dance wildly")
    "I don't know the verb 'dance'. Commands: go, take, drop, put, open, close, unlock, lock, look, inventory, examine."
    >>> parse(world, world.start, "take")
    "Take what? Say what to take, e.g. 'take red key'."
"""

from __future__ import annotations

from .describe import fixture_status
from .vocabulary import DIRECTIONS
from .world import INVENTORY, State, World

#: Longest command read; anything longer is refused before parsing.
MAX_COMMAND_LENGTH = 160

DIRECTION_WORDS = {"n": "north", "s": "south", "e": "east", "w": "west", **{d: d for d in DIRECTIONS}}
_GO = {"go", "walk", "move", "run", "head", "travel"}
_TAKE = {"take", "get", "grab", "pick"}
_DROP = {"drop", "discard"}
_PUT = {"put", "place", "insert", "set", "leave"}
_EXAMINE = {"examine", "x", "inspect", "check", "describe", "read"}
_FILLER = {"the", "a", "an", "to", "at", "my", "this", "that"}
_INTO = ("into", "inside", "onto", "in", "on")
_FROM = ("from", "off", "out")
VERBS_HELP = "go, take, drop, put, open, close, unlock, lock, look, inventory, examine"


def _split(words: list[str], separators: tuple[str, ...]) -> tuple[list[str], list[str]] | None:
    for i, word in enumerate(words):
        if word in separators:
            rest = words[i + 1:]
            if word == "out" and rest[:1] == ["of"]:
                rest = rest[1:]
            return words[:i], rest
    return None


def _echo(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


class _Scope:
    """The things the agent can refer to now: items in sight or carried, the room's fixtures, adjacent doors."""

    def __init__(self, world: World, state: State) -> None:
        n = len(world.rooms)
        self.locs = state.locs
        self.things: list[tuple[str, int, str, frozenset[str]]] = []  # kind, index, name, words
        for i, holder in enumerate(state.locs):
            visible = holder in (INVENTORY, state.room)
            if holder >= n:
                f = holder - n
                fx = world.fixtures[f]
                visible = fx.room == state.room and (fx.kind == "supporter" or bool(state.open_fixtures >> f & 1))
            if visible:
                name = world.items[i].name
                self.things.append(("item", i, name, frozenset(name.split())))
        for f in world.room_fixtures[state.room]:
            name = world.fixtures[f].name
            self.things.append(("fixture", f, name, frozenset(name.split())))
        for direction, _, door in world.rooms[state.room].exits:
            if door >= 0:
                name = world.doors[door].name
                self.things.append(("door", door, name, frozenset(name.split()) | {direction}))

    def matches(self, words: list[str]) -> list[tuple[str, int, str, frozenset[str]]]:
        """The things whose names hold all of ``words`` (only the exact name, if one is)."""
        words = [w for w in words if w not in _FILLER]
        wanted = set(words)
        phrase = " ".join(words)
        found = [t for t in self.things if wanted <= t[3]]
        return [t for t in found if t[2] == phrase] or found

    def resolve(self, words: list[str], held: bool | None = None,
                fits: set[tuple[str, int]] | None = None) -> tuple[str, int] | str:
        """``(kind, index)`` of the one thing ``words`` name, or why there is none.

        When a name fits several things, ``held`` prefers the items carried (True) or not
        carried (False), and ``fits`` prefers the things in that set.
        """
        words = [w for w in words if w not in _FILLER]
        if not words:
            return "You need to say which thing you mean."
        phrase = " ".join(words)
        matches = self.matches(words)
        if len(matches) > 1 and held is not None:
            preferred = [t for t in matches if t[0] == "item" and (self.locs[t[1]] == INVENTORY) == held]
            matches = preferred or matches
        if len(matches) > 1 and fits is not None:
            matches = [t for t in matches if (t[0], t[1]) in fits] or matches
        if not matches:
            direction = next((DIRECTION_WORDS[w] for w in words if w in DIRECTION_WORDS), None)
            if direction and "door" in words:
                return f"There is no door to the {direction}."
            return f"You can't see any {_echo(phrase)} here."
        if len(matches) > 1:
            names = [f"the {t[2]}" for t in matches]
            return "Which do you mean: " + ", ".join(names[:-1]) + " or " + names[-1] + "?"
        return matches[0][0], matches[0][1]


def parse(world: World, state: State, text: str) -> tuple | str:
    """The command ``text`` (normalized) stands for, or a sentence saying why it cannot be read."""
    if len(text) > MAX_COMMAND_LENGTH:
        return (f"That command is too long ({len(text)} characters). Commands are short, "
                "e.g. 'take red key' or 'go north'.")
    words = text.rstrip(".!?").split()
    if not words:
        return "Please type a command, e.g. 'look' or 'go north'."
    verb, rest = words[0], words[1:]
    if verb in DIRECTION_WORDS and not rest:
        return ("go", DIRECTION_WORDS[verb])
    if verb in _GO:
        rest = [w for w in rest if w not in _FILLER]
        if not rest:
            return "Go where? Try 'go north', 'go south', 'go east' or 'go west'."
        if len(rest) == 1 and rest[0] in DIRECTION_WORDS:
            return ("go", DIRECTION_WORDS[rest[0]])
        return f"'{_echo(' '.join(rest))}' is not a direction; try north, south, east or west."
    if verb in ("look", "l") and rest[:1] in ([], ["around"]) and len(rest) <= 1:
        return ("look",)
    if verb in ("inventory", "inv", "i") and not rest:
        return ("inventory",)
    if verb in ("look", "examine", "x") and rest in (["room"], ["around"], ["the", "room"]):
        return ("look",)
    if verb == "look" and rest[:1] == ["at"]:
        verb, rest = "examine", rest[1:]
    scope = _Scope(world, state)
    if verb in _EXAMINE:
        if not rest:
            return "Examine what? e.g. 'examine chest'."
        thing = scope.resolve(rest)
        return thing if isinstance(thing, str) else ("examine", *thing)
    if verb in _TAKE:
        if verb == "pick":
            if "up" not in rest:
                return "Did you mean 'pick up' something? e.g. 'pick up red key'."
            rest = [w for w in rest if w != "up"]
        if not rest:
            return "Take what? Say what to take, e.g. 'take red key'."
        source = _split(rest, _FROM)
        if source is not None:
            holder = scope.resolve(source[1])
            if isinstance(holder, str):
                return holder
            if holder[0] != "fixture":
                return f"You can't take things from the {_name(world, holder)}."
            status = fixture_status(world, state, holder[1])
            if status in ("closed", "locked"):
                return f"The {_name(world, holder)} is {status}."
        item = scope.resolve(source[0] if source else rest, held=False)
        if isinstance(item, str):
            return item
        if item[0] != "item":
            return f"You can't take the {_name(world, item)}: it stays where it is."
        return ("take", item[1]) if source is None else ("take", item[1], holder[1])
    if verb in _PUT and rest[-1:] == ["down"] or (verb in _PUT and rest[:1] == ["down"]):
        verb, rest = "drop", [w for w in rest if w != "down"]
    if verb in _DROP:
        if not rest:
            return "Drop what? e.g. 'drop red key'."
        item = scope.resolve(rest, held=True)
        if isinstance(item, str):
            return item
        if item[0] != "item" or state.locs[item[1]] != INVENTORY:
            return f"You don't have the {_name(world, item)}."
        return ("drop", item[1])
    if verb in _PUT:
        parts = _split(rest, _INTO)
        if not rest or parts is None or not parts[0] or not parts[1]:
            return "Put what where? e.g. 'put red apple in wooden chest' or 'put red apple on oak table'."
        item = scope.resolve(parts[0], held=True)
        if isinstance(item, str):
            return item
        if item[0] != "item" or state.locs[item[1]] != INVENTORY:
            return f"You don't have the {_name(world, item)}."
        holder = scope.resolve(parts[1])
        if isinstance(holder, str):
            return holder
        if holder[0] != "fixture":
            return f"You can't put anything in or on the {_name(world, holder)}."
        return ("put", item[1], holder[1])
    if verb in ("open", "close", "shut", "unlock", "lock"):
        verb = "close" if verb == "shut" else verb
        with_key = _split(rest, ("with",))
        if verb == "open" and with_key is not None:
            verb = "unlock"
        if not rest or (with_key is not None and not with_key[0]):
            example = f"{verb} chest with key" if "lock" in verb else f"{verb} chest"
            return f"{verb.capitalize()} what? e.g. '{example}'."
        fits = None
        if verb in ("unlock", "lock") and with_key is not None and with_key[1]:
            # "unlock door with iron key" picks the door that key fits
            key = scope.resolve(with_key[1], held=True)
            if not isinstance(key, str) and key[0] == "item":
                fits = {("door", d) for d, door in enumerate(world.doors) if door.key == key[1]}
                fits |= {("fixture", f) for f, fx in enumerate(world.fixtures) if fx.key == key[1]}
        thing = scope.resolve(with_key[0] if with_key else rest, fits=fits)
        if isinstance(thing, str):
            return thing
        kind, index = thing
        if verb in ("open", "close"):
            if kind == "door":
                door = world.doors[index]
                if verb == "close":
                    return f"You can't close the {door.name}; lock it with its key instead."
                locked = state.locked_doors >> index & 1
                return f"The {door.name} is locked." if locked else f"The {door.name} is already open."
            if kind != "fixture":
                return f"You can't {verb} the {_name(world, thing)}."
            return (verb, index)
        if kind == "item":
            return f"You can't {verb} the {_name(world, thing)}."
        if with_key is None or not with_key[1]:
            return f"{verb.capitalize()} the {_name(world, thing)} with what? e.g. '{verb} {_name(world, thing)} with key'."
        key = scope.resolve(with_key[1], held=True)
        if isinstance(key, str):
            return key
        if key[0] != "item":
            return f"You can't {verb} anything with the {_name(world, key)}."
        return (verb, kind, index, key[1])
    return f"I don't know the verb '{_echo(verb)}'. Commands: {VERBS_HELP}."


def _name(world: World, thing: tuple[str, int]) -> str:
    kind, index = thing
    if kind == "item":
        return world.items[index].name
    if kind == "fixture":
        return world.fixtures[index].name
    return world.doors[index].name
