"""WebShopEnv: a WebShop-compatible shopping env (Yao et al. 2022) over a generated catalog, no downloads.

The agent reads an instruction ("i need a ... under 30.00 dollars") and shops on a simulated site with
WebShop's four kinds of page and its two actions:

* **search** page: the instruction and a search bar; the only action is ``search[<query>]`` (BM25 over the
  catalog, :class:`~agentgym.envs.webshop.search.SearchIndex`, top 50);
* **results** page: 10 results per page (asin, title, price); clickables: each asin, ``< prev`` (not on the
  first page), ``next >`` (when more results follow) and ``back to search``;
* **item** page: title, price, rating, the option types with their values (clicking a value selects it, one
  value per option type, clicking another value replaces it), ``description``, ``features``, ``reviews``,
  ``attributes``, ``< prev`` (back to the results), ``back to search`` and ``buy now``;
* **sub-pages** description / features (the bullets) / reviews / attributes: ``< prev`` (back to the item,
  selections kept) and ``back to search``.

Actions are ``search[...]`` and ``click[<clickable text>]`` (case-insensitive). Anything else (bad syntax, a
text that is not clickable on this page, a search without a search bar, an empty query, too long or
non-ASCII input) is an invalid no-op: it costs a step and the observation says why. ``info`` adds
``has_search_bar`` and ``page`` to the TextEnv keys; ``info["admissible_actions"]`` holds the literal
``"search[<query>]"`` when there is a search bar, plus ``click[x]`` for every clickable ``x``.

``click[buy now]`` ends the episode with WebShop's reward
(:func:`~agentgym.envs.webshop.reward.webshop_reward` of the product, the selected options and the goal;
``info["reward_components"]``); success means reward 1.0. Every other step pays 0; the episode is cut
(truncated, reward 0) after ``max_steps`` steps.

Observations follow WebShop's modes: ``"text"`` (the page's visible strings joined by ``" [SEP] "``),
``"text_rich"`` (buttons marked ``[button] Buy Now [button_]``, selected options and visited asins
``[clicked button] ... [clicked button_]``) and ``"html"`` (a simple HTML page).

``info["progress"]`` (ground truth, in [0, 1], from the current page; not monotone):

* 0 on the search page, and on any page while the last search's results lack the target;
* 0.25 on a results, item or sub-page while the last search's (up to 50) results include the target;
* 0.5 + 0.4 x (share of the goal's option values selected) on the target's item page or its sub-pages
  (share 1 when the goal has no options), so at most 0.9 before buying;
* after ``buy now``: 1.0 on success, else the progress of the page the agent bought from.

The catalog, its goals and its search index are built once per ``(n_products, catalog_seed, n_goals)`` per
process (:func:`load_shop`), so making envs and resetting are cheap.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/WebShop-Small-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.startswith("WebShop [SEP] Instruction: [SEP] "), info["admissible_actions"], info["has_search_bar"]
    (True, ['search[<query>]'], True)
    >>> while True:
    ...     obs, reward, terminated, truncated, info = env.step(env.unwrapped.oracle_action())
    ...     if terminated or truncated:
    ...         break
    >>> reward, info["success"], info["progress"]
    (1.0, True, 1.0)
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from agentgym.core import PRINTABLE_CHARSET, TEXT_STATE_FIELDS, StateField, TaskSpec, TextEnv
from agentgym.envs.webshop.catalog import Catalog, Product
from agentgym.envs.webshop.goals import Goal, generate_goals, goal_indices
from agentgym.envs.webshop.reward import webshop_reward
from agentgym.envs.webshop.search import SearchIndex

#: Observation modes (WebShop's ``text`` and ``text_rich``, and a simple ``html``).
OBSERVATION_MODES = ("text", "text_rich", "html")
#: Goal splits: WebShop's fixed ``test`` / ``eval`` / ``train`` and ``all``.
SPLIT_NAMES = ("train", "eval", "test", "all")
#: Results per search (WebShop's top 50) and per results page.
TOP_K = 50
RESULTS_PER_PAGE = 10
#: The item sub-pages, in the order of their buttons.
SUB_PAGES = ("description", "features", "reviews", "attributes")
#: Page types, in the order of the compact state's ``page`` index.
PAGE_TYPES = ("search", "results", "item", "sub_page", "done")
#: The longest search query accepted (characters).
MAX_QUERY_LENGTH = 500
#: The literal admissible entry that stands for any search.
SEARCH_ACTION = "search[<query>]"

_ACTION_RE = re.compile(r"(search|click)\[(.*)\]", re.DOTALL)
_SEP = " [SEP] "

ACTION_MEANING = (
    "a text action in WebShop's form: 'search[<query>]' (only on the search page, which has the search bar) or "
    "'click[<clickable>]' where <clickable> is a button or link text of the current page, case-insensitive: an "
    "asin on the results page, 'next >', '< prev', 'back to search', an option value, 'description', "
    "'features', 'reviews', 'attributes' or 'buy now'. info['admissible_actions'] lists 'search[<query>]' "
    "(any query) when there is a search bar, and click[x] for every clickable x."
)

WEBSHOP_STATE_FIELDS: tuple[StateField, ...] = (
    StateField("page", (), "index", "page type: 0 search, 1 results, 2 item, 3 item sub-page, 4 done (bought)",
               "int64"),
    StateField("result_page", (), "page", "results page number shown or last shown (1-based; 0 before a search)",
               "int64"),
    StateField("n_results", (), "products", "results of the last search (at most 50)", "int64"),
    StateField("target_rank", (), "rank",
               "1-based rank of the target product in the last search's results; 0 if absent or no search yet",
               "int64"),
    StateField("on_target", (), "bool", "1 on the target product's item page or one of its sub-pages", "int64"),
    StateField("options_total", (), "options", "option types the goal asks for", "int64"),
    StateField("options_correct", (), "options",
               "goal option types whose selected value (on the current item) is the goal's value", "int64"),
    StateField("searches", (), "searches", "searches done this episode", "int64"),
    StateField("items_viewed", (), "items", "distinct item pages opened this episode", "int64"),
    StateField("purchased", (), "bool", "1 once 'buy now' was clicked (the episode is over)", "int64"),
    StateField("final_reward", (), "score", "WebShop reward of the purchase in [0, 1] (0 before buying)"),
)


def build_task_spec(n_products: int, n_goals: int, split: str, max_steps: int) -> TaskSpec:
    """The TaskSpec of a WebShop env with these knobs."""
    return TaskSpec(
        name="WebShop",
        task=(
            "Buy the product the instruction in info['task'] asks for, on a simulated shopping site: search, open "
            "a result, select the option values the instruction names (size, color, ...), then 'buy now'. The "
            "product must be of the asked type, have the asked attributes and option values, and cost less than "
            "the price ceiling."
        ),
        state_fields=TEXT_STATE_FIELDS + WEBSHOP_STATE_FIELDS,
        action_meaning=ACTION_MEANING,
        success_criterion="the purchase's WebShop reward is 1.0 (final_reward == 1 and purchased == 1)",
        notes=(
            f"{n_products} generated products (30% near-copy distractors), {n_goals} goals, split {split!r} "
            "(test = goals 0-499, eval = 500-1499, train = the rest). Reward: 0 on every step but 'buy now', which "
            "ends the episode with WebShop's r_type x (attributes + options + price) / (n + 1) score; "
            f"invalid actions cost a step and change nothing. Episodes are cut after {max_steps} steps (reward 0). "
            "progress: 0 on the search page or while the last results lack the target; 0.25 while they include "
            "it; 0.5 + 0.4 x share of goal options selected on the target's item page (or its sub-pages); after "
            "buying, 1.0 on success, else the progress of the page bought from."
        ),
    )


@dataclass(frozen=True)
class Shop:
    """A catalog, its goals and its search index (shared by every env with the same knobs in a process)."""

    catalog: Catalog
    goals: list[Goal]
    index: SearchIndex


@functools.lru_cache(maxsize=4)
def load_shop(n_products: int = 10_000, catalog_seed: int = 0, n_goals: int = 6000) -> Shop:
    """The :class:`Shop` of these knobs, built on the first call and cached (per process).

    Goals are generated with the catalog's seed.
    """
    catalog = Catalog.generate(n_products, seed=catalog_seed)
    goals = generate_goals(catalog, n_goals=n_goals, seed=catalog_seed)
    return Shop(catalog, goals, SearchIndex(catalog))


def price_text(product: Product) -> str:
    """The price as WebShop shows it: ``$12.99`` or ``$12.99 to $18.50``."""
    if product.price_range is not None:
        return f"${product.price_range[0]:.2f} to ${product.price_range[1]:.2f}"
    return f"${product.price:.2f}"


class WebShopEnv(TextEnv):
    """A WebShop-compatible shopping env over a generated catalog (see the module docstring).

    Args:
        n_products: products in the generated catalog.
        catalog_seed: seed of the catalog and of its goals.
        n_goals: goals generated (at least 1500 unless ``split="all"``).
        split: ``"train"`` (goals 1500 to the end), ``"eval"`` (500-1499), ``"test"`` (0-499) or ``"all"``;
            the reset seed picks a goal of the split deterministically.
        max_steps: the episode's step limit (the env cuts episodes itself, reward 0).
        observation_mode: ``"text"``, ``"text_rich"`` or ``"html"``.
        render_mode: ``"ansi"`` or ``"human"``.

    ``reset(options={"goal_index": i})`` plays goal ``i`` of the whole goal list (any split).
    """

    def __init__(
        self,
        *,
        n_products: int = 10_000,
        catalog_seed: int = 0,
        n_goals: int = 6000,
        split: str = "train",
        max_steps: int = 15,
        observation_mode: str = "text",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        if int(n_products) < 1:
            raise ValueError(f"n_products must be at least 1, got {n_products}")
        if int(n_goals) < 1:
            raise ValueError(f"n_goals must be at least 1, got {n_goals}")
        if split not in SPLIT_NAMES:
            raise ValueError(f"split must be one of {', '.join(SPLIT_NAMES)}; got {split!r}")
        if int(max_steps) < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        if observation_mode not in OBSERVATION_MODES:
            raise ValueError(f"observation_mode must be one of {', '.join(OBSERVATION_MODES)}; got {observation_mode!r}")
        self.n_products, self.catalog_seed, self.n_goals = int(n_products), int(catalog_seed), int(n_goals)
        self.split = split
        self.goal_range = range(self.n_goals) if split == "all" else goal_indices(split, self.n_goals)
        self.max_steps = int(max_steps)
        self.observation_mode = observation_mode
        self.task_spec = build_task_spec(self.n_products, self.n_goals, split, self.max_steps)
        shop = load_shop(self.n_products, self.catalog_seed, self.n_goals)
        self.catalog, self.goals, self.index = shop.catalog, shop.goals, shop.index
        self.goal: Goal | None = None
        self.goal_index = -1
        self._clear()

    def _clear(self) -> None:
        self._page = "search"
        self._query: str | None = None
        self._results: list[str] = []
        self._result_set: set[str] = set()
        self._result_page = 0
        self._asin: str | None = None
        self._selected: dict[str, str] = {}
        self._visited: set[str] = set()
        self._searches = 0
        self._purchased: str | None = None
        self._purchased_options: dict[str, str] = {}
        self._final_reward = 0.0
        self._components: dict[str, float] = {}
        self._buy_progress = 0.0
        self._event = ""
        self._pending: tuple[str, str] | None = None
        self._clickables: dict[str, tuple[str, Any]] = {}
        self._admissible_list: list[str] = []

    # -------------------------------------------------------------------------- public API
    @property
    def target(self) -> Product:
        """The goal's target product (hidden from the agent)."""
        return self.catalog.get(self.goal.asin)

    @property
    def page(self) -> str:
        """The current page type: ``search``, ``results``, ``item``, a sub-page name, or ``done``."""
        return self._page

    @property
    def has_search_bar(self) -> bool:
        return self._page == "search"

    @property
    def selected_options(self) -> dict[str, str]:
        """Option type -> value selected on the current item page."""
        return dict(self._selected)

    def oracle_action(self) -> str | None:
        """The next action of a plan that buys the target with the goal's options (None once over).

        Searches the target's title (then the goal's query, then type and attributes if the target is not in
        the results), pages to the target, clicks it, selects each goal option value, and buys.
        """
        if self._page == "done" or self.goal is None:
            return None
        target = self.goal.asin
        if self._page == "search":
            return f"search[{self._oracle_query()}]"
        if self._page == "results":
            if target not in self._result_set:
                return "click[back to search]"
            page = self._results.index(target) // RESULTS_PER_PAGE + 1
            if page == self._result_page:
                return f"click[{target.lower()}]"
            return "click[next >]" if page > self._result_page else "click[< prev]"
        if self._page != "item" or self._asin != target:
            return "click[< prev]"
        offers = self.target.options
        wanted = sorted(self.goal.options.items(), key=lambda kv: -sum(kv[1] in v for v in offers.values()))
        for name, value in wanted:
            if self._selected.get(name) != value:
                return f"click[{value}]"
        return "click[buy now]"

    def _oracle_query(self) -> str:
        goal, target = self.goal, self.target
        queries = [target.title, goal.query, " ".join([*goal.attributes, target.product_type])]
        return queries[min(self._searches, len(queries) - 1)]

    # ------------------------------------------------------------------------ TextEnv hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        index = (options or {}).get("goal_index")
        if index is None:
            index = self.goal_range[int(self.np_random.integers(len(self.goal_range)))]
        elif not isinstance(index, int | np.integer) or not 0 <= int(index) < len(self.goals):
            raise ValueError(f"options['goal_index'] must be an int in [0, {len(self.goals)}), got {index!r}")
        self.goal_index = int(index)
        self.goal = self.goals[self.goal_index]
        self._clear()
        return self._render()

    def _task(self) -> str:
        return self.goal.instruction if self.goal is not None else ""

    def _admissible(self) -> list[str]:
        return self._admissible_list

    def _check(self, action: str) -> str | None:
        self._pending = None
        if self._page == "done":
            return "the episode is over"
        if len(action) > MAX_QUERY_LENGTH + 8:
            return f"the action is too long ({len(action)} characters; at most {MAX_QUERY_LENGTH + 8})"
        if any(c not in PRINTABLE_CHARSET for c in action):
            return "the action holds characters other than printable ASCII"
        m = _ACTION_RE.fullmatch(action)
        if m is None:
            return (f"{action!r} is not an action; use search[<query>] or click[<clickable>]. "
                    f"Admissible now: {', '.join(self._admissible_list)}")
        kind, arg = m.group(1), m.group(2).strip()
        if kind == "search":
            if not self.has_search_bar:
                return "there is no search bar on this page; click[back to search] first"
            if not arg:
                return "the search query is empty"
        elif arg not in self._clickables:
            what = repr(arg) if arg else "nothing"
            return f"{what} is not clickable on this page. Admissible now: {', '.join(self._admissible_list)}"
        self._pending = (kind, arg)
        return None

    def _step(self, action: str) -> tuple[str, float, bool]:
        if self._pending is None:  # called without _check
            reason = self._check(action)
            if reason is not None:
                raise ValueError(reason)
        kind, arg = self._pending
        self._pending = None
        reward, terminated = 0.0, False
        if kind == "search":
            self._query = arg
            self._results = self.index.search(arg, k=TOP_K)
            self._result_set = set(self._results)
            self._result_page = 1
            self._searches += 1
            self._page = "results"
            self._event = f"searched {arg!r}: {len(self._results)} results"
        else:
            what, payload = self._clickables[arg]
            self._event = f"clicked {arg!r}"
            if what == "back to search":
                self._page, self._selected = "search", {}
            elif what == "page":
                self._result_page = payload
            elif what == "results":
                self._page, self._selected = "results", {}
            elif what == "item":
                self._page, self._asin, self._selected = "item", payload, {}
                self._visited.add(payload)
            elif what == "option":
                value = self._option_value(arg)
                for name in payload:
                    self._selected[name] = value
                self._event = f"selected {value!r} ({', '.join(payload)})"
            elif what == "sub_page":
                self._page = payload
            elif what == "item_back":
                self._page = "item"
            elif what == "buy":
                reward, terminated = self._buy(), True
        return self._render(), reward, terminated

    def _success(self) -> bool:
        return self._purchased is not None and self._final_reward >= 1.0 - 1e-9

    def _progress(self) -> float:
        if self._page == "done":
            return 1.0 if self._success() else self._buy_progress
        return self._page_progress()

    def _message(self) -> str:
        return self._event

    def _truncated(self) -> bool:
        return self._steps >= self.max_steps

    def _info(self) -> dict[str, Any]:
        info = super()._info()
        info["has_search_bar"] = self.has_search_bar
        info["page"] = self._page if self._page in PAGE_TYPES else "sub_page"
        if self._purchased is not None:
            info["reward_components"] = dict(self._components)
            info["purchased"] = self._purchased
            info["purchased_options"] = dict(self._purchased_options)
        return info

    def _extra_state(self) -> dict[str, np.ndarray]:
        goal = self.goal
        target = goal.asin if goal is not None else None
        page = self._page if self._page in PAGE_TYPES else "sub_page"
        values = {
            "page": PAGE_TYPES.index(page),
            "result_page": self._result_page,
            "n_results": len(self._results),
            "target_rank": self._results.index(target) + 1 if target in self._result_set else 0,
            "on_target": int(self._on_target()),
            "options_total": len(goal.options) if goal is not None else 0,
            "options_correct": self._options_correct(),
            "searches": self._searches,
            "items_viewed": len(self._visited),
            "purchased": int(self._purchased is not None),
        }
        state = {name: np.array(value, dtype=np.int64) for name, value in values.items()}
        state["final_reward"] = np.array(float(self._final_reward))
        return state

    # ------------------------------------------------------------------------------ helpers
    def _on_target(self) -> bool:
        return (self.goal is not None and self._asin == self.goal.asin
                and (self._page == "item" or self._page in SUB_PAGES))

    def _options_correct(self) -> int:
        if self.goal is None:
            return 0
        return sum(self._selected.get(k) == v for k, v in self.goal.options.items())

    def _page_progress(self) -> float:
        if self._page == "search" or self.goal is None:
            return 0.0
        if self._on_target():
            share = self._options_correct() / len(self.goal.options) if self.goal.options else 1.0
            return 0.5 + 0.4 * share
        return 0.25 if self.goal.asin in self._result_set else 0.0

    def _option_value(self, clickable: str) -> str:
        product = self.catalog.get(self._asin)
        for values in product.options.values():
            for v in values:
                if v.lower() == clickable:
                    return v
        return clickable  # pragma: no cover - clickables come from the product's values

    def _buy(self) -> float:
        product = self.catalog.get(self._asin)
        self._buy_progress = self._page_progress()
        reward, components = webshop_reward(product, dict(self._selected), self.goal, query=self._query)
        self._purchased, self._purchased_options = product.asin, dict(self._selected)
        self._final_reward = float(reward)
        self._components = {k: float(v) for k, v in components.items()}
        self._page = "done"
        self._event = f"bought {product.asin} for a score of {self._final_reward:.3f}"
        return self._final_reward

    # ---------------------------------------------------------------------------- rendering
    def _elements(self) -> tuple[list[tuple[str, str]], dict[str, tuple[str, Any]]]:
        """The page as (kind, text) elements in display order, and its clickables (lowercase text -> action).

        Kinds: ``text``, ``button`` (clickable unless it is the search button), ``option`` /
        ``option_selected`` (option values), ``link`` / ``link_visited`` (asins on the results page).
        """
        els: list[tuple[str, str]] = []
        clicks: dict[str, tuple[str, Any]] = {}

        def button(label: str, what: str, payload: Any = None) -> None:
            els.append(("button", label))
            clicks[label.lower()] = (what, payload)

        instruction = self._task()
        if self._page == "search":
            return [("text", "WebShop"), ("text", "Instruction:"), ("text", instruction), ("button", "Search")], {}
        if self._page == "done":
            product = self.catalog.get(self._purchased)
            els += [("text", "Thank you for shopping with us!"), ("text", "Purchased"), ("text", product.asin),
                    ("text", product.title), ("text", price_text(product))]
            for name, value in self._purchased_options.items():
                els.append(("text", f"{name}: {value}"))
            els += [("text", "Your score (min 0.0, max 1.0)"), ("text", str(round(self._final_reward, 4)))]
            return els, clicks
        els += [("text", "Instruction:"), ("text", instruction)]
        button("Back to Search", "back to search")
        if self._page == "results":
            n, page = len(self._results), self._result_page
            els.append(("text", f"Page {page} (Total results: {n})"))
            if page > 1:
                button("< Prev", "page", page - 1)
            if page * RESULTS_PER_PAGE < n:
                button("Next >", "page", page + 1)
            for asin in self._results[(page - 1) * RESULTS_PER_PAGE: page * RESULTS_PER_PAGE]:
                product = self.catalog.get(asin)
                els.append(("link_visited" if asin in self._visited else "link", asin))
                clicks[asin.lower()] = ("item", asin)
                els += [("text", product.title), ("text", price_text(product))]
            return els, clicks
        product = self.catalog.get(self._asin)
        if self._page == "item":
            button("< Prev", "results")
            for name, values in product.options.items():
                els.append(("text", name))
                for v in values:
                    els.append(("option_selected" if self._selected.get(name) == v else "option", v))
                    names = clicks.get(v.lower(), ("option", ()))[1]
                    clicks[v.lower()] = ("option", (*names, name))
            els += [("text", product.title), ("text", f"Price: {price_text(product)}"),
                    ("text", f"Rating: {product.rating:.1f}")]
            for sub in SUB_PAGES:
                button(sub.capitalize(), "sub_page", sub)
            button("Buy Now", "buy")
            return els, clicks
        button("< Prev", "item_back")
        texts = {
            "description": [product.description],
            "features": list(product.bullets),
            "reviews": list(product.reviews),
            "attributes": list(product.attributes),
        }[self._page]
        els += [("text", t) for t in texts]
        return els, clicks

    def _render(self) -> str:
        els, clicks = self._elements()
        self._clickables = clicks
        self._admissible_list = ([SEARCH_ACTION] if self.has_search_bar else []) + [f"click[{c}]" for c in clicks]
        if self.observation_mode == "text":
            return _SEP.join(text for _, text in els)
        if self.observation_mode == "text_rich":
            return _render_rich(els)
        return _render_html(els, self._page)


def _render_rich(els: list[tuple[str, str]]) -> str:
    """WebShop's ``text_rich`` form: one element a line, clickables marked ``[button] ... [button_]``."""
    lines, clicked = [], []
    for kind, text in els:
        if kind == "button":
            lines.append(f"[button] {text} [button_]")
        elif kind == "option":
            lines.append(f"  [button] {text} [button_]")
        elif kind == "option_selected":
            lines.append(f"  [clicked button] {text} [clicked button_]")
            clicked.append(f"You have clicked {text}.")
        elif kind == "link":
            lines.append(f"[button] {text} [button_]")
        elif kind == "link_visited":
            lines.append(f"[clicked button] {text} [clicked button_]")
        else:
            lines.append(text)
    return "\n".join(clicked + lines)


def _render_html(els: list[tuple[str, str]], page: str) -> str:
    """A simple HTML page: texts in ``<p>``, buttons, asin links and option labels."""
    esc = html.escape
    body = []
    for kind, text in els:
        if kind == "button" and text == "Search":
            body.append('<form><input type="text" name="search_query"><button type="submit">Search</button></form>')
        elif kind == "button":
            body.append(f"<button>{esc(text)}</button>")
        elif kind in ("option", "option_selected"):
            checked = " checked" if kind == "option_selected" else ""
            body.append(f'<label><input type="radio"{checked}>{esc(text)}</label>')
        elif kind in ("link", "link_visited"):
            body.append(f'<a class="product-link" href="#">{esc(text)}</a>')
        else:
            body.append(f"<p>{esc(text)}</p>")
    return f'<html><head><title>WebShop</title></head><body class="{esc(page)}">\n' + "\n".join(body) + "\n</body></html>"
