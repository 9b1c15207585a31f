"""Step credit from the env's progress for classic (vector-env) trainers: the wrapper, the config, a run."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

import agentgym  # noqa: F401
from agentgym.trainers import train
from agentgym.trainers.config import resolve_config
from agentgym.trainers.rewards import ProgressCredit

ENV = "agentgym/MiniGrid-Empty-5x5-v0"
PLAN = [2, 2, 1, 2, 2]  # forward, forward, right, forward, forward: the goal from the fixed start


def _play(kind, coef=1.0, gamma=1.0, actions=PLAN):
    env = ProgressCredit(gym.make(ENV, with_progress=True), kind, coef, gamma)
    _, info = env.reset(seed=0)
    rows = []
    for a in actions:
        _, reward, terminated, truncated, info = env.step(a)
        rows.append((reward, info["credit"], info["progress"], terminated))
        if terminated or truncated:
            break
    env.close()
    return rows


def test_progress_credit_pays_progress_gains_that_sum_to_the_final_progress():
    rows = _play("progress", coef=0.5)
    credits = [r[1] for r in rows]
    progress = [r[2] for r in rows]
    np.testing.assert_allclose(credits, 0.5 * np.diff([0.0, *progress]))
    assert sum(credits) == pytest.approx(0.5 * progress[-1]) and rows[-1][3]  # reached the goal
    env_reward = rows[-1][0] - rows[-1][1]
    assert env_reward > 0  # the env's own reward is kept


def test_pbrs_credit_ends_at_zero_potential_on_termination():
    rows = _play("pbrs", gamma=0.9)
    progress = [0.0] + [r[2] for r in rows]
    expected = [0.9 * p1 - p0 for p0, p1 in zip(progress[:-2], progress[1:-1], strict=True)] + [-progress[-2]]
    np.testing.assert_allclose([r[1] for r in rows], expected)
    # a no-op (pickup with nothing there) gains nothing: pbrs makes it cost (1 - γ) Φ(s) where Φ > 0
    stalled = _play("pbrs", gamma=0.9, actions=[2, 3])
    assert stalled[1][1] == pytest.approx(-0.1 * stalled[0][2])


def test_an_env_without_progress_is_a_clear_error():
    env = ProgressCredit(gym.make(ENV), "progress")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="with_progress"):
        env.step(2)


def test_classic_config_takes_progress_credit_and_explains_the_group_methods():
    assert resolve_config(ENV, overrides={"credit": "pbrs"}).credit == "pbrs"
    with pytest.raises(ValueError, match="whole groups"):
        resolve_config(ENV, overrides={"credit": "gigpo"})
    with pytest.raises(ValueError, match="unknown method"):
        resolve_config(ENV, overrides={"credit": "magic"})


def test_a_ppo_run_with_progress_credit_trains_and_saves_the_setting(tmp_path):
    run = train(ENV, "ppo", 256, credit="progress", num_envs=2, out=tmp_path / "run", eval_episodes=0,
                hyperparams={"num_steps": 64, "num_minibatches": 2, "update_epochs": 1}, progress=False,
                vectorization="sync")
    cfg = json.loads((run.path / "config.json").read_text())
    assert cfg["credit"] == "progress"
    rows = [json.loads(x) for x in (run.path / "metrics.jsonl").read_text().splitlines()]
    assert rows and rows[-1]["global_step"] >= 256
