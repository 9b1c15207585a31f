"""LLM-policy prompts, reply parsing and batched multi-turn rollouts.

Most tests drive the rollout with a scripted engine: it replays response texts tokenized with
the real SmolLM2 tokenizer and returns made-up log-probs, which checks the rollout logic (what
the engine receives, what the turns record), not a model. A slow test runs a tiny random model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import gymnasium as gym
import pytest

import agentgym  # noqa: F401 (registers the envs)
from agentgym.core import TaskSpec, TextEnv
from agentgym.trainers.evaluation import wilson95
from agentgym.trainers.llm.prompting import (
    EXAMPLE_ADMISSIBLE,
    EXAMPLE_OBSERVATION,
    PromptConfig,
    action_to_send,
    build_messages,
    encode_prompt,
    parse_action,
)
from agentgym.trainers.llm.rollout import (
    DEFAULT_MAX_TURNS,
    RolloutStats,
    collect_episodes,
    evaluate_llm,
    render_transcript,
)
from agentgym.trainers.llm.types import Episode, Generation, SamplingConfig

TEXT_ENVS = ["agentgym/TextAdventure-Easy-v0", "agentgym/Maze-v0", "agentgym/Wordle-v0",
             "agentgym/MiniGrid-Empty-5x5-Text-v0"]


# ------------------------------------------------------------ test doubles
class Countdown(TextEnv):
    """Say 'tick' until a seeded count (1 to 4) reaches zero: episodes of different lengths."""

    task_spec = TaskSpec(name="Countdown", task="Count down to zero.", state_fields=(),
                         action_meaning="'tick'", success_criterion="the count is zero")

    def _reset(self, options):
        self.left = int(self.np_random.integers(1, 5))
        return f"{self.left} to go."

    def _task(self):
        return "Say 'tick' until the count reaches zero."

    def _admissible(self):
        return ["tick"]

    def _step(self, action):
        self.left -= 1
        return f"{self.left} to go.", 1.0, self.left == 0

    def _success(self):
        return self.left == 0


COUNTDOWN = "agentgym-test/Countdown-v0"  # time limit 8
COUNTDOWN_UNLIMITED = "agentgym-test/CountdownUnlimited-v0"
for _id, _limit in ((COUNTDOWN, 8), (COUNTDOWN_UNLIMITED, None)):
    if _id not in gym.registry:
        gym.register(id=_id, entry_point=Countdown, max_episode_steps=_limit)


Reply = Callable[[int, int, str], str]  # (call, index in the batch, decoded prompt) -> response text


class ScriptedEngine:
    """The Engine protocol over scripted replies: real token ids, made-up log-probs; records every call."""

    name = "scripted"

    def __init__(self, tokenizer, reply: Reply) -> None:
        self.tokenizer = tokenizer
        self.reply = reply
        self.calls: list[list[list[int]]] = []  # the prompts of each call, as received
        self.returned: list[list[Generation]] = []
        self.configs: list[SamplingConfig] = []

    def generate(self, prompts, config):
        call = len(self.calls)
        self.calls.append([list(p) for p in prompts])
        self.configs.append(config)
        out = []
        for j, p in enumerate(prompts):
            text = self.reply(call, j, self.tokenizer.decode(list(p)))
            ids = self.tokenizer.encode(text, add_special_tokens=False) + [self.tokenizer.eos_token_id]
            logprobs = [-0.001 * (call + 1) - 0.01 * k for k in range(len(ids))]
            out.append(Generation(list(p), ids, logprobs, self.tokenizer.decode(ids, skip_special_tokens=True)))
        self.returned.append(out)
        return out


def first_admissible(prompt_text: str) -> str | None:
    """The first action the prompt's last admissible-actions list shows."""
    block = prompt_text.rsplit("Admissible actions:\n", 1)
    if len(block) < 2:
        return None
    match = re.match(r"- (.+)", block[1])
    return match.group(1) if match else None


def act_first_admissible(call: int, index: int, prompt_text: str) -> str:
    return f"Let me think. <action>{first_admissible(prompt_text) or 'look'}</action>"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from agentgym.reward_synth.llm import LLMError, cache_dir, embedded_model_path

    try:
        gguf = embedded_model_path()
    except LLMError as exc:
        pytest.skip(str(exc))
    root = cache_dir()
    converted = sorted((root / "models").glob(f"{gguf.stem}-*/tokenizer.json")) if root is not None else []
    if converted:
        return AutoTokenizer.from_pretrained(converted[0].parent)
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


def check_token_in_token_out(episodes: list[Episode], engine: ScriptedEngine) -> None:
    """Call t got exactly the prompts of the episodes still running at t, in order; turns keep what came back."""
    assert len(engine.calls) == max(len(e) for e in episodes)
    for t, (prompts, generations) in enumerate(zip(engine.calls, engine.returned, strict=True)):
        running = [e for e in episodes if len(e) > t]
        assert prompts == [e.turns[t].prompt_ids for e in running]
        for e, g in zip(running, generations, strict=True):
            turn = e.turns[t]
            assert turn.response_ids == g.token_ids
            assert turn.logprobs == g.logprobs
            assert turn.response_text == g.text


# ------------------------------------------------------------ parse_action
@pytest.mark.parametrize(("text", "expected"), [
    ("<action>go north</action>", ("go north", True)),
    ("I should explore first.\n<action> go   north\n</action> and then more", ("go north", True)),
    ("<ACTION>Take Key</Action>", ("Take Key", True)),
    ("< action >look< / action >", ("look", True)),
    ("<action>look</action> <action>go south</action>", ("look", True)),
    ("The format is <action></action>. <action>inventory</action>", ("inventory", True)),
    ('<action>"open door"</action>', ("open door", True)),
    ("<action>**`open door`**</action>", ("open door", True)),
    ("<action>北へ行く 🙂</action>", ("北へ行く 🙂", True)),
    ("no action here", (None, False)),
    ("", (None, False)),
    ("   \n\t ", (None, False)),
    ("<action>go north", (None, False)),
    ("go north</action>", (None, False)),
    ("<action>   </action>", (None, False)),
    ("<action>" + "x" * 201 + "</action>", (None, False)),
    ("<action>" + "x" * 200 + "</action>", ("x" * 200, True)),
    ("blah " * 410, (None, False)),
    ("blah " * 410 + "<action>look</action>", ("look", True)),
    ("<action>" * 300, (None, False)),
])
def test_parse_action_tag_format(text, expected):
    assert parse_action(text, PromptConfig(action_format="tag")) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("go north", ("go north", True)),
    ("\n\n   go north  \nbecause the door is there", ("go north", True)),
    ("Action: Take key", ("Take key", True)),
    ("**Action:** open door", ("open door", True)),
    ("`look`", ("look", True)),
    ("北へ行く", ("北へ行く", True)),
    ("", (None, False)),
    (" \n \n", (None, False)),
    ("Action:", (None, False)),
    ("y" * 201 + "\nlook", (None, False)),
    ("blah " * 410, (None, False)),  # one 2 kB line
])
def test_parse_action_line_format(text, expected):
    assert parse_action(text, PromptConfig(action_format="line")) == expected


def test_parse_action_respects_max_action_chars():
    cfg = PromptConfig(max_action_chars=10)
    assert parse_action("<action>0123456789</action>", cfg) == ("0123456789", True)
    assert parse_action("<action>0123456789a</action>", cfg) == (None, False)


def test_action_to_send_falls_back_to_the_raw_reply_cut_to_max_action_chars():
    cfg = PromptConfig()
    text = "ü" * 150 + " and so on " * 30
    assert action_to_send(text, cfg) == (text[:200], False)
    assert action_to_send("<action>look</action>", cfg) == ("look", True)


def test_prompt_config_rejects_bad_values():
    with pytest.raises(ValueError, match="action_format"):
        PromptConfig(action_format="json")
    with pytest.raises(ValueError, match="history_turns"):
        PromptConfig(history_turns=-1)
    assert PromptConfig().stop == ("</action>",)
    assert PromptConfig(action_format="line").stop == ()


# ------------------------------------------------------------ prompts
def test_build_messages_shows_task_rules_bounded_history_and_admissible_actions():
    cfg = PromptConfig(history_turns=2, max_admissible=3, example_turn=False)
    history = [(f"obs {i}", f"reply {i} <action>a{i}</action>") for i in range(5)]
    messages = build_messages("Find the key.", "You see a door.", ["a", "b", "c", "d", "e"], history, cfg)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    system = messages[0]["content"]
    assert "Find the key." in system and "<action>" in system and "Example" in system
    assert [m["content"] for m in messages[1:5]] == ["obs 3", history[3][1], "obs 4", history[4][1]]
    last = messages[-1]["content"]
    assert last.startswith("You see a door.")
    assert "- a\n- b\n- c\n... and 2 more" in last and "- d" not in last
    line = build_messages("T", "o", None, history, PromptConfig(history_turns=0, action_format="line",
                                                                 example_turn=False))
    assert [m["role"] for m in line] == ["system", "user"]
    assert "first line" in line[0]["content"] and "Admissible" not in line[-1]["content"]
    hidden = build_messages("T", "o", ["a"], [], PromptConfig(show_admissible=False))
    assert "Admissible" not in hidden[-1]["content"]


@pytest.mark.parametrize("action_format", ["tag", "line"])
def test_the_example_turn_shows_a_well_formed_reply_before_the_episode(action_format):
    cfg = PromptConfig(history_turns=1, action_format=action_format)
    messages = build_messages("Find the key.", "You see a door.", ["open door"], [("obs 0", "reply 0")], cfg)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    example_obs, example_reply = messages[1]["content"], messages[2]["content"]
    assert example_obs.startswith(EXAMPLE_OBSERVATION) and "- open fridge" in example_obs
    # the example reply parses, in this format, to one of the example's admissible actions
    action, ok = parse_action(example_reply, cfg)
    assert ok and action in EXAMPLE_ADMISSIBLE
    assert [m["content"] for m in messages[3:5]] == ["obs 0", "reply 0"]
    without = build_messages("Find the key.", "You see a door.", ["open door"], [], replace(cfg, example_turn=False))
    assert [m["role"] for m in without] == ["system", "user"] and EXAMPLE_OBSERVATION not in without[1]["content"]


def test_build_messages_cuts_long_observations_and_honours_a_system_prompt_override():
    cfg = PromptConfig(max_observation_chars=100, system_prompt="Play well. Goal: {task}", example_turn=False)
    messages = build_messages("win", "z" * 5000, [], [("q" * 5000, "r")], cfg)
    assert messages[0]["content"] == "Play well. Goal: win"
    assert len(messages[1]["content"]) <= 100 and messages[1]["content"].startswith("q")
    assert messages[-1]["content"].startswith("z" * 50) and "more characters]" in messages[-1]["content"]
    plain = build_messages("win", "o", [], [], PromptConfig(system_prompt="Play well."))
    assert plain[0]["content"] == "Play well.\n\nTask: win"


def test_encode_prompt_uses_the_chat_template_and_falls_back_to_a_transcript(tokenizer):
    messages = build_messages("Find the key.", "A room.", ["look"], [("before", "<action>look</action>")],
                              PromptConfig())
    ids = encode_prompt(tokenizer, messages)
    assert all(isinstance(i, int) for i in ids)
    text = tokenizer.decode(ids)
    assert text.endswith("<|im_start|>assistant\n")
    assert "<|im_start|>assistant\n<action>look</action><|im_end|>" in text
    assert "SmolLM" not in text  # our system message replaces the template's default one

    class Chars:  # no chat template
        def __call__(self, text):
            return {"input_ids": [ord(c) for c in text]}

    plain = "".join(map(chr, encode_prompt(Chars(), messages)))
    assert plain.startswith("System: You are an agent") and plain.endswith("User: before\n\nAssistant: "
                                                                          "<action>look</action>\n\nUser: A room."
                                                                          "\n\nAdmissible actions:\n- look\n\nReply "
                                                                          "with your action inside <action></action>."
                                                                          "\n\nAssistant:")


# ------------------------------------------------------------ rollouts
@pytest.mark.parametrize("env_id", TEXT_ENVS)
def test_rollouts_on_the_text_envs_record_seeds_groups_and_the_engines_tokens(env_id, tokenizer):
    env_kwargs = None if "MiniGrid" in env_id else {"split": "train"}
    engine = ScriptedEngine(tokenizer, act_first_admissible)
    seeds = [0, 0, 1]
    episodes = collect_episodes(engine, tokenizer, env_id, seeds, env_kwargs=env_kwargs, prompt=PromptConfig(),
                                sampling=SamplingConfig(max_new_tokens=16), max_turns=3)
    assert [(e.seed, e.group_id, e.env_id) for e in episodes] == [(0, 0, env_id), (0, 0, env_id), (1, 1, env_id)]
    assert episodes[0].task == episodes[1].task != ""
    env = gym.make(env_id, **(env_kwargs or {}))
    first_observation, info = env.reset(seed=0)
    assert episodes[0].task == info["task"]
    assert episodes[0].turns[0].observation == first_observation
    check_token_in_token_out(episodes, engine)
    assert all(c == SamplingConfig(max_new_tokens=16) for c in engine.configs)
    for e in episodes:
        assert 1 <= len(e) <= 3
        assert e.terminated or e.truncated
        for turn in e.turns:
            assert turn.format_ok and turn.format_reward == 0.0
            assert turn.info["valid_action"] is True
            assert "admissible_actions" not in turn.info and "task" not in turn.info
            assert {"success", "message"} <= set(turn.info)
        if len(e) == 3 and not e.terminated:
            assert e.truncated
        assert e.success == bool(e.turns[-1].info["success"])


def test_episodes_that_end_leave_the_batch(tokenizer):
    engine = ScriptedEngine(tokenizer, lambda call, index, text: "<action>tick</action>")
    seeds = list(range(8))
    calls = []
    episodes = collect_episodes(engine, tokenizer, COUNTDOWN, seeds, max_turns=20,
                                on_turn=lambda finished, total, stats: calls.append((finished, total, stats.turns)))
    lengths = [len(e) for e in episodes]
    assert len(set(lengths)) > 1  # the seeds give counts of different lengths
    assert [len(p) for p in engine.calls] == [sum(n > t for n in lengths) for t in range(max(lengths))]
    assert [len(p) for p in engine.calls] == sorted((len(p) for p in engine.calls), reverse=True)
    check_token_in_token_out(episodes, engine)
    assert all(e.terminated and not e.truncated and e.success for e in episodes)
    assert all(e.env_return == len(e) for e in episodes)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls) and calls[-1][:2] == (8, 8)
    assert calls[-1][2] == sum(lengths)


def test_explicit_group_ids_are_recorded_and_a_bad_count_is_refused(tokenizer):
    engine = ScriptedEngine(tokenizer, lambda call, index, text: "<action>tick</action>")
    episodes = collect_episodes(engine, tokenizer, COUNTDOWN, [5, 5, 9], group_ids=[10, 10, 11])
    assert [(e.seed, e.group_id) for e in episodes] == [(5, 10), (5, 10), (9, 11)]
    with pytest.raises(ValueError, match="group_ids"):
        collect_episodes(engine, tokenizer, COUNTDOWN, [1, 2], group_ids=[0])
    assert collect_episodes(engine, tokenizer, COUNTDOWN, []) == []


def test_max_turns_defaults_to_the_time_limit_else_50(tokenizer):
    engine = ScriptedEngine(tokenizer, lambda call, index, text: "<action>tock</action>")  # always invalid
    limited = collect_episodes(engine, tokenizer, COUNTDOWN, [0])
    assert len(limited[0]) == 8 and limited[0].truncated and not limited[0].terminated
    assert not any(t.info["valid_action"] for t in limited[0].turns)
    cut = collect_episodes(engine, tokenizer, COUNTDOWN, [0], max_turns=3)
    assert len(cut[0]) == 3 and cut[0].truncated and not cut[0].success
    unlimited = collect_episodes(engine, tokenizer, COUNTDOWN_UNLIMITED, [0])
    assert len(unlimited[0]) == DEFAULT_MAX_TURNS and unlimited[0].truncated


def test_history_in_the_prompt_is_bounded_to_the_last_k_turns(tokenizer):
    k = 2
    engine = ScriptedEngine(tokenizer, lambda call, index, text: f"Thought number {call}. <action>look</action>")
    episodes = collect_episodes(engine, tokenizer, "agentgym/TextAdventure-Easy-v0", [3],
                                prompt=PromptConfig(history_turns=k), max_turns=6)
    assert len(episodes[0]) == 6
    for t, turn in enumerate(episodes[0].turns):
        shown = [int(n) for n in re.findall(r"Thought number (\d+)\.", tokenizer.decode(turn.prompt_ids))]
        assert shown == list(range(max(0, t - k), t))
    # Prompts stop growing once the history is full (the observations of "look" are alike).
    sizes = [len(t.prompt_ids) for t in episodes[0].turns]
    assert max(sizes[k:]) - min(sizes[k:]) < 20


def test_a_malformed_reply_is_penalized_sent_raw_and_the_episode_continues(tokenizer):
    replies = [
        "I am not sure what to do here.",  # no action
        "blah " * 410,  # 2 kB of text
        "→ 北へ進む 🙂 <action>",  # unicode, an unclosed tag
        "<action>" + "move left " * 30 + "</action>",  # an action too long
        "<action>move left</action>",
    ]
    engine = ScriptedEngine(tokenizer, lambda call, index, text: replies[call])
    episodes = collect_episodes(engine, tokenizer, "agentgym/Maze-v0", [0], prompt=PromptConfig(format_penalty=-0.5),
                                max_turns=len(replies))
    episode = episodes[0]
    assert len(episode) == len(replies) and not episode.terminated
    for turn in episode.turns[:4]:
        assert not turn.format_ok and turn.format_reward == -0.5
        assert turn.action == turn.response_text[:200] and len(turn.action) <= 200
        assert turn.info["valid_action"] is False
    assert len(episode.turns[1].response_text) > 2000
    assert "北" in episode.turns[2].action
    assert episode.turns[1].observation.startswith("Invalid action")
    last = episode.turns[-1]
    assert last.format_ok and last.format_reward == 0.0 and last.action == "move left"
    assert last.info["valid_action"] is True
    assert episode.total_reward == pytest.approx(episode.env_return - 2.0)
    assert episodes.stats.format_errors == 4 and episodes.stats.format_error_rate == pytest.approx(0.8)
    assert episodes.stats.invalid_actions == 4


def test_rollout_stats_count_tokens_turns_and_outcomes(tokenizer):
    engine = ScriptedEngine(tokenizer, lambda call, index, text: "<action>tick</action>" if index % 2 else "tick")
    episodes = collect_episodes(engine, tokenizer, COUNTDOWN, [0, 1, 2, 3], max_turns=20)
    stats = episodes.stats
    assert stats.episodes == 4 and stats.engine_calls == len(engine.calls)
    assert stats.turns == sum(len(e) for e in episodes)
    assert stats.generated_tokens == sum(len(t.response_ids) for e in episodes for t in e.turns)
    assert stats.prompt_tokens == sum(len(t.prompt_ids) for e in episodes for t in e.turns)
    assert stats.successes == sum(e.success for e in episodes)
    assert stats.mean_return == pytest.approx(sum(e.env_return for e in episodes) / 4)
    assert stats.format_errors == sum(not t.format_ok for e in episodes for t in e.turns)
    assert stats.generation_seconds >= 0 and stats.env_seconds > 0 and stats.wall_seconds > 0
    d = stats.to_dict()
    assert d["success_rate"] == stats.success_rate and d["turns"] == stats.turns
    merged = stats.merge(stats)
    assert merged.turns == 2 * stats.turns and merged.success_rate == stats.success_rate
    assert isinstance(RolloutStats().success_rate, float)


def test_evaluate_llm_reports_a_wilson_interval_greedy_on_the_test_split(tokenizer):
    engine = ScriptedEngine(tokenizer, lambda call, index, text: "<action>tick</action>")
    seen = []
    result = evaluate_llm(engine, tokenizer, COUNTDOWN, 5, seed=10, batch_size=2,
                          on_turn=lambda finished, total, stats: seen.append((finished, total)))
    assert result["episodes"] == 5 and result["success_rate"] == 1.0
    assert tuple(result["success_ci95"]) == pytest.approx(wilson95(5, 5))
    assert result["env_kwargs"] == {} and result["format_error_rate"] == 0.0
    assert result["deterministic"] is True and all(c.temperature == 0.0 for c in engine.configs)
    assert engine.configs[0].stop == ("</action>",)
    assert max(len(p) for p in engine.calls) == 2  # batch_size bounds the episodes run at once
    assert seen[-1] == (5, 5) and result["rollout"]["episodes"] == 5

    maze = ScriptedEngine(tokenizer, lambda call, index, text: "<action>move up</action>")
    result = evaluate_llm(maze, tokenizer, "agentgym/Maze-v0", 2, max_turns=2)
    assert result["env_kwargs"] == {"split": "test"} and result["mean_length"] == 2


def test_render_transcript_shows_each_turn(tokenizer):
    replies = ["Tricky ``` fence <action>look</action>", "hmm"]
    engine = ScriptedEngine(tokenizer, lambda call, index, text: replies[call])
    episode = collect_episodes(engine, tokenizer, "agentgym/TextAdventure-Easy-v0", [0], max_turns=2)[0]
    md = render_transcript(episode)
    assert md.startswith("# agentgym/TextAdventure-Easy-v0 — seed 0, group 0")
    assert episode.task in md and "## Turn 1" in md and "## Turn 2" in md
    assert "````text\nTricky ``` fence <action>look</action>\n````" in md
    assert "**Action:** `look`" in md and "**Action:** `hmm` (malformed, invalid action)" in md
    assert "format -0.100" in md and "First prompt" not in md
    with_prompt = render_transcript(episode, tokenizer)
    assert "First prompt" in with_prompt and "<|im_start|>system" in with_prompt


# ------------------------------------------------------------ a real (tiny) model
class TinySampler:
    """A minimal sampling engine over a causal LM: one prompt at a time, softmax(logits / T), no KV cache."""

    name = "tiny-sampler"

    def __init__(self, model, tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.calls: list[list[list[int]]] = []

    def generate(self, prompts, config):
        import torch

        self.calls.append([list(p) for p in prompts])
        generator = torch.Generator().manual_seed(config.seed or 0)
        eos = self.tokenizer.eos_token_id
        out = []
        with torch.no_grad():
            for prompt in prompts:
                ids, logprobs = [], []
                for _ in range(config.max_new_tokens):
                    logits = self.model(input_ids=torch.tensor([list(prompt) + ids])).logits[0, -1].float()
                    logp = torch.log_softmax(logits / config.temperature, dim=-1)
                    token = int(torch.multinomial(logp.exp(), 1, generator=generator))
                    ids.append(token)
                    logprobs.append(float(logp[token]))
                    if token == eos:
                        break
                text = self.tokenizer.decode(ids, skip_special_tokens=True)
                out.append(Generation(list(prompt), ids, logprobs, text, "stop" if ids[-1] == eos else "length"))
        return out


@pytest.mark.slow
def test_rollout_with_a_tiny_random_model_keeps_its_exact_tokens_and_logprobs(tokenizer):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2,
                                         num_attention_heads=4, intermediate_size=128)).eval()
    try:  # the project's engine where it exists; the sampler above does the same job otherwise
        from agentgym.trainers.llm.engines import HFEngine

        engine = HFEngine(model, tokenizer)
    except (ImportError, TypeError):
        engine = TinySampler(model, tokenizer)
    sampling = SamplingConfig(max_new_tokens=8, temperature=1.0, seed=1)
    episodes = collect_episodes(engine, tokenizer, "agentgym/Maze-v0", [0, 0, 1], sampling=sampling, max_turns=3)
    assert [(e.seed, e.group_id, len(e)) for e in episodes] == [(0, 0, 3), (0, 0, 3), (1, 1, 3)]
    for e in episodes:
        for turn in e.turns:
            assert 1 <= len(turn.response_ids) <= 8 and len(turn.logprobs) == len(turn.response_ids)
            assert turn.truncated_response == (len(turn.response_ids) == 8
                                               and turn.response_ids[-1] != tokenizer.eos_token_id)
            # Token-in/token-out: the stored ids re-scored by the model give the stored log-probs.
            ids = torch.tensor([turn.prompt_ids + turn.response_ids])
            with torch.no_grad():
                logits = model(input_ids=ids).logits[0, len(turn.prompt_ids) - 1: -1].float()
            rescored = torch.log_softmax(logits, dim=-1).gather(1, torch.tensor(turn.response_ids)[:, None])[:, 0]
            assert rescored.tolist() == pytest.approx(turn.logprobs, abs=1e-4)
            if not turn.format_ok:  # a random model's babble goes to the env as raw text and is refused
                assert turn.action == turn.response_text[:200] and turn.format_reward == -0.1
    if isinstance(engine, TinySampler):
        assert [len(p) for p in engine.calls] == [3, 3, 3]
        assert engine.calls[1] == [e.turns[1].prompt_ids for e in episodes]


def test_each_turn_samples_with_its_own_seed(tokenizer):
    engine = ScriptedEngine(tokenizer, act_first_admissible)
    collect_episodes(engine, tokenizer, "agentgym/Maze-v0", [0, 0], sampling=SamplingConfig(max_new_tokens=8, seed=5),
                     max_turns=3)
    seeds = [c.seed for c in engine.configs]
    assert seeds[0] == 5 and len(set(seeds)) == len(seeds) == 3  # the same seed every turn would repeat draws
    again = ScriptedEngine(tokenizer, act_first_admissible)
    collect_episodes(again, tokenizer, "agentgym/Maze-v0", [0, 0], sampling=SamplingConfig(max_new_tokens=8, seed=5),
                     max_turns=3)
    assert [c.seed for c in again.configs] == seeds  # and still reproducible


def test_match_admissible_and_the_invalid_penalty(tokenizer):
    from agentgym.trainers.llm.prompting import match_admissible

    assert match_admissible("I'll go north.", ["go north", "go south", "look"]) == "go north"
    assert match_admissible("take the red key", ["take red key"]) is None  # not the phrase
    assert match_admissible("take red key or take blue key", ["take red key", "take blue key"]) is None  # a tie
    assert match_admissible("go north quickly", ["go", "go north"]) == "go north"  # the longest phrase wins
    assert match_admissible("MOVE UP", ["move up"]) == "move up"

    def chatty(call, index, prompt_text):
        return "I think I should move up now." if index == 0 else "dance wildly"

    sampling = SamplingConfig(max_new_tokens=8)
    strict = PromptConfig(action_format="line", invalid_penalty=-0.5)
    loose = PromptConfig(action_format="line", invalid_penalty=-0.5, match_admissible=True)
    for prompt, first_valid in ((strict, False), (loose, True)):
        episodes = collect_episodes(ScriptedEngine(tokenizer, chatty), tokenizer, "agentgym/Maze-v0", [0, 1],
                                    prompt=prompt, sampling=sampling, max_turns=1)
        first, second = episodes[0].turns[0], episodes[1].turns[0]
        assert first.info["valid_action"] is first_valid
        assert first.action == ("move up" if first_valid else "I think I should move up now.")
        assert first.format_reward == (0.0 if first_valid else -0.5)
        assert second.info["valid_action"] is False and second.format_reward == -0.5


@pytest.mark.slow
@pytest.mark.parametrize("action_format", ["line", "tag"])
def test_constrained_decoding_sends_only_admissible_actions_and_training_rescores_them(tokenizer, action_format):
    """Constrained decoding: every reply is an admissible action, and the restricted log-probs are exact."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from agentgym.trainers.llm.engines import HFEngine
    from agentgym.trainers.llm.logprobs import sequence_logprobs, sequence_logprobs_and_entropies
    from agentgym.trainers.llm.prompting import admissible_replies

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2,
                                         num_attention_heads=4, intermediate_size=128)).eval()
    engine = HFEngine(model, tokenizer)
    cfg = PromptConfig(action_format=action_format, history_turns=0, constrain_to_admissible=True)
    episodes = collect_episodes(engine, tokenizer, "agentgym/MiniGrid-Empty-5x5-Text-v0", [0, 0, 1], prompt=cfg,
                                sampling=SamplingConfig(max_new_tokens=16, temperature=1.0, seed=2), max_turns=4)
    turns = [t for e in episodes for t in e.turns]
    actions = gym.make("agentgym/MiniGrid-Empty-5x5-Text-v0").reset(seed=0)[1]["admissible_actions"]
    assert len(turns) == 12 and len({t.action for t in turns}) > 1  # a random model: varied actions
    for turn in turns:  # a random model, yet every reply is a well-formed admissible action
        assert turn.format_ok and turn.action in actions and turn.info["valid_action"]
        assert turn.allowed is not None and len(turn.allowed) == len(turn.response_ids)
        assert all(token in ids for token, ids in zip(turn.response_ids, turn.allowed, strict=True))
    # Training scores exactly the restricted distributions the sampler drew from.
    prompts = [t.prompt_ids for t in turns]
    responses = [t.response_ids for t in turns]
    with torch.no_grad():
        scored = sequence_logprobs(model, prompts, responses, pad_id=tokenizer.pad_token_id,
                                   allowed=[t.allowed for t in turns])
        free = sequence_logprobs(model, prompts, responses, pad_id=tokenizer.pad_token_id)
    for turn, logps, unconstrained in zip(turns, scored, free, strict=True):
        assert logps.tolist() == pytest.approx(turn.logprobs, abs=1e-4)
        assert float(logps.sum()) > float(unconstrained.sum())  # renormalized over fewer tokens
    # Over the admissible replies, the restricted probabilities form one distribution.
    replies = admissible_replies(tokenizer, actions, cfg, [tokenizer.convert_tokens_to_ids("<|im_end|>")])

    def allowed_path(reply):
        return [sorted({r[k] for r in replies if r[:k] == reply[:k]}) for k in range(len(reply))]

    with torch.no_grad():
        per_reply = sequence_logprobs(model, [prompts[0]] * len(replies), replies, pad_id=tokenizer.pad_token_id,
                                      allowed=[allowed_path(r) for r in replies])
    assert sum(float(lp.sum().exp()) for lp in per_reply) == pytest.approx(1.0, abs=1e-4)
    # Entropies and gradients stay finite with the masked vocabulary.
    model.train()
    logps, entropies = sequence_logprobs_and_entropies(model, prompts[:4], responses[:4],
                                                       pad_id=tokenizer.pad_token_id,
                                                       allowed=[t.allowed for t in turns[:4]])
    loss = -(torch.cat(logps).sum() + torch.cat(entropies).sum())
    loss.backward()
    assert all(torch.isfinite(e).all() for e in entropies)
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters())
    with pytest.raises(ValueError, match="allowed lists"):
        sequence_logprobs(model, prompts[:1], responses[:1], pad_id=tokenizer.pad_token_id, allowed=[[[1]] * 99])


def test_constrained_decoding_needs_an_engine_that_supports_it(tokenizer):
    engine = ScriptedEngine(tokenizer, act_first_admissible)
    with pytest.raises(ValueError, match="cannot constrain"):
        collect_episodes(engine, tokenizer, "agentgym/Maze-v0", [0], max_turns=2,
                         prompt=PromptConfig(constrain_to_admissible=True))
