"""Key-door-lava gridworld: dynamics, BFS ground truth, exact advantages and annotated trajectories."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from keydoor import (  # noqa: E402
    DOWN,
    LEFT,
    PICKUP,
    RIGHT,
    TOGGLE,
    UP,
    KeyDoorLava,
    behaviour_policy,
    exact_advantages,
    sample_trajectories,
)

P_OPT = 0.6
INFO_KEYS = {"progress", "true_advantage", "decisive", "behaviour_logprob", "candidates", "valid_action", "success"}


@pytest.fixture(scope="module")
def world() -> KeyDoorLava:
    return KeyDoorLava()


@pytest.fixture(scope="module")
def evaluation(world):
    return exact_advantages(world, lambda s: behaviour_policy(world, s, P_OPT), world.horizon)


@pytest.fixture(scope="module")
def mc_trajectories(world):
    return sample_trajectories(world, n_groups=250, group_size=8, p_opt=P_OPT, horizon=world.horizon, seed=123)


def optimal_rollout(world: KeyDoorLava) -> list[tuple]:
    """(state, action, next_state, reward, terminated) along the greedy shortest path from the start."""
    state, out = world.reset(), []
    for _ in range(world.horizon):
        a = world.optimal_action(state)
        nxt, reward, terminated = world.step(state, a)
        out.append((state, a, nxt, reward, terminated))
        if terminated:
            break
        state = nxt
    return out


# --- dynamics -----------------------------------------------------------------------------------


def test_layout_and_state_space(world):
    assert world.n_actions == 6 and len(world.action_names) == 6
    assert world.reset() == (1, 1, False, False)
    states = world.states()
    assert states[0] == world.reset()
    assert len(set(states)) == len(states) == world.n_states
    assert not any(world.is_terminal(s) for s in states)
    assert all((s[0], s[1]) not in world.walls for s in states)
    # the right room is only reachable with the door open (which needs the key)
    assert all(s[1] < world.door[1] or (s[2] and s[3]) for s in states)
    assert len(world.lava) >= 2


def test_optimal_path_reaches_goal_in_bfs_distance(world):
    path = optimal_rollout(world)
    d = world.distance(world.reset())
    assert 10 <= d <= 14
    assert len(path) == d
    assert [r for *_, r, _ in path] == [0.0] * (d - 1) + [1.0]
    assert [t for *_, t in path] == [False] * (d - 1) + [True]
    final = path[-1][2]
    assert (final[0], final[1]) == world.goal
    actions = [a for _, a, *_ in path]
    assert actions.count(PICKUP) == 1 and actions.count(TOGGLE) == 1
    assert actions.index(PICKUP) < actions.index(TOGGLE)
    assert not any((nxt[0], nxt[1]) in world.lava for _, _, nxt, _, _ in path)


def test_lava_terminates_with_zero(world):
    for state, action in [((1, 2, False, False), DOWN), ((2, 1, False, False), RIGHT), ((3, 2, True, False), DOWN), ((4, 1, False, False), RIGHT)]:
        nxt, reward, terminated = world.step(state, action)
        assert (nxt[0], nxt[1]) in world.lava
        assert terminated and reward == 0.0


def test_walls_and_closed_door_block(world):
    start = world.reset()
    assert world.step(start, UP) == (start, 0.0, False)
    assert world.step(start, LEFT) == (start, 0.0, False)
    for has_key in (False, True):
        before_door = (2, 3, has_key, False)
        assert world.step(before_door, RIGHT) == (before_door, 0.0, False)
    opened, _, _ = world.step((2, 3, True, False), TOGGLE)
    assert opened == (2, 3, True, True)
    assert world.step(opened, RIGHT) == ((2, 4, True, True), 0.0, False)


def test_pickup_and_toggle_noops(world):
    key_no = (*world.key, False, False)
    assert world.step(key_no, PICKUP) == ((*world.key, True, False), 0.0, False)
    for state in [world.reset(), (*world.key, True, False), (1, 3, False, False)]:
        assert world.step(state, PICKUP) == (state, 0.0, False)
    # toggle: no key, not adjacent, or already open are all no-ops
    for state in [(2, 3, False, False), (1, 3, True, False), (3, 3, True, False), (2, 3, True, True)]:
        assert world.step(state, TOGGLE) == (state, 0.0, False)
    assert world.step((2, 5, True, True), TOGGLE) == ((2, 5, True, True), 0.0, False)


def test_step_from_terminal_raises(world):
    with pytest.raises(ValueError):
        world.step((*world.goal, True, True), UP)


# --- ground truth -------------------------------------------------------------------------------


def test_progress_bounds_and_monotone_on_optimal_path(world):
    assert world.progress(world.reset()) == 0.0
    assert all(0.0 <= world.progress(s) <= 1.0 for s in world.states())
    d = world.distance(world.reset())
    values = [world.progress(world.reset())] + [world.progress(nxt) for _, _, nxt, _, _ in optimal_rollout(world)]
    np.testing.assert_allclose(np.diff(values), 1.0 / d)
    assert values[-1] == 1.0


def test_optimal_action_decreases_distance_lowest_index(world):
    for s in world.states():
        d = world.distance(s)
        a = world.optimal_action(s)
        nxt, _, terminated = world.step(s, a)
        assert (d == 1 and terminated and (nxt[0], nxt[1]) == world.goal) or (not terminated and world.distance(nxt) == d - 1)
        for b in range(a):  # no lower-index action is also optimal
            nb, _, tb = world.step(s, b)
            assert not ((nb[0], nb[1]) == world.goal or (not tb and world.distance(nb) == d - 1))


def test_behaviour_policy(world):
    for s in world.states()[:10]:
        p = behaviour_policy(world, s, P_OPT)
        assert p.shape == (6,) and p.sum() == pytest.approx(1.0)
        assert p[world.optimal_action(s)] == pytest.approx(P_OPT + (1 - P_OPT) / 6)
        others = np.delete(p, world.optimal_action(s))
        np.testing.assert_allclose(others, (1 - P_OPT) / 6)


# --- exact evaluation ---------------------------------------------------------------------------


def test_deterministic_optimal_policy_values(world):
    d = world.distance(world.reset())
    greedy = lambda s: np.eye(6)[world.optimal_action(s)]  # noqa: E731
    start = world.state_index(world.reset())
    _, V = exact_advantages(world, greedy, horizon=world.horizon, gamma=0.9)
    assert V[0, start] == pytest.approx(0.9 ** (d - 1))
    _, V_short = exact_advantages(world, greedy, horizon=d - 1)
    assert V_short[0, start] == 0.0
    _, V_exact = exact_advantages(world, greedy, horizon=d)
    assert V_exact[0, start] == 1.0


def test_policy_weighted_advantage_is_zero(world, evaluation):
    Q, V = evaluation
    assert Q.shape == (world.horizon, world.n_states, 6) and V.shape == (world.horizon + 1, world.n_states)
    pi = np.array([behaviour_policy(world, s, P_OPT) for s in world.states()])
    A = Q - V[:-1, :, None]
    np.testing.assert_allclose((pi[None] * A).sum(axis=2), 0.0, atol=1e-12)
    assert np.all(V[-1] == 0.0) and np.all((V >= 0) & (V <= 1))


def test_exact_value_matches_monte_carlo(world, evaluation, mc_trajectories):
    _, V = evaluation
    exact = V[0, world.state_index(world.reset())]
    mc = np.mean([t.success for t in mc_trajectories])
    assert len(mc_trajectories) == 2000
    assert 0.3 <= exact <= 0.6
    assert abs(mc - exact) < 0.04


def test_decisive_advantage_signs(world, evaluation):
    Q, V = evaluation
    on_key = world.state_index((*world.key, False, False))
    assert world.optimal_action((*world.key, False, False)) == PICKUP
    near_lava = world.state_index((1, 2, False, False))
    for t in (4, 10, 20):
        assert Q[t, on_key, PICKUP] - V[t, on_key] > 0
    for t in (1, 5, 20):
        assert Q[t, near_lava, DOWN] == 0.0
        assert Q[t, near_lava, DOWN] - V[t, near_lava] < 0


# --- trajectories -------------------------------------------------------------------------------


def test_trajectories_structure(world, evaluation):
    trajs = sample_trajectories(world, n_groups=3, group_size=5, p_opt=P_OPT, horizon=world.horizon, seed=7)
    assert len(trajs) == 15
    assert [t.group_id for t in trajs] == [g for g in range(3) for _ in range(5)]
    assert [t.seed for t in trajs] == [t.group_id for t in trajs]
    Q, V = evaluation
    for traj in trajs:
        assert traj.env_id == "KeyDoorLava" and traj.done and 1 <= len(traj) <= world.horizon
        assert traj.steps[0].observation == "r1c1 key=0 door=0"
        state = world.reset()
        for t, step in enumerate(traj):
            assert INFO_KEYS <= set(step.info)
            assert isinstance(step.action, int) and step.observation == world.describe(state)
            i = world.state_index(state)
            assert step.info["true_advantage"] == pytest.approx(Q[t, i, step.action] - V[t, i])
            assert step.info["behaviour_logprob"] == pytest.approx(np.log(behaviour_policy(world, state, P_OPT)[step.action]))
            assert step.info["candidates"] == list(range(6))
            nxt, reward, terminated = world.step(state, step.action)
            assert step.reward == reward and step.terminated == terminated
            assert step.info["valid_action"] == (nxt != state)
            assert step.info["success"] == (terminated and reward == 1.0)
            lava = terminated and (nxt[0], nxt[1]) in world.lava
            assert step.info["progress"] == world.progress(state if lava else nxt)
            expected = ("lava" if lava else "goal" if terminated else "key" if nxt[2] != state[2]
                        else "door" if nxt[3] != state[3] else "")
            assert step.info["decisive"] == expected
            assert step.truncated == (not terminated and t == world.horizon - 1)
            state = nxt
        assert traj.final_observation == world.describe(state)


def test_trajectories_cover_all_events_and_are_seeded(world, mc_trajectories):
    events = {s.info["decisive"] for t in mc_trajectories for s in t}
    assert events == {"", "key", "door", "lava", "goal"}
    assert any(not s.info["valid_action"] for t in mc_trajectories for s in t)
    a = sample_trajectories(world, 2, 3, P_OPT, world.horizon, seed=5)
    b = sample_trajectories(world, 2, 3, P_OPT, world.horizon, seed=5)
    assert [t.actions for t in a] == [t.actions for t in b]
    # the success flag agrees with the outcome reward
    assert all(t.success == (t.total_reward == 1.0) for t in mc_trajectories)
