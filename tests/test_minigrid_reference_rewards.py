"""Tests of the MiniGrid reference rewards: they load (checked and sandboxed) and shape real episodes."""

from __future__ import annotations

import copy
import math
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import agentgym  # noqa: F401  (registers the agentgym/ ids)
from agentgym.core import check_reward_code, load_reward_fn
from agentgym.core.sandbox import load_sandboxed_reward_fn
from agentgym.envs.minigrid.reference_rewards import (
    reference_reward_ids,
    reference_reward_path,
    reference_reward_source,
)

IDS = ["agentgym/MiniGrid-DoorKey-6x6-v0", "agentgym/MiniGrid-Unlock-v0", "agentgym/MiniGrid-KeyCorridorS3R1-v0"]
LEFT, DROP = 0, 4
KEY = 5


def test_reference_rewards_exist_for_the_three_tasks() -> None:
    assert reference_reward_ids() == IDS
    assert reference_reward_path("MiniGrid-Unlock-v0").name == "unlock.py"
    assert "def compute_reward" in reference_reward_source("agentgym/MiniGrid-KeyCorridorS3R1-v0")
    with pytest.raises(KeyError, match="no reference reward"):
        reference_reward_path("agentgym/MiniGrid-Empty-5x5-v0")
    with pytest.raises(KeyError, match="unknown"):
        reference_reward_path("agentgym/MiniGrid-Nowhere-v0")


def _oracle_episode(env_id: str, seed: int) -> list[dict[str, Any]]:
    """Transitions of a shortest-plan episode, each with the env copy it started from."""
    env = gym.make(env_id)
    env.reset(seed=seed)
    base = env.unwrapped
    state = base.compact_state()
    steps = []
    for _ in range(base.max_steps):
        action = base.oracle_action()
        assert action is not None
        before = copy.deepcopy(env)
        _, _, terminated, truncated, info = env.step(action)
        after = base.compact_state()
        steps.append({"state": state, "action": action, "next_state": after, "info": info, "env": before})
        state = after
        if terminated or truncated:
            break
    assert steps[-1]["info"]["success"]
    return steps


def _step_from(env: gym.Env, action: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, Any]]:
    """(state, next_state, info) of ``action`` taken in a copy of ``env``."""
    env = copy.deepcopy(env)
    state = env.unwrapped.compact_state()
    _, _, _, _, info = env.step(action)
    return state, env.unwrapped.compact_state(), info


@pytest.mark.parametrize("env_id", IDS)
def test_reference_reward_loads_checked_and_sandboxed_alike(env_id: str) -> None:
    path = reference_reward_path(env_id)
    check_reward_code(path.read_text(), path.name)
    fn = load_reward_fn(path)
    sandboxed = load_sandboxed_reward_fn(path)
    try:
        steps = _oracle_episode(env_id, seed=0)
        for s in steps:
            total, parts = fn(s["state"], s["action"], s["next_state"], s["info"])
            got_total, got_parts = sandboxed(s["state"], s["action"], s["next_state"], s["info"])
            assert got_total == pytest.approx(total) and got_parts == pytest.approx(parts)
        totals, _ = sandboxed.batched(
            {k: np.stack([s["state"][k] for s in steps]) for k in steps[0]["state"]},
            np.array([s["action"] for s in steps]),
            {k: np.stack([s["next_state"][k] for s in steps]) for k in steps[0]["next_state"]},
            [s["info"] for s in steps],
        )
        assert totals.tolist() == pytest.approx([fn(s["state"], s["action"], s["next_state"], s["info"])[0]
                                                 for s in steps])
    finally:
        sandboxed.close()


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_subgoal_steps_pay_more_than_a_turn(env_id: str, seed: int) -> None:
    fn = load_reward_fn(reference_reward_path(env_id))
    steps = _oracle_episode(env_id, seed)
    pickups = opens = 0
    for s in steps:
        total, parts = fn(s["state"], s["action"], s["next_state"], s["info"])
        assert math.isfinite(total) and total == pytest.approx(sum(parts.values()))
        picked = s["state"]["carrying"][0] != KEY and s["next_state"]["carrying"][0] == KEY
        opened = np.sum(s["next_state"]["door_state"] == 0) > np.sum(s["state"]["door_state"] == 0)
        if picked or opened:
            turn_state, turn_next, turn_info = _step_from(s["env"], LEFT)
            turn, _ = fn(turn_state, LEFT, turn_next, turn_info)
            assert total > turn + 0.1, (s["action"], parts)
            pickups += picked
            opens += opened
        if s["info"]["success"]:
            assert parts["success"] > 0 and total > 0.5
    assert pickups >= 1 and opens >= 1


@pytest.mark.parametrize("env_id", IDS)
def test_undoing_the_key_pickup_takes_the_bonus_back(env_id: str) -> None:
    fn = load_reward_fn(reference_reward_path(env_id))
    steps = _oracle_episode(env_id, seed=0)
    pickup = next(s for s in steps if s["state"]["carrying"][0] != KEY and s["next_state"]["carrying"][0] == KEY)
    after_pickup = copy.deepcopy(pickup["env"])
    after_pickup.step(pickup["action"])
    state, next_state, info = _step_from(after_pickup, DROP)
    assert next_state["carrying"][0] == -1  # the key is back on the floor
    _, gained = fn(pickup["state"], pickup["action"], pickup["next_state"], pickup["info"])
    _, lost = fn(state, DROP, next_state, info)
    assert gained["key"] > 0 and gained["key"] + lost["key"] == pytest.approx(0.0)


@pytest.mark.parametrize("env_id", IDS)
def test_the_plan_earns_more_than_random_play(env_id: str) -> None:
    fn = load_reward_fn(reference_reward_path(env_id))
    planned = sum(fn(s["state"], s["action"], s["next_state"], s["info"])[0] for s in _oracle_episode(env_id, 0))
    env = gym.make(env_id)
    env.reset(seed=0)
    env.action_space.seed(0)
    state, random_return = env.unwrapped.compact_state(), 0.0
    while True:
        action = int(env.action_space.sample())
        _, _, terminated, truncated, info = env.step(action)
        next_state = env.unwrapped.compact_state()
        random_return += fn(state, action, next_state, info)[0]
        state = next_state
        if terminated or truncated:
            break
    assert math.isfinite(random_return) and planned > random_return + 1.0
