"""Outcome advantages: GRPO and RLOO group baselines, broadcasting, and turn-level GAE."""

from __future__ import annotations

import numpy as np
import pytest

from agentgym.credit import broadcast_to_steps, gae, grpo_advantages, rloo_advantages, turn_gae


def random_groups(seed: int, n_groups: int = 5, size: int = 4):
    rng = np.random.default_rng(seed)
    returns = rng.normal(size=n_groups * size)
    group_ids = rng.permutation(np.repeat(np.arange(n_groups) * 10, size))  # interleaved, not contiguous
    return returns, group_ids


def group_sums(values, group_ids):
    return {g: values[group_ids == g].sum() for g in np.unique(group_ids)}


# --- GRPO ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize_std", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_grpo_sums_to_zero_within_each_group(seed, normalize_std):
    returns, group_ids = random_groups(seed)
    adv = grpo_advantages(returns, group_ids, normalize_std=normalize_std)
    assert adv.shape == returns.shape
    for total in group_sums(adv, group_ids).values():
        assert total == pytest.approx(0.0, abs=1e-9)


def test_grpo_hand_computed():
    returns = [1.0, 0.0, 0.0, 0.0, 3.0, 5.0]
    group_ids = [0, 0, 0, 0, 1, 1]
    # group 0: mean 0.25, population std sqrt(3)/4; group 1: mean 4, std 1
    s0 = np.sqrt(3) / 4
    np.testing.assert_allclose(
        grpo_advantages(returns, group_ids, eps=0.0),
        [0.75 / s0, -0.25 / s0, -0.25 / s0, -0.25 / s0, -1.0, 1.0],
    )
    np.testing.assert_allclose(
        grpo_advantages(returns, group_ids, normalize_std=False), [0.75, -0.25, -0.25, -0.25, -1.0, 1.0]
    )
    # eps sits in the denominator next to the std
    np.testing.assert_allclose(grpo_advantages([3.0, 5.0], [0, 0], eps=1.0), [-0.5, 0.5])


@pytest.mark.parametrize("normalize_std", [True, False])
def test_grpo_gives_zero_to_groups_without_spread(normalize_std):
    # 0.1 * 3 / 3 != 0.1 in floating point: without care the std normalization amplifies the noise.
    returns = [0.1, 0.1, 0.1, 7.0, 1.0, 2.0]
    adv = grpo_advantages(returns, ["a", "a", "a", "solo", "b", "b"], normalize_std=normalize_std)
    assert adv[:4].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert adv[4] < 0 < adv[5]


def test_grpo_normalized_advantages_have_unit_std():
    returns, group_ids = random_groups(3)
    adv = grpo_advantages(returns, group_ids, eps=0.0)
    for g in np.unique(group_ids):
        assert adv[group_ids == g].std() == pytest.approx(1.0)


# --- RLOO ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_rloo_matches_the_leave_one_out_formula(seed):
    returns, group_ids = random_groups(seed)
    adv = rloo_advantages(returns, group_ids)
    for i in range(len(returns)):
        others = returns[(group_ids == group_ids[i]) & (np.arange(len(returns)) != i)]
        assert adv[i] == pytest.approx(returns[i] - others.mean())
    for total in group_sums(adv, group_ids).values():
        assert total == pytest.approx(0.0, abs=1e-9)


def test_rloo_hand_computed_and_scaled_grpo():
    returns = np.array([1.0, 0.0, 0.0, 0.0])
    adv = rloo_advantages(returns, [0, 0, 0, 0])
    np.testing.assert_allclose(adv, [1.0, -1 / 3, -1 / 3, -1 / 3])
    # = G/(G-1) (R_i - mean R)
    np.testing.assert_allclose(adv, 4 / 3 * grpo_advantages(returns, [0] * 4, normalize_std=False))


def test_rloo_singleton_group_is_zero():
    np.testing.assert_allclose(rloo_advantages([5.0, 1.0, 3.0], [0, 1, 1]), [0.0, -2.0, 2.0])


def test_empty_input_gives_empty_output():
    assert grpo_advantages([], []).shape == (0,)
    assert rloo_advantages(np.zeros(0), np.zeros(0)).shape == (0,)


@pytest.mark.parametrize("estimator", [grpo_advantages, rloo_advantages])
def test_bad_inputs_raise_clear_errors(estimator):
    with pytest.raises(ValueError, match="1-D"):
        estimator(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="group_ids"):
        estimator([1.0, 2.0], [0])
    with pytest.raises(ValueError, match="finite"):
        estimator([1.0, float("nan")], [0, 0])


# --- broadcasting -------------------------------------------------------------------------------


def test_broadcast_to_steps():
    out = broadcast_to_steps(np.array([1.5, -2.0, 0.25]), [3, 0, 1])
    assert [a.tolist() for a in out] == [[1.5, 1.5, 1.5], [], [0.25]]
    with pytest.raises(ValueError, match="same length"):
        broadcast_to_steps([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="non-negative integers"):
        broadcast_to_steps([1.0], [-1])
    with pytest.raises(ValueError, match="non-negative integers"):
        broadcast_to_steps([1.0], [1.5])


# --- turn-level GAE -----------------------------------------------------------------------------


def test_turn_gae_hand_computed_terminated():
    rewards = [np.array([0.0, 0.0, 1.0])]
    values = [np.array([0.2, 0.4, 0.8])]
    adv, ret = turn_gae(rewards, values, gamma=0.9, lam=0.5)
    # δ0 = .9*.4 - .2 = .16;  δ1 = .9*.8 - .4 = .32;  δ2 = 1 - .8 = .2 (terminal: V = 0)
    # A2 = .2;  A1 = .32 + .45*.2 = .41;  A0 = .16 + .45*.41 = .3445
    np.testing.assert_allclose(adv[0], [0.3445, 0.41, 0.2])
    np.testing.assert_allclose(ret[0], [0.5445, 0.81, 1.0])


def test_turn_gae_truncation_bootstraps_the_last_value():
    rewards, values = [np.array([0.0, 1.0])], [np.array([0.5, 2.0])]
    adv_term, _ = turn_gae(rewards, values, gamma=0.5, lam=1.0, truncated=[False])
    adv_cut, _ = turn_gae(rewards, values, gamma=0.5, lam=1.0, truncated=[True])
    # terminated: δ1 = 1 - 2 = -1, δ0 = .5*2 - .5 = .5, A0 = .5 + .5*(-1) = 0
    np.testing.assert_allclose(adv_term[0], [0.0, -1.0])
    # truncated: V(s_2) ≈ V(s_1) = 2 → δ1 = 1 + .5*2 - 2 = 0, A0 = .5
    np.testing.assert_allclose(adv_cut[0], [0.5, 0.0])
    # an explicit V(s_T) (T + 1 values) is used instead; a terminated episode ignores it
    adv_explicit, ret_explicit = turn_gae(rewards, [np.array([0.5, 2.0, 4.0])], gamma=0.5, lam=1.0, truncated=[True])
    np.testing.assert_allclose(adv_explicit[0], [1.0, 1.0])  # δ1 = 1 + .5*4 - 2 = 1; A0 = .5 + .5*1
    np.testing.assert_allclose(ret_explicit[0], [1.5, 3.0])
    adv_ignored, _ = turn_gae(rewards, [[0.5, 2.0, 4.0]], gamma=0.5, lam=1.0)
    np.testing.assert_allclose(adv_ignored[0], adv_term[0])


def test_turn_gae_matches_flat_gae_over_concatenated_episodes():
    rng = np.random.default_rng(0)
    lengths, cut = [3, 1, 4], [False, True, False]
    rewards = [rng.normal(size=n) for n in lengths]
    values = [rng.normal(size=n) for n in lengths]
    adv, ret = turn_gae(rewards, values, gamma=0.9, lam=0.8, truncated=cut)
    flat_v = np.concatenate(values)
    next_v = np.concatenate([np.append(v[1:], v[-1] if c else 0.0) for v, c in zip(values, cut, strict=True)])
    ends = np.cumsum(lengths) - 1
    terminated = np.zeros(sum(lengths), dtype=bool)
    truncated = np.zeros(sum(lengths), dtype=bool)
    terminated[ends[[not c for c in cut]]] = True
    truncated[ends[cut]] = True
    flat_adv, flat_ret = gae(np.concatenate(rewards), flat_v, next_v, terminated, truncated, gamma=0.9, lam=0.8)
    np.testing.assert_allclose(np.concatenate(adv), flat_adv)
    np.testing.assert_allclose(np.concatenate(ret), flat_ret)
    assert [len(a) for a in adv] == lengths


def test_turn_gae_accepts_lists_and_empty_episodes():
    adv, ret = turn_gae([[], [1.0]], [[], [0.0]])
    assert adv[0].shape == (0,) and ret[0].shape == (0,)
    assert adv[1].tolist() == [1.0]


def test_turn_gae_validates_shapes():
    with pytest.raises(ValueError, match="episodes"):
        turn_gae([[1.0]], [])
    with pytest.raises(ValueError, match="episode 0"):
        turn_gae([[1.0, 2.0]], [[0.0]])
    with pytest.raises(ValueError, match="truncated flags"):
        turn_gae([[1.0]], [[0.0]], truncated=[True, False])


def test_potential_shaping_is_a_difference_of_potentials_that_telescopes():
    from agentgym.credit import potential_shaping

    shaped = potential_shaping([[0.25, 0.0, 0.75, 1.0], [0.5]], coef=2.0)
    np.testing.assert_allclose(shaped[0], [0.5, -0.5, 1.5, 0.5])
    np.testing.assert_allclose(shaped[1], [1.0])
    assert [float(s.sum()) for s in shaped] == pytest.approx([2.0, 1.0])  # coef * final potential
    discounted = potential_shaping([[1.0, 2.0]], gamma=0.5, initial=1.0)[0]
    np.testing.assert_allclose(discounted, [0.5 * 1.0 - 1.0, 0.5 * 2.0 - 1.0])
    with pytest.raises(ValueError, match="gamma"):
        potential_shaping([[0.0]], gamma=1.5)
    with pytest.raises(ValueError, match="finite"):
        potential_shaping([[float("nan")]])
