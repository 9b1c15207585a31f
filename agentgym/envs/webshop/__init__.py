"""A WebShop-compatible shopping environment (Yao et al. 2022) that needs no downloads: first, its data.

* :mod:`~agentgym.envs.webshop.catalog`: a generated product catalog (:class:`Product`, :class:`Catalog`,
  :func:`generate_catalog`) with hard distractors, from the vocabulary in ``data/vocab.json``;
* :mod:`~agentgym.envs.webshop.goals`: WebShop-style goals (:class:`Goal`, :func:`generate_goals`) and the
  fixed ``test`` / ``eval`` / ``train`` splits (:func:`goal_indices`, :func:`split_goals`).

Nothing here imports gymnasium.

Example:
    >>> from agentgym.envs.webshop import Catalog, generate_goals
    >>> catalog = Catalog.generate(100, seed=0)
    >>> goal = generate_goals(catalog, n_goals=1, seed=0)[0]
    >>> goal.satisfied_by(catalog.get(goal.asin))
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentgym.envs.webshop.catalog import (
    DISTRACTOR_KINDS,
    Catalog,
    Product,
    RandomStream,
    category_of,
    difference,
    generate_catalog,
    load_vocab,
    option_vocabulary,
)
from agentgym.envs.webshop.goals import (
    INSTRUCTION_TEMPLATES,
    MIN_GOALS,
    SPLITS,
    Goal,
    generate_goals,
    goal_indices,
    make_instruction,
    split_goals,
)
from agentgym.envs.webshop.reward import score_and_success, webshop_reward
from agentgym.envs.webshop.search import SearchIndex

FAMILY = "webshop"

#: (name, kwargs, max episode steps, summary) of every registered WebShop env.
ENVS: tuple[tuple[str, dict[str, Any], int, str], ...] = (
    ("WebShop-v0", {"n_products": 10_000, "n_goals": 6000}, 15,
     "WebShop-style shopping: search, open a result, pick its options and buy what the instruction asks (10k products)"),
    ("WebShop-Small-v0", {"n_products": 2000, "n_goals": 2000}, 15,
     "WebShop-style shopping over a small catalog (2000 products, 2000 goals)"),
)


def register_envs(register: Callable[..., Any]) -> None:
    """Register every WebShop env with ``register`` (``register_env``); the entry point is a string (lazy)."""
    for name, kwargs, max_steps, summary in ENVS:
        register(name, family=FAMILY, summary=summary, entry_point="agentgym.envs.webshop.env:WebShopEnv",
                 kwargs=dict(kwargs, max_steps=max_steps), max_episode_steps=max_steps, text=True)


__all__ = [
    "DISTRACTOR_KINDS",
    "INSTRUCTION_TEMPLATES",
    "MIN_GOALS",
    "SPLITS",
    "SearchIndex",
    "Catalog",
    "Goal",
    "Product",
    "RandomStream",
    "category_of",
    "difference",
    "generate_catalog",
    "generate_goals",
    "goal_indices",
    "load_vocab",
    "make_instruction",
    "option_vocabulary",
    "score_and_success",
    "split_goals",
    "webshop_reward",
]
