"""The MiniGrid family: classic and text views, compact state, planner, seeding, checkers."""

from __future__ import annotations

import copy
import warnings

import gymnasium as gym
import numpy as np
import pytest
from minigrid.core.constants import DIR_TO_VEC
from minigrid.core.world_object import Door, Key, Lava

import agentgym  # noqa: F401  (registers the envs)
from agentgym.envs.minigrid.catalog import TASKS
from agentgym.envs.minigrid.missions import decode_mission
from agentgym.envs.minigrid.planner import remaining_steps, solve
from agentgym.envs.minigrid.text_view import ACTION_WORDS, MiniGridTextEnv
from agentgym.envs.registration import CATALOG

MINIGRID_IDS = [i for i, e in CATALOG.items() if e.family == "minigrid"]
CLASSIC_IDS = [i for i in MINIGRID_IDS if not CATALOG[i].text]
TEXT_IDS = [i for i in MINIGRID_IDS if CATALOG[i].text]
LEFT, RIGHT, FORWARD, PICKUP, DROP, TOGGLE, DONE = range(7)


def _make(env_id: str, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy MultiRoom-N4-S5-v0 id warns that v1 exists
        return gym.make(env_id, **kwargs)


def _face(env, cell) -> None:
    """Put the agent on a free neighbour of ``cell``, facing it."""
    for d, vec in enumerate(DIR_TO_VEC):
        x, y = int(cell[0] - vec[0]), int(cell[1] - vec[1])
        if 0 <= x < env.width and 0 <= y < env.height and env.grid.get(x, y) is None:
            env.agent_pos, env.agent_dir = (x, y), d
            return
    raise AssertionError(f"no free cell next to {cell}")


def _cells(env, kind: str) -> list[tuple[int, int]]:
    return [(x, y) for y in range(env.height) for x in range(env.width)
            if env.grid.get(x, y) is not None and env.grid.get(x, y).type == kind]


# ----------------------------------------------------------------- registration


def test_every_task_registers_a_classic_and_a_text_id():
    assert len(TASKS) >= 16
    for task in TASKS.values():
        classic, text = CATALOG[f"agentgym/{task.classic_id}"], CATALOG[f"agentgym/{task.text_id}"]
        assert (classic.family, classic.text, text.family, text.text) == ("minigrid", False, "minigrid", True)
        assert classic.max_episode_steps == text.max_episode_steps == task.max_steps
        assert classic.summary and "\n" not in classic.summary
    assert {"agentgym/BabyAI-GoToObj-v0", "agentgym/BabyAI-PickupLoc-Text-v0",
            "agentgym/MiniGrid-MultiRoom-N4-S5-v0", "agentgym/MiniGrid-KeyCorridorS3R2-Text-v0"} <= set(CATALOG)


# The gymnasium and SB3 checkers run on every registered env in tests/test_registry.py.


@pytest.mark.parametrize("env_id", CLASSIC_IDS)
def test_classic_observation_is_image_direction_and_babyai_mission(env_id):
    env = _make(env_id)
    obs, _ = env.reset(seed=0)
    assert obs["image"].shape == (7, 7, 3) and obs["image"].dtype == np.uint8
    assert set(obs) == ({"image", "direction", "mission"} if "BabyAI" in env_id else {"image", "direction"})


@pytest.mark.parametrize("task_id", list(TASKS))
def test_catalogue_matches_upstream_limits_and_capacities(task_id):
    """max_steps is upstream's, and no layout has more keys or doors than the state holds."""
    task = TASKS[task_id]
    env = _make(f"agentgym/{task_id}").unwrapped
    for seed in range(25):
        env.reset(seed=seed)
        assert env.max_steps == task.max_steps
        assert len(_cells(env, "key")) <= task.keys and len(_cells(env, "door")) <= task.doors
        state = env.compact_state()
        env.task_spec.validate_state(state)
        assert sorted(map(tuple, state["door_pos"][: len(_cells(env, "door"))].tolist())) == sorted(_cells(env, "door"))


def test_babyai_mission_is_in_the_observation():
    env = _make("agentgym/BabyAI-PickupLoc-v0")
    missions = set()
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        assert decode_mission(obs["mission"]) == info["task"]
        missions.add(info["task"])
    assert len(missions) > 1


def test_progress_only_when_asked():
    obs, info = _make("agentgym/MiniGrid-DoorKey-5x5-v0").reset(seed=0)
    assert "progress" not in info and set(info) == {"task", "success", "message"}
    env = _make("agentgym/MiniGrid-DoorKey-5x5-v0", with_progress=True)
    _, info = env.reset(seed=0)
    assert info["progress"] == 0.0
    *_, info = env.step(env.unwrapped.oracle_action())
    assert info["progress"] == pytest.approx(1 / 11)  # seed 0 needs 11 actions


# ---------------------------------------------------------------------- seeding


@pytest.mark.parametrize("env_id", ["agentgym/MiniGrid-DoorKey-8x8-v0", "agentgym/MiniGrid-KeyCorridorS3R2-Text-v0",
                                    "agentgym/BabyAI-PickupLoc-v0"])
def test_same_seed_same_trajectory(env_id):
    def run(seed):
        env = _make(env_id)
        obs, info = env.reset(seed=seed)
        out = [str(obs) if isinstance(obs, str) else (obs["image"].tobytes(), obs["direction"])]
        for k in range(30):
            action = ACTION_WORDS[k % 7] if CATALOG[env_id].text else k % 7
            obs, reward, terminated, truncated, _ = env.step(action)
            out.append((str(obs) if isinstance(obs, str) else obs["image"].tobytes(), reward))
            if terminated or truncated:
                break
        return out, env.unwrapped.compact_state()

    (a, state_a), (b, state_b) = run(3), run(3)
    assert a == b and all(np.array_equal(state_a[k], state_b[k]) for k in state_a)


def test_different_seeds_give_different_layouts_and_text_matches_classic():
    classic = _make("agentgym/MiniGrid-DoorKey-8x8-v0").unwrapped
    text = MiniGridTextEnv("MiniGrid-DoorKey-8x8-v0")
    layouts = set()
    for seed in range(5):
        classic.reset(seed=seed)
        text.reset(seed=seed)
        layouts.add(classic.grid.encode().tobytes())
        assert text.env.grid.encode().tobytes() == classic.grid.encode().tobytes()
        assert tuple(text.env.agent_pos) == tuple(classic.agent_pos)
    assert len(layouts) == 5


# --------------------------------------------------------------- compact state


def test_compact_state_follows_the_grid_in_doorkey():
    env = _make("agentgym/MiniGrid-DoorKey-5x5-v0").unwrapped
    env.reset(seed=0)
    state = env.compact_state()
    (key,), (door,) = _cells(env, "key"), _cells(env, "door")
    assert state["agent_pos"].tolist() == list(env.agent_pos) and int(state["agent_dir"]) == env.agent_dir
    assert state["key_pos"].tolist() == [list(key)] and state["door_pos"].tolist() == [list(door)]
    assert state["door_state"].tolist() == [2] and state["carrying"].tolist() == [-1, -1]
    assert state["goal_pos"].tolist() == [3, 3]
    assert int(state["goal_distance"]) == abs(3 - env.agent_pos[0]) + abs(3 - env.agent_pos[1])

    _face(env, key)
    env.step(PICKUP)
    state = env.compact_state()
    assert state["carrying"].tolist() == [5, 4]  # a yellow key
    assert state["key_pos"].tolist() == [[-1, -1]] and int(state["step_count"]) == 1

    _face(env, door)
    env.step(TOGGLE)
    assert env.compact_state()["door_state"].tolist() == [0]  # the key unlocks and opens it
    env.task_spec.validate_state(env.compact_state())


def test_locked_door_stays_locked_without_its_key_and_closed_doors_flip():
    env = _make("agentgym/MiniGrid-DoorKey-5x5-v0").unwrapped
    env.reset(seed=0)
    _face(env, _cells(env, "door")[0])
    env.step(TOGGLE)
    assert env.compact_state()["door_state"].tolist() == [2]

    env = _make("agentgym/MiniGrid-MultiRoom-N2-S4-v0").unwrapped
    env.reset(seed=0)
    (door,) = _cells(env, "door")
    _face(env, door)
    states = []
    for _ in range(2):
        env.step(TOGGLE)
        states.append(env.compact_state()["door_state"].tolist())
    assert states == [[0], [1]]  # open, then closed again


# -------------------------------------------------------------------- text view


def test_text_view_names_objects_with_their_offsets():
    env = MiniGridTextEnv("MiniGrid-Empty-8x8-v0")
    env.reset(seed=0)
    inner = env.env  # the agent starts at (1, 1) facing right (+x): right is +y
    assert (tuple(inner.agent_pos), inner.agent_dir) == ((1, 1), 0)
    inner.put_obj(Key("yellow"), 3, 2)
    inner.put_obj(Door("yellow", is_locked=True), 5, 1)
    obs = env.step("done")[0]
    assert obs.splitlines() == [
        "Nothing happened.",
        "Mission: get to the green goal square",
        "You see a wall 1 step left, a yellow key 1 step right and 2 steps forward, "
        "a locked yellow door 4 steps forward, a wall 6 steps forward.",
        "You carry nothing.",
    ]
    obs = env.step("turn right")[0]  # now facing +y: right is -x, left is +x
    assert "a yellow key 2 steps left and 1 step forward" in obs
    assert "a locked yellow door 3 steps left and 4 steps forward" not in obs  # outside the 7-wide view
    assert "a wall 1 step right" in obs and "a wall 6 steps forward" in obs
    inner.carrying = Key("red")
    assert env.step("turn left")[0].endswith("You carry a red key.")


def test_scripted_words_solve_doorkey_and_progress_reaches_one():
    env = _make("agentgym/MiniGrid-DoorKey-5x5-Text-v0")
    _, info = env.reset(seed=0)
    words = ["turn right", "pick up", "go forward", "go forward", "turn right", "toggle",
             "go forward", "go forward", "turn right", "go forward", "go forward"]
    progress = [info["progress"]]
    for k, word in enumerate(words):
        obs, reward, terminated, truncated, info = env.step(word)
        progress.append(info["progress"])
        assert terminated == (k == len(words) - 1) and not truncated
    assert info["success"] is True and reward > 0 and obs.startswith("You accomplished the task.")
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert progress == sorted(progress) and np.allclose(np.diff(progress), 1 / 11)
    assert int(env.unwrapped.compact_state()["success"]) == 1


def test_invalid_word_costs_a_step_and_changes_nothing():
    env = _make("agentgym/MiniGrid-DoorKey-5x5-Text-v0")
    first, _ = env.reset(seed=0)
    before = env.unwrapped.compact_state()
    obs, reward, terminated, truncated, info = env.step("fly")
    after = env.unwrapped.compact_state()
    assert info["valid_action"] is False and reward == 0.0 and not terminated
    assert obs.startswith("Invalid action: 'fly' is not one of the admissible actions: turn left")
    assert obs.endswith(first)
    assert after["agent_pos"].tolist() == before["agent_pos"].tolist()
    assert int(after["agent_dir"]) == int(before["agent_dir"])
    assert int(after["steps"]) == 1 and int(after["valid_action"]) == 0 and int(after["step_count"]) == 0


def test_text_env_truncates_at_upstream_max_steps():
    env = MiniGridTextEnv("MiniGrid-MultiRoom-N2-S4-v0")  # no TimeLimit: the env cuts itself
    env.reset(seed=0)
    flags = [env.step("fly" if k % 2 else "done")[3] for k in range(40)]
    assert flags == [False] * 39 + [True]


def test_lava_ends_the_episode_as_a_failure():
    env = MiniGridTextEnv("MiniGrid-LavaGapS5-v0")
    env.reset(seed=0)
    lava = _cells(env.env, "lava")[0]
    env.env.agent_pos, env.env.agent_dir = (lava[0] - 1, lava[1]), 0
    obs, reward, terminated, _, info = env.step("go forward")
    assert terminated and reward == 0.0 and info["success"] is False
    assert obs.startswith("You stepped into lava.")


# ---------------------------------------------------------------------- planner


def test_planner_on_empty_matches_the_hand_count():
    env = _make("agentgym/MiniGrid-Empty-5x5-v0").unwrapped
    env.reset(seed=4)
    (ax, ay), ((gx, gy),) = env.agent_pos, _cells(env, "goal")
    assert env.agent_dir == 0  # facing +x: both legs of the L need exactly one turn between them
    assert remaining_steps(env) == abs(gx - ax) + abs(gy - ay) + 1 == 5
    env.step(LEFT)  # now facing up: turn back right, go 2, turn right, go 2
    assert remaining_steps(env) == 6


@pytest.mark.parametrize("env_id", CLASSIC_IDS)
def test_following_the_oracle_solves_every_task(env_id):
    env = _make(env_id)
    for seed in range(3):
        env.reset(seed=seed)
        planned = remaining_steps(env)
        assert planned is not None
        terminated = truncated = False
        steps = 0
        while not (terminated or truncated):
            _, reward, terminated, truncated, info = env.step(env.unwrapped.oracle_action())
            steps += 1
        assert info["success"] and reward > 0 and steps == planned


@pytest.mark.parametrize("env_id, seed", [("MiniGrid-DoorKey-6x6-v0", 3), ("MiniGrid-KeyCorridorS3R2-v0", 1),
                                          ("BabyAI-PickupLoc-v0", 3), ("BabyAI-GoToObj-v0", 2)])
def test_first_actions_are_exactly_the_optimal_ones(env_id, seed):
    env = _make(f"agentgym/{env_id}").unwrapped
    env.reset(seed=seed)
    plan = solve(env)
    optimal = set()
    for action in range(7):
        trial = copy.deepcopy(env)
        *_, info = trial.step(action)
        rest = 0 if info["success"] else remaining_steps(trial)
        if rest == len(plan) - 1:
            optimal.add(action)
    assert plan.first_actions == optimal and plan.actions[0] in optimal


def test_goto_succeeds_after_any_action_when_already_facing_the_object():
    env = _make("agentgym/BabyAI-GoToObj-v0").unwrapped
    env.reset(seed=0)
    _face(env, env.instrs.desc.obj_poss[0])
    assert remaining_steps(env) == 1
    _, reward, terminated, _, info = env.step(DONE)
    assert terminated and info["success"] and reward > 0


def test_planner_gives_up_past_its_cap_and_on_impossible_tasks():
    env = _make("agentgym/MiniGrid-DoorKey-8x8-v0").unwrapped
    env.reset(seed=0)
    assert solve(env, max_expansions=10) is None and solve(env) is not None
    lava = _make("agentgym/MiniGrid-LavaGapS5-v0").unwrapped
    lava.reset(seed=0)
    lava.grid.set(*lava.gap_pos, Lava())  # close the only gap
    assert solve(lava) is None
    text = MiniGridTextEnv("MiniGrid-LavaGapS5-v0")
    text.reset(seed=0)
    text.env.grid.set(*text.env.gap_pos, Lava())
    assert text.oracle_action() is None
