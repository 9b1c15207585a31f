"""A generated text adventure: rooms, locked doors and keys, containers, and a quest built backwards.

Modules, one concept each: :mod:`.vocabulary` (the words), :mod:`.world` (the world and its
generator), :mod:`.rules` (valid commands and their effects), :mod:`.describe` (what the
player reads), :mod:`.parser` (typed commands), :mod:`.solver` (the exact optimal remaining
plan) and :mod:`.env` (the gymnasium env, registered as ``agentgym/TextAdventure-v0`` and
``-Easy``/``-Medium``/``-Hard``).

Example:
    >>> from agentgym.envs.textgames.adventure import Solver, generate_world, make_config
    >>> world = generate_world(7, make_config("medium"))
    >>> 4 <= world.quest_length <= 6
    True
    >>> Solver(world).subgoals(world.start) == world.quest_length
    True
"""

from .env import ADVENTURE_STATE_FIELDS, TextAdventureEnv, build_task_spec
from .solver import UNSOLVABLE, Solver
from .world import INVENTORY, PRESETS, AdventureConfig, State, World, generate_world, make_config

__all__ = [
    "ADVENTURE_STATE_FIELDS",
    "INVENTORY",
    "PRESETS",
    "UNSOLVABLE",
    "AdventureConfig",
    "Solver",
    "State",
    "TextAdventureEnv",
    "World",
    "build_task_spec",
    "generate_world",
    "make_config",
]
