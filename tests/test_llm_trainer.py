"""The LLM-policy trainer: GRPO/RLOO/PPO updates, checkpoints and resume, the CLI (with a tiny random Llama)."""

from __future__ import annotations

import json
import time

import gymnasium as gym
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from agentgym.cli import app
from agentgym.core import TEXT_STATE_FIELDS, TaskSpec, TextEnv
from agentgym.trainers.llm.logprobs import sequence_logprobs
from agentgym.trainers.llm.models import LLMError
from agentgym.trainers.llm.rollout import collect_episodes
from agentgym.trainers.llm.trainer import (
    LLMTrainConfig,
    LLMTrainError,
    Policy,
    episode_advantages,
    is_llm_run,
    train_llm,
    update,
)
from agentgym.trainers.llm.types import SamplingConfig

runner = CliRunner()
VOWEL_ENV = "agentgym-test/Vowels-v0"


class VowelEnv(TextEnv):
    """Two turns; each pays the share of vowels in the action: any text scores, so rewards vary."""

    task_spec = TaskSpec("Vowels", "Say words full of vowels.", TEXT_STATE_FIELDS, "any text", "total > 1")

    def _reset(self, options):
        self.turn, self.total = 0, 0.0
        return "Say something."

    def _task(self):
        return "Say words full of vowels."

    def _step(self, action):
        self.turn += 1
        letters = [c for c in action if c.isalpha()]
        reward = sum(c in "aeiou" for c in letters) / len(letters) if letters else 0.0
        self.total += reward
        return f"Turn {self.turn} scored {reward:.2f}.", reward, self.turn >= 2

    def _success(self):
        return self.total > 1.0


if VOWEL_ENV not in gym.registry:
    gym.register(VOWEL_ENV, entry_point=f"{__name__}:VowelEnv")


def _config(model_dir, **kw) -> LLMTrainConfig:
    base = dict(env_id=VOWEL_ENV, model=str(model_dir), steps=2, group_size=2, tasks_per_step=2, max_new_tokens=6,
                action_format="line", eval_episodes=0, checkpoint_every=1, learning_rate=1e-3, device="cpu")
    base.update(kw)
    return LLMTrainConfig(**base)


def test_a_grpo_update_raises_the_likelihood_of_better_responses(tiny_lm_dir):
    cfg = _config(tiny_lm_dir, group_size=4, tasks_per_step=1, learning_rate=5e-3)
    policy = Policy(cfg)
    episodes = collect_episodes(policy.engine, policy.tokenizer, VOWEL_ENV, [3] * 4, group_ids=[0] * 4,
                                prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=6, seed=1))
    samples = episode_advantages(list(episodes), cfg)
    per_episode = {}
    for e in episodes:
        per_episode.setdefault(e.total_reward, e)
    assert len(per_episode) > 1, "the sampled episodes should score differently"
    best = max(samples, key=lambda s: s.advantage)
    worst = min(samples, key=lambda s: s.advantage)
    assert best.advantage > 0 > worst.advantage

    def logp(s):
        with torch.no_grad():
            return float(sequence_logprobs(policy.model, [s.prompt_ids], [s.response_ids], pad_id=policy.pad_id)[0].sum())

    before = (logp(best), logp(worst))
    t0 = time.perf_counter()
    stats = update(policy, samples, cfg, np.random.default_rng(0))
    wall = time.perf_counter() - t0
    after = (logp(best), logp(worst))
    phases = [stats[f"time/update_{k}_s"] for k in ("reference", "forward_backward", "optimizer")]
    assert all(p >= 0 for p in phases) and phases[1] > 0 and sum(phases) <= wall
    assert stats["update/samples"] == sum(s.advantage != 0 for s in samples)
    assert after[0] - before[0] > after[1] - before[1]
    assert after[0] > before[0]
    # rollout log-probs match the trainer's forward before the update (ratio 1 on the first pass)
    assert stats["update/ratio_mean"] == pytest.approx(1.0, abs=1e-3)


def test_training_the_top_blocks_from_recorded_states_matches_full_passes(tiny_lm_dir):
    """With the lower blocks frozen, an update from the rollout's recorded states equals one from full passes."""
    results = {}
    for reuse in (True, False):
        torch.manual_seed(0)
        cfg = _config(tiny_lm_dir, group_size=4, tasks_per_step=1, train_layers=1, reuse_frozen_states=reuse,
                      entropy_coef=0.01)
        policy = Policy(cfg)
        assert policy.frozen_blocks == (1 if reuse else 0)  # the tiny Llama has 2 blocks
        with policy.recording_states():
            episodes = collect_episodes(policy.engine, policy.tokenizer, VOWEL_ENV, [3] * 4, group_ids=[0] * 4,
                                        prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=6, seed=1))
        assert policy.engine.block_sink is None
        assert len(policy.states) == (sum(len(e.turns) for e in episodes) if reuse else 0)
        samples = episode_advantages(list(episodes), cfg)
        stats = update(policy, samples, cfg, np.random.default_rng(0))
        top = [p.detach().clone() for p in policy.model.parameters() if p.requires_grad]
        results[reuse] = (stats, top)
    (with_states, top_a), (full, top_b) = results[True], results[False]
    assert with_states["update/samples"] == full["update/samples"] > 0
    assert with_states["update/grad_norm"] == pytest.approx(full["update/grad_norm"], rel=1e-4)
    assert with_states["update/entropy"] == pytest.approx(full["update/entropy"], rel=1e-4)
    for a, b in zip(top_a, top_b, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_resumed_run_continues_identically(tiny_lm_dir, tmp_path):
    straight = train_llm(_config(tiny_lm_dir, steps=2, eval_episodes=2), tmp_path / "a")
    train_llm(_config(tiny_lm_dir, steps=1, eval_episodes=2), tmp_path / "b")
    resumed = train_llm(_config(tiny_lm_dir, steps=2, eval_episodes=2), tmp_path / "b", resume=True)
    rows_a = [json.loads(x) for x in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    rows_b = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["global_step"] for r in rows_b] == [1, 2]
    for key in ("episode/return", "update/samples", "update/grad_norm", "rollout/generated_tokens"):
        assert rows_a[1][key] == pytest.approx(rows_b[1][key], rel=1e-5), key
    wa = torch.load(next((tmp_path / "a" / "checkpoints").glob("step_000002")) / "trainer.pt", weights_only=False)
    wb = torch.load(next((tmp_path / "b" / "checkpoints").glob("step_000002")) / "trainer.pt", weights_only=False)
    assert wa["update"] == wb["update"] == 2
    assert straight["returns"] == resumed["returns"]
    assert is_llm_run(tmp_path / "a") and (tmp_path / "a" / "eval.json").is_file()
    assert sorted(p.name for p in (tmp_path / "a" / "transcripts").iterdir())  # sample episodes were written
    assert json.loads((tmp_path / "b" / "status.json").read_text())["state"] == "finished"


def test_rloo_with_kl_and_ppo_with_lora(tiny_lm_dir, tmp_path):
    train_llm(_config(tiny_lm_dir, algo="rloo", steps=1, kl_coef=0.1), tmp_path / "rloo")
    row = json.loads((tmp_path / "rloo" / "metrics.jsonl").read_text().splitlines()[0])
    assert "update/kl_ref" in row or row["update/samples"] == 0
    train_llm(_config(tiny_lm_dir, algo="ppo", steps=1, lora_r=4), tmp_path / "ppo")
    row = json.loads((tmp_path / "ppo" / "metrics.jsonl").read_text().splitlines()[0])
    assert row["update/samples"] > 0 and np.isfinite(row["update/value_loss"])
    saved = next((tmp_path / "ppo" / "checkpoints").iterdir()) / "model"
    assert (saved / "adapter_config.json").is_file() and not (saved / "model.safetensors").exists()


def test_bad_settings_fail_before_any_work(tiny_lm_dir, tmp_path):
    start = time.perf_counter()
    with pytest.raises(LLMError, match="no such model"):
        train_llm(_config("/no/such/model-folder"), tmp_path / "x")
    assert time.perf_counter() - start < 5 and not (tmp_path / "x").exists()
    with pytest.raises(LLMTrainError, match="group_size"):
        train_llm(_config(tiny_lm_dir, group_size=1), tmp_path / "y")
    with pytest.raises(LLMTrainError, match="temperature"):
        _config(tiny_lm_dir, temperature=0.0).validate()
    with pytest.raises(LLMTrainError, match="unknown LLM training settings: lr"):
        LLMTrainConfig.from_dict({"env_id": VOWEL_ENV, "lr": 1.0})
    train_llm(_config(tiny_lm_dir, steps=50, time_budget_s=1e-3, eval_episodes=1), tmp_path / "t")
    status = json.loads((tmp_path / "t" / "status.json").read_text())
    assert (status["state"], status["update"], status["stopped_by"]) == ("finished", 1, "time_budget_s")
    assert json.loads((tmp_path / "t" / "eval.json").read_text())["update"] == 1
    with pytest.raises(LLMTrainError, match="time_budget_s"):
        _config(tiny_lm_dir, time_budget_s=0).validate()
    train_llm(_config(tiny_lm_dir, steps=1), tmp_path / "z")
    with pytest.raises(LLMTrainError, match="exists"):
        train_llm(_config(tiny_lm_dir, steps=1), tmp_path / "z")


def test_cli_trains_and_evaluates_an_llm_policy(tiny_lm_dir, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--env", "Maze-v0", "--model", str(tiny_lm_dir), "--group-size", "2",
                                 "--tasks-per-step", "1", "--steps", "1", "--set", "max_turns=2", "--set",
                                 "max_new_tokens=4", "--set", "eval_episodes=2", "--set", "device=cpu",
                                 "--out", str(out), "--no-progress"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "held-out episodes" in result.output and (out / "eval.json").is_file()
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["kind"], cfg["algo"], cfg["max_new_tokens"]) == ("llm", "grpo", 4)
    evaluated = runner.invoke(app, ["eval", "--run", str(out), "--episodes", "2", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    data = json.loads(evaluated.output)
    assert data["episodes"] == 2 and data["env_kwargs"] == {"split": "test"}
    cases = [
        (["train", "--env", "Hopper-v5", "--algo", "grpo"], "classic env"),
        (["train", "--env", "Maze-v0", "--algo", "sb3:PPO"], "text env"),
        (["train", "--env", "Hopper-v5", "--model", "smollm2"], "need a text env"),
        (["train", "--env", "Maze-v0", "--model", "/no/such/dir", "--out", str(tmp_path / "bad")], "no such model"),
        (["train", "--env", "Maze-v0", "--set", "nonsense=1", "--out", str(tmp_path / "bad2")], "nonsense"),
    ]
    for args, message in cases:
        res = runner.invoke(app, args, terminal_width=300)
        assert res.exit_code == 2, (args, res.output)
        assert message in " ".join(res.output.split()), (args, res.output)


def test_eval_a_local_model_and_a_served_one_on_a_text_env(tiny_lm_dir):
    from agentgym.reward_synth.llm import LocalClient
    from agentgym.reward_synth.serve import LLMServer
    from agentgym.trainers.llm.engines import OpenAIEngine
    from agentgym.trainers.llm.rollout import evaluate_endpoint

    local = runner.invoke(app, ["eval", "--env", "Wordle-v0", "--model", str(tiny_lm_dir), "--episodes", "2", "--json"])
    assert local.exit_code == 0, local.output
    data = json.loads(local.output)
    assert data["episodes"] == 2 and data["env_kwargs"] == {"split": "test"} and data["format_error_rate"] > 0.5
    with LLMServer(LocalClient(str(tiny_lm_dir), device="cpu"), port=0, model_name="tiny") as server:
        result = evaluate_endpoint(OpenAIEngine("tiny", base_url=server.url), "agentgym/Maze-v0", 2, max_turns=2)
        assert result["episodes"] == 2 and result["rollout"]["turns"] == 4 and result["rollout"]["generated_tokens"] == 0
        served = runner.invoke(app, ["eval", "--env", "Wordle-v0", "--endpoint", server.url, "--model", "tiny",
                                     "--episodes", "1", "--split", "train"], terminal_width=300)
        assert served.exit_code == 0, served.output
        assert "1 episodes" in served.output and "split" in served.output
    for args, message in [(["eval", "--model", "smollm2"], "give --env too"),
                          (["eval", "--env", "Hopper-v5", "--model", "smollm2"], "classic env"),
                          (["eval", "--env", "Maze-v0", "--model", "x", "--agent", "random"], "not both")]:
        res = runner.invoke(app, args, terminal_width=300)
        assert res.exit_code == 2 and message in " ".join(res.output.split()), (args, res.output)


def test_llm_feedback_intrinsic_reward_reaches_each_turn_and_is_saved(tiny_lm_dir, tmp_path):
    from agentgym.reward_synth.intrinsic import LLMFeedback
    from agentgym.reward_synth.scripted import ScriptedClient
    from agentgym.trainers.llm.trainer import add_intrinsic
    from agentgym.trainers.llm.types import Episode, Turn

    def turn(message):
        return Turn([1], [2], [-0.1], "x", "x", True, 0.0, 0.0, "obs", {"message": message})

    episodes = [Episode(VOWEL_ENV, 0, 0, "open the door", [turn("You take the key."), turn(""), turn("You take the key.")]),
                Episode(VOWEL_ENV, 1, 0, "open the door", [turn("You open the door.")])]
    reward = LLMFeedback(ScriptedClient([["Yes."]]), mode="chat", alpha_int=0.5).build(2)
    try:
        add_intrinsic(reward, episodes)
        assert all(t.intrinsic_reward == 0.0 for e in episodes for t in e.turns)  # no label has arrived yet
        assert reward.annotator.wait(timeout=30)
        add_intrinsic(reward, episodes)
        first, empty, again = (t.intrinsic_reward for t in episodes[0].turns)
        assert first == pytest.approx(0.5) and empty == 0.0 and again == pytest.approx(0.5 / 2**3)
        assert episodes[1].turns[0].intrinsic_reward == pytest.approx(0.5)
        assert episodes[0].total_reward == pytest.approx(0.5 + 0.5 / 8)
    finally:
        reward.close()

    spec = LLMFeedback(ScriptedClient([["no"]]), mode="chat")
    train_llm(_config(tiny_lm_dir, steps=1), tmp_path / "run", intrinsic=spec)
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    assert cfg["intrinsic"]["kind"] == "llm-feedback"
    row = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    assert "intrinsic/messages" in row and "reward/intrinsic" in row
    with pytest.raises(LLMTrainError, match="intrinsic"):
        train_llm(_config(tiny_lm_dir, steps=2), tmp_path / "run", resume=True)


# ------------------------------------------------------------ partial fine-tuning and progress shaping
PROGRESS_ENV = "agentgym-test/VowelsProgress-v0"


class VowelProgressEnv(VowelEnv):
    """VowelEnv that reports progress: half the vowel score so far (so 1 at a perfect episode)."""

    def _progress(self):
        return min(1.0, self.total / 2)


if PROGRESS_ENV not in gym.registry:
    gym.register(PROGRESS_ENV, entry_point=f"{__name__}:VowelProgressEnv")


def test_freeze_below_trains_only_the_top_blocks_and_the_final_norm(tiny_lm_dir):
    from agentgym.trainers.llm.models import apply_lora, freeze_below, load_causal_lm, top_layers

    model = load_causal_lm(str(tiny_lm_dir), device="cpu").model
    assert top_layers(model, 1) == [1] and top_layers(model, 5) == [0, 1]
    with pytest.raises(ValueError, match="positive"):
        top_layers(model, 0)
    freeze_below(model, 1)
    trained = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trained and all(n.startswith("model.layers.1.") or n == "model.norm.weight" for n in trained)
    assert "model.norm.weight" in trained and not model.model.embed_tokens.weight.requires_grad
    lora = apply_lora(load_causal_lm(str(tiny_lm_dir), device="cpu").model, r=2, layers=[1])
    adapters = [n for n, p in lora.named_parameters() if p.requires_grad]
    assert adapters and all(".layers.1." in n and "lora_" in n for n in adapters)


def test_a_run_with_train_layers_changes_only_the_top_block(tiny_lm_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    cfg = _config(tiny_lm_dir, steps=1, train_layers=1, group_size=4, tasks_per_step=1)
    train_llm(cfg, tmp_path / "run")
    row = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    assert row["update/samples"] > 0
    base = AutoModelForCausalLM.from_pretrained(tiny_lm_dir).state_dict()
    after = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "checkpoints" / "step_000001" / "model").state_dict()
    changed = {k for k in base if not torch.equal(base[k], after[k])}
    assert changed and all(k.startswith("model.layers.1.") or k == "model.norm.weight" for k in changed)
    assert torch.equal(base["model.embed_tokens.weight"], after["model.embed_tokens.weight"])
    with pytest.raises(LLMTrainError, match="train_layers"):
        _config(tiny_lm_dir, train_layers=-1).validate()


def test_progress_shaping_pays_progress_differences_that_sum_to_the_final_progress(tiny_lm_dir, tmp_path):
    from agentgym.trainers.llm.trainer import add_progress_shaping

    cfg = _config(tiny_lm_dir, env_id=PROGRESS_ENV)
    policy = Policy(cfg)
    batch = collect_episodes(policy.engine, policy.tokenizer, PROGRESS_ENV, [0, 1, 2], prompt=cfg.prompt,
                             sampling=SamplingConfig(max_new_tokens=6, seed=3))
    episodes = list(batch)
    before = [e.total_reward for e in episodes]
    add_progress_shaping(episodes, 0.5)
    for e, total in zip(episodes, before, strict=True):
        progress = [t.info["progress"] for t in e.turns]
        assert [t.shaping_reward for t in e.turns] == pytest.approx(
            [0.5 * (b - a) for a, b in zip([0.0, *progress[:-1]], progress, strict=True)])
        assert e.total_reward == pytest.approx(total + 0.5 * progress[-1])
    assert any(e.turns[-1].info["progress"] > 0 for e in episodes)
    # in a run: the shaping is logged; an env without progress is refused with a clear error
    train_llm(_config(tiny_lm_dir, env_id=PROGRESS_ENV, steps=1, progress_shaping=1.0), tmp_path / "ok")
    row = json.loads((tmp_path / "ok" / "metrics.jsonl").read_text().splitlines()[0])
    assert 0 < row["reward/shaping"] <= 1
    with pytest.raises(LLMTrainError, match="progress"):
        train_llm(_config(tiny_lm_dir, steps=1, progress_shaping=1.0), tmp_path / "bad")


def test_episodes_become_trajectories_with_their_ids_validity_and_outcome(tiny_lm_dir):
    from agentgym.trainers.llm.trainer import episodes_to_trajectories

    cfg = _config(tiny_lm_dir, env_id=PROGRESS_ENV)
    policy = Policy(cfg)
    batch = collect_episodes(policy.engine, policy.tokenizer, PROGRESS_ENV, [0, 0, 1], group_ids=[5, 5, 6],
                             prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=6, seed=3))
    trajs = episodes_to_trajectories(list(batch))
    for e, t in zip(batch, trajs, strict=True):
        assert t.group_id == e.group_id and t.outcome == pytest.approx(e.total_reward) and len(t) == len(e)
        assert [s.info["response_ids"] for s in t.steps] == [turn.response_ids for turn in e.turns]
        assert [s.observation for s in t.steps] == [turn.observation for turn in e.turns]
        assert [s.info["valid_action"] for s in t.steps] == [
            turn.format_ok and turn.info.get("valid_action", True) for turn in e.turns]
        assert t.done == (e.terminated or e.truncated)


@pytest.mark.parametrize("method", ["gigpo", "salt", "spa", "progress"])
def test_credit_methods_give_per_turn_advantages_in_a_run(tiny_lm_dir, tmp_path, method):
    cfg = _config(tiny_lm_dir, env_id=PROGRESS_ENV, steps=1, group_size=3, credit=method)
    policy = Policy(cfg)
    batch = collect_episodes(policy.engine, policy.tokenizer, PROGRESS_ENV, [0, 0, 0], group_ids=[0, 0, 0],
                             prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=6, seed=3))
    samples = episode_advantages(list(batch), cfg, policy)
    from agentgym.credit import CreditAssigner
    from agentgym.trainers.llm.trainer import episodes_to_trajectories

    expected = CreditAssigner(cfg.credit_config())(episodes_to_trajectories(list(batch)))
    got = [s.advantage for s in samples]
    want = [a for e, adv in zip(batch, expected, strict=True) for t, a in zip(e.turns, adv, strict=True)
            if t.response_ids]
    assert got == pytest.approx(want, abs=1e-6)
    train_llm(cfg, tmp_path / method)
    row = json.loads((tmp_path / method / "metrics.jsonl").read_text().splitlines()[0])
    assert row["update/samples"] >= 0 and (method in ("gigpo", "salt") or "credit/process_reward" in row)


def test_a_run_with_a_learned_credit_model_resumes_identically(tiny_lm_dir, tmp_path):
    base = dict(env_id=PROGRESS_ENV, group_size=3, tasks_per_step=1, credit="spa", eval_episodes=0)
    train_llm(_config(tiny_lm_dir, steps=3, **base), tmp_path / "a")
    train_llm(_config(tiny_lm_dir, steps=2, **base), tmp_path / "b")
    train_llm(_config(tiny_lm_dir, steps=3, **base), tmp_path / "b", resume=True)
    rows_a = [json.loads(x) for x in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    rows_b = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert rows_a[2]["credit/process_reward"] == pytest.approx(rows_b[2]["credit/process_reward"], rel=1e-5)


@pytest.mark.parametrize("method", ["prime", "istar"])
def test_implicit_prm_of_an_llm_policy_starts_at_zero_and_learns_from_outcomes(tiny_lm_dir, method):
    from agentgym.trainers.llm.trainer import episodes_to_trajectories

    cfg = _config(tiny_lm_dir, group_size=4, tasks_per_step=1, credit=method,
                  credit_settings={"beta": 1.0, "prm_lr": 1e-2, "prm_epochs": 0})
    policy = Policy(cfg)
    batch = collect_episodes(policy.engine, policy.tokenizer, VOWEL_ENV, [3] * 4, group_ids=[0] * 4,
                             prompt=cfg.prompt, sampling=SamplingConfig(max_new_tokens=6, seed=1))
    trajs = episodes_to_trajectories(list(batch))
    assert len({t.outcome for t in trajs}) > 1
    prm = policy.credit.prm
    for r in prm.rewards(trajs):
        np.testing.assert_allclose(r, 0.0, atol=1e-5)  # π_φ starts as π_ref
    first = prm.fit(trajs, epochs=1)
    for _ in range(5):
        last = prm.fit(trajs, epochs=1)
    assert last < first  # its loss on the outcomes falls
    sums = [float(r.sum()) for r in prm.rewards(trajs)]
    best, worst = int(np.argmax([t.outcome for t in trajs])), int(np.argmin([t.outcome for t in trajs]))
    assert sums[best] > sums[worst]


def test_credit_settings_are_checked(tiny_lm_dir, tmp_path):
    with pytest.raises(LLMTrainError, match="credit method"):
        train_llm(_config(tiny_lm_dir, credit="magic"), tmp_path / "a")
    with pytest.raises(LLMTrainError, match="grpo or rloo"):
        train_llm(_config(tiny_lm_dir, algo="ppo", credit="gigpo"), tmp_path / "b")
    with pytest.raises(LLMTrainError, match="unknown credit settings"):
        train_llm(_config(tiny_lm_dir, credit="gigpo", credit_settings={"gama": 0.9}), tmp_path / "c")
    assert not (tmp_path / "a").exists()


def test_ppo_adds_a_step_reward_method_to_the_turn_rewards(tiny_lm_dir, tmp_path):
    cfg = _config(tiny_lm_dir, env_id=PROGRESS_ENV, algo="ppo", credit="progress", credit_settings={"weight": 2.0})
    policy = Policy(cfg)
    batch = list(collect_episodes(policy.engine, policy.tokenizer, PROGRESS_ENV, [0, 1], prompt=cfg.prompt,
                                  sampling=SamplingConfig(max_new_tokens=6, seed=3)))
    samples = episode_advantages(batch, cfg, policy)
    # gamma 1, lam 0.95: a turn's return target is V-bootstrapped, but the last turn's is its own reward
    last = [s for s in samples if any(s.prompt_ids == e.turns[-1].prompt_ids for e in batch)]
    for e in batch:
        progress = [t.info["progress"] for t in e.turns]
        gained = progress[-1] - (progress[-2] if len(progress) > 1 else 0.0)
        target = e.turns[-1].reward + 2.0 * gained
        assert any(s.ret == pytest.approx(target, abs=1e-6) for s in last)
    train_llm(_config(tiny_lm_dir, env_id=PROGRESS_ENV, algo="ppo", credit="progress", steps=1), tmp_path / "run")


def test_a_run_with_constrained_actions_plays_only_admissible_actions(tiny_lm_dir, tmp_path):
    cfg = _config(tiny_lm_dir, env_id="agentgym/MiniGrid-Empty-5x5-Text-v0", steps=2, group_size=4, tasks_per_step=1,
                  max_new_tokens=12, max_turns=3, constrain_actions=True, train_layers=1, eval_episodes=2,
                  progress_shaping=1.0)
    result = train_llm(cfg, tmp_path / "run")
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert row["episode/format_error_rate"] == 0.0 and row["episode/invalid_action_rate"] == 0.0
    # Before the first optimizer step the ratio is 1: training rescores the restricted log-probs exactly.
    policy = Policy(cfg)
    episodes = collect_episodes(policy.engine, policy.tokenizer, cfg.env_id, [0] * 4, prompt=cfg.prompt,
                                sampling=SamplingConfig(max_new_tokens=12, seed=3), max_turns=3)
    samples = episode_advantages(list(episodes), cfg)
    for i, sample in enumerate(samples):
        assert sample.allowed is not None
        sample.advantage = 1.0 if i % 2 else -1.0
    stats = update(policy, samples, cfg, np.random.default_rng(0))
    assert stats["update/samples"] == len(samples) and stats["update/ratio_mean"] == pytest.approx(1.0, abs=1e-4)
    assert np.isfinite(stats["update/grad_norm"]) and stats["update/grad_norm"] > 0
    assert result["format_error_rate"] == 0.0 and result["invalid_action_rate"] == 0.0
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["constrain_actions"] is True
