"""LLM-policy plumbing: model loading, LoRA and checkpointing, the engines, and training-side log-probs.

The real embedded SmolLM2-135M-Instruct checks that sampling and scoring agree; a tiny randomly
initialized Llama with SmolLM2's tokenizer checks the mechanics (stops, eos, LoRA) quickly.
"""

from __future__ import annotations

import os
import subprocess
import sys

os.environ["HF_HUB_OFFLINE"] = "1"  # loading must never reach the hub
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import pytest  # noqa: E402
import torch  # noqa: E402

from agentgym.trainers.llm.engines import HFEngine, OpenAIEngine, VLLMEngine, make_engine  # noqa: E402
from agentgym.trainers.llm.logprobs import (  # noqa: E402
    pack_right_padded,
    sequence_logprobs,
    sequence_logprobs_and_entropies,
)
from agentgym.trainers.llm.models import (  # noqa: E402
    EMBEDDED_MODEL,
    LLMError,
    LoadedLM,
    _resolve_dtype,
    apply_lora,
    check_model_spec,
    enable_gradient_checkpointing,
    load_causal_lm,
)
from agentgym.trainers.llm.types import SamplingConfig  # noqa: E402

CHATS = ["Name a color.", "What is 2 + 2? Answer with one number.",
         "Write one short sentence about the sea, please, and keep it calm."]


def _prompts(tokenizer, chats=CHATS) -> list[list[int]]:
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": c}], add_generation_prompt=True,
                                           tokenize=False) for c in chats]
    return [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]


@pytest.fixture(scope="module")
def smol() -> LoadedLM:
    return load_causal_lm("smollm2", device="cpu")


@pytest.fixture(scope="module")
def tokenizer(smol):
    return smol.tokenizer


def _tiny_llama(tokenizer, seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         bos_token_id=1, eos_token_id=2, pad_token_id=2, initializer_range=0.2)
    return LlamaForCausalLM(config).eval()


@pytest.fixture
def tiny(tokenizer):
    return _tiny_llama(tokenizer)


# ----------------------------------------------------------------------------------------- model specs


def test_check_model_spec_resolves_the_embedded_model_without_loading():
    for spec in (None, "smollm2", "local", "local:smollm2", " SmolLM2 "):
        assert check_model_spec(spec).name == EMBEDDED_MODEL
        assert check_model_spec(spec).gguf_file.endswith(".gguf")
    assert check_model_spec("Org/some-model").source == "Org/some-model"  # a hub id: HF decides later


@pytest.mark.parametrize("spec, message", [
    ("./missing/model.gguf", "no such model file or folder: ./missing/model.gguf"),
    ("/nowhere/at/all", "no such model file or folder"),
    ("local:", "names no model"),
    ("openai:gpt-4o", "served model"),
])
def test_bad_model_specs_are_clear_errors(spec, message):
    with pytest.raises(LLMError, match=message):
        check_model_spec(spec)
    with pytest.raises(LLMError, match=message):
        load_causal_lm(spec)


def test_a_missing_model_path_fails_before_torch_or_transformers_load():
    code = ("import sys\nfrom agentgym.trainers.llm.models import LLMError, load_causal_lm\n"
            "try:\n    load_causal_lm('/no/such/policy')\nexcept LLMError as exc:\n    print(exc)\n"
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.splitlines() == ["no such model file or folder: /no/such/policy", "[]"]


def test_reward_synth_still_exports_the_moved_names():
    from agentgym.reward_synth import llm
    from agentgym.trainers.llm import models

    for name in ("LLMError", "EMBEDDED_MODEL", "embedded_model_path", "cache_dir"):
        assert getattr(llm, name) is getattr(models, name)


def test_auto_dtype_is_float32_on_cpu_and_names_are_checked():
    assert _resolve_dtype("auto", "cpu") is torch.float32
    assert _resolve_dtype("bfloat16", "cpu") is torch.bfloat16
    with pytest.raises(LLMError, match="unknown dtype"):
        _resolve_dtype("int8", "cpu")


def test_load_causal_lm_gives_the_embedded_model_for_inference_or_training(smol):
    assert smol.name == EMBEDDED_MODEL and smol.device == "cpu" and smol.dtype == torch.float32
    assert smol.eos_ids == (smol.tokenizer.convert_tokens_to_ids("<|im_end|>"),) and smol.pad_id in smol.eos_ids
    assert not smol.model.training and not any(p.requires_grad for p in smol.model.parameters())
    trainable = load_causal_lm("local:smollm2", device="cpu", for_training=True)
    assert trainable.model.training and all(p.requires_grad for p in trainable.model.parameters())


# -------------------------------------------------------------------------------- log-probs vs sampling


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_training_forward_reproduces_the_engines_logprobs(smol, temperature):
    prompts = _prompts(smol.tokenizer)
    assert len({len(p) for p in prompts}) > 1  # different lengths: left padding in the engine, right in training
    engine = HFEngine.from_loaded(smol)
    generations = engine.generate(prompts, SamplingConfig(max_new_tokens=12, temperature=temperature, seed=3))
    assert [g.prompt_ids for g in generations] == prompts
    for g in generations:
        assert 1 <= len(g.token_ids) == len(g.logprobs) <= 12 and all(lp <= 0 for lp in g.logprobs)
        assert g.text == smol.tokenizer.decode(g.token_ids, skip_special_tokens=True)
    scored = sequence_logprobs(smol.model, prompts, [g.token_ids for g in generations], temperature,
                               pad_id=smol.pad_id)
    for g, logps in zip(generations, scored, strict=True):
        assert logps.dtype == torch.float32
        torch.testing.assert_close(logps, torch.tensor(g.logprobs), atol=1e-4, rtol=0)


def test_a_shared_first_part_runs_once_and_changes_nothing(smol):
    prompts = _prompts(smol.tokenizer)
    shared = next(i for i in range(min(map(len, prompts))) if len({p[i] for p in prompts}) > 1)
    assert shared >= 16  # the chat template's system message: the engine runs it once for all rows
    engine = HFEngine.from_loaded(smol)
    calls = []
    hook = smol.model.register_forward_pre_hook(lambda _m, args, kwargs: calls.append(kwargs["input_ids"].shape),
                                                with_kwargs=True)
    try:
        once = engine.generate(prompts, SamplingConfig(max_new_tokens=8, temperature=0.0))
        engine.min_shared_prefix = 0
        whole = engine.generate(prompts, SamplingConfig(max_new_tokens=8, temperature=0.0))
    finally:
        hook.remove()
    first = calls[: len(calls) - len(calls) // 2]
    assert first[0] == (1, shared) and first[1] == (3, max(map(len, prompts)) - shared)
    assert any(c == (3, max(map(len, prompts))) for c in calls)  # the second call ran the prompts whole
    for a, b in zip(once, whole, strict=True):
        assert a.token_ids == b.token_ids
        torch.testing.assert_close(torch.tensor(a.logprobs), torch.tensor(b.logprobs), atol=1e-4, rtol=0)


def test_recorded_frozen_block_states_reproduce_the_full_forward(smol):
    """The engine's recorded states, fed to the upper blocks alone, give the full pass's log-probs."""
    from agentgym.trainers.llm.logprobs import block_inputs
    from agentgym.trainers.llm.models import decoder_layers

    prompts = _prompts(smol.tokenizer)
    below = len(decoder_layers(smol.model)) - 4
    engine = HFEngine.from_loaded(smol)
    recorded: dict = {}
    engine.block_sink = (below, recorded.__setitem__)
    generations = engine.generate(prompts, SamplingConfig(max_new_tokens=10, temperature=1.0, seed=5))
    responses = [g.token_ids for g in generations]
    assert len({len(r) for r in responses}) > 1 or len({len(p) for p in prompts}) > 1
    keys = [tuple(p) + tuple(r[:-1]) for p, r in zip(prompts, responses, strict=True)]
    assert sorted(recorded) == sorted(keys)
    states = [recorded[k] for k in keys]
    assert [s.shape for s in states] == [(len(k), smol.model.config.hidden_size) for k in keys]
    assert not any(s.is_inference() for s in states)
    full = sequence_logprobs(smol.model, prompts, responses, 1.0, pad_id=smol.pad_id)
    upper = sequence_logprobs(smol.model, prompts, responses, 1.0, pad_id=smol.pad_id, block_inputs=states,
                              skip=below)
    for f, u, g in zip(full, upper, generations, strict=True):
        torch.testing.assert_close(u, f, atol=1e-4, rtol=0)
        torch.testing.assert_close(u, torch.tensor(g.logprobs), atol=1e-4, rtol=0)
    # computed without an engine, the states are the same
    computed = block_inputs(smol.model, prompts, responses, below, pad_id=smol.pad_id)
    for c, s in zip(computed, states, strict=True):
        torch.testing.assert_close(c, s, atol=1e-3, rtol=1e-5)  # states of magnitude ~100
    # the blocks are restored afterwards: a full pass still runs every block
    assert all(type(b).__name__ != "PassThroughBlock" for b in decoder_layers(smol.model))
    with pytest.raises(ValueError, match="cover"):
        sequence_logprobs(smol.model, prompts, responses, pad_id=smol.pad_id, block_inputs=states[::-1], skip=below)


def test_greedy_decoding_reports_logprobs_at_temperature_one(smol):
    prompts = _prompts(smol.tokenizer)[:2]
    generations = HFEngine.from_loaded(smol).generate(prompts, SamplingConfig(max_new_tokens=6, temperature=0.0))
    scored = sequence_logprobs(smol.model, prompts, [g.token_ids for g in generations], 1.0, pad_id=smol.pad_id)
    for g, logps in zip(generations, scored, strict=True):
        torch.testing.assert_close(logps, torch.tensor(g.logprobs), atol=1e-4, rtol=0)


def test_sequence_logprobs_score_only_response_tokens_with_grad_in_training(tiny, tokenizer):
    prompts, responses = [[1, 5, 6, 7], [1, 8]], [[9, 10], []]
    tiny.train()
    logps, entropies = sequence_logprobs_and_entropies(tiny, prompts, responses, 1.0, pad_id=2)
    assert [t.shape[0] for t in logps] == [2, 0] and [t.shape[0] for t in entropies] == [2, 0]
    assert logps[0].requires_grad and bool((entropies[0] > 0).all())
    # The same response scored alone, with other padding around it, gets the same log-probs.
    alone = sequence_logprobs(tiny, prompts[:1], responses[:1], 1.0, pad_id=0)[0]
    torch.testing.assert_close(alone, logps[0], atol=1e-5, rtol=0)
    _, attention, mask = pack_right_padded(prompts, responses, pad_id=2)
    assert attention.tolist() == [[1] * 6, [1, 1, 0, 0, 0, 0]] and mask.sum().item() == 2
    with pytest.raises(ValueError, match="empty"):
        sequence_logprobs(tiny, [[]], [[3]], 1.0, pad_id=2)


# ------------------------------------------------------------------------------------ engine behaviour


def test_same_seed_same_generations_and_other_seeds_differ(smol):
    prompts = _prompts(smol.tokenizer)
    engine = HFEngine.from_loaded(smol)
    config = SamplingConfig(max_new_tokens=8, temperature=1.0, seed=11)
    first = engine.generate(prompts, config)
    again = engine.generate(prompts, config)
    assert [(g.token_ids, g.logprobs) for g in first] == [(g.token_ids, g.logprobs) for g in again]
    other = engine.generate(prompts, SamplingConfig(max_new_tokens=8, temperature=1.0, seed=12))
    assert [g.token_ids for g in other] != [g.token_ids for g in first]
    # A group of the same prompt gets independent samples.
    group = engine.generate([prompts[0]] * 4, config)
    assert len({tuple(g.token_ids) for g in group}) > 1


def test_batching_does_not_change_greedy_results(smol):
    prompts = _prompts(smol.tokenizer)
    config = SamplingConfig(max_new_tokens=6, temperature=0.0)
    together = HFEngine.from_loaded(smol).generate(prompts, config)
    one_by_one = HFEngine.from_loaded(smol, batch_size=1).generate(prompts, config)
    assert [g.token_ids for g in together] == [g.token_ids for g in one_by_one]
    for a, b in zip(together, one_by_one, strict=True):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-4)


def test_max_new_tokens_stops_with_length(tiny, tokenizer):
    engine = HFEngine(tiny, tokenizer, eos_ids=[-1])  # nothing ends it early
    prompts = _prompts(tokenizer)[:2]
    for g in engine.generate(prompts, SamplingConfig(max_new_tokens=5, temperature=1.0, seed=0)):
        assert len(g.token_ids) == 5 and g.finish_reason == "length"


def test_generation_ends_on_eos_and_keeps_it(tiny, tokenizer):
    prompts = _prompts(tokenizer)[:2]
    greedy = SamplingConfig(max_new_tokens=6, temperature=0.0)
    free = HFEngine(tiny, tokenizer, eos_ids=[-1]).generate(prompts, greedy)
    eos = free[0].token_ids[2]  # make the first prompt's third token an eos id
    stopped = HFEngine(tiny, tokenizer, eos_ids=[eos]).generate(prompts, greedy)
    for before, after in zip(free, stopped, strict=True):
        cut = before.token_ids.index(eos) + 1 if eos in before.token_ids else len(before.token_ids)
        assert after.token_ids == before.token_ids[:cut] and after.logprobs == pytest.approx(before.logprobs[:cut])
        assert after.finish_reason == ("stop" if eos in before.token_ids else "length")
    assert stopped[0].token_ids[-1] == eos and len(stopped[0].token_ids) <= 3


def test_stop_strings_end_generation_after_the_token_that_completes_them(tiny, tokenizer):
    prompts = _prompts(tokenizer)[:1]
    greedy = SamplingConfig(max_new_tokens=16, temperature=0.0)
    full = HFEngine(tiny, tokenizer, eos_ids=[-1]).generate(prompts, greedy)[0]
    # A stop string that first appears partway through the greedy text.
    stop = next(piece for piece in (tokenizer.decode([t]) for t in full.token_ids[4:])
                if len(piece.strip()) >= 2)[:2]
    cut = next(j for j in range(1, 17) if stop in tokenizer.decode(full.token_ids[:j]))
    config = SamplingConfig(max_new_tokens=16, temperature=0.0, stop=("never-seen", stop))
    stopped = HFEngine(tiny, tokenizer, eos_ids=[-1]).generate(prompts, config)[0]
    assert stopped.token_ids == full.token_ids[:cut] and stopped.finish_reason == "stop"
    assert stop in stopped.text and stop not in tokenizer.decode(full.token_ids[: cut - 1])


def test_the_engine_restores_training_mode_and_sees_weights_updated_in_place(tiny, tokenizer):
    engine = HFEngine(tiny, tokenizer, eos_ids=[-1])
    prompts = _prompts(tokenizer)[:2]
    greedy = SamplingConfig(max_new_tokens=4, temperature=0.0)
    tiny.train()
    before = engine.generate(prompts, greedy)
    assert tiny.training
    with torch.no_grad():
        tiny.model.norm.weight.zero_()  # all logits 0: greedy picks token 0 every time
    after = engine.generate(prompts, greedy)
    assert [g.token_ids for g in after] == [[0] * 4] * 2 != [g.token_ids for g in before]


def test_bad_requests_are_value_errors(tiny, tokenizer):
    engine = HFEngine(tiny, tokenizer)
    with pytest.raises(ValueError, match="max_new_tokens"):
        engine.generate([[1, 2]], SamplingConfig(max_new_tokens=0))
    with pytest.raises(ValueError, match="non-empty list of token ids"):
        engine.generate(["text"], SamplingConfig())
    assert engine.generate([], SamplingConfig()) == []


# ------------------------------------------------------------------------ LoRA, checkpointing, engines


def test_lora_trains_only_the_adapters_and_the_engine_still_samples_it(tiny, tokenizer):
    model = apply_lora(tiny, r=4, alpha=8)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert not any(p.requires_grad for name, p in model.named_parameters() if "lora_" not in name)
    prompts = _prompts(tokenizer)[:2]
    generations = HFEngine(model, tokenizer, eos_ids=[-1]).generate(
        prompts, SamplingConfig(max_new_tokens=5, temperature=1.0, seed=0))
    assert all(len(g.token_ids) == 5 for g in generations)
    model.train()
    scored = sequence_logprobs(model, prompts, [g.token_ids for g in generations], 1.0, pad_id=2)
    for g, logps in zip(generations, scored, strict=True):
        torch.testing.assert_close(logps.detach(), torch.tensor(g.logprobs), atol=1e-4, rtol=0)
    sum(t.sum() for t in scored).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for n, p in model.named_parameters() if "lora_B" in n)
    assert all(p.grad is None for n, p in model.named_parameters() if "lora_" not in n)


def test_gradient_checkpointing_gives_the_same_gradients(tokenizer):
    prompts, responses = [[1, 5, 6, 7], [1, 8]], [[9, 10, 11], [12]]
    grads = []
    for checkpointing in (False, True):
        model = _tiny_llama(tokenizer)
        if checkpointing:
            assert enable_gradient_checkpointing(model) is model
            active = getattr(model, "is_activation_checkpointing", None)
            assert (model.is_gradient_checkpointing if active is None else active) and model.config.use_cache is False
        model.train()
        sum(t.sum() for t in sequence_logprobs(model, prompts, responses, 1.0, pad_id=2)).backward()
        grads.append(model.model.layers[0].mlp.up_proj.weight.grad.clone())
    torch.testing.assert_close(grads[0], grads[1])
    # With LoRA: the frozen embeddings must still let gradients into the checkpointed blocks.
    model = enable_gradient_checkpointing(apply_lora(_tiny_llama(tokenizer), r=4))
    model.train()
    sum(t.sum() for t in sequence_logprobs(model, prompts, responses, 1.0, pad_id=2)).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for n, p in model.named_parameters() if "lora_B" in n)
    # The engine still samples (with its own KV cache) from a checkpointed model in training mode.
    [g] = HFEngine(model, tokenizer, eos_ids=[-1]).generate(prompts[:1], SamplingConfig(max_new_tokens=3, seed=0))
    assert len(g.token_ids) == 3 and model.training


def test_make_engine_and_the_engines_that_cannot_run_here(smol):
    engine = make_engine("hf", smol, batch_size=2)
    assert isinstance(engine, HFEngine) and engine.name == f"hf:{EMBEDDED_MODEL}" and engine.batch_size == 2
    with pytest.raises(ValueError, match="unknown engine kind"):
        make_engine("tgi", smol)
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(LLMError, match=r"vLLM is not installed; pip install vllm \(GPU\)"):
            VLLMEngine("/some/model")
        with pytest.raises(LLMError, match="vLLM is not installed"):
            make_engine("vllm", smol)


@pytest.mark.slow
def test_openai_engine_chats_with_a_served_model_on_loopback():
    from agentgym.reward_synth import LLMServer, LocalClient

    chats = [[{"role": "user", "content": c}] for c in CHATS[:2]]
    with LLMServer(LocalClient(), port=0) as server:
        engine = make_engine("openai", model=EMBEDDED_MODEL, base_url=server.url)
        assert isinstance(engine, OpenAIEngine) and engine.name == f"openai:{EMBEDDED_MODEL}@{server.url}"
        config = SamplingConfig(max_new_tokens=12, temperature=1.0, seed=5)
        replies = engine.chat(chats, config)
        assert len(replies) == 2 and all(isinstance(r, str) and r.strip() for r in replies)
        assert engine.chat(chats, config) == replies  # seeded
        greedy = engine.chat(chats[:1], SamplingConfig(max_new_tokens=12, temperature=0.0))[0]
        stop = greedy.split()[1]
        cut = engine.chat(chats[:1], SamplingConfig(max_new_tokens=12, temperature=0.0, stop=(stop,)))[0]
        assert cut == greedy[: greedy.index(stop) + len(stop)]
        with pytest.raises(LLMError, match="text only"):
            engine.generate([[1, 2]], config)
