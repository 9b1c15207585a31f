"""GAE and discounted returns: against a naive loop, by hand, truncation vs termination, numpy vs torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agentgym.credit import discounted_returns, gae


def naive_gae(rewards, values, next_values, terminated, truncated, gamma, lam):
    """A_t = Σ_k (γλ)^k δ_{t+k}, summed explicitly until the episode ends."""
    T, N = rewards.shape
    deltas = rewards + gamma * next_values * (1 - terminated) - values
    adv = np.zeros((T, N))
    for n in range(N):
        for t in range(T):
            total, weight = 0.0, 1.0
            for k in range(t, T):
                total += weight * deltas[k, n]
                if terminated[k, n] or truncated[k, n]:
                    break
                weight *= gamma * lam
            adv[t, n] = total
    return adv


def random_rollout(seed: int, T: int = 40, N: int = 5):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(T, N))
    values = rng.normal(size=(T, N))
    next_values = rng.normal(size=(T, N))
    terminated = rng.random((T, N)) < 0.1
    truncated = ~terminated & (rng.random((T, N)) < 0.1)
    return rewards, values, next_values, terminated, truncated


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_a_naive_loop_with_episode_boundaries(seed):
    rewards, values, next_values, terminated, truncated = random_rollout(seed)
    assert terminated.any() and truncated.any()
    adv, ret = gae(rewards, values, next_values, terminated, truncated, gamma=0.97, lam=0.9)
    expected = naive_gae(rewards, values, next_values, terminated, truncated, 0.97, 0.9)
    np.testing.assert_allclose(adv, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ret, expected + values)


def test_hand_computed_three_steps():
    # One env, episode ends (terminated) at t=1, a new one starts at t=2 and is cut by the rollout.
    rewards = np.array([1.0, 2.0, 3.0])
    values = np.array([0.5, 1.0, 2.0])
    next_values = np.array([1.0, 9.0, 4.0])  # 9.0 is the terminal state's value: ignored
    terminated = np.array([False, True, False])
    truncated = np.zeros(3, dtype=bool)
    adv, ret = gae(rewards, values, next_values, terminated, truncated, gamma=0.5, lam=0.5)
    # δ0 = 1 + .5*1 - .5 = 1;  δ1 = 2 - 1 = 1;  δ2 = 3 + .5*4 - 2 = 3
    # A2 = 3;  A1 = δ1 = 1 (terminated: no recursion);  A0 = 1 + .25*1 = 1.25
    np.testing.assert_allclose(adv, [1.25, 1.0, 3.0])
    np.testing.assert_allclose(ret, [1.75, 2.0, 5.0])


def test_truncation_bootstraps_but_termination_does_not():
    rewards = np.array([[1.0], [1.0]])
    values = np.array([[0.0], [0.0]])
    next_values = np.array([[0.0], [10.0]])  # V(final_obs) of the last transition
    boundary = np.array([[False], [True]])
    neither = np.zeros_like(boundary)
    adv_term, _ = gae(rewards, values, next_values, boundary, neither, gamma=0.9, lam=1.0)
    adv_trunc, _ = gae(rewards, values, next_values, neither, boundary, gamma=0.9, lam=1.0)
    np.testing.assert_allclose(adv_term[:, 0], [1.0 + 0.9 * 1.0, 1.0])
    np.testing.assert_allclose(adv_trunc[:, 0], [1.0 + 0.9 * (1.0 + 9.0), 1.0 + 9.0])


def test_truncation_stops_the_recursion():
    # A truncated step's successor (next row) is another episode: its advantage must not leak back.
    rewards = np.array([0.0, 100.0])
    zeros = np.zeros(2)
    adv, _ = gae(rewards, zeros, zeros, np.array([False, False]), np.array([True, False]), gamma=1.0, lam=1.0)
    np.testing.assert_allclose(adv, [0.0, 100.0])


def test_numpy_and_torch_agree():
    rewards, values, next_values, terminated, truncated = random_rollout(3)
    adv_np, ret_np = gae(rewards, values, next_values, terminated, truncated, gamma=0.99, lam=0.95)
    t = {k: torch.as_tensor(v) for k, v in dict(r=rewards, v=values, nv=next_values, te=terminated, tr=truncated).items()}
    adv_t, ret_t = gae(t["r"], t["v"], t["nv"], t["te"], t["tr"], gamma=0.99, lam=0.95)
    assert isinstance(adv_t, torch.Tensor) and adv_t.dtype == torch.float64
    np.testing.assert_allclose(adv_t.numpy(), adv_np, rtol=1e-12)
    np.testing.assert_allclose(ret_t.numpy(), ret_np, rtol=1e-12)
    adv_32, _ = gae(t["r"].float(), t["v"].float(), t["nv"].float(), t["te"], t["tr"], gamma=0.99, lam=0.95)
    assert adv_32.dtype == torch.float32
    np.testing.assert_allclose(adv_32.numpy(), adv_np, rtol=1e-4, atol=1e-5)


def test_discounted_returns_resets_at_episode_ends():
    rewards = np.array([[1.0, 0.0], [1.0, 2.0], [1.0, 0.0]])
    dones = np.array([[False, True], [True, False], [False, False]])
    out = discounted_returns(rewards, dones, gamma=0.9)
    np.testing.assert_allclose(out, [[1.9, 0.0], [1.0, 2.0], [1.0, 0.0]])
    torch_out = discounted_returns(torch.as_tensor(rewards), torch.as_tensor(dones), gamma=0.9)
    np.testing.assert_allclose(torch_out.numpy(), out)


def test_lambda_one_equals_discounted_returns_minus_values_without_truncation():
    rewards, values, _, terminated, _ = random_rollout(4)
    # with the rollout's last step terminal everywhere, GAE(λ=1) is the Monte-Carlo advantage
    terminated[-1] = True
    none = np.zeros_like(terminated)
    next_values = np.concatenate([values[1:], np.zeros_like(values[:1])])  # consistent V: the sum telescopes
    adv, _ = gae(rewards, values, next_values, terminated, none, gamma=0.95, lam=1.0)
    np.testing.assert_allclose(adv, discounted_returns(rewards, terminated, gamma=0.95) - values, atol=1e-12)
