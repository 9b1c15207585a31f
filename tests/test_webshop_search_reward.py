"""Tests for the WebShop search index (:mod:`agentgym.envs.webshop.search`) and reward (:mod:`.reward`)."""

from __future__ import annotations

import pytest

from agentgym.envs.webshop.catalog import Catalog, Product
from agentgym.envs.webshop.goals import Goal, generate_goals
from agentgym.envs.webshop.reward import (
    fuzzy_score,
    option_matches,
    score_and_success,
    type_reward,
    webshop_reward,
)
from agentgym.envs.webshop.search import SearchIndex, product_text, tokenize

# -- fixtures ---------------------------------------------------------------------------------------


def make_product(**kw: object) -> Product:
    base: dict[str, object] = {
        "asin": "B0HOODIE01",
        "category": "clothing",
        "subcategory": "tops",
        "product_type": "hoodie",
        "brand": "Acme",
        "title": "Acme Long Sleeve Hoodie, Pullover",
        "bullets": ["LONG SLEEVE: stays warm", "Soft fleece lining"],
        "description": "A cozy hoodie for every day.",
        "attributes": ["long sleeve", "fleece lined", "relaxed fit"],
        "options": {"size": ["small", "medium", "large", "x-large"], "color": ["black", "navy blue"]},
        "price": 30.0,
        "price_range": None,
        "rating": 4.5,
        "reviews": ["Nice."],
    }
    base.update(kw)
    return Product(**base)  # type: ignore[arg-type]


def make_goal(**kw: object) -> Goal:
    base: dict[str, object] = {
        "asin": "B0HOODIE01",
        "category": "clothing",
        "subcategory": "tops",
        "product_type": "hoodie",
        "attributes": ["long sleeve", "fleece lined"],
        "options": {"size": "large", "color": "black"},
        "price_upper": 40.0,
        "instruction": "find me long sleeve and fleece lined hoodie in size large and black color, under 40.00 dollars",
        "query": "long sleeve hoodie",
    }
    base.update(kw)
    return Goal(**base)  # type: ignore[arg-type]


FULL = {"size": "large", "color": "black"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.generate(2000, seed=0)


@pytest.fixture(scope="module")
def index(catalog: Catalog) -> SearchIndex:
    return SearchIndex(catalog)


# -- reward -----------------------------------------------------------------------------------------


def test_full_match_is_exactly_one() -> None:
    r, info = webshop_reward(make_product(), FULL, make_goal())
    assert r == 1.0
    assert info == {
        "reward": 1.0,
        "r_type": 1.0,
        "r_attribute": 1.0,
        "r_option": 1.0,
        "r_price": 1.0,
        "title_score": 1.0,
        "query_match": 0.0,
        "category_match": 1.0,
    }


def test_generated_goals_full_match(catalog: Catalog) -> None:
    for g in generate_goals(catalog, n_goals=50, seed=3):
        r, _ = webshop_reward(catalog.get(g.asin), g.options, g, query=g.query)
        assert r == 1.0


def test_missing_attribute_costs_one_share() -> None:
    # 2 attributes + 2 options + price = 5 parts
    goal = make_goal(attributes=["long sleeve", "water resistant"])
    r, info = webshop_reward(make_product(), FULL, goal)
    assert r == pytest.approx(4 / 5)
    assert info["r_attribute"] == 0.5


def test_missing_option_costs_one_share() -> None:
    r, info = webshop_reward(make_product(), {"size": "large"}, make_goal())  # color not chosen
    assert r == pytest.approx(4 / 5)
    assert info["r_option"] == 0.5
    r, info = webshop_reward(make_product(), {"size": "large", "color": "navy blue"}, make_goal())  # wrong color
    assert r == pytest.approx(4 / 5)
    r, info = webshop_reward(make_product(), {}, make_goal())
    assert r == pytest.approx(3 / 5) and info["r_option"] == 0.0


def test_price_over_ceiling_costs_one_share() -> None:
    r, info = webshop_reward(make_product(price=40.01), FULL, make_goal())
    assert r == pytest.approx(4 / 5) and info["r_price"] == 0.0
    r, _ = webshop_reward(make_product(price=40.0), FULL, make_goal())  # the ceiling itself is fine
    assert r == 1.0


def test_fractions_without_options() -> None:
    goal = make_goal(attributes=["long sleeve", "fleece lined", "slim fit"], options={})
    r, info = webshop_reward(make_product(price=99.0), {}, goal)  # 2 of 3 attrs, no price: 2 / 4
    assert r == pytest.approx(2 / 4)
    assert info["r_option"] == 1.0 and info["r_price"] == 0.0


def test_fuzzy_attribute_match() -> None:
    # token_set_ratio("machine washable", "machine wash") = 85.7 > 85: a match (as in WebShop)
    assert fuzzy_score("machine washable", "machine wash") == pytest.approx(85.714, abs=1e-3)
    product = make_product(attributes=["machine wash"], title="Acme Hoodie", bullets=[], description="A hoodie.")
    goal = make_goal(attributes=["machine washable"], options={})
    assert webshop_reward(product, {}, goal)[0] == 1.0
    # "long sleeve" vs "short sleeve" = 70.6: no match
    goal = make_goal(attributes=["short sleeve"], options={})
    product = make_product(attributes=["long sleeve"], title="Acme Hoodie", bullets=[], description="A hoodie.")
    assert webshop_reward(product, {}, goal)[0] == pytest.approx(1 / 2)
    # case is ignored, as thefuzz's default preprocessing does
    goal = make_goal(attributes=["Long Sleeve"], options={})
    assert webshop_reward(product, {}, goal)[0] == 1.0


def test_attribute_found_in_text() -> None:
    product = make_product(attributes=["relaxed fit"], description="Made with a HIDDEN ZIPPER pocket.")
    goal = make_goal(attributes=["hidden zipper"], options={})
    assert webshop_reward(product, {}, goal)[0] == 1.0
    product = make_product(attributes=["relaxed fit"], bullets=["x", "Hidden zipper inside"], description="")
    assert webshop_reward(product, {}, goal)[0] == 1.0


def test_size_needs_exact_match() -> None:
    assert fuzzy_score("x-large", "large") == 100.0  # fuzzy would accept it...
    assert not option_matches("size", "large", "x-large")  # ...but sizes are exact
    assert option_matches("size", "large", " Large ")
    r, _ = webshop_reward(make_product(), {"size": "x-large", "color": "black"}, make_goal())
    assert r == pytest.approx(4 / 5)
    # other option types are fuzzy
    assert option_matches("color", "Black", "black")
    assert option_matches("count", "pack of 2", "pack of 12")  # 94.7, WebShop's leniency
    assert not option_matches("color", "black", "navy blue")


def test_chosen_option_keys_case_insensitive() -> None:
    assert webshop_reward(make_product(), {"Size": "large", "COLOR": "black"}, make_goal())[0] == 1.0


def test_wrong_type_same_subcategory() -> None:
    shirt = make_product(product_type="t-shirt", title="Acme Long Sleeve T-Shirt, Crew Neck")
    info = type_reward(shirt, make_goal())
    assert info["title_score"] == 0.0 and info["category_match"] == 1.0
    assert info["r_type"] == 0.1
    r, parts = webshop_reward(shirt, FULL, make_goal())
    assert r == pytest.approx(0.1) and parts["r_type"] == 0.1


def test_wrong_type_other_category_is_zero() -> None:
    mug = make_product(category="home", subcategory="kitchen", product_type="tumbler", title="Acme Tumbler")
    assert webshop_reward(mug, FULL, make_goal())[0] == 0.0
    # even with the goal's query
    assert type_reward(mug, make_goal(), query="long sleeve hoodie")["r_type"] == 0.0


def test_partial_type_overlap() -> None:
    goal = make_goal(category="shoes", subcategory="athletic", product_type="trail running shoe")
    # 2 of 3 type words in the title, other subcategory: 0.67 > 0.2, r_type 1
    other = make_product(category="shoes", subcategory="casual", product_type="walking shoe", title="Acme Running Shoe")
    assert type_reward(other, goal)["r_type"] == 1.0
    # 1 of 5 words = 0.2, not > 0.2, no category / query match: 0.5
    goal5 = make_goal(category="home", subcategory="bedding", product_type="alpha beta gamma delta hoodie")
    info = type_reward(make_product(), goal5)
    assert info["title_score"] == pytest.approx(0.2) and info["r_type"] == 0.5
    # ... the goal's query lifts it to 1
    assert type_reward(make_product(), goal5, query="  Long Sleeve  HOODIE ")["r_type"] == 1.0
    # 1 of 11 words < 0.1: 0.1
    goal11 = make_goal(category="home", subcategory="bedding", product_type="b c d e f g h i j k hoodie")
    assert type_reward(make_product(), goal11)["r_type"] == 0.1


def test_wrong_type_scales_reward() -> None:
    goal = make_goal(category="home", subcategory="bedding", product_type="alpha beta gamma delta hoodie")
    r, info = webshop_reward(make_product(), FULL, goal)
    assert info["r_type"] == 0.5 and r == pytest.approx(0.5)
    r, _ = webshop_reward(make_product(price=99.0), FULL, goal)
    assert r == pytest.approx(0.5 * 4 / 5)


def test_score_and_success() -> None:
    assert score_and_success([1.0, 1.0, 0.5, 0.0]) == (62.5, 0.5)
    assert score_and_success([]) == (0.0, 0.0)
    assert score_and_success(iter([0.2])) == pytest.approx((20.0, 0.0))


# -- search -----------------------------------------------------------------------------------------


def test_indexed_text() -> None:
    p = make_product()
    text = product_text(p)
    assert p.title in text and p.description in text and p.bullets[0] in text
    assert p.bullets[1] not in text
    assert "navy blue" in text and "x-large" in text
    assert tokenize("The Hoodie, a HOODIE!") == ["hoodie", "hoodie"]


def test_title_query_finds_product(catalog: Catalog, index: SearchIndex) -> None:
    step = len(catalog) // 50
    for p in catalog.products[::step][:50]:
        hits = index.search(p.title, k=10)
        assert p.asin in hits, p.title


def test_goal_query_results(catalog: Catalog, index: SearchIndex) -> None:
    goals = generate_goals(catalog, n_goals=50, seed=1)
    same_type = found = 0
    for g in goals:
        hits = index.search(g.query)
        assert 0 < len(hits) <= 50 and len(set(hits)) == len(hits)
        same_type += catalog.get(hits[0]).product_type == g.product_type
        found += g.asin in hits
        assert g.asin in index.search(g.instruction)  # the full instruction always finds the target
    assert same_type >= 40 and found >= 45  # measured: ~94% and ~98% on 500 goals


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\n\t",
        "search[",
        "]]]",
        "[[]]",
        "click[buy now]",
        "é日本語😀",
        "the of and",
        "x" * 5000,
        "hoodie " * 800,
    ],
)
def test_weird_queries_never_raise(index: SearchIndex, query: str) -> None:
    hits = index.search(query)
    assert isinstance(hits, list) and len(hits) <= 50


def test_no_known_token_gives_empty(index: SearchIndex) -> None:
    for q in ["", "   ", "]]]", "search[", "qwxzzy", "the of and", "é日本語😀"]:
        assert index.search(q) == []


def test_k_bounds(catalog: Catalog, index: SearchIndex) -> None:
    q = catalog[0].title
    assert index.search(q, k=0) == [] and index.search(q, k=-3) == []
    assert len(index.search(q, k=3)) == 3
    big = index.search("hoodie coffee shoe rug", k=10**6)
    assert len(big) <= len(catalog)


def test_search_is_deterministic(catalog: Catalog, index: SearchIndex) -> None:
    queries = [g.query for g in generate_goals(catalog, n_goals=10, seed=2)]
    first = [index.search(q) for q in queries]
    assert [index.search(q) for q in queries] == first
    again = SearchIndex(Catalog.generate(2000, seed=0))
    assert [again.search(q) for q in queries] == first


def test_ties_in_catalog_order() -> None:
    a = make_product(asin="B0A", title="Plain Widget", description="", bullets=[], options={})
    b = make_product(asin="B0B", title="Plain Widget", description="", bullets=[], options={})
    c = make_product(asin="B0C", title="Other Thing", description="", bullets=[], options={})
    assert SearchIndex([b, a, c]).search("widget") == ["B0B", "B0A"]
    assert SearchIndex([a, b, c]).search("widget", k=1) == ["B0A"]


def test_empty_catalog() -> None:
    index = SearchIndex([])
    assert len(index) == 0 and index.search("hoodie") == []
    assert index.build_seconds >= 0.0
