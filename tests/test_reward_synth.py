"""Reward synthesis: prompts, the critic, and the loop over reward programs of known quality."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import agentgym
from agentgym.core import get_task_spec
from agentgym.reward_synth import prompts
from agentgym.reward_synth.critic import critique, sample_transitions
from agentgym.reward_synth.loop import SynthConfig, synthesize
from agentgym.reward_synth.scripted import ScriptedClient

ENV = "agentgym/MiniGrid-Empty-5x5-v0"

GOOD = '''\
Here is a reward that pays for getting closer to the goal:

```python
import numpy as np

def compute_reward(state, action, next_state, info):
    closer = 0.2 * float(state["goal_distance"] - next_state["goal_distance"])
    reached = 1.0 if int(next_state["goal_distance"]) == 0 else 0.0
    return closer + reached, {"closer": closer, "reached": reached}
```
'''
# Passes the critic (one batch of 256 calls), then raises in training once its counter passes 400.
BUGGY = '''\
```python
calls = []

def compute_reward(state, action, next_state, info):
    calls.append(1)
    if len(calls) > 400:
        raise RuntimeError("ran out of patience")
    d = float(next_state["goal_distance"])
    return -0.1 * d, {"distance": -0.1 * d}
```'''
CONSTANT = "```python\ndef compute_reward(state, action, next_state, info):\n    return 0.5, {'alive': 0.5}\n```"
HOSTILE = ("```python\nimport os\n\ndef compute_reward(state, action, next_state, info):\n"
           "    os.system('echo pwned')\n    return 0.0, {}\n```")
NO_CODE = "I am sorry, I cannot write that."
REFINED = GOOD.replace("0.2 *", "0.3 *")


@pytest.fixture(scope="module")
def transitions():
    return sample_transitions(ENV, n=128, seed=0)


def test_prompt_holds_task_state_signature_rules_and_feedback():
    spec = get_task_spec(gym.make(ENV))
    messages = prompts.build_messages(spec, "reach the goal fast", examples=["def compute_reward(s, a, ns, i): ..."],
                                      feedback="FEEDBACK-MARKER")
    user = messages[1]["content"]
    assert "reach the goal fast" in user and "class State:" in user and "goal_distance" in user
    assert "def compute_reward(state, action, next_state, info)" in user
    assert "temperature" in user and "numpy" in user
    assert "Example 1" in user and user.rstrip().endswith("FEEDBACK-MARKER")


def test_critic_stages(transitions):
    assert critique(GOOD, transitions).ok
    assert critique(NO_CODE, transitions).stage == "extract"
    static = critique(HOSTILE, transitions)
    assert static.stage == "static" and static.lineno == 1 and "os" in static.error
    assert critique(CONSTANT, transitions).stage == "constant"
    crash = critique("```python\ndef compute_reward(s, a, ns, info):\n    return 1.0 / 0.0, {}\n```", transitions)
    assert crash.stage == "run" and crash.lineno == 2 and "ZeroDivisionError" in crash.error
    nan = critique("```python\ndef compute_reward(s, a, ns, info):\n    return float('nan'), {}\n```", transitions)
    assert nan.stage == "run" and "non-finite" in nan.error
    loads = critique("```python\nx = 1 / 0\ndef compute_reward(s, a, ns, info):\n    return 0.0, {}\n```", transitions)
    assert loads.stage == "load" and loads.lineno == 1
    scaled = critique(GOOD.replace("0.2 *", "2000 *"), transitions)
    assert scaled.ok and any("scaling" in w for w in scaled.warnings)


@pytest.mark.slow
def test_loop_ranks_known_programs_feeds_back_errors_and_writes_outputs(tmp_path):
    client = ScriptedClient([[GOOD, BUGGY, CONSTANT, HOSTILE, NO_CODE], [REFINED]])
    config = SynthConfig(ENV, samples=5, iterations=2, train_steps=1024, num_envs=2, eval_episodes=3,
                         reflection_points=3, critic_samples=128, workers=2)
    result = synthesize(client, config, tmp_path / "synth")

    first = {c.index: c for c in result.rounds[0]}
    assert first[0].status == "trained" and first[0].success_rate is not None
    assert 0.0 <= first[0].progress <= 1.0  # MiniGrid's planner progress breaks ties in fitness
    assert first[1].status == "failed" and "ran out of patience" in first[1].error
    assert "line 6" in first[1].error and 'raise RuntimeError("ran out of patience")' in (first[1].traceback or "")
    assert (first[2].critic.stage, first[3].critic.stage, first[4].critic.stage) == ("constant", "static", "extract")
    assert result.critic_catch_rate() == pytest.approx(3 / 10)  # round 1: five copies of REFINED

    # round 1's prompt carried round 0's best program, its reflection, and the failure's traceback
    feedback = client.received[1][1]["content"]
    assert "0.2 * float" in feedback and "Values at 3 points" in feedback and "success:" in feedback
    assert "ran out of patience" in feedback
    assert "failed evaluation episodes" in feedback or "All 3 evaluation episodes succeeded" in feedback

    assert result.best is not None and result.best.status == "trained"
    best_code = (tmp_path / "synth" / "best_reward.py").read_text()
    assert best_code == result.best.critic.code and "def compute_reward" in best_code
    report = (tmp_path / "synth" / "report.md").read_text()
    assert "## Round 0" in report and "## Round 1" in report and "rejected (static)" in report
    assert "agentgym train --env" in report
    data = json.loads((tmp_path / "synth" / "synth.json").read_text())
    assert [len(r) for r in data["rounds"]] == [5, 5] and data["best"] == result.best.name


def test_train_runs_reward_code_in_the_sandbox(tmp_path):
    from agentgym.core.sandbox import SandboxedRewardFn
    from agentgym.trainers import Run

    code = GOOD.split("```python\n")[1].split("```")[0]
    run = agentgym.train(ENV, "ppo", 512, seed=0, num_envs=2, reward_fn=code, out=tmp_path / "run", progress=False,
                         eval_episodes=2, hyperparams={"num_steps": 64, "num_minibatches": 2, "update_epochs": 1})
    assert isinstance(run._reward_fn, SandboxedRewardFn) and run._reward_fn.sandbox.isolation["seccomp"]
    assert any("reward/closer" in row for row in run.metrics())
    assert isinstance(Run.open(run.path)._reward_fn, SandboxedRewardFn)  # reopened runs too


@pytest.mark.slow
def test_cli_synth_with_the_embedded_llm_reports_the_critic(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from agentgym.cli import app

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "synth"
    result = CliRunner().invoke(app, ["reward", "synth", "--env", "MiniGrid-Empty-5x5-v0", "--samples", "2",
                                      "--iterations", "1", "--steps", "512", "--max-tokens", "96",
                                      "--eval-episodes", "2", "--num-envs", "2", "--out", str(out)])
    text = " ".join(result.output.split())
    assert "round 0: asking local:SmolLM2-135M-Instruct for 2 reward programs" in text
    report = (out / "report.md").read_text()
    assert "| r0c0 |" in report and "| r0c1 |" in report
    data = json.loads((out / "synth.json").read_text())
    assert len(data["rounds"][0]) == 2
    # exit 0 with a best program, 1 when the critic rejected every candidate (the usual case for a 135M model)
    assert result.exit_code == (0 if data["best"] else 1), result.output
