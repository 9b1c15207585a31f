"""Text games, generated from a seed with nothing to download: a text adventure, a maze, Wordle, Twenty Questions.

All are :class:`~agentgym.core.TextEnv` s with ``admissible_actions``, ground-truth ``progress``
and an ``oracle_action()`` (the next action of an optimal play), and take ``split="train"``
(default), ``"test"`` or ``"all"`` (see :mod:`~agentgym.envs.textgames.splits`).

Nothing heavy is imported here: the entry points are strings.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/Wordle-v0")
    >>> obs, info = env.reset(seed=0)
    >>> info["task"].startswith("Guess")
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FAMILY = "textgames"

#: (name, entry point, kwargs, max episode steps, summary) of every registered text game.
GAMES: tuple[tuple[str, str, dict[str, Any], int, str], ...] = (
    ("TextAdventure-v0", "agentgym.envs.textgames.adventure.env:TextAdventureEnv", {"preset": "medium"}, 200,
     "Generated text adventure (Medium): rooms, doors, keys, containers; finish a quest"),
    ("TextAdventure-Easy-v0", "agentgym.envs.textgames.adventure.env:TextAdventureEnv", {"preset": "easy"}, 100,
     "Generated text adventure, Easy: few rooms, a short quest"),
    ("TextAdventure-Medium-v0", "agentgym.envs.textgames.adventure.env:TextAdventureEnv", {"preset": "medium"}, 200,
     "Generated text adventure, Medium"),
    ("TextAdventure-Hard-v0", "agentgym.envs.textgames.adventure.env:TextAdventureEnv", {"preset": "hard"}, 300,
     "Generated text adventure, Hard: many rooms, locked doors, distractors, a long quest"),
    ("Maze-v0", "agentgym.envs.textgames.maze:MazeEnv", {"observed": "full"}, 100,
     "Grid maze described in text, fully observed; reach the goal"),
    ("Maze-Partial-v0", "agentgym.envs.textgames.maze:MazeEnv", {"observed": "partial"}, 100,
     "Grid maze described in text, only the walls around you; reach the goal"),
    ("Wordle-v0", "agentgym.envs.textgames.wordle:WordleEnv", {}, 6,
     "Wordle: guess the five-letter word in six tries from per-letter feedback"),
    ("TwentyQuestions-v0", "agentgym.envs.textgames.twenty_questions:TwentyQuestionsEnv", {}, 21,
     "Twenty Questions: find the hidden object with yes/no questions, then guess it"),
)


def register_envs(register: Callable[..., Any]) -> None:
    """Register every text game with ``register`` (``register_env``)."""
    for name, entry_point, kwargs, max_steps, summary in GAMES:
        register(name, family=FAMILY, summary=summary, entry_point=entry_point, kwargs=kwargs,
                 max_episode_steps=max_steps, text=True)
