"""WebShop's purchase reward (Yao et al. 2022, ``web_agent_site/engine/goal.py``) for generated products and goals.

For a bought product, the option values the agent clicked, and a :class:`~agentgym.envs.webshop.goals.Goal`::

    r = r_type * (n_attributes_matched + n_options_matched + 1[price <= goal.price_upper])
               / (len(goal.attributes) + len(goal.options) + 1)

* **attribute** (WebShop's ``get_attribute_reward``): a goal attribute matches if
  ``fuzz.token_set_ratio(goal_attr, product_attr) > 85`` for one of the product's attributes, or if the
  (lowercased) goal attribute is a substring of the lowercased title, bullets (joined by spaces) or
  description;
* **option** (WebShop's ``get_option_reward``, per option type): the goal's value for an option type matches
  the value the agent chose for that type: exactly (case-insensitive, surrounding spaces ignored) for the
  types in :data:`EXACT_MATCH_OPTIONS` (``"size"``), otherwise ``fuzz.token_set_ratio > 85``. An option type
  the agent did not choose does not match; unlike WebShop there is no fallback to the product text, and no
  color normalization. The chosen value is not checked against the product's offered values (the
  environment only lets the agent click offered values);
* **price**: ``product.price <= goal.price_upper`` (the low end of a price range);
* **r_type** (WebShop's ``get_type_reward`` with product-type words instead of spaCy nouns), see
  :func:`type_reward`.

Fuzzy scores use rapidfuzz with thefuzz's default preprocessing (lowercase, non-alphanumerics to spaces), so
they equal WebShop's ``thefuzz`` scores. Some consequences, as in WebShop: ``"machine washable"`` vs
``"machine wash"`` scores 85.7 (a match), ``"navy blue"`` vs ``"blue"`` 100 (a match), ``"pack of 2"`` vs
``"pack of 12"`` 94.7 (a match), ``"long sleeve"`` vs ``"short sleeve"`` 70.6 (no match); sizes are exact, so
``"x-large"`` never matches ``"large"``.

Example:
    >>> from agentgym.envs.webshop.catalog import Catalog
    >>> from agentgym.envs.webshop.goals import generate_goals
    >>> catalog = Catalog.generate(100, seed=0)
    >>> goal = generate_goals(catalog, n_goals=1, seed=0)[0]
    >>> r, info = webshop_reward(catalog.get(goal.asin), goal.options, goal)
    >>> r, info["r_type"]
    (1.0, 1.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, utils

from agentgym.envs.webshop.catalog import Product
from agentgym.envs.webshop.goals import Goal

#: Option types whose chosen value must equal the goal's exactly (case-insensitive), as WebShop's.
EXACT_MATCH_OPTIONS = frozenset({"size"})

#: A fuzzy match needs a ``token_set_ratio`` strictly above this, as WebShop's.
FUZZY_THRESHOLD = 85.0

_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def fuzzy_score(a: str, b: str) -> float:
    """``token_set_ratio`` of ``a`` and ``b`` after thefuzz's default preprocessing (0-100).

    Example:
        >>> round(fuzzy_score("machine washable", "Machine Wash"), 1), fuzzy_score("navy blue", "blue")
        (85.7, 100.0)
    """
    return fuzz.token_set_ratio(a, b, processor=utils.default_process)


def words(text: str) -> set[str]:
    """The lowercase words of ``text`` (hyphenated words kept whole).

    Example:
        >>> sorted(words("Brand Slim Fit T-Shirt, Pack of 2"))
        ['2', 'brand', 'fit', 'of', 'pack', 'slim', 't-shirt']
    """
    return set(_WORD.findall(text.lower()))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def attribute_matches(goal_attribute: str, product: Product) -> bool:
    """Whether ``goal_attribute`` fuzzy-matches one of the product's attributes or appears in its text.

    Example:
        >>> from agentgym.envs.webshop.catalog import Catalog
        >>> p = Catalog.generate(10, seed=0)[0]
        >>> attribute_matches(p.attributes[0], p), attribute_matches("qwxzzy", p)
        (True, False)
    """
    if any(fuzzy_score(goal_attribute, a) > FUZZY_THRESHOLD for a in product.attributes):
        return True
    g = goal_attribute.lower()
    return g in product.title.lower() or g in " ".join(product.bullets).lower() or g in product.description.lower()


def option_matches(option_type: str, goal_value: str, chosen_value: str | None) -> bool:
    """Whether the chosen value of ``option_type`` matches the goal's (exact for sizes, else fuzzy).

    Example:
        >>> option_matches("size", "large", "Large"), option_matches("size", "large", "x-large")
        (True, False)
        >>> option_matches("color", "navy blue", "navy"), option_matches("color", "black", None)
        (True, False)
    """
    if chosen_value is None:
        return False
    if option_type.lower() in EXACT_MATCH_OPTIONS:
        return _norm(chosen_value) == _norm(goal_value)
    return fuzzy_score(goal_value, chosen_value) > FUZZY_THRESHOLD


def type_reward(product: Product, goal: Goal, query: str | None = None) -> dict[str, float]:
    """WebShop's ``r_type``, with the goal's product-type words in place of spaCy's nouns of the goal's title.

    The exact rule:

    * ``query_match``: ``query`` is given and equals ``goal.query`` (lowercased, whitespace collapsed);
    * ``category_match``: the sets ``{category, subcategory}`` of product and goal share >= 2 elements (as
      WebShop's >= 2 shared breadcrumb levels; with two levels, the same category path);
    * ``title_score``: ``|words(goal.product_type) & words(product.title)| / |words(goal.product_type)|``
      (0.2 if the goal's type has no word, as WebShop does for a title without nouns);
    * if ``product.product_type == goal.product_type`` (case-insensitive): ``r_type = 1.0``. Otherwise,
      starting from ``r_type = 1.0``, in this order:

      1. ``r_type = 0.5`` if not (query_match or category_match or title_score > 0.2);
      2. ``r_type = 0.1`` if title_score < 0.1;
      3. ``r_type = 0.0`` if title_score == 0 and not category_match.

    Steps 1-3 are WebShop's, except that WebShop's step 3 applies even on a category match; here a product of
    the goal's category path with no type word in common keeps 0.1 (with one- or two-word types a zero overlap
    is common within a subcategory, where WebShop's many title nouns would rarely all miss).

    Returns ``r_type``, ``title_score``, ``query_match`` and ``category_match`` (the last two as 0.0/1.0).

    Example:
        >>> from agentgym.envs.webshop.catalog import Catalog
        >>> from agentgym.envs.webshop.goals import generate_goals
        >>> c = Catalog.generate(50, seed=0)
        >>> g = generate_goals(c, 1, seed=0)[0]
        >>> type_reward(c.get(g.asin), g)["r_type"]
        1.0
    """
    query_match = query is not None and _norm(query) == _norm(goal.query)
    category_match = len({product.category, product.subcategory} & {goal.category, goal.subcategory}) >= 2
    desired = words(goal.product_type)
    title_score = len(desired & words(product.title)) / len(desired) if desired else 0.2
    if _norm(product.product_type) == _norm(goal.product_type):
        r_type = 1.0
    else:
        r_type = 1.0
        if not (query_match or category_match or title_score > 0.2):
            r_type = 0.5
        if title_score < 0.1:
            r_type = 0.1
        if title_score == 0.0 and not category_match:
            r_type = 0.0
    return {
        "r_type": r_type,
        "title_score": title_score,
        "query_match": float(query_match),
        "category_match": float(category_match),
    }


def webshop_reward(
    product: Product, chosen_options: Mapping[str, str], goal: Goal, *, query: str | None = None
) -> tuple[float, dict[str, float]]:
    """WebShop's reward for buying ``product`` with ``chosen_options`` (option type -> clicked value) for ``goal``.

    ``query`` is the search query the product was found with (for ``r_type``'s query match; see
    :func:`type_reward`). Returns ``(r, components)``: ``reward`` (= r), ``r_type``, ``r_attribute`` and
    ``r_option`` (fraction matched; 1.0 when the goal has none), ``r_price`` (0/1), and ``title_score``,
    ``query_match``, ``category_match``. A product meeting everything gets exactly 1.0.

    Example:
        >>> from agentgym.envs.webshop.goals import Goal
        >>> p = Product("B0X", "grocery", "coffee", "ground coffee", "Acme", "Acme Organic Ground Coffee",
        ...             ["organic beans"], "A coffee.", ["organic", "dark roast"], {"flavor": ["mocha"]},
        ...             12.0, None, 4.5, [])
        >>> g = Goal("B0X", "grocery", "coffee", "ground coffee", ["organic", "decaf"], {"flavor": "mocha"},
        ...          20.0, "find me organic decaf ground coffee in mocha flavor, under 20.00 dollars", "q")
        >>> r, info = webshop_reward(p, {"flavor": "mocha"}, g)
        >>> r, info["r_attribute"], info["r_option"], info["r_price"]
        (0.75, 0.5, 1.0, 1.0)
    """
    chosen = {k.lower(): v for k, v in chosen_options.items()}
    n_attr = sum(attribute_matches(a, product) for a in goal.attributes)
    n_opt = sum(option_matches(k, v, chosen.get(k.lower())) for k, v in goal.options.items())
    price_ok = product.price <= goal.price_upper
    type_info = type_reward(product, goal, query)
    total = (n_attr + n_opt + int(price_ok)) / (len(goal.attributes) + len(goal.options) + 1)
    reward = total * type_info["r_type"]
    info = {
        "reward": reward,
        "r_type": type_info["r_type"],
        "r_attribute": n_attr / len(goal.attributes) if goal.attributes else 1.0,
        "r_option": n_opt / len(goal.options) if goal.options else 1.0,
        "r_price": float(price_ok),
        "title_score": type_info["title_score"],
        "query_match": type_info["query_match"],
        "category_match": type_info["category_match"],
    }
    return reward, info


def score_and_success(rewards: Iterable[float]) -> tuple[float, float]:
    """WebShop's metrics: ``(score, success rate)`` = ``(100 * mean reward, share of rewards equal to 1)``.

    An empty input gives ``(0.0, 0.0)``.

    Example:
        >>> score_and_success([1.0, 0.5, 0.0, 1.0])
        (62.5, 0.5)
    """
    rs = [float(r) for r in rewards]
    if not rs:
        return 0.0, 0.0
    score = 100.0 * sum(rs) / len(rs)
    success = sum(math.isclose(r, 1.0, rel_tol=0.0, abs_tol=1e-9) for r in rs) / len(rs)
    return score, success
