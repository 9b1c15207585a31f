"""WebShop-style goals: a target product, 1-3 of its attributes, one value per option type, a price ceiling.

Each goal is made the WebShop way, from a target product of the catalog: some of the target's attributes,
one chosen value of each of its option types, and a ceiling above its price, phrased as a natural
instruction that mentions every attribute and option value verbatim and the price as ``"%.2f dollars"``.
When the target has a near-copy in the catalog (its original or one of its distractors, see
:mod:`~agentgym.envs.webshop.catalog`), the goal is chosen, where it can be, so that the near-copy does
not satisfy it.

Fixed splits as in WebShop: goals 0-499 are ``test``, 500-1499 ``eval``, the rest ``train``.

Example:
    >>> from agentgym.envs.webshop.catalog import Catalog
    >>> catalog = Catalog.generate(300, seed=0)
    >>> goals = generate_goals(catalog, n_goals=20, seed=0)
    >>> all(g.satisfied_by(catalog.get(g.asin)) for g in goals)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentgym.envs.webshop.catalog import Catalog, Product, RandomStream, difference, join_and, load_vocab

#: Goal ceilings are the target's price times a factor in this range.
PRICE_FACTOR = (1.2, 2.0)

#: Instruction templates: (sentence, option clause). ``{a_type}`` is the product type with an article,
#: ``{opts}`` the option clause (empty when the target has no options) filled with the joined option phrases.
INSTRUCTION_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("i'm looking for {a_type} that is {attrs}{opts}, and price lower than {price} dollars", " with {}"),
    ("find me {attrs} {type}{opts}, under {price} dollars", " in {}"),
    ("i need {a_type} that is {attrs}{opts}, and it should cost less than {price} dollars", ", in {}"),
    ("i want to buy {attrs} {type}{opts}, with a price under {price} dollars", " in {}"),
    ("can you help me find {a_type} that's {attrs}{opts}? my budget is {price} dollars", " in {}"),
    ("show me {attrs} {type}{opts}, price lower than {price} dollars", " with {}"),
    ("please get me {a_type} which is {attrs}{opts}, no more than {price} dollars", ", and i want {}"),
    ("search for {attrs} {type}{opts} priced below {price} dollars", " in {}"),
    ("i am shopping for {a_type}. it needs to be {attrs}{opts}, and cost less than {price} dollars", ", in {}"),
    ("{attrs} {type}{opts} for less than {price} dollars, please", ", {}"),
    ("get me {a_type} that is {attrs}{opts}. keep it under {price} dollars", " and comes in {}"),
    ("i'd like {a_type}{opts}. it must be {attrs} and cost less than {price} dollars", " in {}"),
)

#: Split name -> (first goal index, end index or None for "to the end").
SPLITS: dict[str, tuple[int, int | None]] = {"test": (0, 500), "eval": (500, 1500), "train": (1500, None)}

#: The fewest goals the fixed splits need.
MIN_GOALS = 1500


@dataclass(slots=True)
class Goal:
    """A shopping goal: buy ``asin`` (or anything with its attributes, option values and a price under the ceiling).

    Example:
        >>> g = Goal("B0ABCDEFGH", "grocery", "coffee", "ground coffee", ["organic"], {"flavor": "mocha"}, 20.0,
        ...          "find me organic ground coffee in mocha flavor, under 20.00 dollars", "organic ground coffee")
        >>> Goal.from_dict(g.to_dict()) == g
        True
    """

    asin: str
    category: str
    subcategory: str
    product_type: str
    attributes: list[str]
    options: dict[str, str]
    price_upper: float
    instruction: str
    query: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` inverts it.

        Example:
            >>> Goal("B0X", "home", "rugs", "area rug", ["easy clean"], {}, 9.5, "i", "q").to_dict()["price_upper"]
            9.5
        """
        return {
            "asin": self.asin,
            "category": self.category,
            "subcategory": self.subcategory,
            "product_type": self.product_type,
            "attributes": list(self.attributes),
            "options": dict(self.options),
            "price_upper": self.price_upper,
            "instruction": self.instruction,
            "query": self.query,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Goal:
        """The goal of a :meth:`to_dict` dict.

        Example:
            >>> Goal.from_dict({"asin": "B0X", "category": "home", "subcategory": "rugs", "product_type": "area rug",
            ...                 "attributes": [], "options": {}, "price_upper": 1, "instruction": "", "query": ""}).price_upper
            1.0
        """
        return cls(
            asin=d["asin"],
            category=d["category"],
            subcategory=d["subcategory"],
            product_type=d["product_type"],
            attributes=list(d["attributes"]),
            options=dict(d["options"]),
            price_upper=float(d["price_upper"]),
            instruction=d["instruction"],
            query=d["query"],
        )

    def satisfied_by(self, product: Product) -> bool:
        """Whether ``product`` has every goal attribute, offers every goal option value and costs at most the ceiling.

        Example:
            >>> from agentgym.envs.webshop.catalog import Catalog
            >>> c = Catalog.generate(50, seed=0)
            >>> g = generate_goals(c, n_goals=1, seed=0)[0]
            >>> g.satisfied_by(c.get(g.asin))
            True
        """
        return (
            all(a in product.attributes for a in self.attributes)
            and all(v in product.options.get(k, ()) for k, v in self.options.items())
            and product.price <= self.price_upper
        )


def with_article(product_type: str) -> str:
    """The product type with ``a``/``an``, or ``some`` for plurals and mass nouns.

    Example:
        >>> with_article("hoodie"), with_article("earbuds"), with_article("ground coffee"), with_article("area rug")
        ('a hoodie', 'some earbuds', 'some ground coffee', 'an area rug')
    """
    if product_type in _mass_nouns() or (product_type.endswith("s") and not product_type.endswith("ss")):
        return "some " + product_type
    return ("an " if product_type[0] in "aeio" or product_type.startswith("un") else "a ") + product_type


def _mass_nouns() -> frozenset[str]:
    return frozenset(load_vocab()["mass_nouns"])


def option_phrase(name: str, value: str) -> str:
    """How an instruction mentions option ``name`` = ``value`` (the value verbatim).

    Example:
        >>> option_phrase("color", "navy blue"), option_phrase("size", "large"), option_phrase("count", "pack of 2")
        ('navy blue color', 'size large', 'pack of 2')
    """
    return load_vocab()["option_phrases"].get(name, "{v}").format(v=value)


def make_instruction(
    product_type: str, attributes: Sequence[str], options: dict[str, str], price_upper: float, template: int = 0
) -> str:
    """The instruction of template number ``template`` (modulo the number of templates).

    Example:
        >>> make_instruction("hoodie", ["long sleeve", "machine wash"], {"color": "black"}, 40.0, template=0)
        "i'm looking for a hoodie that is long sleeve and machine wash with black color, and price lower than 40.00 dollars"
        >>> make_instruction("ground coffee", ["gluten free"], {"flavor": "hazelnut", "count": "pack of 2"}, 25.5, 1)
        'find me gluten free ground coffee in hazelnut flavor and pack of 2, under 25.50 dollars'
    """
    sentence, clause = INSTRUCTION_TEMPLATES[template % len(INSTRUCTION_TEMPLATES)]
    phrases = [option_phrase(k, v) for k, v in options.items()]
    return sentence.format(
        a_type=with_article(product_type),
        type=product_type,
        attrs=join_and(list(attributes)),
        opts=clause.format(join_and(phrases)) if phrases else "",
        price=f"{price_upper:.2f}",
    )


def _goal(r: RandomStream, target: Product, sibling: Product | None) -> Goal:
    k = r.randint(1, min(3, len(target.attributes)))
    attrs = r.sample(target.attributes, k)
    options = {name: r.choice(values) for name, values in target.options.items()}
    kinds = difference(target, sibling) if sibling is not None else []
    if "attribute" in kinds:
        own = [a for a in target.attributes if a not in sibling.attributes]  # type: ignore[union-attr]
        if own and not set(own) & set(attrs):
            attrs[r.randint(0, len(attrs) - 1)] = r.choice(own)
    if "option" in kinds:
        for name, values in target.options.items():
            own = [v for v in values if v not in sibling.options.get(name, ())]  # type: ignore[union-attr]
            if own and options[name] not in own:
                options[name] = r.choice(own)
    attrs = [a for a in target.attributes if a in attrs]  # the target's order
    price_upper = round(target.price * r.uniform(*PRICE_FACTOR), 2)
    instruction = make_instruction(
        target.product_type, attrs, options, price_upper, template=r.randint(0, len(INSTRUCTION_TEMPLATES) - 1)
    )
    q_attrs = r.sample(attrs, r.randint(1, min(2, len(attrs))))
    query = " ".join([*q_attrs, target.product_type] if r.random() < 0.6 else [target.product_type, *q_attrs])
    return Goal(
        asin=target.asin,
        category=target.category,
        subcategory=target.subcategory,
        product_type=target.product_type,
        attributes=attrs,
        options=options,
        price_upper=price_upper,
        instruction=instruction,
        query=query,
    )


def generate_goals(catalog: Catalog | Sequence[Product], n_goals: int = 6000, seed: int = 0) -> list[Goal]:
    """``n_goals`` goals over uniformly drawn target products; the same list for the same catalog and seed.

    Example:
        >>> from agentgym.envs.webshop.catalog import Catalog
        >>> c = Catalog.generate(100, seed=0)
        >>> generate_goals(c, 5, seed=1) == generate_goals(c, 5, seed=1)
        True
    """
    if not isinstance(catalog, Catalog):
        catalog = Catalog(catalog)
    if n_goals < 0:
        raise ValueError(f"n_goals must be >= 0; got {n_goals}")
    if n_goals and not len(catalog):
        raise ValueError("cannot make goals from an empty catalog")
    r = RandomStream(seed)
    goals = []
    for _ in range(n_goals):
        target = catalog[r.randint(0, len(catalog) - 1)]
        siblings = catalog.siblings(target.asin)
        sibling = r.choice(siblings) if siblings else None
        goals.append(_goal(r, target, sibling))
    return goals


def goal_indices(split: str, n_goals: int) -> range:
    """The goal indices of ``split``: ``test`` 0-499, ``eval`` 500-1499, ``train`` 1500 to the end.

    ValueError for an unknown split or fewer than :data:`MIN_GOALS` goals.

    Example:
        >>> goal_indices("eval", 6000)
        range(500, 1500)
        >>> len(goal_indices("train", 6000))
        4500
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    if n_goals < MIN_GOALS:
        raise ValueError(f"the fixed splits need at least {MIN_GOALS} goals; got {n_goals}")
    start, stop = SPLITS[split]
    return range(start, n_goals if stop is None else stop)


def split_goals(goals: Sequence[Goal]) -> dict[str, list[Goal]]:
    """The goals of each split (see :func:`goal_indices`).

    Example:
        >>> parts = split_goals(list(range(2000)))
        >>> {k: len(v) for k, v in parts.items()}
        {'test': 500, 'eval': 1000, 'train': 500}
    """
    return {name: [goals[i] for i in goal_indices(name, len(goals))] for name in SPLITS}
