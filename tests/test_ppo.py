"""Native PPO: solves CartPole and MiniGrid, is deterministic, resumes exactly, handles Box actions
with normalization, and surfaces reward-code errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agentgym.core import RewardFnError, load_reward_fn
from agentgym.trainers.envs import make_env_fn
from agentgym.trainers.ppo import PPO, PPOConfig
from agentgym.trainers.vector import make_vector_env

# Hyperparameters that solve these quickly (rl-zoo's CartPole settings; lr 1e-3 for MiniGrid).
CARTPOLE = {"num_steps": 32, "learning_rate": 1e-3, "num_minibatches": 1, "update_epochs": 20,
            "gae_lambda": 0.8, "gamma": 0.98, "ent_coef": 0.0}
MINIGRID = {"num_steps": 64, "learning_rate": 1e-3}


def make_ppo(env_id: str, num_envs: int, config: dict, seed: int = 0, **kwargs) -> PPO:
    fns = [make_env_fn(env_id, seed=seed, index=i, **kwargs) for i in range(num_envs)]
    return PPO(fns, PPOConfig.from_dict(config), seed=seed, vectorization="sync")


def evaluate(ppo: PPO, env_id: str, episodes: int = 10, seed: int = 1000) -> tuple[float, float]:
    """Mean return and success rate of the deterministic policy over one episode per env."""
    envs = make_vector_env([make_env_fn(env_id, seed=seed, index=i) for i in range(episodes)], mode="sync")
    obs, _ = envs.reset(seed=seed)
    returns, success = np.zeros(episodes), np.zeros(episodes)
    done = np.zeros(episodes, dtype=bool)
    while not done.all():
        obs, reward, terminated, truncated, infos = envs.step(ppo.predict(obs))
        returns += reward * ~done
        ended = (terminated | truncated) & ~done
        if ended.any() and "success" in infos.get("final_info", {}):
            success[ended] = infos["final_info"]["success"][ended]
        done |= terminated | truncated
    envs.close()
    return float(returns.mean()), float(success.mean())


def learn_until(ppo: PPO, env_id: str, total_steps: int, target: float, every: int) -> tuple[float, float]:
    """Train, evaluating every ``every`` updates; stop once the mean return reaches ``target``."""
    result = {"eval": (float("-inf"), 0.0)}

    def on_update(metrics: dict[str, float]) -> bool:
        if int(metrics["update"]) % every:
            return False
        result["eval"] = evaluate(ppo, env_id)
        return result["eval"][0] >= target

    ppo.learn(total_steps, on_update)
    return result["eval"]


@pytest.mark.slow
def test_solves_cartpole():
    ppo = make_ppo("CartPole-v1", 8, CARTPOLE)
    mean_return, _ = learn_until(ppo, "CartPole-v1", 60_000, target=475, every=5)
    ppo.close()
    assert mean_return >= 475, f"mean return {mean_return} after {ppo.global_step} steps"


def test_solves_minigrid_empty():
    env_id = "agentgym/MiniGrid-Empty-5x5-v0"
    ppo = make_ppo(env_id, 8, MINIGRID)
    mean_return, success = learn_until(ppo, env_id, 40_000, target=0.9, every=2)
    ppo.close()
    assert success == 1.0 and mean_return >= 0.9, (mean_return, success, ppo.global_step)


def short_run(seed: int) -> list[dict[str, float]]:
    ppo = make_ppo("CartPole-v1", 2, {"num_steps": 64}, seed=seed)
    metrics: list[dict[str, float]] = []
    ppo.learn(3 * 128, lambda m: metrics.append({k: v for k, v in m.items() if not k.startswith("time/")}))
    ppo.close()
    return metrics


def test_same_seed_same_metrics_different_seed_different():
    first, again, other = short_run(0), short_run(0), short_run(1)
    assert [m["global_step"] for m in first] == [128.0, 256.0, 384.0]
    assert {"loss/policy", "loss/value", "loss/entropy", "stats/approx_kl", "lr", "episode/return"} <= set(first[-1])
    assert first == again
    assert first != other


def test_lr_anneals_linearly_over_the_learn_budget():
    ppo = make_ppo("CartPole-v1", 2, {"num_steps": 32, "learning_rate": 1e-3})
    lrs: list[float] = []
    ppo.learn(256, lambda m: lrs.append(m["lr"]))
    ppo.close()
    np.testing.assert_allclose(lrs, [1e-3 * (1 - k / 4) for k in range(4)])


def test_callback_returning_true_stops_at_the_update_boundary():
    ppo = make_ppo("CartPole-v1", 2, {"num_steps": 32})
    ppo.learn(10_000, lambda m: m["update"] >= 2)
    ppo.close()
    assert ppo.global_step == 128 and ppo.updates == 2


def test_save_load_resumes_with_identical_state(tmp_path):
    config = {"num_steps": 32, "norm_obs": True, "norm_reward": True}
    ppo = make_ppo("CartPole-v1", 2, config)
    ppo.learn(192)
    ppo.save(tmp_path / "ckpt.pt")

    fresh = make_ppo("CartPole-v1", 2, config, seed=0)
    fresh.load(tmp_path / "ckpt.pt")
    assert fresh.global_step == ppo.global_step == 192 and fresh.updates == 3
    saved, loaded = ppo.optimizer.state_dict(), fresh.optimizer.state_dict()
    assert saved["param_groups"] == loaded["param_groups"]
    for key, state in saved["state"].items():
        for name, value in state.items():
            assert torch.equal(value, loaded["state"][key][name]), (key, name)
    for (name, a), b in zip(ppo.agent.state_dict().items(), fresh.agent.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    np.testing.assert_array_equal(ppo.obs_normalizer.stats["obs"].mean, fresh.obs_normalizer.stats["obs"].mean)
    assert ppo.reward_normalizer.rms.var == fresh.reward_normalizer.rms.var

    # Resuming continues the run (and the LR schedule) from global_step, the same way every time.
    twin = make_ppo("CartPole-v1", 2, config, seed=0)
    twin.load(tmp_path / "ckpt.pt")
    runs = []
    for resumed in (fresh, twin):
        steps: list[tuple[float, float, float]] = []
        resumed.learn(320, lambda m, s=steps: s.append((m["global_step"], m["lr"], m["loss/value"])))
        resumed.close()
        runs.append(steps)
    ppo.close()
    assert [s[:2] for s in runs[0]] == [(256.0, 2.5e-4 * (1 - 192 / 320)), (320.0, 2.5e-4 * (1 - 256 / 320))]
    assert runs[0] == runs[1]


def test_load_rejects_a_checkpoint_of_another_architecture(tmp_path):
    ppo = make_ppo("CartPole-v1", 2, {"num_steps": 32})
    ppo.save(tmp_path / "ckpt.pt")
    ppo.close()
    other = make_ppo("CartPole-v1", 2, {"num_steps": 32, "hidden_sizes": [32]})
    with pytest.raises(ValueError, match="hidden_sizes"):
        other.load(tmp_path / "ckpt.pt")
    other.close()


def test_continuous_actions_on_hopper_with_normalization():
    ppo = make_ppo("agentgym/Hopper-v5", 2, {"num_steps": 64, "num_minibatches": 2, "update_epochs": 2,
                                               "norm_obs": True, "norm_reward": True})
    assert ppo.agent.continuous
    metrics: list[dict[str, float]] = []
    ppo.learn(256, metrics.append)
    stats = ppo.obs_normalizer.stats["obs"]
    assert len(metrics) == 2 and stats.count > 256  # every observation, the first reset's included
    assert np.abs(stats.mean).max() > 0.01 and not np.allclose(stats.var, 1.0)
    assert ppo.reward_normalizer.rms.count > 256
    assert metrics[-1]["stats/action_std"] != 1.0  # the log-std is learned
    assert all(np.isfinite(v) for m in metrics for v in m.values())
    obs, _ = ppo.envs.reset(seed=0)
    actions = ppo.predict(obs)
    ppo.close()
    assert actions.shape == (2, 3) and actions.dtype == np.float32
    assert (np.abs(actions) <= 1.0).all()


def test_a_raising_reward_function_surfaces_from_learn():
    fn = load_reward_fn("def compute_reward(state, action, next_state, info):\n"
                        "    raise ValueError('reward exploded at step')\n")
    ppo = make_ppo("agentgym/MiniGrid-Empty-5x5-v0", 2, {"num_steps": 16}, reward_fn=fn)
    with pytest.raises(RewardFnError, match="reward exploded at step"):
        ppo.learn(64)
    ppo.close()


def test_config_rejects_unknown_keys_and_round_trips():
    with pytest.raises(ValueError, match="unknown PPO option 'clip_coeff' \\(did you mean 'clip_coef'\\?\\)"):
        PPOConfig.from_dict({"clip_coeff": 0.1})
    config = PPOConfig.from_dict({"hidden_sizes": [128, 128], "target_kl": 0.02})
    assert config.hidden_sizes == (128, 128)
    assert PPOConfig.from_dict(config.to_dict()) == config
    assert PPOConfig().learning_rate == 2.5e-4 and PPOConfig().num_steps == 128


def test_batch_must_split_into_minibatches():
    with pytest.raises(ValueError, match="not divisible by num_minibatches"):
        make_ppo("CartPole-v1", 3, {"num_steps": 5, "num_minibatches": 4})
