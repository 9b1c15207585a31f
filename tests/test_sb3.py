"""The stable-baselines3 backend: every algorithm on every space type, metrics, save/load, reward code."""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch as th

import agentgym  # noqa: F401  (registers the agentgym/ envs)
from agentgym.core import load_reward_fn
from agentgym.trainers.envs import make_env_fn
from agentgym.trainers.sb3 import SB3Backend, choose_vectorization, translate_hyperparams, valid_hyperparams

MINIGRID = "agentgym/MiniGrid-Empty-5x5-v0"
EPISODE_KEYS = {"episode/return", "episode/length", "episode/success", "episode/count"}
# Small, fast settings per algorithm: a few updates within a few hundred steps.
FAST = {
    "ppo": {"n_steps": 64, "batch_size": 64, "n_epochs": 2, "hidden_sizes": [32, 32]},
    "a2c": {"n_steps": 32, "hidden_sizes": [32, 32]},
    "dqn": {"learning_starts": 64, "buffer_size": 2000, "batch_size": 32, "hidden_sizes": [32, 32]},
    "sac": {"learning_starts": 64, "buffer_size": 2000, "batch_size": 32, "hidden_sizes": [32, 32]},
    "td3": {"learning_starts": 64, "buffer_size": 2000, "batch_size": 32, "hidden_sizes": [32, 32],
            "action_noise_std": 0.1},
}


def backend(env_id: str, algo: str, num_envs: int = 2, seed: int = 0, reward_fn=None, **hyperparams) -> SB3Backend:
    fns = [make_env_fn(env_id, seed=seed, index=i, reward_fn=reward_fn) for i in range(num_envs)]
    return SB3Backend(fns, algo, {**FAST[algo], **hyperparams}, seed=seed, vectorization="sync", log_every=128)


def train(b: SB3Backend, steps: int) -> list[dict[str, float]]:
    metrics: list[dict[str, float]] = []
    b.learn(steps, on_update=metrics.append)
    return metrics


def vector_obs(env_id: str, num_envs: int = 2, seed: int = 7):
    """A batch of observations as a vector env returns them."""
    envs = gym.vector.SyncVectorEnv([make_env_fn(env_id, seed=seed, index=i) for i in range(num_envs)])
    obs, _ = envs.reset(seed=seed)
    for _ in range(3):
        obs, *_ = envs.step(envs.action_space.sample())
    envs.close()
    return obs


def assert_metrics(metrics: list[dict[str, float]], total: int, loss_keys: set[str]) -> None:
    steps = [m["global_step"] for m in metrics]
    assert len(steps) >= 2 and steps == sorted(set(steps)), steps
    assert steps[-1] >= total
    assert all(m["time/steps_per_s"] > 0 for m in metrics)
    trained = [m for m in metrics if loss_keys <= m.keys()]
    assert trained, f"no update reported {loss_keys}: {metrics[-1].keys()}"
    assert all(np.isfinite(m[k]) for m in trained for k in loss_keys)
    episodes = [m for m in metrics if "episode/return" in m]
    assert episodes and all(EPISODE_KEYS <= m.keys() and m["episode/count"] >= 1 for m in episodes)
    assert all(0 < m["episode/length"] <= 500 for m in episodes)


@pytest.mark.parametrize("env_id", ["CartPole-v1", MINIGRID])
@pytest.mark.parametrize("algo", ["ppo", "a2c", "dqn"])
def test_discrete_algos_report_documented_metrics(algo: str, env_id: str) -> None:
    b = backend(env_id, algo)
    try:
        assert b.policy_name == ("MultiInputPolicy" if env_id == MINIGRID else "MlpPolicy")
        metrics = train(b, 512)
    finally:
        b.close()
    losses = {"loss/value", "lr"} | ({"loss/policy", "loss/entropy"} if algo != "dqn" else set())
    if algo == "ppo":
        losses.add("stats/approx_kl")
    assert_metrics(metrics, 512, losses)
    assert b.global_step == metrics[-1]["global_step"]
    if algo in ("ppo", "a2c"):  # one report per update: one per rollout of n_steps x 2 envs
        rollout = 2 * FAST[algo]["n_steps"]
        assert [m["global_step"] for m in metrics] == list(range(rollout, 512 + 1, rollout))
    else:
        assert metrics[0]["global_step"] == 128
    if algo != "dqn":
        assert metrics[-1]["lr"] == pytest.approx(b.model.learning_rate)


@pytest.mark.parametrize(("algo", "env_id"), [("sac", "Pendulum-v1"), ("td3", "agentgym/Hopper-v5")])
def test_continuous_algos_train(algo: str, env_id: str) -> None:
    b = backend(env_id, algo, num_envs=1)
    try:
        metrics = train(b, 400)
    finally:
        b.close()
    assert [m["global_step"] for m in metrics] == [128, 256, 384, 400]
    assert {"loss/policy", "loss/value", "lr"} <= metrics[-1].keys()
    assert metrics[-1]["sb3/n_updates"] > 0


def evaluate(b: SB3Backend, episodes: int = 10) -> float:
    env = gym.make("CartPole-v1")
    returns = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=1000 + episode)
        done, total = False, 0.0
        while not done:
            obs, reward, terminated, truncated, _ = env.step(int(b.predict(obs[None])[0]))
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns))


@pytest.mark.slow
def test_ppo_learns_cartpole() -> None:
    fns = [make_env_fn("CartPole-v1", seed=0, index=i) for i in range(4)]
    hyperparams = {"num_steps": 128, "batch_size": 256, "update_epochs": 4, "learning_rate": 2.5e-3, "anneal_lr": True,
                   "ent_coef": 0.0}
    b = SB3Backend(fns, "PPO", hyperparams, seed=0)
    try:
        metrics = train(b, 20_000)
        after = evaluate(b)
    finally:
        b.close()
    # (a fresh deterministic policy can balance by chance, so compare the sampled training returns)
    assert metrics[0]["episode/return"] < 50
    assert metrics[-1]["episode/return"] > 150 and after > 150, (metrics[-1]["episode/return"], after)
    assert metrics[-1]["lr"] < 0.05 * 2.5e-3  # annealed to ~0 by the end


@pytest.mark.parametrize(("algo", "env_id", "hyperparams"), [
    ("ppo", "CartPole-v1", {"norm_obs": True, "norm_reward": True}),
    ("dqn", MINIGRID, {}),
])
def test_save_load_restores_step_and_actions(tmp_path: Path, algo: str, env_id: str, hyperparams: dict) -> None:
    b = backend(env_id, algo, **hyperparams)
    obs = vector_obs(env_id)
    try:
        train(b, 256)
        b.save(tmp_path / "ckpt.pt")
        step, actions = b.global_step, b.predict(obs)
    finally:
        b.close()
    assert (tmp_path / "ckpt.zip").is_file()
    assert (tmp_path / "ckpt.vecnorm.pkl").is_file() == bool(hyperparams)

    restored = backend(env_id, algo, **hyperparams)
    try:
        assert restored.global_step == 0
        restored.load(tmp_path / "ckpt.pt")
        assert restored.global_step == step == 256
        np.testing.assert_array_equal(restored.predict(obs), actions)
        if hyperparams:  # the normalizer's statistics came back, not fresh ones
            assert restored.vecnorm is not None and restored.vecnorm.obs_rms.count > 256
        metrics = train(restored, step + 256)
    finally:
        restored.close()
    assert restored.global_step == step + 256
    assert metrics[0]["global_step"] > step


def test_load_missing_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    b = backend("CartPole-v1", "ppo")
    try:
        with pytest.raises(FileNotFoundError, match="no SB3 checkpoint"):
            b.load(tmp_path / "nothing.pt")
    finally:
        b.close()


def test_same_seed_same_result() -> None:
    def run(seed: int) -> tuple[list[dict[str, float]], list[th.Tensor]]:
        b = backend(MINIGRID, "ppo", seed=seed)
        try:
            metrics = train(b, 256)
            return metrics, [p.detach().clone() for p in b.model.policy.parameters()]
        finally:
            b.close()

    (m1, p1), (m2, p2), (_, p3) = run(3), run(3), run(4)
    drop_time = [{k: v for k, v in m.items() if not k.startswith("time/")} for m in m1]
    assert drop_time == [{k: v for k, v in m.items() if not k.startswith("time/")} for m in m2]
    assert all(th.equal(a, b) for a, b in zip(p1, p2, strict=True))
    assert not all(th.equal(a, b) for a, b in zip(p1, p3, strict=True))


def test_predict_takes_vector_env_batches() -> None:
    b = backend(MINIGRID, "ppo", num_envs=3)
    try:
        actions = b.predict(vector_obs(MINIGRID, num_envs=3))
        sampled = {tuple(b.predict(vector_obs(MINIGRID, num_envs=3), deterministic=False)) for _ in range(5)}
    finally:
        b.close()
    assert actions.shape == (3,) and all(0 <= a < 7 for a in actions)
    assert len(sampled) > 1  # stochastic actions differ from draw to draw


CONSTANT_REWARD = """
def compute_reward(state, action, next_state, info):
    return 1.0, {"alive": 1.0}
"""


def test_reward_code_sets_the_rewards_sb3_sees() -> None:
    # with a constant reward of 1 per step, an episode's return is its length; norm_reward is on,
    # so this also checks that episode returns are the env's own rewards, not the normalized ones
    b = backend(MINIGRID, "ppo", reward_fn=load_reward_fn(CONSTANT_REWARD), norm_reward=True)
    try:
        metrics = train(b, 512)
    finally:
        b.close()
    episodes = [m for m in metrics if "episode/return" in m]
    assert episodes
    for m in episodes:
        assert m["episode/return"] == pytest.approx(m["episode/length"])
        assert m["reward/alive"] == pytest.approx(m["episode/length"])
        assert m["episode/return"] > 1  # the env's own reward is < 1 per episode


def test_on_update_returning_true_stops_at_that_update() -> None:
    b = backend("CartPole-v1", "ppo")
    try:
        seen: list[dict[str, float]] = []
        b.learn(10_000, on_update=lambda m: seen.append(m) or len(seen) == 2)
        assert [m["global_step"] for m in seen] == [128, 256]
        assert b.global_step == 256  # no env step beyond the reported update
        b.learn(512)  # and training continues from there
        assert b.global_step == 512
    finally:
        b.close()


def test_unknown_algo_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of: PPO, A2C, DQN, SAC, TD3"):
        SB3Backend([make_env_fn("CartPole-v1", seed=0)], "trpo", {}, seed=0)


@pytest.mark.parametrize(("env_id", "algo", "fits"), [
    ("Pendulum-v1", "dqn", "PPO, A2C, SAC, TD3"),
    ("CartPole-v1", "sac", "PPO, A2C, DQN"),
    ("CartPole-v1", "TD3", "PPO, A2C, DQN"),
])
def test_incompatible_action_space_names_fitting_algos(env_id: str, algo: str, fits: str) -> None:
    with pytest.raises(ValueError, match=f"SB3 {algo.upper()} cannot act in {env_id}.*fit.*: {fits}$"):
        SB3Backend([make_env_fn(env_id, seed=0)], algo, {}, seed=0)


def test_text_env_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="numeric observations.*observes Text. Text envs train with the LLM trainers"):
        SB3Backend([make_env_fn("agentgym/MiniGrid-Empty-5x5-Text-v0", seed=0)], "ppo", {}, seed=0)


def plain_minigrid() -> gym.Env:
    import minigrid  # noqa: F401  (registers MiniGrid's own ids)

    return gym.make("MiniGrid-Empty-5x5-v0")


def test_non_numeric_dict_entries_are_dropped() -> None:
    # MiniGrid's own env observes a mission string beside the image; SB3 cannot encode it
    with pytest.warns(UserWarning, match=r"ignores the non-numeric observation entries \['mission'\]"):
        b = SB3Backend([plain_minigrid, plain_minigrid], "a2c", FAST["a2c"], seed=0)
    try:
        assert sorted(b.model.observation_space.spaces) == ["direction", "image"]
        metrics = train(b, 128)
    finally:
        b.close()
    assert metrics[-1]["global_step"] == 128


def test_unknown_hyperparameter_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown hyperparameter\(s\) for SB3 PPO: buffer_size, lr_typo "
                                         r"\(buffer_size applies to DQN, SAC, TD3\)\. Valid: .*clip_coef.*n_steps"):
        SB3Backend([make_env_fn("CartPole-v1", seed=0)], "ppo", {"lr_typo": 1, "buffer_size": 10}, seed=0)
    with pytest.raises(ValueError, match="either 'num_steps' or 'n_steps'"):
        translate_hyperparams("ppo", {"num_steps": 64, "n_steps": 64}, num_envs=1)


def test_hyperparameter_names_map_to_sb3() -> None:
    kwargs, norm = translate_hyperparams("PPO", {
        "learning_rate": 1e-3, "num_steps": 256, "num_minibatches": 8, "update_epochs": 3, "clip_coef": 0.3,
        "gamma": 0.95, "gae_lambda": 0.9, "ent_coef": 0.01, "vf_coef": 0.4, "max_grad_norm": 0.7, "target_kl": 0.02,
        "hidden_sizes": [16], "activation": "relu", "norm_obs": True, "norm_reward": True, "clip_obs": 5.0,
    }, num_envs=4)
    assert kwargs == {"learning_rate": 1e-3, "n_steps": 256, "batch_size": 128, "n_epochs": 3, "clip_range": 0.3,
                      "gamma": 0.95, "gae_lambda": 0.9, "ent_coef": 0.01, "vf_coef": 0.4, "max_grad_norm": 0.7,
                      "target_kl": 0.02, "policy_kwargs": {"net_arch": [16], "activation_fn": th.nn.ReLU}}
    assert norm == {"norm_obs": True, "norm_reward": True, "gamma": 0.95, "clip_obs": 5.0}
    dqn, _ = translate_hyperparams("dqn", {"buffer_size": 100, "learning_starts": 5, "train_freq": [1, "episode"],
                                           "n_steps": 3}, num_envs=1)
    assert dqn == {"buffer_size": 100, "learning_starts": 5, "train_freq": (1, "episode"), "n_steps": 3}
    # off-policy n_steps is n-step returns, so the rollout-length alias is not accepted there
    assert "num_steps" not in valid_hyperparams("dqn") and "num_steps" in valid_hyperparams("a2c")


def test_vectorization_choice() -> None:
    assert choose_vectorization("auto", num_envs=4, step_seconds=20e-6, cores=8) == "sync"
    assert choose_vectorization("auto", num_envs=4, step_seconds=500e-6, cores=8) == "async"
    assert choose_vectorization("auto", num_envs=8, step_seconds=500e-6, cores=2) == "sync"
    assert choose_vectorization("auto", num_envs=1, step_seconds=500e-6, cores=8) == "sync"
    assert choose_vectorization("async", num_envs=2, step_seconds=None, cores=2) == "async"
    with pytest.warns(UserWarning, match="8 processes on 2 cores"):
        assert choose_vectorization("async", num_envs=8, step_seconds=None, cores=2) == "sync"
    with pytest.raises(ValueError, match="'auto', 'sync' or 'async'"):
        choose_vectorization("threads", num_envs=2, step_seconds=None, cores=2)


@pytest.mark.slow
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="async needs a core per env")
def test_async_matches_sync() -> None:
    # subprocess envs step the same seeded envs, so training gives the same result
    results = []
    for vectorization in ("sync", "async"):
        fns = [make_env_fn("CartPole-v1", seed=0, index=i) for i in range(2)]
        b = SB3Backend(fns, "ppo", FAST["ppo"], seed=0, vectorization=vectorization)
        try:
            assert b.vectorization == vectorization
            metrics = train(b, 256)
            results.append(([m.get("episode/return") for m in metrics], b.predict(vector_obs("CartPole-v1"))))
        finally:
            b.close()
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
