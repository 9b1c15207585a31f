"""The agentgym CLI, through typer's runner (same code path as the console script)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agentgym.cli import app
from agentgym.envs.registration import CATALOG

runner = CliRunner()


def test_list_shows_both_families_with_tasks():
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["family"] for r in rows} >= {"minigrid", "mujoco"}
    assert [r["id"] for r in rows] == list(CATALOG)
    assert all(r["summary"] for r in rows)
    table = runner.invoke(app, ["list", "--family", "mujoco"], terminal_width=200)
    assert "agentgym/HalfCheetah-v5" in table.output and "MiniGrid" not in table.output
    text_only = json.loads(runner.invoke(app, ["list", "--text", "--json"]).output)
    assert text_only and all(r["text"] for r in text_only)


def test_list_rejects_an_unknown_family():
    result = runner.invoke(app, ["list", "--family", "atari"])
    assert result.exit_code == 2 and "unknown family 'atari'" in result.output


def test_info_shows_the_task_spec_and_spaces():
    result = runner.invoke(app, ["info", "MiniGrid-DoorKey-5x5-Text-v0"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for needle in ["Compact state:", "agent_pos", "Success:", "Observation space: Text(", "Max episode steps"]:
        assert needle in result.output
    data = json.loads(runner.invoke(app, ["info", "agentgym/Hopper-v5", "--json"]).output)
    assert data["family"] == "mujoco" and data["task_spec"]["state_fields"]
    prompt = runner.invoke(app, ["info", "Hopper-v5", "--prompt"], terminal_width=200)
    assert "class State:" in prompt.output


def test_unknown_env_gets_did_you_mean():
    result = runner.invoke(app, ["info", "MiniGrid-DorKey-5x5-v0"])
    assert result.exit_code == 2
    assert "Did you mean" in result.output and "MiniGrid-DoorKey-5x5-v0" in result.output


def test_play_takes_typed_actions_and_numbers():
    result = runner.invoke(app, ["play", "MiniGrid-Empty-5x5-Text-v0", "--seed", "0"], input="fly\n1\n:q\n")
    assert result.exit_code == 0, result.output
    assert "Task:" in result.output and "invalid action" in result.output
    assert "[1] turn left" in result.output


def test_play_ends_cleanly_on_end_of_input():
    result = runner.invoke(app, ["play", "MiniGrid-Empty-5x5-Text-v0"], input="")
    assert result.exit_code == 0 and "bye" in result.output


def test_play_oracle_solves_doorkey():
    result = runner.invoke(app, ["play", "MiniGrid-DoorKey-5x5-Text-v0", "--agent", "oracle", "--seed", "1", "--episodes", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("success") == 2


def test_play_refuses_classic_envs():
    result = runner.invoke(app, ["play", "HalfCheetah-v5"])
    assert result.exit_code == 2 and "needs a text env" in " ".join(result.output.split())


def test_check_reports_a_table_and_passes():
    result = runner.invoke(app, ["check", "MiniGrid-DoorKey-5x5-v0", "MiniGrid-DoorKey-5x5-Text-v0", "Hopper-v5"],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "3 passed, 0 failed" in result.output and "gymnasium + sb3" in result.output


def test_demo_runs_the_tour_end_to_end():
    result = runner.invoke(app, ["demo", "--steps", "50", "--train-steps", "2048"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "success=True" in text  # the planner solved DoorKey through the text view
    assert "backward_speed" in text and "ctrl_cost" in text
    assert "native PPO on agentgym/MiniGrid-Empty-5x5-v0" in text and "evaluation: 20 episodes" in text
