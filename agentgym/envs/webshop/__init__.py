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

__all__ = [
    "DISTRACTOR_KINDS",
    "INSTRUCTION_TEMPLATES",
    "MIN_GOALS",
    "SPLITS",
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
    "split_goals",
]
