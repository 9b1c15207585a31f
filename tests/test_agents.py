"""Baseline agents (random, oracle) and `agentgym eval --env ID --agent ...`."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from typer.testing import CliRunner

import agentgym  # noqa: F401  (registers the ids)
from agentgym.agents import AgentError, OracleAgent, RandomAgent, evaluate_agent, make_agent
from agentgym.cli import app

runner = CliRunner()
TEXT = "agentgym/MiniGrid-DoorKey-5x5-Text-v0"


def test_oracle_solves_and_random_picks_admissible_actions():
    oracle = evaluate_agent(TEXT, "oracle", episodes=4, seed=3)
    assert oracle.success_rate == 1.0 and oracle.episodes == 4 and all(n < 40 for n in oracle.lengths)
    random_ = evaluate_agent(TEXT, "random", episodes=4, seed=3)
    assert random_.mean_length > oracle.mean_length  # wanders until the time limit, mostly
    env = gym.make(TEXT)
    agent = RandomAgent(seed=1)
    obs, info = env.reset(seed=0)
    agent.reset(env, 0)
    for _ in range(20):
        action = agent.act(obs, info)
        assert action in info["admissible_actions"]
        obs, _, terminated, truncated, info = env.step(action)
        assert info["valid_action"]
        if terminated or truncated:
            break


def test_the_same_seed_gives_the_same_episodes():
    a = evaluate_agent(TEXT, "random", episodes=3, seed=11)
    b = evaluate_agent(TEXT, "random", episodes=3, seed=11)
    assert a.returns == b.returns and a.lengths == b.lengths


def test_random_agent_samples_the_action_space_of_classic_envs():
    result = evaluate_agent("agentgym/MiniGrid-DoorKey-5x5-v0", make_agent("random", 0), episodes=2, seed=0)
    assert result.episodes == 2 and result.mean_length > 0


def test_agent_errors():
    env = gym.make("agentgym/Hopper-Jump-v0")
    with pytest.raises(AgentError, match="no oracle"):
        OracleAgent().reset(env)
    with pytest.raises(AgentError, match="reset"):
        OracleAgent().act(None, {})
    with pytest.raises(ValueError, match="unknown agent 'smart'"):
        make_agent("smart")
    with pytest.raises(ValueError, match="episodes"):
        evaluate_agent(TEXT, "oracle", episodes=0)


def test_cli_eval_agent_json_and_errors():
    out = runner.invoke(app, ["eval", "--env", "MiniGrid-DoorKey-5x5-Text-v0", "--agent", "oracle", "--episodes", "3",
                              "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["agent"] == "oracle" and data["success_rate"] == 1.0 and data["episodes"] == 3
    cases = [
        (["eval", "--env", "Hopper-Jump-v0", "--agent", "oracle"], "has no oracle"),
        (["eval", "--env", "Hopper-Jump-v0", "--agent", "random", "--split", "test"], "no train/test split"),
        (["eval", "--env", "Hopper-Jump-v0"], "--env needs --agent"),
        (["eval", "--env", "Hopper-Jump-v0", "--agent", "smart"], "unknown agent 'smart'"),
        (["eval", "--env", "Hopper-Jump-v0", "--run", "runs/x"], "not both"),
        (["eval", "--agent", "random"], "go with --env"),
        (["eval", "--env", "NoSuchEnv-v0", "--agent", "random"], "NoSuchEnv"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args, terminal_width=300)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)


TEXT_GAMES = ["TextAdventure-Easy-v0", "TextAdventure-Medium-v0", "TextAdventure-Hard-v0", "Maze-v0",
              "Maze-Partial-v0", "Wordle-v0", "TwentyQuestions-v0"]


@pytest.mark.parametrize("game", TEXT_GAMES)
def test_play_and_eval_work_for_every_text_game(game):
    played = runner.invoke(app, ["play", game, "--agent", "oracle", "--seed", "4"], terminal_width=300)
    assert played.exit_code == 0, played.output
    assert "success" in played.output and "not solved" not in played.output
    typed = runner.invoke(app, ["play", game, "--seed", "4"], input="what is this\n1\n:q\n", terminal_width=300)
    assert typed.exit_code == 0 and "invalid action" in typed.output.lower()
    out = runner.invoke(app, ["eval", "--env", game, "--agent", "random", "--episodes", "5", "--json"])
    data = json.loads(out.output)
    assert data["split"] == "test" and data["episodes"] == 5 and data["success_rate"] <= 1.0


def test_eval_splits_are_disjoint_and_checked():
    from agentgym.envs.textgames.splits import WORLD_SEEDS

    test_env = gym.make("agentgym/Maze-v0", split="test")
    train_env = gym.make("agentgym/Maze-v0", split="train")
    test_obs = {test_env.reset(seed=s)[0] for s in range(30)}
    train_obs = {train_env.reset(seed=s)[0] for s in range(30)}
    assert not test_obs & train_obs  # the same reset seeds, different worlds
    assert WORLD_SEEDS["train"].stop <= WORLD_SEEDS["test"].start
    bad = runner.invoke(app, ["eval", "--env", "Maze-v0", "--agent", "oracle", "--split", "dev"])
    assert bad.exit_code == 2 and "--split must be one of" in " ".join(bad.output.split())
    with pytest.raises(ValueError, match="split must be one of"):
        gym.make("agentgym/Wordle-v0", split="dev")


def test_random_agent_fills_a_free_text_slot_with_words_of_the_task():
    import re

    env = gym.make("agentgym/WebShop-Small-v0")
    obs, info = env.reset(seed=4)
    agent = RandomAgent(seed=0)
    agent.reset(env, seed=0)
    assert info["admissible_actions"] == ["search[<query>]"]
    task_words = set(re.findall(r"[a-z]+", info["task"].lower()))
    for _ in range(5):
        action = agent.act(obs, info)
        assert action.startswith("search[") and action.endswith("]") and "<" not in action
        assert 1 <= len(action[7:-1].split()) <= 3 and set(action[7:-1].split()) <= task_words
    _, _, _, _, info = env.step(agent.act(obs, info))
    assert info["valid_action"] and info["page"] == "results"
