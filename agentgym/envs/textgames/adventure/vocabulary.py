"""The words a generated adventure is made of: rooms, things, materials and description templates.

Every name is two words at most ("red apple", "iron key"); the generator samples from these
pools with the world's own random generator, so a world seed always spells the same world.

Example:
    >>> article("apple"), article("key")
    ('an', 'a')
    >>> join_phrases(["a red key", "an old book", "a tin cup"])
    'a red key, an old book and a tin cup'
"""

from __future__ import annotations

#: Compass directions and the grid step each one takes (x grows east, y grows south).
DIRECTIONS: dict[str, tuple[int, int]] = {"north": (0, -1), "south": (0, 1), "east": (1, 0), "west": (-1, 0)}
OPPOSITE: dict[str, str] = {"north": "south", "south": "north", "east": "west", "west": "east"}

#: Room names and one flavour sentence each (one is picked per room and world).
ROOMS: dict[str, tuple[str, ...]] = {
    "kitchen": ("It smells of old bread.", "Copper pans hang from hooks on the wall."),
    "cellar": ("The air is cold and damp.", "Cobwebs hang from the low ceiling."),
    "study": ("Dust lies thick on everything.", "A faint smell of ink lingers."),
    "pantry": ("Shelves of empty jars line the walls.", "It smells faintly of spices."),
    "library": ("Rows of books fill the walls.", "It is very quiet here."),
    "hallway": ("A worn rug runs along the floor.", "Portraits stare down from the walls."),
    "bedroom": ("The bed has not been made.", "Thin curtains cover the window."),
    "attic": ("The roof beams creak above you.", "Light falls in through a small round window."),
    "garden": ("Weeds grow between the paving stones.", "Birds chatter in the hedge."),
    "workshop": ("Sawdust covers the floor.", "Tools hang in neat rows on the wall."),
    "bathroom": ("A tap drips somewhere.", "The tiles are cracked but clean."),
    "parlour": ("Faded armchairs face a cold fireplace.", "A clock ticks on the mantelpiece."),
    "laundry": ("It smells of soap.", "A clothesline runs across the room."),
    "gallery": ("Empty frames line the walls.", "Your footsteps echo here."),
    "scullery": ("A stone sink sits under the window.", "The floor is still wet."),
    "storeroom": ("Boxes are stacked to the ceiling.", "It is dim and crowded."),
    "chapel": ("Candles have burned down to stubs.", "Light falls through stained glass."),
    "greenhouse": ("It is warm and humid.", "Pots of dry soil line the benches."),
}

#: How a room's description begins ({name} is the room's name).
ROOM_INTROS: tuple[str, ...] = (
    "You are in the {name}.",
    "You stand in the {name}.",
    "This is the {name}.",
    "You find yourself in the {name}.",
)

#: Where a fixture stands, for its sentence in the room description.
PLACES: tuple[str, ...] = ("here", "in a corner", "against the wall", "by the door", "in the middle of the room")

#: Materials: a lock, its door or box and its key share one ("iron door", "iron key").
MATERIALS: tuple[str, ...] = (
    "iron", "brass", "copper", "silver", "bronze", "steel", "tin", "pewter", "nickel", "zinc", "lead", "cobalt",
    "chrome", "gilded",
)

#: Nouns of lockable boxes (named after their material: "brass coffer").
LOCKABLE_NOUNS: tuple[str, ...] = ("strongbox", "coffer", "casket", "lockbox", "safe")

#: Plain containers: adjective x noun.
CONTAINER_ADJECTIVES: tuple[str, ...] = ("wooden", "old", "small", "large", "painted", "dusty", "carved", "plain")
CONTAINER_NOUNS: tuple[str, ...] = ("chest", "box", "crate", "basket", "cupboard", "cabinet", "trunk", "hamper")

#: Supporters (things lie on them).
SUPPORTERS: tuple[str, ...] = (
    "oak table", "stone shelf", "wooden shelf", "marble counter", "low bench", "round table", "stone pedestal",
    "writing desk", "side table", "work bench", "long sideboard", "tea trolley",
)

#: Portable objects (the quest's target is one of them).
OBJECT_ADJECTIVES: tuple[str, ...] = (
    "red", "green", "blue", "golden", "old", "small", "cracked", "shiny", "yellow", "wooden", "glass", "woollen",
)
OBJECT_NOUNS: tuple[str, ...] = (
    "apple", "book", "vase", "coin", "lamp", "bottle", "cup", "scarf", "candle", "map", "pear", "teapot", "ring",
    "feather", "spoon", "hat", "mirror", "clock", "bell", "shell",
)

#: Words a thing's name may not contain (the parser reads them as grammar).
RESERVED_WORDS: frozenset[str] = frozenset(
    {"in", "into", "inside", "on", "onto", "from", "off", "out", "of", "with", "the", "a", "an", "to", "up", "down"}
)

#: How the quest is phrased ({target}, {goal}, {room} filled in).
TASK_TEMPLATES: dict[str, tuple[str, ...]] = {
    "container": (
        "Find the {target} and put it in the {goal} in the {room}.",
        "Your task: put the {target} into the {goal} in the {room}.",
        "Someone hid the {target}. Find it and place it in the {goal} in the {room}.",
    ),
    "supporter": (
        "Find the {target} and put it on the {goal} in the {room}.",
        "Your task: put the {target} on the {goal} in the {room}.",
        "Someone hid the {target}. Find it and set it on the {goal} in the {room}.",
    ),
    "room": (
        "Find the {target}, take it to the {room} and drop it there.",
        "Your task: bring the {target} to the {room} and leave it on the floor.",
        "Someone hid the {target}. Find it and drop it in the {room}.",
    ),
}


def article(noun_phrase: str) -> str:
    """``"an"`` before a vowel sound (by its first letter), ``"a"`` otherwise."""
    return "an" if noun_phrase[:1] in "aeiou" else "a"


def a(noun_phrase: str) -> str:
    """The phrase with its indefinite article: ``a red key``, ``an old book``."""
    return f"{article(noun_phrase)} {noun_phrase}"


def join_phrases(phrases: list[str]) -> str:
    """``x``, ``x and y``, ``x, y and z``."""
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]
