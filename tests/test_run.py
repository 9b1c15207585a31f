"""Run folders, metrics, checkpoints, resume, Ctrl-C, reward errors, evaluation and plots."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agentgym
from agentgym.cli import app
from agentgym.core import RewardFnError
from agentgym.trainers import Run, RunError, resolve_config

runner = CliRunner()
FAST = {"num_steps": 32, "num_minibatches": 2, "update_epochs": 2}
# Raises once an episode lasts 50 steps: late enough for a checkpoint at 64 steps to exist first
# (2 envs x 16 steps per update cannot reach an episode step of 50 before global step 128).
FAULTY_REWARD = """\
def compute_reward(state, action, next_state, info):
    steps = int(next_state["step_count"])
    if steps >= 50:
        raise ValueError(f"episode too long: {steps}")
    return -0.01, {"time": -0.01}
"""


def _text(result) -> str:
    return " ".join(result.output.split())  # rich wraps long lines


def _train(tmp_path: Path, name: str = "run", **kwargs):
    args = {"steps": 512, "num_envs": 2, "seed": 0, "progress": False, "eval_episodes": 3,
            "hyperparams": FAST, "out": tmp_path / name}
    args.update(kwargs)
    return agentgym.train(args.pop("env_id", "CartPole-v1"), **args)


def test_run_folder_holds_config_metrics_checkpoint_status_and_eval(tmp_path):
    run = _train(tmp_path, checkpoint_every=128)
    files = {p.name for p in run.path.iterdir()}
    assert {"config.json", "metrics.jsonl", "checkpoints", "status.json", "eval.json", "tb"} <= files
    assert any(run.path.joinpath("tb").iterdir())
    cfg = json.loads((run.path / "config.json").read_text())
    assert cfg["env_id"] == "CartPole-v1" and cfg["steps"] == 512 and cfg["hyperparams"]["num_steps"] == 32
    rows = run.metrics()
    steps = [r["global_step"] for r in rows if "loss/policy" in r]
    assert steps == list(range(64, 513, 64))  # 2 envs x 32 steps per update
    assert all(r["time/steps_per_s"] > 0 for r in rows if "loss/policy" in r)
    assert any("episode/return" in r for r in rows)
    assert rows[-1]["eval/episodes"] == 3
    assert run.status() == {"state": "finished", "global_step": 512}
    path, step = run.latest_checkpoint()
    assert step == 512 and path.exists()
    kept = sorted({p.name.split(".")[0] for p in (run.path / "checkpoints").glob("step_*")})
    assert len(kept) == 3 and kept[-1] == "step_000000000512"


def test_keep_checkpoints_zero_keeps_all_and_any_one_evaluates(tmp_path):
    run = _train(tmp_path, steps=256, checkpoint_every=64, keep_checkpoints=0, eval_episodes=0)
    assert [step for _, step in run.checkpoints()] == [64, 128, 192, 256]
    early = run.evaluate(3, checkpoint=64)
    assert json.loads((run.path / "eval.json").read_text())["checkpoint_step"] == 64
    late = run.evaluate(3)
    assert json.loads((run.path / "eval.json").read_text())["checkpoint_step"] == 256
    # deterministic CartPole episodes: the first checkpoint and the last are different policies
    assert early.returns != late.returns
    assert run.load_backend(checkpoint=128).global_step == 128
    with pytest.raises(RunError, match=r"no checkpoint at step 100 \(checkpoints at: 64, 128, 192, 256\)"):
        run.evaluate(3, checkpoint=100)
    result = runner.invoke(app, ["eval", "--run", str(run.path), "--checkpoint", "64", "--episodes", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["returns"] == early.returns
    result = runner.invoke(app, ["eval", "--run", str(run.path), "--checkpoint", "7"])
    assert result.exit_code != 0 and "no checkpoint at step 7" in _text(result)


def test_keep_checkpoints_rejects_negative(tmp_path):
    with pytest.raises(ValueError, match="keep_checkpoints must be >= 0"):
        _train(tmp_path, keep_checkpoints=-1)


def test_eval_reproduces_the_logged_success_rate(tmp_path):
    run = _train(tmp_path, env_id="agentgym/MiniGrid-Empty-5x5-v0", steps=1024, eval_episodes=6)
    logged = json.loads((run.path / "eval.json").read_text())
    result = runner.invoke(app, ["eval", "--run", str(run.path), "--json"])
    assert result.exit_code == 0, result.output
    again = json.loads(result.output)
    assert again["episodes"] == 6
    assert again["success_rate"] == logged["success_rate"] and again["returns"] == logged["returns"]
    assert run.metrics()[-1]["eval/success_rate"] == logged["success_rate"]


def test_resume_continues_step_count_and_optimizer_state(tmp_path):
    import torch

    run = _train(tmp_path, steps=256, checkpoint_every=128)
    saved = run.load_backend()
    assert saved.global_step == 256
    run2 = agentgym.train(out=run.path, resume=True, steps=512, progress=False)
    steps = [r["global_step"] for r in run2.metrics() if "loss/policy" in r]
    assert steps == list(range(64, 513, 64))  # no gap, no repeat
    again = Run.open(run.path).load_backend()
    assert again.global_step == 512
    # the optimizer state carried over: Adam's step counter kept counting from the checkpoint
    adam_steps = [s["step"] for s in again.optimizer.state_dict()["state"].values()]
    first = [s["step"] for s in saved.optimizer.state_dict()["state"].values()]
    assert all(torch.as_tensor(a) > torch.as_tensor(b) for a, b in zip(adam_steps, first, strict=True))


def test_reward_error_stops_training_naming_the_line_and_keeps_the_checkpoint(tmp_path):
    reward = tmp_path / "reward.py"
    reward.write_text(FAULTY_REWARD)
    hyper = {"num_steps": 16, "num_minibatches": 2, "update_epochs": 1}
    with pytest.raises(RewardFnError) as err:
        _train(tmp_path, env_id="agentgym/MiniGrid-Empty-5x5-v0", steps=20_000, reward_fn=reward,
               checkpoint_every=64, hyperparams=hyper)
    assert "line 4" in str(err.value) and "episode too long" in str(err.value)
    run = Run.open(tmp_path / "run")
    status = run.status()
    assert status["state"] == "failed" and "line 4" in status["error"]
    latest = run.latest_checkpoint()
    assert latest is not None and latest[1] >= 64 and latest[0].exists()
    assert (run.path / "reward.py").read_text() == FAULTY_REWARD


def test_cli_reports_a_reward_error_with_its_line(tmp_path):
    reward = tmp_path / "reward.py"
    reward.write_text(FAULTY_REWARD)
    result = runner.invoke(app, ["train", "--env", "MiniGrid-Empty-5x5-v0", "--steps", "20000", "--num-envs", "2",
                                 "--reward-code", str(reward), "--out", str(tmp_path / "r"), "--no-progress",
                                 "--set", "num_steps=16", "--checkpoint-every", "64"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "reward.py, line 4: ValueError: episode too long" in text and "--resume" in text


def test_config_precedence_defaults_file_flags(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("steps: 3000\nseed: 5\nhyperparams:\n  learning_rate: 0.001\n  ent_coef: 0.05\n")
    cfg = resolve_config("MiniGrid-DoorKey-5x5-v0", file=cfg_file,
                         overrides={"seed": 7, "hyperparams": {"ent_coef": 0.02}})
    assert (cfg.steps, cfg.seed, cfg.num_envs) == (3000, 7, 8)
    assert cfg.hyperparams["learning_rate"] == 0.001 and cfg.hyperparams["ent_coef"] == 0.02
    assert cfg.hyperparams["num_steps"] == 128  # the family default survives
    toml = tmp_path / "c.toml"
    toml.write_text('algo = "ppo"\nnum_envs = 3\n[hyperparams]\nnum_steps = 64\n')
    assert resolve_config("CartPole-v1", file=toml).hyperparams == {"num_steps": 64}
    with pytest.raises(ValueError, match="unknown config keys \\['stepz'\\]"):
        resolve_config("CartPole-v1", overrides={"stepz": 1})
    with pytest.raises(ValueError, match="unknown algo 'sb3:PPOO'"):
        resolve_config("CartPole-v1", overrides={"algo": "sb3:PPOO"})


def test_existing_folder_needs_resume_or_overwrite(tmp_path):
    _train(tmp_path, steps=64, eval_episodes=0)
    with pytest.raises(RunError, match="exists"):
        _train(tmp_path, steps=64)
    result = runner.invoke(app, ["train", "--env", "CartPole-v1", "--out", str(tmp_path / "run"), "--steps", "64"])
    assert result.exit_code == 2 and "exists" in _text(result)
    result = runner.invoke(app, ["train", "--resume", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "not a run folder" in _text(result)
    result = runner.invoke(app, ["eval", "--run", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "not a run folder" in _text(result)


def test_plot_writes_learning_curves(tmp_path):
    run = _train(tmp_path, steps=512)
    result = runner.invoke(app, ["plot", str(run.path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (run.path / "plots").glob("*.png"))
    assert {"return.png", "losses.png", "speed.png"} <= set(names)
    assert all((run.path / "plots" / n).stat().st_size > 5000 for n in names)


def test_ctrl_c_checkpoints_and_resume_finishes(tmp_path):
    out = tmp_path / "ctrlc"
    cmd = [sys.executable, "-m", "agentgym.cli", "train", "--env", "CartPole-v1", "--steps", "400000",
           "--num-envs", "2", "--out", str(out), "--no-progress", "--set", "num_steps=32", "--eval-episodes", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "metrics.jsonl").is_file():
        if proc.poll() is not None:  # it ended before training: show why
            pytest.fail(f"train exited early with {proc.returncode}:\n{proc.stdout.read()}")
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    run = Run.open(out)
    status = run.status()
    assert status["state"] == "interrupted" and 0 < status["global_step"] < 400_000
    assert run.latest_checkpoint()[1] == status["global_step"]
    assert "agentgym train --resume" in " ".join(output.split())
    resumed = agentgym.train(out=out, resume=True, steps=status["global_step"] + 128, progress=False)
    assert resumed.status() == {"state": "finished", "global_step": status["global_step"] + 128}


def test_stop_when_ends_training_early(tmp_path):
    run = _train(tmp_path, steps=100_000, eval_episodes=2, stop_when=lambda row: row["global_step"] >= 192)
    assert run.status() == {"state": "stopped", "global_step": 192}
    assert run.latest_checkpoint()[1] == 192 and (run.path / "eval.json").is_file()
