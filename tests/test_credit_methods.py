"""Credit methods on hand-made trajectory batches with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from agentgym.core import Trajectory
from agentgym.credit import (
    METHODS,
    CreditAssigner,
    FeatureLogRatio,
    ImplicitPRM,
    ProgressEstimator,
    anchor_groups,
    gated_rewards,
    gigpo_advantages,
    grpo_advantages,
    pbrs_rewards,
    process_advantages,
    progress_rewards,
    salt_advantages,
    spa_rewards,
)


def traj(steps, group=0, progress=None, terminated=True, candidates=None):
    """steps: [(obs, action, reward)]; progress: per-step progress after the step."""
    t = Trajectory(group_id=group)
    for k, (o, a, r) in enumerate(steps):
        info = {}
        if progress is not None:
            info["progress"] = progress[k]
        if candidates is not None:
            info["candidates"] = candidates
        t.append(o, a, r, terminated=terminated and k == len(steps) - 1, info=info)
    return t


# ----------------------------------------------------------------------------------------- GiGPO


def test_gigpo_step_advantages_on_two_trajectories_sharing_a_state():
    win = traj([("s0", "a", 0.0), ("s1", "b", 0.0), ("goal?", "c", 1.0)])
    lose = traj([("s0", "a", 0.0), ("s2", "d", 0.0), ("goal?", "e", 0.0)])
    adv = gigpo_advantages([win, lose], gamma=0.5, omega=1.0, normalize_std=False)
    # episode level: ±0.5. Step level: anchors s0 (returns 0.25 / 0) and "goal?" (1 / 0); s1, s2 singletons.
    np.testing.assert_allclose(adv[0], [0.5 + 0.125, 0.5 + 0.0, 0.5 + 0.5])
    np.testing.assert_allclose(adv[1], [-0.5 - 0.125, -0.5 + 0.0, -0.5 - 0.5])
    normed = gigpo_advantages([win, lose], gamma=0.5)
    np.testing.assert_allclose(normed[0], [2.0, 1.0, 2.0], atol=1e-4)  # each level divided by its std
    # omega 0 is GRPO broadcast to the steps
    plain = gigpo_advantages([win, lose], omega=0.0)
    np.testing.assert_allclose(plain[0], grpo_advantages([1.0, 0.0], [0, 0])[0])


def test_gigpo_anchors_stay_within_a_task_group_and_similarity_merges_near_duplicates():
    a = traj([("the hall is dark", "x", 0.0)], group=0)
    b = traj([("the hall is dark", "y", 1.0)], group=1)
    c = traj([("the hall is dark.", "z", 0.0)], group=0)
    ids = anchor_groups([a, b, c])
    assert ids[0][0] != ids[1][0] != ids[2][0] and ids[0][0] != ids[2][0]
    ids = anchor_groups([a, b, c], similarity=0.9)
    assert ids[0][0] == ids[2][0] != ids[1][0]
    with pytest.raises(ValueError, match="similarity"):
        anchor_groups([a], similarity=1.5)


# ------------------------------------------------------------------------------------------ SALT


def test_salt_gives_zero_to_steps_shared_by_winners_and_losers():
    shared = ("corridor", "walk", 0.0)
    winners = [traj([shared, ("fork", "left", 1.0)]) for _ in range(2)]
    losers = [traj([shared, ("fork", "right", 0.0)]) for _ in range(2)]
    adv = salt_advantages(winners + losers)
    for a in adv:
        assert a[0] == pytest.approx(0.0, abs=1e-9)
    assert adv[0][1] > 0.9 and adv[2][1] < -0.9
    # a step nobody shares keeps its episode's advantage (as GRPO)
    lone = traj([("attic", "jump", 0.0)])
    adv = salt_advantages([*winners, lone])
    np.testing.assert_allclose(adv[2], grpo_advantages([1.0, 1.0, 0.0], [0, 0, 0])[2])


def test_salt_history_merge_separates_the_same_step_after_different_histories():
    a = traj([("s", "go", 0.0), ("t", "go", 1.0)])
    b = traj([("u", "go", 0.0), ("t", "go", 0.0)])
    markov = salt_advantages([a, b])
    tree = salt_advantages([a, b], merge="history")
    assert markov[0][1] == pytest.approx(0.0) and markov[1][1] == pytest.approx(0.0)
    assert tree[0][1] > 0.9 and tree[1][1] < -0.9
    with pytest.raises(ValueError, match="merge"):
        salt_advantages([a], merge="graph")


# ------------------------------------------------------------------------------------ PBRS and G-RA


def test_pbrs_leaves_the_optimal_policy_of_a_small_mdp_unchanged():
    # a 5-state chain: actions 0 (left) and 1 (right); state 4 is terminal (+1 on entering);
    # each step costs 0.05; a potential that would lure a greedy agent left.
    n, gamma = 5, 0.9
    phi = {0: 3.0, 1: 1.0, 2: 0.5, 3: 0.2, 4: 7.0}

    def step(s, a):
        s2 = max(0, s - 1) if a == 0 else s + 1
        return s2, (1.0 if s2 == 4 else -0.05), s2 == 4

    def shaping(s, a):
        s2, r, done = step(s, a)
        t = Trajectory()
        t.append(s, a, r, terminated=done)
        t.final_observation = s2
        return pbrs_rewards([t], potential=lambda x: phi[x], gamma=gamma)[0][0]

    def greedy(shaped):
        v = np.zeros(n)
        for _ in range(200):
            q = np.zeros((n, 2))
            for s in range(n - 1):
                for a in (0, 1):
                    s2, r, done = step(s, a)
                    q[s, a] = r + (shaping(s, a) if shaped else 0.0) + (0.0 if done else gamma * v[s2])
            v = q.max(axis=1)
        return q[: n - 1].argmax(axis=1).tolist()

    assert greedy(False) == [1, 1, 1, 1]
    assert greedy(True) == greedy(False)
    # F on entering the terminal state uses Φ(terminal) = 0, not 7
    assert shaping(3, 1) == pytest.approx(-phi[3])


def test_pbrs_on_progress_telescopes_to_minus_the_start_potential():
    t = traj([("a", "x", 0.0), ("b", "y", 0.0), ("c", "z", 1.0)], progress=[0.3, 0.6, 1.0])
    shaped = pbrs_rewards([t])[0]
    np.testing.assert_allclose(shaped, [0.3, 0.3, -0.6])  # Φ after the terminal step is 0
    assert shaped.sum() == pytest.approx(0.0)
    cut = traj([("a", "x", 0.0)], progress=[0.5], terminated=False)
    np.testing.assert_allclose(pbrs_rewards([cut])[0], [0.5])


def test_gating_returns_only_the_outcome_below_the_threshold():
    np.testing.assert_allclose(gated_rewards([[0.2, 0.3]], [0.4], threshold=0.5)[0], [0.0, 0.0])
    np.testing.assert_allclose(gated_rewards([[0.2, 0.3]], [0.5], threshold=0.5)[0], [0.2, 0.3])
    losers = [traj([("a", "x", 0.0), ("b", "y", r)], progress=[0.5, 0.8]) for r in (0.0, 0.2)]
    gra = CreditAssigner("gra", gate_threshold=0.5)(losers)
    none = CreditAssigner("none")(losers)
    for g, n in zip(gra, none, strict=True):
        np.testing.assert_allclose(g, n)  # below the threshold: only the outcome's advantage


def test_progress_rewards_sum_to_the_final_progress_and_need_progress():
    t = traj([("a", "x", 0.0), ("b", "y", 0.0)], progress=[0.25, 0.75])
    np.testing.assert_allclose(progress_rewards([t])[0], [0.25, 0.5])
    with pytest.raises(ValueError, match="progress"):
        progress_rewards([traj([("a", "x", 0.0)])])


# ------------------------------------------------------------------------------ process advantages


def test_process_advantages_are_rloo_on_process_sums_at_the_first_step():
    rewards = [[1.0, 0.0, 0.5], [0.0, 0.2], [0.3], [2.0, 2.0]]
    groups = [0, 0, 0, 1]
    adv = process_advantages(rewards, [0.0] * 4, groups)
    first = np.array([a[0] for a in adv[:3]])
    sums = np.array([1.5, 0.2, 0.3])
    np.testing.assert_allclose(first, [s - (sums.sum() - s) / 2 for s in sums])
    assert first.sum() == pytest.approx(0.0)
    np.testing.assert_allclose(adv[3], [4.0, 2.0])  # a group of one: no baseline
    with pytest.raises(ValueError, match="one value per episode"):
        process_advantages(rewards, [0.0], groups)


# -------------------------------------------------------------------------------- learned models


def test_spa_contributions_sum_to_outcomes_and_grounding_marks_valid_steps():
    win = traj([("hall", "go", 0.0), ("door", "open", 1.0)])
    lose = traj([("hall", "go", 0.0), ("door", "kick", 0.0)])
    lose.steps[1].info["valid_action"] = False
    est = ProgressEstimator(seed=1)
    assert [c.tolist() for c in est.contributions([win])] == [[0.0, 0.0]]  # nothing learned yet
    est.fit([win, lose] * 3, epochs=400)
    c = est.contributions([win, lose])
    assert c[0].sum() == pytest.approx(1.0, abs=0.05) and c[1].sum() == pytest.approx(0.0, abs=0.05)
    assert c[0][1] - c[1][1] > 0.8  # the decisive step carries the difference
    r = spa_rewards([win, lose], est, grounding=0.5, fit_epochs=0)
    np.testing.assert_allclose(r[0] - c[0], [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(r[1] - c[1], [0.5, 0.0], atol=1e-6)


@pytest.mark.parametrize("objective", ["ce", "dpo"])
def test_implicit_prm_rewards_the_winning_action(objective):
    cands = ["open", "kick", "wait"]
    batch = [traj([("hall", "wait", 0.0), ("door", "open", 1.0)], candidates=cands),
             traj([("hall", "wait", 0.0), ("door", "kick", 0.0)], candidates=cands)] * 2
    prm = ImplicitPRM(FeatureLogRatio(), beta=0.5, objective=objective, lr=0.1)
    np.testing.assert_allclose(prm.rewards(batch[:1])[0], [0.0, 0.0])  # π_φ starts at π_ref
    prm.fit(batch, epochs=60)
    r = prm.rewards(batch[:2])
    assert r[0][1] > 0.05 and r[1][1] < -0.05


def test_implicit_prm_needs_candidates_and_a_known_objective():
    with pytest.raises(ValueError, match="candidates"):
        ImplicitPRM(FeatureLogRatio()).rewards([traj([("door", "open", 1.0)])])
    with pytest.raises(ValueError, match="objective"):
        ImplicitPRM(FeatureLogRatio(), objective="mse")
    with pytest.raises(ValueError, match="not among"):
        ImplicitPRM(FeatureLogRatio()).rewards([traj([("door", "open", 1.0)], candidates=["kick"])])


# ----------------------------------------------------------------------------------- the assigner


def test_every_method_runs_on_one_batch_and_returns_one_value_per_step():
    cands = ["go", "stay"]
    batch = [traj([("a", "go", 0.0), ("b", "go", 1.0)], group=g, progress=[0.5, 1.0], candidates=cands)
             for g in (0, 1)]
    batch += [traj([("a", "stay", 0.0), ("a", "stay", 0.0), ("a", "go", 0.0)], group=g, progress=[0.0, 0.0, 0.5],
                   candidates=cands) for g in (0, 1)]
    for method in METHODS:
        adv = CreditAssigner(method)(batch)
        assert [len(a) for a in adv] == [2, 2, 3, 3], method
        assert all(np.all(np.isfinite(a)) for a in adv), method
        assert adv[0].mean() > adv[2].mean(), method  # the winner is credited over the loser


def test_assigner_rejects_bad_settings():
    with pytest.raises(ValueError, match="credit method"):
        CreditAssigner("magic")
    with pytest.raises(ValueError, match="unknown credit settings"):
        CreditAssigner("gigpo", omgea=1.0)
    with pytest.raises(ValueError, match="gamma"):
        CreditAssigner("gigpo", gamma=1.5)
