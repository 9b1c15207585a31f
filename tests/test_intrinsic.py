"""LLM-feedback intrinsic rewards: labelers, the async annotator, the distilled model, the rollout reward, training."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

import agentgym
from agentgym.cli import app
from agentgym.reward_synth.intrinsic import (
    LABELS_FILE,
    AnnotatorError,
    AsyncAnnotator,
    ChatLabeler,
    HelpfulnessModel,
    IntrinsicConfig,
    LLMFeedback,
    LLMFeedbackReward,
    ScoreLabeler,
    chat_prompt,
    make_labeler,
)
from agentgym.reward_synth.llm import LLMError, LocalClient
from agentgym.reward_synth.scripted import ScriptedClient
from agentgym.trainers import RunError

TASK = "use the key to open the door and then get to the goal"


class KeyDoorJudge:
    """A chat client that says yes to events about keys and doors (and counts its calls)."""

    name = "key-door-judge"

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.calls: list[str] = []
        self.gate = gate

    def complete(self, messages, *, n=1, config=None):
        if self.gate is not None:
            self.gate.wait(10)
        event = messages[-1]["content"].split("Event: ")[1].split("\n")[0]
        self.calls.append(event)
        helpful = ("key" in event or "door" in event) and "locked" not in event
        return ["Yes." if helpful else "No, it is not."] * n


class Broken:
    name = "broken"

    def complete(self, messages, *, n=1, config=None):
        raise LLMError("connection refused")


# ------------------------------------------------------------------------------------ labelers


def test_chat_labeler_reads_the_first_yes_or_no_and_sends_examples_as_turns():
    labeler = ChatLabeler(ScriptedClient([["Yes, clearly."], ["no"], ["Maybe later."]]))
    assert labeler.label(TASK, "You pick up the yellow key.") == 1.0
    assert labeler.label(TASK, "Nothing happens.") == 0.0
    assert labeler.label(TASK, "You face a wall.") is None
    chat = chat_prompt(TASK, "You pick up the yellow key.")
    assert chat[0]["role"] == "system" and chat[-1]["content"].startswith(f"Goal: {TASK}.\nEvent: You pick up")
    assert [m["content"] for m in chat[1:-1] if m["role"] == "assistant"] == ["yes", "no", "yes", "no", "yes", "no"]


def test_make_labeler_picks_scoring_for_local_models_and_rejects_bad_modes():
    assert isinstance(make_labeler(LocalClient()), ScoreLabeler)  # nothing loads until a label is asked
    assert isinstance(make_labeler(LocalClient(), mode="chat"), ChatLabeler)
    assert isinstance(make_labeler(KeyDoorJudge()), ChatLabeler)
    with pytest.raises(ValueError, match="needs a local model"):
        make_labeler(KeyDoorJudge(), mode="score")
    with pytest.raises(ValueError, match="auto, score or chat"):
        make_labeler(KeyDoorJudge(), mode="vote")


@pytest.mark.slow
def test_the_embedded_model_scores_progress_events_above_failures():
    labeler = ScoreLabeler(LocalClient())
    good = [labeler.label(TASK, m) for m in ("You pick up the yellow key.", "You unlock the yellow door.")]
    bad = [labeler.label(TASK, m) for m in ("Nothing happens.", "There is nothing to pick up.")]
    assert all(0.0 <= v <= 1.0 for v in good + bad)
    assert min(good) > 0.6 > max(bad)  # the default epsilon separates them
    assert 0.0 < labeler.prior(TASK) < 1.0
    raw = ScoreLabeler(LocalClient(), calibrate=False)
    assert raw.label(TASK, "You pick up the yellow key.") < good[0]  # the model's "no" bias is corrected


# ------------------------------------------------------------------------------------ annotator


def test_annotator_labels_in_the_background_keeps_labels_and_never_asks_twice(tmp_path):
    judge = KeyDoorJudge()
    store = tmp_path / LABELS_FILE
    annotator = AsyncAnnotator(ChatLabeler(judge), store)
    for message in ("You pick up the yellow key.", "Nothing happens.", "You pick up the yellow key."):
        annotator.submit(TASK, message)
    assert annotator.wait(10)
    assert annotator.labels() == {(TASK, "You pick up the yellow key."): 1.0, (TASK, "Nothing happens."): 0.0}
    assert judge.calls == ["You pick up the yellow key.", "Nothing happens."]
    annotator.close()
    rows = [json.loads(line) for line in store.read_text().splitlines()]
    assert {r["message"]: r["label"] for r in rows} == {"You pick up the yellow key.": 1.0, "Nothing happens.": 0.0}

    again = KeyDoorJudge()
    store.write_text(store.read_text() + '{"task": "cut by a cra')  # a line cut by a crash is skipped
    resumed = AsyncAnnotator(ChatLabeler(again), store)
    resumed.submit(TASK, "Nothing happens.")
    resumed.submit(TASK, "You open the red door.")
    assert resumed.wait(10)
    assert again.calls == ["You open the red door."] and len(resumed.labels()) == 3
    resumed.close()


def test_annotator_raises_after_repeated_llm_failures_and_scores_unusable_answers_zero():
    annotator = AsyncAnnotator(ChatLabeler(Broken()), max_failures=2)
    annotator.submit(TASK, "a")
    annotator.submit(TASK, "b")
    annotator.wait(10)
    with pytest.raises(AnnotatorError, match="failed 2 times in a row; last error: LLMError: connection refused"):
        annotator.check()
    annotator.close()
    vague = AsyncAnnotator(ChatLabeler(ScriptedClient([["I am not sure."]])))
    vague.submit(TASK, "You face a wall.")
    vague.wait(10)
    assert vague.labels() == {(TASK, "You face a wall."): 0.0} and vague.unusable == 1
    vague.close()


# ------------------------------------------------------------------------------------ distilled model


def test_model_uses_the_table_then_a_classifier_that_generalizes_to_unlabelled_messages():
    model = HelpfulnessModel(min_labels=4)
    labels = {(TASK, "You pick up the yellow key."): 1.0, (TASK, "You pick up the red ball."): 1.0,
              (TASK, "You bump into a wall."): 0.0, (TASK, "Nothing happens."): 0.0}
    assert model.update(dict(list(labels.items())[:3])) is False and not model.fitted  # too few labels
    assert model.score(TASK, "You pick up the yellow key.") == 1.0  # but the table answers
    assert model.score(TASK, "You pick up the blue key.") == 0.0  # unknown: nothing yet
    assert model.update(labels) is True and model.fitted
    assert model.update(labels) is False  # no new labels: no refit
    assert model.score(TASK, "Nothing happens.") == 0.0
    assert model.score(TASK, "You pick up the blue key.") > 0.5 > model.score(TASK, "You bump into a door.")


def test_model_needs_both_kinds_of_labels():
    model = HelpfulnessModel(min_labels=2)
    assert model.update({(TASK, "a"): 1.0, (TASK, "b"): 0.9}) is False and not model.fitted


# ------------------------------------------------------------------------------------ rollout reward


def _infos(messages, tasks=None, dones=None, finals=None):
    n = len(messages)
    infos = {"message": np.array(messages, dtype=object), "_message": np.ones(n, bool),
             "task": np.array(tasks or [TASK] * n, dtype=object), "_task": np.ones(n, bool)}
    if finals is not None:
        infos["final_info"] = {"message": np.array(finals, dtype=object), "_message": np.array(dones)}
    return infos


def _labelled_reward(config=None, inner=None):
    annotator = AsyncAnnotator(ChatLabeler(KeyDoorJudge()))
    return LLMFeedbackReward(annotator, 2, config or IntrinsicConfig(alpha_int=0.5, min_labels=100), inner=inner)


def test_intrinsic_reward_is_score_over_episodic_count_cubed_and_counts_reset_per_episode():
    reward = _labelled_reward()
    no = np.zeros(2, bool)
    reward.reset(_infos(["", ""]))
    reward.record(None, no, _infos(["You pick up the yellow key.", "Nothing happens."]))
    reward.record(None, no, _infos(["You pick up the yellow key.", ""]))
    # env 0's episode ends on a step that says "you pick up" for the third time; env 1's goes on
    reward.record(None, np.array([True, False]),
                  _infos(["", "You pick up the yellow key."], dones=[True, False],
                         finals=["You pick up the yellow key.", ""]))
    reward.record(None, no, _infos(["You pick up the yellow key.", "You pick up the yellow key."]))
    assert reward.pending == 4
    reward.annotator.wait(10)
    env = np.array([[0, 0], [0, 0], [1, 0], [0, 0]], dtype=float)
    total, parts = reward.flush(env)
    expected = np.array([[1, 0], [1 / 8, 0], [1 / 27, 1], [1, 1 / 8]])  # env 0 starts afresh at step 3
    np.testing.assert_allclose(parts["intrinsic"], 0.5 * expected)
    np.testing.assert_allclose(parts["extrinsic"], env)
    np.testing.assert_allclose(total, env + 0.5 * expected)
    assert reward.pending == 0
    metrics = reward.metrics()
    assert metrics["intrinsic/labelled"] == 2 and metrics["intrinsic/messages"] == 2
    assert metrics["intrinsic/helpful_share"] == 0.5
    reward.close()


def test_messages_pay_nothing_until_their_label_arrives():
    gate = threading.Event()
    reward = LLMFeedbackReward(AsyncAnnotator(ChatLabeler(KeyDoorJudge(gate))), 1, IntrinsicConfig(alpha_int=1.0))
    reward.reset(_infos([""]))
    reward.record(None, np.zeros(1, bool), _infos(["You open the red door."]))
    total, parts = reward.flush(np.zeros((1, 1)))
    assert total.tolist() == [[0.0]] and reward.metrics()["intrinsic/pending"] == 1
    gate.set()
    reward.annotator.wait(10)
    reward.record(None, np.zeros(1, bool), _infos(["You open the red door."]))
    total, _ = reward.flush(np.zeros((1, 1)))
    assert total.tolist() == [[1 / 8]]  # the second time in this episode
    reward.close()


def test_epsilon_and_alpha_ext_and_a_wrapped_rollout_reward():
    class Doubler:  # stands for the sandboxed reward code's RolloutReward
        def __init__(self):
            self.calls = []

        def reset(self, infos):
            self.calls.append("reset")

        def record(self, actions, dones, infos):
            self.calls.append("record")

        def flush(self, env_rewards):
            return 2 * env_rewards, {"code": 2 * env_rewards}

    inner = Doubler()
    reward = LLMFeedbackReward(AsyncAnnotator(ChatLabeler(ScriptedClient([["yes"]]))), 1,
                               IntrinsicConfig(alpha_ext=0.5, alpha_int=1.0, epsilon=0.99), inner=inner)
    reward.reset(_infos(["x"]))
    reward.record(None, np.zeros(1, bool), _infos(["x"]))
    reward.annotator.wait(10)
    total, parts = reward.flush(np.ones((1, 1)))
    assert inner.calls == ["reset", "record"]
    assert total.tolist() == [[1.0 + 1.0]] and parts["code"].tolist() == [[2.0]]
    reward.close()
    with pytest.raises(ValueError, match=r"epsilon must be in \[0, 1\)"):
        IntrinsicConfig(epsilon=1.0).validate()
    with pytest.raises(ValueError, match="alpha_int must be a finite number"):
        LLMFeedback(KeyDoorJudge(), alpha_int=float("nan"))


def test_envs_without_messages_are_refused_clearly():
    reward = _labelled_reward()
    with pytest.raises(ValueError, match=r"report info\['message'\]"):
        reward.reset({"task": np.array([TASK, TASK])})
    reward.close()


# ------------------------------------------------------------------------------------ training


def test_training_with_llm_feedback_logs_the_terms_keeps_labels_and_resumes(tmp_path):
    judge = KeyDoorJudge()
    out = tmp_path / "run"
    spec = LLMFeedback(judge, alpha_int=0.2)
    run = agentgym.train("MiniGrid-DoorKey-5x5-v0", steps=4096, num_envs=4, out=out, intrinsic=spec,
                         progress=False, eval_episodes=0, checkpoint_every=2048)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["intrinsic"]["kind"] == "llm-feedback" and cfg["intrinsic"]["alpha_int"] == 0.2
    assert cfg["intrinsic"]["model"] == "key-door-judge"
    rows = run.metrics()
    assert rows[-1]["intrinsic/messages"] >= 3 and rows[-1]["intrinsic/labelled"] >= 1
    assert any("reward/intrinsic" in r for r in rows) and any("reward/extrinsic" in r for r in rows)
    labelled = {json.loads(line)["message"] for line in (out / LABELS_FILE).read_text().splitlines()}
    assert labelled and labelled <= set(judge.calls)

    with pytest.raises(RunError, match="intrinsic reward"):
        agentgym.train(out=out, steps=6144, resume=True, progress=False)
    second = KeyDoorJudge()
    agentgym.train(out=out, steps=6144, resume=True, progress=False, intrinsic=LLMFeedback(second))
    assert not labelled & set(second.calls)  # labels came from the folder


def test_cli_rejects_unknown_intrinsic_kinds_other_backends_and_envs_without_messages(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["train", "--env", "MiniGrid-Empty-5x5-v0", "--intrinsic", "curiosity",
                                 "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "unknown intrinsic reward 'curiosity'" in result.output
    result = runner.invoke(app, ["train", "--env", "MiniGrid-Empty-5x5-v0", "--intrinsic", "llm-feedback",
                                 "--algo", "sb3:PPO", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2 and "need the native PPO" in " ".join(result.output.split())
    result = runner.invoke(app, ["train", "--env", "Hopper-Backflip-v0", "--intrinsic", "llm-feedback",
                                 "--intrinsic-model", "openai:judge@http://127.0.0.1:9/v1", "--steps", "2048",
                                 "--out", str(tmp_path / "c"), "--no-progress"])
    assert result.exit_code == 2 and "report info['message']" in " ".join(result.output.split())
