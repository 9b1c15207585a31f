"""A generated, WebShop-style product catalog: made-up products from a small vocabulary, no downloads.

Every product belongs to a top category and a subcategory of :file:`data/vocab.json`, has a product type
(a noun such as ``"hoodie"``), 3-6 attributes from its category's vocabulary, 0-3 option types (size,
color, flavor, ...) each offering a subset of the vocabulary's values, a price (sometimes a price range),
a rating, bullets, a description and reviews.

A fraction of the products are **hard distractors**: near-copies of another product (same subcategory,
type, brand and most attributes) that differ from it in exactly one of: one attribute, the value set of
one option type, or the price (raised above any goal ceiling of the original). ``distractor_of`` names the
original, ``distractor_kind`` the difference (``"attribute"``, ``"option"`` or ``"price"``).

Example:
    >>> catalog = Catalog.generate(200, seed=0)
    >>> len(catalog), catalog[0].asin.startswith("B0")
    (200, True)
    >>> catalog.get(catalog[0].asin) is catalog[0]
    True
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The vocabulary file (categories, attributes, option values, brands, text templates).
VOCAB_PATH = Path(__file__).parent / "data" / "vocab.json"

#: Option types whose values have a natural order; a product offers a contiguous run of them.
ORDERED_OPTIONS = frozenset({"size", "count", "storage", "capacity", "length", "weight", "thickness"})

#: The three ways a distractor differs from its original.
DISTRACTOR_KINDS = ("attribute", "option", "price")

#: A distractor of kind "price" costs its original's price times a factor in this range; goal ceilings
#: are at most 2.0 times the target's price, so such a distractor never fits a goal of its original.
DISTRACTOR_PRICE_FACTOR = (2.05, 3.0)

_ASIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SMALL_WORDS = frozenset({"a", "an", "and", "for", "in", "of", "the", "to", "with", "on", "or"})


@functools.lru_cache(maxsize=1)
def load_vocab() -> dict[str, Any]:
    """The parsed :data:`VOCAB_PATH` (cached; treat it as read-only).

    Example:
        >>> vocab = load_vocab()
        >>> {"clothing", "shoes", "beauty", "grocery", "electronics", "home"} <= set(vocab["categories"])
        True
    """
    with open(VOCAB_PATH, encoding="utf-8") as f:
        return json.load(f)


def category_of(subcategory: str) -> str:
    """The top category of ``subcategory`` (subcategory names are unique); KeyError if unknown.

    Example:
        >>> category_of("coffee")
        'grocery'
    """
    return _subcategory_index()[subcategory]


@functools.lru_cache(maxsize=1)
def _subcategory_index() -> dict[str, str]:
    return {sub: cat for cat, cd in load_vocab()["categories"].items() for sub in cd["subcategories"]}


def option_vocabulary(subcategory: str, product_type: str | None = None) -> dict[str, list[str]]:
    """Option type -> every value the vocabulary allows for products of ``subcategory`` (and ``product_type``).

    Without ``product_type``, the union over the subcategory's product types.

    Example:
        >>> sorted(option_vocabulary("tops"))
        ['color', 'count', 'size']
        >>> option_vocabulary("athletic")["size"][:3]
        ['6', '6.5', '7']
    """
    vocab = load_vocab()
    sd = vocab["categories"][category_of(subcategory)]["subcategories"][subcategory]
    if product_type is None:
        keys = list(sd["options"])
        for extra in sd.get("type_options", {}).values():
            keys += [k for k in extra if k not in keys]
    else:
        keys = _option_keys(sd, product_type)
    sets = vocab["option_sets"]
    return {sets[k]["name"]: list(sets[k]["values"]) for k in keys}


def _option_keys(sd: dict[str, Any], product_type: str) -> list[str]:
    return list(sd.get("type_options", {}).get(product_type, sd["options"]))


@dataclass(slots=True)
class Product:
    """One catalog product.

    ``price`` is the low end of ``price_range`` when the product has one. ``distractor_of`` is the asin of
    the product this one is a near-copy of (``None`` for an original), ``distractor_kind`` how it differs.

    Example:
        >>> p = Catalog.generate(50, seed=1)[0]
        >>> Product.from_dict(p.to_dict()) == p
        True
    """

    asin: str
    category: str
    subcategory: str
    product_type: str
    brand: str
    title: str
    bullets: list[str]
    description: str
    attributes: list[str]
    options: dict[str, list[str]]
    price: float
    price_range: tuple[float, float] | None
    rating: float
    reviews: list[str]
    distractor_of: str | None = None
    distractor_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``price_range`` as a list); :meth:`from_dict` inverts it.

        Example:
            >>> Catalog.generate(20, seed=0)[0].to_dict()["asin"][:2]
            'B0'
        """
        return {
            "asin": self.asin,
            "category": self.category,
            "subcategory": self.subcategory,
            "product_type": self.product_type,
            "brand": self.brand,
            "title": self.title,
            "bullets": list(self.bullets),
            "description": self.description,
            "attributes": list(self.attributes),
            "options": {k: list(v) for k, v in self.options.items()},
            "price": self.price,
            "price_range": None if self.price_range is None else list(self.price_range),
            "rating": self.rating,
            "reviews": list(self.reviews),
            "distractor_of": self.distractor_of,
            "distractor_kind": self.distractor_kind,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Product:
        """The product of a :meth:`to_dict` dict.

        Example:
            >>> p = Catalog.generate(20, seed=0)[3]
            >>> Product.from_dict(p.to_dict()).title == p.title
            True
        """
        pr = d.get("price_range")
        return cls(
            asin=d["asin"],
            category=d["category"],
            subcategory=d["subcategory"],
            product_type=d["product_type"],
            brand=d.get("brand", ""),
            title=d["title"],
            bullets=list(d["bullets"]),
            description=d["description"],
            attributes=list(d["attributes"]),
            options={k: list(v) for k, v in d["options"].items()},
            price=float(d["price"]),
            price_range=None if pr is None else (float(pr[0]), float(pr[1])),
            rating=float(d["rating"]),
            reviews=list(d["reviews"]),
            distractor_of=d.get("distractor_of"),
            distractor_kind=d.get("distractor_kind"),
        )


class RandomStream:
    """Fast scalar draws (choice, sample, uniform) from a ``np.random.default_rng(seed)``, buffered in chunks.

    Per-item Python generation calls the generator hundreds of thousands of times; drawing the uniforms in
    bulk keeps that cheap while staying deterministic for a seed.

    Example:
        >>> a, b = RandomStream(3), RandomStream(3)
        >>> [a.randint(1, 6) for _ in range(5)] == [b.randint(1, 6) for _ in range(5)]
        True
    """

    def __init__(self, seed: int | np.random.Generator, chunk: int = 16384) -> None:
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self._chunk = chunk
        self._buf: list[float] = []
        self._i = 0

    def random(self) -> float:
        """A uniform float in [0, 1)."""
        if self._i >= len(self._buf):
            self._buf = self.rng.random(self._chunk).tolist()
            self._i = 0
        x = self._buf[self._i]
        self._i += 1
        return x

    def uniform(self, low: float, high: float) -> float:
        """A uniform float in [low, high)."""
        return low + (high - low) * self.random()

    def randint(self, low: int, high: int) -> int:
        """A uniform int in [low, high] (both ends included)."""
        return low + min(int(self.random() * (high - low + 1)), high - low)

    def choice(self, seq: Sequence[Any]) -> Any:
        """A uniform element of a non-empty sequence."""
        return seq[min(int(self.random() * len(seq)), len(seq) - 1)]

    def sample(self, seq: Sequence[Any], k: int) -> list[Any]:
        """``k`` distinct-position elements of ``seq`` in random order (partial Fisher-Yates)."""
        pool = list(seq)
        n = len(pool)
        for i in range(k):
            j = i + min(int(self.random() * (n - i)), n - i - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


def title_case(text: str) -> str:
    """Capitalize each word but short joining words (keeps sizes like ``3.4`` and ``usb-c`` readable).

    Example:
        >>> title_case("gluten free ground coffee, pack of 2")
        'Gluten Free Ground Coffee, Pack of 2'
    """
    words = text.split(" ")
    out = [w if (i > 0 and w in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return " ".join(out)


def join_and(items: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``.

    Example:
        >>> join_and(["machine wash", "long sleeve", "slim fit"])
        'machine wash, long sleeve and slim fit'
    """
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def make_asins(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct ids ``"B0"`` + 8 uppercase alphanumerics.

    Example:
        >>> ids = make_asins(3, np.random.default_rng(0))
        >>> len(set(ids)), len(ids[0]), ids[0][:2]
        (3, 10, 'B0')
    """
    space = 36**8
    nums = rng.integers(0, space, size=n, dtype=np.int64)
    while n:
        _, first = np.unique(nums, return_index=True)
        if len(first) == n:
            break
        dup = np.setdiff1d(np.arange(n), first)
        nums[dup] = rng.integers(0, space, size=len(dup), dtype=np.int64)
    powers = 36 ** np.arange(7, -1, -1, dtype=np.int64)
    digits = (nums[:, None] // powers[None, :]) % 36
    codes = np.frombuffer(_ASIN_ALPHABET.encode(), dtype=np.uint8)[digits]
    text = codes.tobytes().decode("ascii")
    return ["B0" + text[8 * i : 8 * i + 8] for i in range(n)]


class _Generator:
    """The per-catalog generation state (vocabulary lookups and the random stream)."""

    def __init__(self, r: RandomStream) -> None:
        self.r = r
        self.vocab = load_vocab()
        self.templates = self.vocab["templates"]
        self.subs = [(cat, sub) for cat, cd in self.vocab["categories"].items() for sub in cd["subcategories"]]
        b = self.vocab["brands"]
        self.brands = [(p + s).capitalize() for p in b["prefixes"] for s in b["suffixes"]]
        self.exclusive: dict[str, dict[str, set[str]]] = {}
        for cat, cd in self.vocab["categories"].items():
            ex: dict[str, set[str]] = defaultdict(set)
            for group in cd.get("exclusive", []):
                for a in group:
                    ex[a] |= set(group) - {a}
            self.exclusive[cat] = dict(ex)

    # -- pieces -----------------------------------------------------------------------------------
    def pick_attributes(self, cat: str, k: int) -> list[str]:
        pool = self.vocab["categories"][cat]["attributes"]
        ex = self.exclusive[cat]
        out: list[str] = []
        banned: set[str] = set()
        for a in self.r.sample(pool, len(pool)):
            if a not in banned:
                out.append(a)
                banned |= ex.get(a, set())
                if len(out) == k:
                    break
        return out

    def replacement_attribute(self, cat: str, attrs: list[str], drop: str) -> str | None:
        keep = [a for a in attrs if a != drop]
        ex = self.exclusive[cat]
        banned = set(attrs) | {b for a in keep for b in ex.get(a, set())}
        candidates = [a for a in self.vocab["categories"][cat]["attributes"] if a not in banned]
        return self.r.choice(candidates) if candidates else None

    def pick_options(self, sd: dict[str, Any], ptype: str) -> dict[str, list[str]]:
        keys = _option_keys(sd, ptype)
        u = self.r.random()
        n = 0 if u < 0.1 else 1 if u < 0.4 else 2 if u < 0.8 else 3
        n = min(n, len(keys))
        chosen = set(self.r.sample(keys, n))
        options: dict[str, list[str]] = {}
        for key in keys:
            if key not in chosen:
                continue
            spec = self.vocab["option_sets"][key]
            values = spec["values"]
            k = self.r.randint(min(2, len(values)), min(len(values), 8))
            if spec["name"] in ORDERED_OPTIONS:
                start = self.r.randint(0, len(values) - k)
                options[spec["name"]] = values[start : start + k]
            else:
                picked = set(self.r.sample(values, k))
                options[spec["name"]] = [v for v in values if v in picked]
        return options

    def pick_price(self, lo: float, hi: float) -> float:
        p = lo + (hi - lo) * self.r.random() ** 1.6
        if self.r.random() < 0.5:
            p = max(float(int(p)) + 0.99, lo)
        return round(p, 2)

    def title(self, brand: str, attrs: list[str], ptype: str, detail: str) -> str:
        return brand + " " + title_case(" ".join([*attrs, ptype]) + ", " + detail)

    def texts(
        self, cat: str, sub: str, ptype: str, brand: str, attrs: list[str], options: dict[str, list[str]]
    ) -> tuple[list[str], str, list[str]]:
        r, t = self.r, self.templates
        use = r.choice(self.vocab["categories"][cat]["uses"])
        bullets = []
        for a in attrs:
            tpl = r.choice(t["bullets"])
            bullets.append(tpl.format(ATTR=a.upper(), attr=a, type=ptype, brand=brand, use=use))
        if options:
            opts = "; ".join(f"{name}: {', '.join(vals)}" for name, vals in options.items())
            bullets.append(t["option_bullet"].format(options=opts))
        shown = attrs[: r.randint(2, min(3, len(attrs)))]
        desc = r.choice(t["descriptions"]).format(
            brand=brand, type=ptype, attrs=join_and(shown), Attrs_sentence=f"It is {join_and(shown)}.", use=use, sub=sub
        )
        reviews = []
        for _ in range(r.randint(1, 3)):
            adj = r.choice(t["review_adjectives"])
            reviews.append(
                r.choice(t["reviews"]).format(
                    adj=adj, adj_cap=adj.capitalize(), type=ptype, use=use, attr=r.choice(attrs), brand=brand
                )
            )
        return bullets, desc, reviews

    def rating(self) -> float:
        return round(min(5.0, max(1.0, 5.15 - 4.0 * self.r.random() ** 2.2)), 1)

    # -- products ---------------------------------------------------------------------------------
    def original(self, asin: str) -> tuple[Product, tuple[int, str]]:
        r = self.r
        cat, sub = r.choice(self.subs)
        sd = self.vocab["categories"][cat]["subcategories"][sub]
        ptype = r.choice(sd["product_types"])
        brand = r.choice(self.brands)
        attrs = self.pick_attributes(cat, r.randint(3, 6))
        options = self.pick_options(sd, ptype)
        price = self.pick_price(*sd["price"])
        price_range = None
        if options and r.random() < 0.15:
            price_range = (price, round(price * r.uniform(1.15, 1.8), 2))
        n_title_attrs = r.randint(1, 2)
        detail = r.choice(sd["title_details"])
        if options and r.random() < 0.4:
            first = next(iter(options.values()))
            detail += " - " + first[0]
        product = self.assemble(asin, cat, sub, ptype, brand, attrs, options, price, price_range,
                                (n_title_attrs, detail))
        return product, (n_title_attrs, detail)

    def distractor(self, orig: Product, recipe: tuple[int, str], asin: str) -> Product:
        r = self.r
        attrs = list(orig.attributes)
        options = {k: list(v) for k, v in orig.options.items()}
        price, price_range = orig.price, orig.price_range
        kinds = ["attribute", "price"] + (["option"] if options else [])
        kind = r.choice(kinds)
        if kind == "attribute":
            i = r.randint(0, len(attrs) - 1)
            new = self.replacement_attribute(orig.category, attrs, attrs[i])
            if new is None:  # pragma: no cover - the vocabulary always leaves a replacement
                kind = "price"
            else:
                attrs[i] = new
        elif kind == "option":
            name = r.choice(list(options))
            values = options[name]
            allowed = option_vocabulary(orig.subcategory, orig.product_type)[name]
            missing = [v for v in allowed if v not in values]
            if missing:
                values[r.randint(0, len(values) - 1)] = r.choice(missing)
            else:
                del values[r.randint(0, len(values) - 1)]
            order = {v: j for j, v in enumerate(allowed)}
            options[name] = sorted(values, key=order.__getitem__)
        if kind == "price":
            f = r.uniform(*DISTRACTOR_PRICE_FACTOR)
            price = round(orig.price * f, 2)
            if price_range is not None:
                price_range = (price, round(price_range[1] * f, 2))
        return self.assemble(asin, orig.category, orig.subcategory, orig.product_type, orig.brand, attrs, options,
                             price, price_range, recipe, distractor_of=orig.asin, distractor_kind=kind)

    def assemble(self, asin: str, cat: str, sub: str, ptype: str, brand: str, attrs: list[str],
                 options: dict[str, list[str]], price: float, price_range: tuple[float, float] | None,
                 recipe: tuple[int, str], **extra: Any) -> Product:
        """A product from its facts: the texts, the title (``recipe``: title attributes, detail) and a rating."""
        n_title_attrs, detail = recipe
        bullets, desc, reviews = self.texts(cat, sub, ptype, brand, attrs, options)
        return Product(asin=asin, category=cat, subcategory=sub, product_type=ptype, brand=brand,
                       title=self.title(brand, attrs[:n_title_attrs], ptype, detail), bullets=bullets,
                       description=desc, attributes=attrs, options=options, price=price, price_range=price_range,
                       rating=self.rating(), reviews=reviews, **extra)


def generate_catalog(n_products: int = 10_000, seed: int = 0, distractor_fraction: float = 0.3) -> list[Product]:
    """``n_products`` generated products, the same list for the same arguments.

    ``round(distractor_fraction * n_products)`` of them are hard distractors of the others (see the module
    docstring); originals and distractors are shuffled together.

    Example:
        >>> products = generate_catalog(100, seed=0)
        >>> sum(p.distractor_of is not None for p in products)
        30
        >>> generate_catalog(100, seed=0)[5] == products[5]
        True
    """
    if n_products < 0:
        raise ValueError(f"n_products must be >= 0; got {n_products}")
    if not 0.0 <= distractor_fraction < 1.0:
        raise ValueError(f"distractor_fraction must be in [0, 1); got {distractor_fraction}")
    rng = np.random.default_rng(seed)
    asins = make_asins(n_products, rng)
    n_distractors = int(round(distractor_fraction * n_products))
    n_originals = n_products - n_distractors
    if n_originals == 0 and n_distractors:
        n_originals, n_distractors = 1, n_distractors - 1
    gen = _Generator(RandomStream(rng))
    products: list[Product] = []
    recipes: list[tuple[int, str]] = []
    for i in range(n_originals):
        p, recipe = gen.original(asins[i])
        products.append(p)
        recipes.append(recipe)
    for i in range(n_originals, n_products):
        j = gen.r.randint(0, n_originals - 1)
        products.append(gen.distractor(products[j], recipes[j], asins[i]))
    order = rng.permutation(n_products)
    return [products[i] for i in order]


class Catalog(Sequence[Product]):
    """A list of products with lookups by asin, subcategory and category, and by distractor relation.

    Example:
        >>> catalog = Catalog.generate(300, seed=0)
        >>> coffee = catalog.by_subcategory("coffee")
        >>> all(p.category == "grocery" for p in coffee)
        True
        >>> d = next(p for p in catalog if p.distractor_of)
        >>> d in catalog.distractors_of(d.distractor_of)
        True
    """

    def __init__(self, products: Iterable[Product]) -> None:
        self.products: list[Product] = list(products)
        self._by_asin: dict[str, Product] = {}
        self._by_sub: dict[str, list[Product]] = defaultdict(list)
        self._by_cat: dict[str, list[Product]] = defaultdict(list)
        self._distractors: dict[str, list[Product]] = defaultdict(list)
        for p in self.products:
            if p.asin in self._by_asin:
                raise ValueError(f"duplicate asin {p.asin!r}")
            self._by_asin[p.asin] = p
            self._by_sub[p.subcategory].append(p)
            self._by_cat[p.category].append(p)
            if p.distractor_of is not None:
                self._distractors[p.distractor_of].append(p)

    @classmethod
    def generate(cls, n_products: int = 10_000, seed: int = 0, distractor_fraction: float = 0.3) -> Catalog:
        """The catalog of :func:`generate_catalog` with the same arguments.

        Example:
            >>> len(Catalog.generate(10, seed=2))
            10
        """
        return cls(generate_catalog(n_products, seed=seed, distractor_fraction=distractor_fraction))

    def __len__(self) -> int:
        return len(self.products)

    def __getitem__(self, index: int) -> Product:  # type: ignore[override]
        return self.products[index]

    def __iter__(self) -> Iterator[Product]:
        return iter(self.products)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._by_asin
        return isinstance(item, Product) and self._by_asin.get(item.asin) is item

    def get(self, asin: str) -> Product:
        """The product with ``asin``; KeyError if there is none.

        Example:
            >>> c = Catalog.generate(5, seed=0)
            >>> c.get(c[2].asin).asin == c[2].asin
            True
        """
        try:
            return self._by_asin[asin]
        except KeyError:
            raise KeyError(f"no product with asin {asin!r}") from None

    def by_subcategory(self, subcategory: str) -> list[Product]:
        """The products of ``subcategory`` (catalog order; empty if none)."""
        return list(self._by_sub.get(subcategory, ()))

    def by_category(self, category: str) -> list[Product]:
        """The products of top category ``category`` (catalog order; empty if none)."""
        return list(self._by_cat.get(category, ()))

    @property
    def categories(self) -> list[str]:
        """The top categories present, sorted."""
        return sorted(self._by_cat)

    @property
    def subcategories(self) -> list[str]:
        """The subcategories present, sorted."""
        return sorted(self._by_sub)

    def distractors_of(self, asin: str) -> list[Product]:
        """The products that are near-copies of product ``asin``."""
        return list(self._distractors.get(asin, ()))

    def siblings(self, asin: str) -> list[Product]:
        """The product's direct near-copy relations: its original (if a distractor) and its own distractors."""
        p = self.get(asin)
        out = self.distractors_of(asin)
        if p.distractor_of is not None and p.distractor_of in self._by_asin:
            out.insert(0, self._by_asin[p.distractor_of])
        return out

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every product's :meth:`Product.to_dict`."""
        return [p.to_dict() for p in self.products]

    @classmethod
    def from_dicts(cls, dicts: Iterable[dict[str, Any]]) -> Catalog:
        """The catalog of :meth:`to_dicts` output."""
        return cls(Product.from_dict(d) for d in dicts)


def difference(a: Product, b: Product) -> list[str]:
    """Which of ``"attribute"``, ``"option"``, ``"price"`` differ between two products.

    Attributes compare as sets, options as type -> value set, price as ``price`` and ``price_range``.

    Example:
        >>> c = Catalog.generate(100, seed=0)
        >>> d = next(p for p in c if p.distractor_of)
        >>> difference(d, c.get(d.distractor_of)) == [d.distractor_kind]
        True
    """
    out = []
    if set(a.attributes) != set(b.attributes):
        out.append("attribute")
    if {k: set(v) for k, v in a.options.items()} != {k: set(v) for k, v in b.options.items()}:
        out.append("option")
    if a.price != b.price or a.price_range != b.price_range:
        out.append("price")
    return out
