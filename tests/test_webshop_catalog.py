"""The generated WebShop catalog and goals: determinism, field ranges, distractors, goals and splits."""

from __future__ import annotations

import json
import re
import time

import pytest

from agentgym.envs.webshop import (
    DISTRACTOR_KINDS,
    INSTRUCTION_TEMPLATES,
    SPLITS,
    Catalog,
    Goal,
    Product,
    category_of,
    generate_catalog,
    generate_goals,
    goal_indices,
    load_vocab,
    make_instruction,
    option_vocabulary,
    split_goals,
)
from agentgym.envs.webshop.goals import option_phrase

N = 2000
ASIN = re.compile(r"^B0[0-9A-Z]{8}$")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.generate(N, seed=0)


@pytest.fixture(scope="module")
def goals(catalog: Catalog) -> list[Goal]:
    return generate_goals(catalog, n_goals=2000, seed=0)


def test_vocab_shape():
    vocab = load_vocab()
    cats = vocab["categories"]
    assert {"clothing", "shoes", "beauty", "grocery", "electronics", "home"} <= set(cats)
    subs = [s for cd in cats.values() for s in cd["subcategories"]]
    assert len(subs) == len(set(subs)), "subcategory names are unique"
    for cat, cd in cats.items():
        assert 2 <= len(cd["subcategories"]) <= 4, cat
        assert 8 <= len(cd["attributes"]) <= 20, cat
        for sub, sd in cd["subcategories"].items():
            assert sd["product_types"] and sd["title_details"], sub
            lo, hi = sd["price"]
            assert 0 < lo < hi, sub
            for key in sd["options"]:
                assert key in vocab["option_sets"], (sub, key)
    assert len(vocab["option_sets"]["color"]["values"]) >= 15
    assert "3x-large" in vocab["option_sets"]["clothing_size"]["values"]
    assert "10.5" in vocab["option_sets"]["shoe_size"]["values"]


def test_same_seed_same_catalog_and_goals(catalog: Catalog, goals: list[Goal]):
    again = Catalog.generate(N, seed=0)
    assert again.to_dicts() == catalog.to_dicts()
    assert [g.to_dict() for g in generate_goals(again, 2000, seed=0)] == [g.to_dict() for g in goals]


def test_different_seed_differs(catalog: Catalog, goals: list[Goal]):
    other = generate_catalog(N, seed=1)
    assert [p.to_dict() for p in other] != catalog.to_dicts()
    assert {p.asin for p in other} != {p.asin for p in catalog}
    assert [g.to_dict() for g in generate_goals(catalog, 2000, seed=1)] != [g.to_dict() for g in goals]


def test_round_trip(catalog: Catalog, goals: list[Goal]):
    dicts = json.loads(json.dumps(catalog.to_dicts()))
    assert Catalog.from_dicts(dicts).to_dicts() == catalog.to_dicts()
    assert all(Product.from_dict(p.to_dict()) == p for p in catalog[:50])
    assert all(Goal.from_dict(json.loads(json.dumps(g.to_dict()))) == g for g in goals[:50])


def test_asins_unique_and_well_formed(catalog: Catalog):
    asins = [p.asin for p in catalog]
    assert len(set(asins)) == len(asins) == N
    assert all(ASIN.match(a) for a in asins)


def test_product_fields(catalog: Catalog):
    vocab = load_vocab()
    for p in catalog:
        cd = vocab["categories"][p.category]
        sd = cd["subcategories"][p.subcategory]
        assert category_of(p.subcategory) == p.category
        assert p.product_type in sd["product_types"]
        assert 3 <= len(p.attributes) <= 6 and len(set(p.attributes)) == len(p.attributes)
        assert set(p.attributes) <= set(cd["attributes"])
        assert 0 <= len(p.options) <= 3
        allowed = option_vocabulary(p.subcategory, p.product_type)
        for name, values in p.options.items():
            assert values and len(set(values)) == len(values), (p.asin, name)
            assert set(values) <= set(allowed[name]), (p.asin, name)
        assert isinstance(p.price, float) and p.price > 0 and round(p.price, 2) == p.price
        if p.distractor_kind != "price":
            lo, hi = sd["price"]
            assert lo <= p.price <= hi + 1, p.asin
        if p.price_range is not None:
            assert p.price_range[0] == p.price < p.price_range[1]
        assert 1.0 <= p.rating <= 5.0 and round(p.rating, 1) == p.rating
        assert p.title.startswith(p.brand + " ") and p.title.lower().count(p.product_type) >= 1
        assert len(p.bullets) >= len(p.attributes) and all(p.bullets)
        assert p.description and 1 <= len(p.reviews) <= 3
    assert sum(p.price_range is not None for p in catalog) > 0
    assert {len(p.options) for p in catalog} == {0, 1, 2, 3}
    assert set(catalog.categories) == set(vocab["categories"])


def test_distractors(catalog: Catalog):
    distractors = [p for p in catalog if p.distractor_of is not None]
    assert len(distractors) == round(0.3 * N)
    assert {p.distractor_kind for p in distractors} == set(DISTRACTOR_KINDS)
    for d in distractors:
        orig = catalog.get(d.distractor_of)
        assert orig.distractor_of is None
        assert (d.category, d.subcategory, d.product_type, d.brand) == (
            orig.category, orig.subcategory, orig.product_type, orig.brand
        )
        assert len(d.attributes) == len(orig.attributes)
        attr_diff = set(d.attributes) != set(orig.attributes)
        opt_diff = {k: set(v) for k, v in d.options.items()} != {k: set(v) for k, v in orig.options.items()}
        price_diff = d.price != orig.price
        assert attr_diff + opt_diff + price_diff == 1, d.asin
        if attr_diff:
            assert len(set(d.attributes) - set(orig.attributes)) == 1 and d.distractor_kind == "attribute"
        if opt_diff:
            assert d.options.keys() == orig.options.keys() and d.distractor_kind == "option"
            changed = [k for k in d.options if set(d.options[k]) != set(orig.options[k])]
            assert len(changed) == 1
        if price_diff:
            assert d.distractor_kind == "price"
            assert d.price > 2.0 * orig.price, "a price distractor exceeds every goal ceiling of its original"
        assert d in catalog.distractors_of(orig.asin)


def test_distractor_fraction_configurable():
    products = generate_catalog(500, seed=3, distractor_fraction=0.5)
    assert sum(p.distractor_of is not None for p in products) == 250
    assert all(p.distractor_of is None for p in generate_catalog(200, seed=3, distractor_fraction=0.0))
    with pytest.raises(ValueError):
        generate_catalog(10, distractor_fraction=1.0)


def test_catalog_lookups(catalog: Catalog):
    p = catalog[7]
    assert catalog.get(p.asin) is p and p.asin in catalog and p in catalog
    assert p in catalog.by_subcategory(p.subcategory)
    assert p in catalog.by_category(p.category)
    assert sum(len(catalog.by_subcategory(s)) for s in catalog.subcategories) == N
    assert catalog.by_subcategory("no such thing") == []
    with pytest.raises(KeyError):
        catalog.get("B0NOTTHERE")
    with pytest.raises(ValueError):
        Catalog([p, p])


def test_goals_satisfied_by_target(catalog: Catalog, goals: list[Goal]):
    for g in goals:
        target = catalog.get(g.asin)
        assert (g.category, g.subcategory, g.product_type) == (target.category, target.subcategory, target.product_type)
        assert 1 <= len(g.attributes) <= 3 and set(g.attributes) <= set(target.attributes)
        assert g.options.keys() == target.options.keys()
        assert all(v in target.options[k] for k, v in g.options.items())
        assert target.price <= g.price_upper <= round(2.0 * target.price, 2) and round(g.price_upper, 2) == g.price_upper
        assert g.satisfied_by(target)
        assert g.product_type in g.query and any(a in g.query for a in g.attributes)


def test_instructions_mention_everything(goals: list[Goal]):
    for g in goals:
        text = g.instruction
        for a in g.attributes:
            assert a in text, (a, text)
        for name, v in g.options.items():
            assert v in text and option_phrase(name, v) in text, (v, text)
        assert f"{g.price_upper:.2f} dollars" in text
    assert len(INSTRUCTION_TEMPLATES) >= 8
    assert len({g.instruction.split(" ")[0] for g in goals}) >= 8


def test_every_template_mentions_everything():
    attrs, opts = ["gluten free", "organic"], {"flavor": "hazelnut", "count": "pack of 2"}
    for i in range(len(INSTRUCTION_TEMPLATES)):
        for o in (opts, {}):
            text = make_instruction("ground coffee", attrs, o, 25.5, template=i)
            assert all(a in text for a in attrs) and all(v in text for v in o.values())
            assert "25.50 dollars" in text and "ground coffee" in text and "{" not in text


def test_price_distractors_never_fit_goals_of_their_original(catalog: Catalog, goals: list[Goal]):
    for g in goals:
        for d in catalog.distractors_of(g.asin):
            if d.distractor_kind == "price":
                assert not g.satisfied_by(d)


def test_splits(goals: list[Goal]):
    parts = split_goals(goals)
    assert set(parts) == set(SPLITS) == {"train", "eval", "test"}
    assert (len(parts["test"]), len(parts["eval"]), len(parts["train"])) == (500, 1000, 500)
    assert parts["test"] == goals[:500] and parts["eval"] == goals[500:1500] and parts["train"] == goals[1500:]
    idx = {name: set(goal_indices(name, 6000)) for name in SPLITS}
    assert idx["test"] == set(range(500)) and idx["eval"] == set(range(500, 1500))
    assert idx["train"] == set(range(1500, 6000))
    assert not (idx["test"] & idx["eval"]) and not (idx["test"] & idx["train"]) and not (idx["eval"] & idx["train"])
    with pytest.raises(ValueError, match="split"):
        goal_indices("validation", 6000)
    with pytest.raises(ValueError, match="1500"):
        goal_indices("train", 1499)
    with pytest.raises(ValueError):
        split_goals(goals[:1000])


def test_10k_catalog_is_fast():
    start = time.perf_counter()
    products = generate_catalog(10_000, seed=5)
    elapsed = time.perf_counter() - start
    assert len({p.asin for p in products}) == 10_000
    assert elapsed < 10.0, f"10k products took {elapsed:.1f}s"
