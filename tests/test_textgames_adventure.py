"""The generated text adventure: worlds, the exact solver and its oracle, commands, rewards and the env contract."""

from __future__ import annotations

import random
from collections import deque

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import agentgym  # noqa: F401  (registers the ids)
from agentgym.envs.textgames.adventure import (
    INVENTORY,
    PRESETS,
    Solver,
    State,
    TextAdventureEnv,
    World,
    generate_world,
    make_config,
)
from agentgym.envs.textgames.adventure.rules import admissible, apply, perform
from agentgym.envs.textgames.adventure.world import Door, Fixture, Item, Room
from agentgym.envs.textgames.splits import WORLD_SEEDS

PRESET_IDS = {"easy": "agentgym/TextAdventure-Easy-v0", "medium": "agentgym/TextAdventure-Medium-v0",
              "hard": "agentgym/TextAdventure-Hard-v0"}


def tiny_world() -> World:
    """Kitchen --(locked iron door)-- cellar. The apple is in the closed chest in the cellar; it goes on the table.

    The iron key lies on the table; a brass key (it fits nothing) lies on the kitchen floor.
    Optimal plan (7 commands, 5 of them not moves): take iron key from oak table, unlock iron door
    with iron key, go east, open wooden chest, take red apple from wooden chest, go west, put red
    apple on oak table.
    """
    rooms = (
        Room("kitchen", (0, 0), "You are in the kitchen.", "It smells of old bread.", (("east", 1, 0),)),
        Room("cellar", (1, 0), "You are in the cellar.", "The air is cold and damp.", (("west", 0, 0),)),
    )
    doors = (Door("iron door", (0, 1), key=1),)
    fixtures = (Fixture("wooden chest", "container", 1, -1, "here"), Fixture("oak table", "supporter", 0, -1, "here"))
    items = (Item("red apple"), Item("iron key", ("door", 0)), Item("brass key"))
    # holders: rooms 0-1, the chest 2, the table 3
    start = State(room=0, locs=(2, 3, 0), locked_doors=1, open_fixtures=0, locked_fixtures=0)
    return World(0, rooms, doors, fixtures, items, start, target=0, goal=3,
                 task="Put the red apple on the oak table in the kitchen.", quest_length=5)


TINY_PLAN = [
    "take iron key from oak table", "unlock iron door with iron key", "go east", "open wooden chest",
    "take red apple from wooden chest", "go west", "put red apple on oak table",
]


def tiny_env(**kwargs) -> TextAdventureEnv:
    env = TextAdventureEnv("easy", **kwargs)
    env.reset(seed=0, options={"world": tiny_world()})
    return env


# ---------------------------------------------------------------------------- the oracle
@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_oracle_wins_every_world_within_the_step_limit_and_progress_tracks_the_solver(preset):
    env = gym.make(PRESET_IDS[preset])
    base = env.unwrapped
    lo, hi = PRESETS[preset]["quest_length"]
    limit = PRESETS[preset]["max_steps"]
    for seed in range(500):
        obs, info = env.reset(seed=seed)
        assert info["progress"] == 0.0
        initial = base.remaining_plan
        assert initial == base.initial_plan > 0
        # every optimal plan has exactly quest_length non-movement commands
        assert lo <= base.world.quest_length <= hi
        assert base.solver.subgoals(base.state) == base.world.quest_length
        steps = 0
        while True:
            action = base.oracle_action()
            assert action in info["admissible_actions"]
            before = base.remaining_plan
            obs, reward, terminated, truncated, info = env.step(action)
            steps += 1
            assert info["valid_action"]
            assert base.remaining_plan == before - 1  # each optimal step brings the win one closer
            assert info["progress"] <= 1.0
            assert info["progress"] == pytest.approx(1 - base.remaining_plan / initial)
            if terminated or truncated:
                break
        assert terminated and info["success"] and reward == 1.0, seed
        assert info["progress"] == 1.0 and base.remaining_plan == 0 and base.oracle_action() is None
        assert steps == initial <= limit


def test_optimal_plan_is_the_oracle_s_play():
    env = gym.make("agentgym/TextAdventure-v0")
    env.reset(seed=3)
    plan = env.unwrapped.optimal_plan()
    assert len(plan) == env.unwrapped.remaining_plan
    for command in plan:
        info = env.step(command)[4]
    assert info["success"]


# --------------------------------------------------------------------- the exact solver
def brute_force_remaining(world: World, state: State) -> int:
    """Breadth-first search over every admissible command (drops, closes and locks included)."""
    if state.locs[world.target] == world.goal:
        return 0
    seen, queue = {state}, deque([(state, 0)])
    while queue:
        here, depth = queue.popleft()
        for command in admissible(world, here).values():
            there = perform(world, here, command)[0]
            if there.locs[world.target] == world.goal:
                return depth + 1
            if there not in seen:
                seen.add(there)
                queue.append((there, depth + 1))
    raise AssertionError("no plan found")


@pytest.mark.parametrize("config", [
    make_config("easy"),
    make_config("easy", rooms=4, objects=1, distractors=1, locked_doors=1, quest_length=(4, 6)),
])
def test_the_solver_matches_brute_force_search_from_states_random_play_reaches(config):
    for seed in range(25):
        world = generate_world(seed, config)
        solver = Solver(world)
        rng = random.Random(seed)
        state = world.start
        for _ in range(4):
            for _ in range(rng.randrange(12)):  # wander: drop, close and lock things too
                following = perform(world, state, rng.choice(list(admissible(world, state).values())))[0]
                if following.locs[world.target] != world.goal:
                    state = following
            assert solver.remaining(state) == brute_force_remaining(world, state), (seed, state)


def test_a_hand_checked_world_has_the_known_optimal_plan():
    env = tiny_env()
    assert env.remaining_plan == 7 and env.solver.subgoals(env.state) == 5
    assert env.optimal_plan() == TINY_PLAN
    state = env.state
    for command in TINY_PLAN:
        state = apply(env.world, state, command)
    assert state.locs[0] == 3  # the apple is on the table
    # dropping the key after unlocking costs nothing; closing the door again costs the unlock
    env.step("take iron key from oak table")
    env.step("unlock iron door with iron key")
    assert env.remaining_plan == 5
    env.step("lock iron door with iron key")
    assert env.remaining_plan == 6


# --------------------------------------------------------------------------- worlds
def test_the_same_seed_gives_the_same_world_and_different_seeds_differ():
    env = gym.make("agentgym/TextAdventure-v0")
    first = env.reset(seed=11)
    again = env.reset(seed=11)
    assert first[0] == again[0] and first[1]["task"] == again[1]["task"]
    world = env.unwrapped.world
    env.reset(seed=11)
    assert env.unwrapped.world == world
    texts = {env.reset(seed=seed)[0] for seed in range(30)}
    assert len(texts) >= 29


def test_train_and_test_splits_draw_disjoint_world_seeds():
    seeds = {}
    for split in ("train", "test"):
        env = TextAdventureEnv("easy", split=split)
        seeds[split] = set()
        for seed in range(50):
            env.reset(seed=seed)
            assert env.world.seed in WORLD_SEEDS[split]
            seeds[split].add(env.world.seed)
    assert not seeds["train"] & seeds["test"]
    assert len(seeds["train"]) == 50


def test_knobs_override_the_preset_and_shape_the_world():
    env = TextAdventureEnv("hard", rooms=12, objects=3, quest_length=9, distractors=0, locked_doors=3, max_steps=77)
    env.reset(seed=1)
    world = env.world
    assert len(world.rooms) == 12 and world.quest_length == 9
    assert sum(1 for item in world.items if item.key_of is None) == 3
    assert sum(1 for d in world.doors) == 3  # no distractor doors
    assert env.config.max_steps == 77
    assert env.solver.subgoals(env.state) == 9


@pytest.mark.parametrize("kwargs, message", [
    ({"preset": "insane"}, "preset"),
    ({"rooms": 1}, "rooms"),
    ({"rooms": 17}, "rooms"),
    ({"rooms": 2.5}, "rooms"),
    ({"objects": 0}, "objects"),
    ({"quest_length": 1}, "quest_length"),
    ({"quest_length": (6, 4)}, "quest_length"),
    ({"quest_length": "long"}, "quest_length"),
    ({"locked_doors": 2, "quest_length": 4}, "quest_length"),
    ({"locked_doors": 9}, "locked_doors"),
    ({"distractors": -1}, "distractors"),
    ({"split": "validation"}, "split"),
    ({"intermediate_reward": "yes"}, "intermediate_reward"),
    ({"render_mode": "rgb_array"}, "render_mode"),
])
def test_bad_knobs_are_clear_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TextAdventureEnv(**kwargs)


def test_a_lone_locked_doors_knob_lengthens_the_preset_quest():
    assert make_config("easy", locked_doors=1).quest_length == (4, 4)


# ------------------------------------------------------------------------- commands
@pytest.mark.parametrize("action", [
    "", "   ", "x" * 10_000, "ñandú 🐍", "dance wildly", "take", "drop", "put apple", "open", "unlock",
    "go", "go up", "xyzzy plugh", 12, None, b"look", ["look"], 3.5,
])
def test_malformed_commands_are_invalid_say_why_and_change_nothing(action):
    env = gym.make("agentgym/TextAdventure-v0")
    env.reset(seed=5)
    state = env.unwrapped.state
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["valid_action"] is False
    assert obs.startswith("Invalid action: ") and len(obs.split("\n")[0]) > len("Invalid action: ") + 10
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert env.unwrapped.state == state and info["progress"] == 0.0
    assert env.observation_space.contains(obs)


@pytest.mark.parametrize("commands, reason", [
    (["go east"], "The iron door is locked."),
    (["east"], "The iron door is locked."),
    (["go west"], "You can't go west from here: there is no exit that way."),
    (["unlock door with iron key"], "You don't have the iron key."),
    (["take brass key", "unlock door with brass key"], "The brass key doesn't fit the iron door."),
    (["open door"], "The iron door is locked."),
    (["take iron key", "unlock door"], "Unlock the iron door with what?"),
    (["take iron key", "take iron key"], "You already have the iron key."),
    (["drop iron key"], "You don't have the iron key."),
    (["take table"], "You can't take the oak table: it stays where it is."),
    (["take apple"], "You can't see any apple here."),
    (["take key"], "Which do you mean: the iron key or the brass key?"),
    (["unlock north door with iron key"], "There is no door to the north."),
    (["take iron key", "unlock door with iron key", "e", "open chest", "open chest"],
     "The wooden chest is already open."),
    (["take iron key", "unlock door with iron key", "e", "close chest"], "The wooden chest is already closed."),
    (["take iron key", "unlock door with iron key", "e", "put key in chest"], "The wooden chest is closed."),
    (["take iron key", "unlock door with iron key", "unlock door with iron key"], "The iron door is not locked."),
    (["take iron key", "unlock door with iron key", "e", "take apple from chest"], "The wooden chest is closed."),
    (["take iron key from chest"], "You can't see any chest here."),
    (["take brass key from table"], "The brass key is not on the oak table."),
])
def test_well_formed_but_impossible_commands_get_a_helpful_reason(commands, reason):
    env = tiny_env()
    for command in commands[:-1]:
        assert env.step(command)[4]["valid_action"], command
    state = env.state
    obs, _, _, _, info = env.step(commands[-1])
    assert info["valid_action"] is False
    assert obs.startswith(f"Invalid action: {reason}")
    assert env.state == state


@pytest.mark.parametrize("command, effect", [
    ("take the iron key", "You take the iron key from the oak table."),
    ("get iron key from table", "You take the iron key from the oak table."),
    ("pick up iron key", "You take the iron key from the oak table."),
    ("pick iron key up", "You take the iron key from the oak table."),
    ("GRAB   Iron   Key.", "You take the iron key from the oak table."),
    ("x table", "An oak table stands here; on it: an iron key."),
    ("look at the oak table", "An oak table stands here; on it: an iron key."),
    ("examine east door", "The iron door leads east. It is locked."),
    ("l", "You are in the kitchen."),
    ("i", "You are carrying nothing."),
])
def test_synonyms_and_short_names_are_understood(command, effect):
    env = tiny_env()
    obs, _, _, _, info = env.step(command)
    assert info["valid_action"] and obs.startswith(effect)


def test_playing_the_tiny_world_by_hand():
    env = tiny_env()
    steps = [
        ("take iron key", "You take the iron key from the oak table."),
        ("open east door with key", "You unlock the iron door with the iron key and swing it open."),
        ("e", "You go east to the cellar.\n\nYou are in the cellar."),
        ("open chest", "You open the wooden chest. Inside: the red apple."),
        ("take apple", "You take the red apple from the wooden chest."),
        ("walk west", "You go west to the kitchen."),
        ("inventory", "You are carrying: a red apple and an iron key."),
        ("put down iron key", "You drop the iron key."),
        ("put apple onto table", "You put the red apple on the oak table."),
    ]
    for command, text in steps:
        obs, reward, terminated, _, info = env.step(command)
        assert info["valid_action"], (command, obs)
        assert obs.startswith(text)
    assert terminated and reward == 1.0 and info["success"] and info["message"].startswith("You put")
    assert "completed the quest" in obs


def test_every_admissible_action_is_valid_under_random_play():
    for preset, env_id in PRESET_IDS.items():
        env = gym.make(env_id)
        rng = random.Random(0)
        for seed in range(4):
            obs, info = env.reset(seed=seed)
            initial = env.unwrapped.initial_plan
            for _ in range(300):
                action = rng.choice(info["admissible_actions"])
                obs, reward, terminated, truncated, info = env.step(action)
                assert info["valid_action"], (preset, seed, action, obs)
                assert len(obs) < 2000 and env.observation_space.contains(obs)
                remaining = env.unwrapped.remaining_plan
                assert 0.0 <= info["progress"] <= 1.0
                assert info["progress"] == pytest.approx(max(0.0, 1 - remaining / initial))
                assert env.unwrapped.oracle_action() in info["admissible_actions"] + [None]
                if terminated or truncated:
                    break


def test_events_are_short_messages():
    env = tiny_env()
    assert env.step("take iron key")[4]["message"] == "You take the iron key from the oak table."
    assert env.step("look")[4]["message"] == ""
    assert env.step("fly")[4]["message"] == ""


# --------------------------------------------------------------------------- rewards
def test_rewards_are_sparse_by_default():
    env = tiny_env()
    rewards = [env.step(command)[1] for command in TINY_PLAN]
    assert rewards == [0.0] * 6 + [1.0]


def test_intermediate_reward_follows_the_solver():
    env = gym.make("agentgym/TextAdventure-v0", intermediate_reward=True)
    rng = random.Random(1)
    seen = set()
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        for _ in range(150):
            before = env.unwrapped.remaining_plan
            action = rng.choice(info["admissible_actions"] + ["jump"])
            obs, reward, terminated, truncated, info = env.step(action)
            after = env.unwrapped.remaining_plan
            expected = float(after < before) - float(after > before) + float(info["success"])
            assert reward == expected
            seen.add(reward)
            if terminated or truncated:
                break
    assert {-1.0, 0.0, 1.0} <= seen
    env = tiny_env(intermediate_reward=True)
    assert [env.step(command)[1] for command in TINY_PLAN] == [1.0] * 6 + [2.0]


# ------------------------------------------------------------------------ env contract
@pytest.mark.parametrize("preset", list(PRESETS))
def test_gymnasium_check_env_passes(preset):
    check_env(TextAdventureEnv(preset), skip_render_check=True)


def test_the_compact_state_has_the_task_spec_s_fixed_shapes():
    shapes = {}
    for preset, env_id in PRESET_IDS.items():
        env = gym.make(env_id)
        env.reset(seed=2)
        spec = env.unwrapped.task_spec
        assert spec.name == f"TextAdventure-{preset.capitalize()}"
        state = env.unwrapped.compact_state()
        spec.validate_state(state)
        shapes[preset] = {k: np.shape(v) for k, v in state.items()}
        assert state["remaining_plan"] == state["initial_plan"] == env.unwrapped.remaining_plan
        assert state["quest_length"] == state["subgoals_left"] == env.unwrapped.world.quest_length
    assert shapes["easy"] == shapes["medium"] == shapes["hard"]
    env = tiny_env()
    for command in TINY_PLAN[:5]:
        env.step(command)
    state = env.compact_state()
    assert state["room"] == 1 and state["rooms_visited"] == 2 and state["inventory_count"] == 2
    assert state["holding_target"] == 1 and state["locked_doors"] == 0 and state["target_distance"] == 0
    assert state["goal_distance"] == 1 and state["remaining_plan"] == 2 and state["subgoals_left"] == 1


def test_an_env_made_directly_cuts_episodes_at_its_step_limit():
    env = TextAdventureEnv("easy", max_steps=5)
    env.reset(seed=0)
    results = [env.step("look") for _ in range(5)]
    assert [r[3] for r in results] == [False] * 4 + [True]
    with pytest.raises(RuntimeError):
        env.step("look")
    made = gym.make("agentgym/TextAdventure-Easy-v0")
    assert made.spec.max_episode_steps == 100 and made.unwrapped.config.max_steps == 100


def test_a_given_world_must_be_a_world():
    env = TextAdventureEnv("easy")
    with pytest.raises(ValueError, match="World"):
        env.reset(seed=0, options={"world": "the kitchen"})


def test_inventory_holder_is_distinct_from_every_room_and_fixture():
    world = generate_world(0, make_config("hard"))
    holders = set(range(len(world.rooms) + len(world.fixtures)))
    assert INVENTORY not in holders
    assert all(loc in holders for loc in world.start.locs)  # nothing starts in the inventory
