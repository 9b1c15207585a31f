"""WebShopEnv: pages and actions as WebShop's, invalid actions, options, buying, oracle and rule baselines."""

from __future__ import annotations

import re
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import agentgym  # noqa: F401  (registers the envs)
from agentgym.agents import AgentError, evaluate_agent, make_agent
from agentgym.core import get_compact_state, get_task_spec
from agentgym.envs.registration import CATALOG
from agentgym.envs.webshop.baselines import RuleAgent, instruction_of, rule_action
from agentgym.envs.webshop.env import SEARCH_ACTION, WebShopEnv, load_shop, price_text

SMALL = "agentgym/WebShop-Small-v0"
KW = {"n_products": 2000, "n_goals": 2000}


@pytest.fixture()
def env():
    e = WebShopEnv(**KW, split="all", max_steps=500)  # room for long walks through the pages
    yield e
    e.close()


def _first_goal_with_options(env, n_options=2):
    for i, goal in enumerate(env.goals):
        if len(goal.options) >= n_options and all(len(v) >= 2 for v in env.catalog.get(goal.asin).options.values()):
            return i
    raise AssertionError("no goal with enough options")


def _to_target_item(env, goal_index):
    obs, info = env.reset(seed=0, options={"goal_index": goal_index})
    while env.page != "item" or env._asin != env.goal.asin:
        obs, *_, info = env.step(env.oracle_action())
    return obs, info


def _assert_noop(env, action, before_obs, before_info):
    steps = env._steps
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["valid_action"] is False and reward == 0.0 and not terminated
    assert obs.startswith("Invalid action: ") and obs.endswith(before_obs)
    assert info["admissible_actions"] == before_info["admissible_actions"]
    assert info["page"] == before_info["page"] and env._steps == steps + 1
    return obs, info


# ------------------------------------------------------------------------------------------- registration
def test_registered_like_the_other_text_envs():
    for env_id, n in ((SMALL, 2000), ("agentgym/WebShop-v0", 10_000)):
        entry = CATALOG[env_id]
        assert entry.family == "webshop" and entry.text and entry.max_episode_steps == 15
        assert entry.kwargs["n_products"] == n
    e = gym.make(SMALL)
    assert isinstance(e.unwrapped, WebShopEnv) and e.unwrapped.split == "train"
    assert get_task_spec(e).name == "WebShop"
    e.close()


def test_gymnasium_checker_passes():
    e = gym.make(SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(e.unwrapped, skip_render_check=True)
    e.close()


def test_the_shop_is_built_once_per_process():
    a, b = WebShopEnv(**KW), WebShopEnv(**KW, split="test", observation_mode="html")
    assert a.catalog is b.catalog and a.index is b.index and a.goals is b.goals
    assert load_shop(2000, 0, 2000) is load_shop(2000, 0, 2000)


@pytest.mark.parametrize("kwargs", [{"split": "dev"}, {"observation_mode": "json"}, {"max_steps": 0},
                                    {"n_goals": 100}, {"n_products": 0}])
def test_bad_constructor_arguments(kwargs):
    with pytest.raises(ValueError):
        WebShopEnv(**{**KW, **kwargs})


# ------------------------------------------------------------------------------------------------ pages
def test_search_page(env):
    obs, info = env.reset(seed=3)
    assert obs == f"WebShop [SEP] Instruction: [SEP] {env.goal.instruction} [SEP] Search"
    assert info["admissible_actions"] == [SEARCH_ACTION] and info["has_search_bar"] and info["page"] == "search"
    assert info["task"] == env.goal.instruction and info["progress"] == 0.0 and not info["success"]
    for bad in ("click[search]", "click[back to search]", "click[buy now]", "click[next >]", "click[< prev]"):
        _assert_noop(env, bad, obs, info)
    obs, _, _, _, info = env.step("search[<query>]")  # the literal admissible entry is a valid search
    assert info["valid_action"] and info["page"] == "results"


def test_results_page_and_paging(env):
    env.reset(seed=0, options={"goal_index": 0})
    query = " ".join(env.target.title.split()[1:3])
    obs, _, _, _, info = env.step(f"search[{query}]")
    results = env.index.search(query.lower(), k=50)
    assert len(results) == 50 and not info["has_search_bar"] and info["page"] == "results"
    first = env.catalog.get(results[0])
    head = f"Instruction: [SEP] {env.goal.instruction} [SEP] Back to Search [SEP] Page 1 (Total results: 50) [SEP] "
    assert obs.startswith(head + f"Next > [SEP] {first.asin} [SEP] {first.title} [SEP] {price_text(first)} [SEP] ")
    assert "< Prev" not in obs
    asins = [a for a in info["admissible_actions"] if re.fullmatch(r"click\[b0[0-9a-z]{8}\]", a)]
    assert asins == [f"click[{a.lower()}]" for a in results[:10]]
    assert info["admissible_actions"][:2] == ["click[back to search]", "click[next >]"]
    # no search bar, unknown asins (also of other pages), bad clicks
    for bad in (f"search[{query}]", f"click[{results[10].lower()}]", "click[b0zzzzzzzz]", "click[buy now]",
                "click[< prev]", "click[description]"):
        _assert_noop(env, bad, obs, info)
    for page in range(2, 6):
        obs, _, _, _, info = env.step("click[next >]")
        assert f"Page {page} (Total results: 50)" in obs and "click[< prev]" in info["admissible_actions"]
        shown = [a for a in info["admissible_actions"] if re.fullmatch(r"click\[b0[0-9a-z]{8}\]", a)]
        assert shown == [f"click[{a.lower()}]" for a in results[(page - 1) * 10: page * 10]]
    assert "Next >" not in obs and "click[next >]" not in info["admissible_actions"]
    _assert_noop(env, "click[next >]", obs, info)
    obs, _, _, _, info = env.step("CLICK[< Prev]")  # case-insensitive
    assert info["valid_action"] and "Page 4 (Total results: 50)" in obs
    assert get_compact_state(env)["result_page"] == 4
    obs, _, _, _, info = env.step("click[back to search]")
    assert info["has_search_bar"] and obs.startswith("WebShop [SEP] Instruction:")


def test_few_and_no_results(env):
    env.reset(seed=0)
    obs, _, _, _, info = env.step("search[qwxzzy zzqqxw]")
    assert "Page 1 (Total results: 0)" in obs and info["admissible_actions"] == ["click[back to search]"]
    env.step("click[back to search]")
    word = next(w for w in env.target.title.lower().split() if 0 < len(env.index.search(w)) < 10)
    obs, _, _, _, info = env.step(f"search[{word}]")
    n = len(env.index.search(word))
    assert f"Page 1 (Total results: {n})" in obs and "click[next >]" not in info["admissible_actions"]
    assert sum(a.startswith("click[b0") for a in info["admissible_actions"]) == n


def test_item_page_and_sub_pages(env):
    gi = _first_goal_with_options(env)
    obs, info = _to_target_item(env, gi)
    p = env.target
    assert info["page"] == "item" and get_compact_state(env)["on_target"] == 1
    parts = obs.split(" [SEP] ")
    assert parts[2:4] == ["Back to Search", "< Prev"]
    assert parts[-7:] == [f"Price: {price_text(p)}", f"Rating: {p.rating:.1f}", "Description", "Features",
                          "Reviews", "Attributes", "Buy Now"]
    assert p.title in parts
    for name, values in p.options.items():
        i = parts.index(name)
        assert parts[i + 1: i + 1 + len(values)] == values
    expected = ["click[back to search]", "click[< prev]"]
    expected += [f"click[{v}]" for vs in p.options.values() for v in vs if f"click[{v}]" not in expected]
    expected += ["click[description]", "click[features]", "click[reviews]", "click[attributes]", "click[buy now]"]
    assert info["admissible_actions"] == list(dict.fromkeys(expected))
    for bad in ("search[shoes]", f"click[{p.asin.lower()}]", "click[next >]", "click[purple-ish]", "click[]"):
        _assert_noop(env, bad, obs, info)
    # select an option, visit each sub-page, and come back with the selection kept
    name, values = next(iter(p.options.items()))
    env.step(f"click[{values[0]}]")
    contents = {"description": [p.description], "features": p.bullets, "reviews": p.reviews,
                "attributes": p.attributes}
    for sub, texts in contents.items():
        obs, _, _, _, info = env.step(f"click[{sub}]")
        assert info["page"] == "sub_page" and env.page == sub
        assert obs.split(" [SEP] ")[2:] == ["Back to Search", "< Prev", *texts]
        assert info["admissible_actions"] == ["click[back to search]", "click[< prev]"]
        _assert_noop(env, "click[buy now]", obs, info)
        _assert_noop(env, f"click[{values[1]}]", obs, info)
        obs, _, _, _, info = env.step("click[< prev]")
        assert info["page"] == "item" and env.selected_options == {name: values[0]}
    # < prev goes back to the same results page; re-opening the item clears the selection
    page = env._result_page
    obs, _, _, _, info = env.step("click[< prev]")
    assert info["page"] == "results" and f"Page {page} (Total" in obs
    env.step(f"click[{p.asin.lower()}]")
    assert env.selected_options == {}
    env.step("click[description]")
    obs, _, _, _, info = env.step("click[back to search]")
    assert info["has_search_bar"] and env.selected_options == {}


def test_option_selection_replaces_and_marks(env):
    gi = _first_goal_with_options(env)
    _to_target_item(env, gi)
    env.observation_mode = "text_rich"
    (n1, v1), (n2, v2) = list(env.target.options.items())[:2]
    env.step(f"click[{v1[0]}]")
    env.step(f"click[{v2[0]}]")
    obs, _, _, _, info = env.step(f"click[{v1[1]}]")
    assert info["valid_action"] and env.selected_options == {n1: v1[1], n2: v2[0]}
    assert f"[clicked button] {v1[1]} [clicked button_]" in obs and f"  [button] {v1[0]} [button_]" in obs
    assert f"You have clicked {v1[1]}." in obs and "[button] Buy Now [button_]" in obs
    env.observation_mode = "html"
    obs, *_ = env.step(f"click[{v2[1]}]")
    assert env.selected_options == {n1: v1[1], n2: v2[1]}
    assert obs.startswith("<html>") and "<button>Buy Now</button>" in obs
    assert f'<label><input type="radio" checked>{v2[1]}</label>' in obs


def test_buy_ends_the_episode_with_reward_components(env):
    gi = _first_goal_with_options(env)
    _to_target_item(env, gi)
    name, value = next(iter(env.goal.options.items()))
    wrong = next(v for v in env.target.options[name] if v != value)
    env.step(f"click[{wrong}]")
    obs, reward, terminated, truncated, info = env.step("click[buy now]")
    comps = info["reward_components"]
    assert terminated and not truncated and 0.0 < reward < 1.0 and not info["success"]
    assert comps["reward"] == reward and comps["r_option"] < 1.0 and comps["r_type"] == 1.0
    assert set(comps) >= {"r_type", "r_attribute", "r_option", "r_price", "reward"}
    assert info["purchased"] == env.goal.asin and info["admissible_actions"] == []
    assert obs.startswith("Thank you for shopping with us! [SEP] Purchased") and info["page"] == "done"
    state = get_compact_state(env)
    assert state["purchased"] == 1 and state["final_reward"] == pytest.approx(reward) and state["page"] == 4
    assert info["progress"] < 1.0
    with pytest.raises(RuntimeError):
        env.step("click[back to search]")


def test_progress_and_oracle_episode(env):
    gi = _first_goal_with_options(env)
    env.reset(seed=0, options={"goal_index": gi})
    seen, rewards = [0.0], []
    while True:
        obs, reward, terminated, truncated, info = env.step(env.oracle_action())
        seen.append(info["progress"])
        rewards.append(reward)
        if terminated or truncated:
            break
    n = len(env.goal.options)
    assert seen[:3] == [0.0, 0.25, 0.5] and seen[-1] == 1.0 and info["success"] and reward == 1.0
    assert seen[-2] == pytest.approx(0.9) and seen[3] == pytest.approx(0.5 + 0.4 / n)
    assert rewards[:-1] == [0.0] * (len(rewards) - 1)
    assert env.oracle_action() is None
    get_task_spec(env).validate_state(get_compact_state(env))


def test_truncated_at_max_steps_with_zero_reward():
    e = WebShopEnv(**KW, max_steps=4)
    e.reset(seed=1)
    e.step("search[shirt]")
    for _ in range(2):
        *_, terminated, truncated, _ = e.step("click[nothing]")
        assert not (terminated or truncated)
    _, reward, terminated, truncated, _ = e.step("click[back to search]")
    assert truncated and not terminated and reward == 0.0


MALFORMED = ["", " ", "click[]", "click[ ]", "search[", "search[]", "search[   ]", "click", "click[buy now",
             "buy now", "click(buy now)", "clickbuy now]", "x" * 5000, "search[" + "a" * 5000 + "]",
             "click[" + "b" * 5000 + "]", "click[caf\u00e9]", "search[\u5546\u54c1]", "\u70b9\u51fb[buy now]",
             "click[\x00]", "search[a]\n", "click[[buy now]]", "[click] buy now", 42, None, b"click[buy now]"]


@pytest.mark.parametrize("page", ["search", "results", "item", "description"])
def test_malformed_actions_are_invalid_noops_and_never_raise(env, page):
    gi = _first_goal_with_options(env, 1)
    env.reset(seed=0, options={"goal_index": gi})
    while env.page != page:
        env.step(env.oracle_action() if env.page != "item" else "click[description]")
    obs, info = env._view, env._info()
    for bad in MALFORMED:
        if page == "search" and bad == "search[a]\n":
            continue  # whitespace is collapsed: a valid search
        _assert_noop(env, bad, obs, info)
    assert env.page == page


def test_random_admissible_play_never_raises(env):
    import random

    rng = random.Random(0)
    obs, info = env.reset(seed=0)
    for _ in range(400):
        action = rng.choice(info["admissible_actions"])
        if action == SEARCH_ACTION:
            action = f"search[{rng.choice(env.goals).query}]"
        obs, reward, terminated, truncated, info = env.step(action)
        assert info["valid_action"] and 0.0 <= info["progress"] <= 1.0 and 0.0 <= reward <= 1.0
        if terminated or truncated:
            obs, info = env.reset()


# ------------------------------------------------------------------------------------------ seeds, splits
def test_same_seed_same_goal_and_splits():
    envs = {s: WebShopEnv(**KW, split=s) for s in ("train", "eval", "test", "all")}
    ranges = {"train": range(1500, 2000), "eval": range(500, 1500), "test": range(0, 500), "all": range(2000)}
    for split, e in envs.items():
        picked = []
        for seed in range(30):
            obs, info = e.reset(seed=seed)
            assert e.goal_index in ranges[split] and info["task"] == e.goals[e.goal_index].instruction
            again, _ = e.reset(seed=seed)
            assert again == obs
            picked.append(e.goal_index)
        assert len(set(picked)) > 20
    e = envs["test"]
    e.reset(seed=0, options={"goal_index": 1999})  # an explicit goal index overrides the split
    assert e.goal_index == 1999
    for bad in (-1, 2000, "3", 1.0):
        with pytest.raises(ValueError):
            e.reset(seed=0, options={"goal_index": bad})


# ---------------------------------------------------------------------------------------------- baselines
def test_oracle_succeeds_on_at_least_95_percent():
    e = WebShopEnv(**KW, split="all")
    wins = 0
    for gi in range(0, 2000, 40):  # 50 goals
        e.reset(seed=0, options={"goal_index": gi})
        while True:
            *_, terminated, truncated, info = e.step(e.oracle_action())
            if terminated or truncated:
                break
        wins += info["success"]
    assert wins >= 48, wins


def test_rule_baseline_success_is_low():
    e = WebShopEnv(**KW, split="all")
    rewards, wins = [], 0
    for gi in range(0, 2000, 20):  # 100 goals
        obs, info = e.reset(seed=0, options={"goal_index": gi})
        first = rule_action(obs, info)
        assert first == f"search[{e.goal.instruction}]"
        reward = 0.0
        for _ in range(15):
            obs, reward, terminated, truncated, info = e.step(rule_action(obs, info))
            assert info["valid_action"]
            if terminated or truncated:
                break
        assert terminated and info["purchased"] == e._results[0]
        rewards.append(reward)
        wins += info["success"]
    assert 0 <= wins <= 25, wins  # 7 of 100 on this catalog (WebShop reports 9.6%)
    assert 0.2 < sum(rewards) / len(rewards) < 0.9


def test_rule_agent_is_a_registered_agent():
    assert instruction_of("WebShop [SEP] Instruction: [SEP] find me socks [SEP] Search", {}) == "find me socks"
    agent = make_agent("rule")
    assert isinstance(agent, RuleAgent)
    result = evaluate_agent(SMALL, "rule", episodes=3, seed=0)
    assert 0.0 <= result.success_rate <= 1.0
    maze = gym.make("agentgym/Maze-v0")
    with pytest.raises(AgentError):
        agent.reset(maze, 0)
    maze.close()
