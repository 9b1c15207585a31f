"""Rollout-batched rewards: the same numbers as applying the reward inside each env, step by step."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from agentgym.core import load_reward_fn
from agentgym.trainers.envs import make_env_fn
from agentgym.trainers.ppo import PPO
from agentgym.trainers.rewards import RolloutReward

ENV = "agentgym/MiniGrid-Empty-5x5-v0"
# Uses the states before and after, the action and the info: every input must line up.
REWARD = """\
import numpy as np

def compute_reward(state, action, next_state, info):
    closer = float(state["goal_distance"] - next_state["goal_distance"])
    turn = -0.01 if int(action) in (0, 1) else 0.0
    bonus = 1.0 if info.get("success", False) else 0.0
    return closer + turn + bonus, {"closer": closer, "turn": turn, "bonus": bonus}
"""


def _vector(num_envs: int, *, reward_fn=None, report_state=False, mode="replace") -> SyncVectorEnv:
    fns = [make_env_fn(ENV, seed=0, index=i, reward_fn=reward_fn, reward_mode=mode, report_state=report_state,
                       env_kwargs={"max_steps": 12}) for i in range(num_envs)]
    return SyncVectorEnv(fns, autoreset_mode=AutoresetMode.SAME_STEP)


@pytest.mark.parametrize("mode", ["replace", "add"])
def test_rollout_rewards_equal_per_step_rewards(mode):
    fn = load_reward_fn(REWARD)
    inside, outside = _vector(3, reward_fn=fn, mode=mode), _vector(3, report_state=True)
    batched = RolloutReward(fn, mode, num_envs=3)
    _, _ = inside.reset(seed=5)
    _, infos = outside.reset(seed=5)
    batched.reset(infos)
    rng = np.random.default_rng(0)
    expected, expected_parts, env_rewards, ended = [], [], [], 0
    for _ in range(40):  # episodes of 12 steps: several truncations and autoresets on the way
        actions = rng.integers(0, 3, size=3)
        _, r_in, term, trunc, info_in = inside.step(actions)
        _, r_out, term2, trunc2, infos = outside.step(actions)
        assert (term == term2).all() and (trunc == trunc2).all()
        ended += int((term | trunc).sum())
        batched.record(actions, term | trunc, infos)
        env_rewards.append(r_out)
        expected.append(r_in)
        # the per-step path's components: from final_info for envs whose episode just ended
        parts = {}
        for i in range(3):
            src = info_in["final_info"] if (term | trunc)[i] else info_in
            for name, value in src["reward_components"].items():
                if not name.startswith("_"):  # gymnasium's masks
                    parts.setdefault(name, np.zeros(3))[i] = value[i]
        expected_parts.append(parts)
    assert ended >= 6 and batched.pending == 40
    rewards, components = batched.flush(np.array(env_rewards))
    np.testing.assert_allclose(rewards, np.array(expected))
    assert set(components) == set(expected_parts[0])
    for name, values in components.items():
        np.testing.assert_allclose(values, np.array([p[name] for p in expected_parts]))
    assert np.abs(components["closer"]).sum() > 0  # the states really moved
    assert batched.pending == 0
    inside.close(), outside.close()


def test_record_needs_reported_states():
    fn = load_reward_fn(REWARD)
    envs = _vector(2)  # no StateReporter
    _, infos = envs.reset(seed=0)
    with pytest.raises(RuntimeError, match="StateReporter"):
        RolloutReward(fn, "replace", 2).reset(infos)
    envs.close()


def test_ppo_with_rollout_reward_trains_exactly_as_with_per_step_rewards():
    fn = load_reward_fn(REWARD)
    config = {"num_steps": 16, "num_minibatches": 2, "update_epochs": 2}

    def run(batched: bool) -> list[dict[str, float]]:
        fns = [make_env_fn(ENV, seed=0, index=i, reward_fn=None if batched else fn, report_state=batched,
                           env_kwargs={"max_steps": 12}) for i in range(2)]
        ppo = PPO(fns, config, seed=3, device="cpu", vectorization="sync",
                  reward=RolloutReward(fn, "replace", 2) if batched else None)
        rows: list[dict[str, float]] = []
        ppo.learn(96, on_update=lambda m: rows.append({k: v for k, v in m.items() if not k.startswith("time/")}))
        ppo.close()
        return rows

    per_step, per_rollout = run(False), run(True)
    assert len(per_step) == 3
    assert any("reward/closer" in row for row in per_step)
    assert per_rollout == per_step  # losses, returns and every reward component, bit for bit
