"""Generation engines behind :class:`~agentgym.trainers.llm.types.Engine`: token ids in, token ids and log-probs out.

- :class:`HFEngine`: a transformers model in this process, sampled with our own KV-cache loop
  (exact ids and log-probs, seeded, batched with left padding). It shares the model object with
  the trainer, so an update in place is used at the next call.
- :class:`VLLMEngine`: the same contract on vLLM (GPU), with :meth:`VLLMEngine.load_weights`
  to copy the trainer's weights in.
- :class:`OpenAIEngine`: text in, text out from a served model (evaluation only: no token ids).

Example::

    loaded = load_causal_lm("smollm2")
    engine = make_engine("hf", loaded)
    prompt = loaded.tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}],
                                                  add_generation_prompt=True)
    [gen] = engine.generate([prompt], SamplingConfig(max_new_tokens=16, seed=0))
    gen.token_ids, gen.logprobs, gen.text, gen.finish_reason
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .chat import GenerationConfig, OpenAIClient  # the one OpenAI client of the project (openai loads on use)
from .models import LLMError, LoadedLM, _special_ids, capture_block_input, load_causal_lm
from .types import Generation, SamplingConfig


def _check_request(prompts: Sequence[Sequence[int]], config: SamplingConfig) -> None:
    if isinstance(config.max_new_tokens, bool) or not isinstance(config.max_new_tokens, int) \
            or config.max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive int, got {config.max_new_tokens!r}")
    if config.temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {config.temperature}")
    if not 0.0 < config.top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {config.top_p}")
    for i, prompt in enumerate(prompts):
        if isinstance(prompt, str) or not len(prompt):
            raise ValueError(f"prompts[{i}] must be a non-empty list of token ids (tokenize text first)")


def _finish_at_stop(text: str, stops: Sequence[str]) -> str:
    """``text`` up to and including the first stop string in it (all of it when none occurs)."""
    ends = [text.find(s) + len(s) for s in stops if s and s in text]
    return text[: min(ends)] if ends else text


# --------------------------------------------------------------------------------------------------
# transformers, in process


class HFEngine:
    """Batched sampling from a transformers causal LM (or a peft model wrapping one).

    Prompts of different lengths are left-padded (attention mask and position ids set so that
    padding changes nothing); a first part that all prompts of a batch share (at least
    ``min_shared_prefix`` tokens: the system message of a group, say) runs once and its KV cache
    serves every row; sampling runs token by token on the KV cache. For each prompt it
    returns the sampled ids (up to and including an eos id, or the token that completes a stop
    string of ``config.stop``), their log-probs under ``log_softmax(logits / temperature)`` (the
    untruncated distribution, also when ``top_p`` < 1 truncates sampling; greedy decoding at
    temperature 0 reports log-probs at temperature 1), the text (special tokens skipped) and
    ``finish_reason`` (``stop``, or ``length`` when ``max_new_tokens`` ran out first).

    ``config.seed`` seeds a private generator: the same prompts and config give the same
    generations, and the global torch RNG is not touched (without a seed it is used). The model
    runs in eval mode under ``torch.inference_mode`` and gets its training mode back afterwards.
    ``batch_size`` caps how many prompts run together (longest first); None runs them all at once.
    """

    def __init__(self, model: Any, tokenizer: Any, *, batch_size: int | None = None,
                 eos_ids: Sequence[int] | None = None, pad_id: int | None = None, name: str | None = None) -> None:
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        default_eos, default_pad = _special_ids(model, tokenizer)
        self.eos_ids = frozenset(default_eos if eos_ids is None else eos_ids)
        self.pad_id = default_pad if pad_id is None else pad_id
        self.name = name or f"hf:{getattr(model.config, 'name_or_path', '') or type(model).__name__}"
        from .logprobs import accepts_argument

        self._cache_arg = "cache" if accepts_argument(model, "cache") else "past_key_values"
        self._logits_to_keep = accepts_argument(model, "logits_to_keep")
        #: ``(block index, sink)``: when set, ``sink(prompt + tokens[:-1], states)`` receives, per
        #: generation, the states that entered that block at each position (a trainer with frozen
        #: lower blocks reuses them instead of recomputing them; see ``logprobs.block_inputs``).
        self.block_sink: tuple[int, Callable[[tuple[int, ...], Any], None]] | None = None
        self._captured: list[tuple[tuple[int, ...], Any]] = []
        #: Prompts of a batch that share at least this many first tokens run them once (0: never).
        self.min_shared_prefix = 16

    @classmethod
    def from_loaded(cls, loaded: LoadedLM, *, batch_size: int | None = None) -> HFEngine:
        return cls(loaded.model, loaded.tokenizer, batch_size=batch_size, eos_ids=loaded.eos_ids,
                   pad_id=loaded.pad_id, name=f"hf:{loaded.name}")

    def __repr__(self) -> str:
        return f"HFEngine({self.name!r}, batch_size={self.batch_size})"

    #: Takes ``constraints=`` in :meth:`generate` (constrained decoding).
    supports_constraints = True

    def generate(self, prompts: Sequence[Sequence[int]], config: SamplingConfig,
                 constraints: Sequence[Sequence[Sequence[int]] | None] | None = None) -> list[Generation]:
        """One generation per prompt, in order (see the class docstring).

        ``constraints[i]``, when given and not None, lists the token sequences prompt i's reply
        must be one of (each ending with an eos id): each step samples among the tokens that
        continue one of them, from the distribution renormalized over those tokens, and the
        generation records them (``Generation.allowed``).
        """
        import torch

        _check_request(prompts, config)
        if constraints is not None:
            if len(constraints) != len(prompts):
                raise ValueError(f"{len(constraints)} constraints for {len(prompts)} prompts")
            for i, options in enumerate(constraints):
                if options is not None and (not options or not all(options)):
                    raise ValueError(f"constraints[{i}] must hold non-empty token sequences")
        if not prompts:
            return []
        device = next(self.model.parameters()).device
        generator = None
        if config.seed is not None:
            generator = torch.Generator(device=device)
            generator.manual_seed(config.seed)
        order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
        size = self.batch_size or len(prompts)
        results: list[Generation | None] = [None] * len(prompts)
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                for start in range(0, len(order), size):
                    chunk = order[start: start + size]
                    batch = [[int(t) for t in prompts[i]] for i in chunk]
                    options = ([None if constraints[i] is None else [list(map(int, c)) for c in constraints[i]]
                                for i in chunk] if constraints is not None else None)
                    for i, generation in zip(chunk, self._generate_batch(batch, config, generator, device, options),
                                             strict=True):
                        results[i] = generation
        finally:
            self.model.train(was_training)
            captured, self._captured = self._captured, []
        if self.block_sink is not None:
            for key, states in captured:  # cloned outside inference mode: usable in autograd
                self.block_sink[1](key, states.clone())
        return results  # type: ignore[return-value]

    def _forward(self, ids: Any, mask: Any, positions: Any, cache: Any) -> tuple[Any, Any]:
        kwargs: dict[str, Any] = {self._cache_arg: cache} if cache is not None else {}
        if self._logits_to_keep:
            kwargs["logits_to_keep"] = 1
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, **kwargs)
        new_cache = getattr(out, "cache", None)
        if new_cache is None:
            new_cache = out.past_key_values
        return out.logits[:, -1], new_cache

    def _generate_batch(self, prompts: list[list[int]], config: SamplingConfig, generator: Any,
                        device: Any, constraints: list[list[list[int]] | None] | None = None) -> list[Generation]:
        capture = (capture_block_input(self.model, self.block_sink[0]) if self.block_sink is not None
                   else contextlib.nullcontext([]))
        with capture as states:
            return self._sample(prompts, config, generator, device, states, constraints)

    def _prefill(self, prompts: list[list[int]], device: Any) -> tuple[Any, Any, Any, Any, int, int]:
        """Run the prompts through the model: (last logits, cache, attention mask, next positions, shared, calls).

        Prompts are left-padded. When they share a long enough first part (``shared`` tokens: the
        system message and example of a GRPO group, say), that part runs once and its cache is
        repeated for every row: the rows then hold ``shared`` tokens, the padding, then the rest.
        ``calls`` counts the forward passes made (1, or 2 with a shared part).
        """
        import torch

        rows = len(prompts)
        shared, calls = 0, 1
        if rows > 1 and self.min_shared_prefix:
            shortest = min(len(p) for p in prompts)
            while shared < shortest - 1 and all(p[shared] == prompts[0][shared] for p in prompts):
                shared += 1
            if shared < self.min_shared_prefix:
                shared = 0
        cache = None
        if shared:
            head = torch.tensor([prompts[0][:shared]], dtype=torch.long, device=device)
            _, cache = self._forward(head, torch.ones_like(head), torch.arange(shared, device=device)[None], None)
            calls = 2
            if callable(getattr(cache, "batch_repeat_interleave", None)):
                cache.batch_repeat_interleave(rows)
            else:  # a cache that cannot be shared across rows: run the prompts whole
                shared, cache = 0, None
        rests = [p[shared:] for p in prompts]
        width = max(len(r) for r in rests)
        ids = torch.full((rows, width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((rows, width), dtype=torch.long)
        for row, rest in enumerate(rests):
            ids[row, width - len(rest):] = torch.tensor(rest, dtype=torch.long)
            mask[row, width - len(rest):] = 1
        ids, mask = ids.to(device), mask.to(device)
        positions = shared + (mask.cumsum(-1) - 1).clamp(min=0)  # each row counts on from its real tokens
        if shared:
            mask = torch.cat([torch.ones((rows, shared), dtype=mask.dtype, device=device), mask], dim=-1)
        logits, cache = self._forward(ids, mask, positions, cache)
        return logits, cache, mask, positions[:, -1:] + 1, shared, calls

    def _sample(self, prompts: list[list[int]], config: SamplingConfig, generator: Any, device: Any,
                states: list[Any], constraints: list[list[list[int]] | None] | None = None) -> list[Generation]:
        import torch

        from .logprobs import scaled_log_softmax

        rows = len(prompts)
        logits, cache, mask, next_position, shared, prefill_calls = self._prefill(prompts, device)

        greedy = config.temperature == 0
        stops = [s for s in config.stop if s]
        window = max((len(s) for s in stops), default=0) + 4  # tokens to decode when looking for a stop string
        tokens: list[list[int]] = [[] for _ in prompts]
        logprobs: list[list[float]] = [[] for _ in prompts]
        done = [False] * rows
        reasons = ["length"] * rows
        allowed: list[list[list[int]] | None] = [None] * rows
        if constraints is not None:
            allowed = [None if c is None else [] for c in constraints]
        for step in range(config.max_new_tokens):
            if constraints is not None:
                logits = logits.float()
                for row, options in enumerate(constraints):
                    if options is None or done[row]:
                        continue
                    sofar, n = tokens[row], len(tokens[row])
                    ids = sorted({c[n] for c in options if len(c) > n and c[:n] == sofar})
                    if not ids:  # a complete option whose end id is not an eos id of this engine
                        done[row], reasons[row] = True, "stop"
                        continue
                    index = torch.tensor(ids, dtype=torch.long, device=logits.device)
                    kept = logits[row, index]
                    logits[row] = float("-inf")
                    logits[row, index] = kept
                    allowed[row].append(ids)  # type: ignore[union-attr]
            logp = scaled_log_softmax(logits, config.temperature)
            if greedy:
                chosen = logp.argmax(-1)
            else:
                probs = logp.exp()
                if config.top_p < 1.0:
                    probs = _nucleus(probs, config.top_p)
                chosen = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
            chosen_logp = logp.gather(-1, chosen.unsqueeze(-1)).squeeze(-1)
            for row, (token, lp) in enumerate(zip(chosen.tolist(), chosen_logp.tolist(), strict=True)):
                if done[row]:
                    continue
                tokens[row].append(token)
                logprobs[row].append(lp)
                if token in self.eos_ids or (stops and self._ends_with_stop(tokens[row], stops, window)):
                    done[row], reasons[row] = True, "stop"
            if all(done) or step == config.max_new_tokens - 1:
                break
            feed = torch.tensor([self.pad_id if d else t[-1] for d, t in zip(done, tokens, strict=True)],
                                dtype=torch.long, device=device).unsqueeze(-1)
            mask = torch.cat([mask, torch.ones((rows, 1), dtype=mask.dtype, device=device)], dim=-1)
            logits, cache = self._forward(feed, mask, next_position, cache)
            next_position = next_position + 1
        if states:  # the prefill's calls (the shared part, then the left-padded rest); then one per decode step
            rest = states[prefill_calls - 1]
            for row, (prompt, toks) in enumerate(zip(prompts, tokens, strict=True)):
                parts = [states[0][0]] if shared else []
                parts.append(rest[row, rest.shape[1] - (len(prompt) - shared):])
                parts += [states[prefill_calls - 1 + k][row] for k in range(1, len(toks))]
                self._captured.append((tuple(prompt) + tuple(toks[:-1]), torch.cat(parts)))
        return [Generation(prompt_ids=prompt, token_ids=toks, logprobs=lps,
                           text=self.tokenizer.decode(toks, skip_special_tokens=True), finish_reason=reason,
                           allowed=ok)
                for prompt, toks, lps, reason, ok in zip(prompts, tokens, logprobs, reasons, allowed, strict=True)]

    def _ends_with_stop(self, tokens: list[int], stops: list[str], window: int) -> bool:
        # Checked after every token, so a stop string found now was completed by the latest token.
        tail = self.tokenizer.decode(tokens[-window:], skip_special_tokens=False)
        return any(stop in tail for stop in stops)


def _nucleus(probs: Any, top_p: float) -> Any:
    """``probs`` with everything outside the smallest set of mass >= ``top_p`` zeroed (unnormalized)."""
    import torch

    sorted_probs, order = probs.sort(dim=-1, descending=True)
    outside = sorted_probs.cumsum(-1) - sorted_probs >= top_p  # the mass before a token already reached top_p
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)


# --------------------------------------------------------------------------------------------------
# vLLM


class VLLMEngine:
    """The :class:`HFEngine` contract on vLLM (needs ``pip install vllm`` and a GPU).

    ``model_path`` is a transformers folder or hub id (:attr:`LoadedLM.path`); keyword arguments
    go to ``vllm.LLM`` (e.g. ``gpu_memory_utilization=0.4, enable_prefix_caching=True``). Log-probs
    are vLLM's ``processed_logprobs`` (after temperature, as the loss sees them), of the sampled
    token only (``logprobs=0``). Stop strings stay in the text, and their tokens in the ids.
    """

    def __init__(self, model_path: str, **llm_kwargs: Any) -> None:
        if importlib.util.find_spec("vllm") is None:
            raise LLMError("vLLM is not installed; pip install vllm (GPU)")
        from vllm import LLM

        llm_kwargs.setdefault("logprobs_mode", "processed_logprobs")  # default: raw logits, before temperature
        self.llm = LLM(model=str(model_path), **llm_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.name = f"vllm:{model_path}"

    def generate(self, prompts: Sequence[Sequence[int]], config: SamplingConfig) -> list[Generation]:
        """One generation per prompt, in order; each prompt has its own seed (``seed + index``)."""
        from vllm import SamplingParams

        _check_request(prompts, config)
        params = [SamplingParams(n=1, temperature=config.temperature, top_p=config.top_p,
                                 max_tokens=config.max_new_tokens, logprobs=0,
                                 seed=None if config.seed is None else config.seed + i,
                                 stop=list(config.stop) or None, include_stop_str_in_output=True,
                                 skip_special_tokens=True)
                  for i in range(len(prompts))]
        requests = [{"prompt_token_ids": [int(t) for t in prompt]} for prompt in prompts]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        generations = []
        for prompt, output in zip(prompts, outputs, strict=True):
            completion = output.outputs[0]
            ids = [int(t) for t in completion.token_ids]
            logprobs = [float(step[token].logprob) for step, token in zip(completion.logprobs or [], ids, strict=True)]
            generations.append(Generation(prompt_ids=list(prompt), token_ids=ids, logprobs=logprobs,
                                          text=completion.text,
                                          finish_reason="length" if completion.finish_reason == "length" else "stop"))
        return generations

    def load_weights(self, state_dict: Mapping[str, Any]) -> None:
        """Copy the trainer's weights (a full, merged transformers state dict) into vLLM's model.

        With vLLM's multiprocessing engine the function and the weights are pickled to the worker
        (set ``VLLM_ALLOW_INSECURE_SERIALIZATION=1``; or ``VLLM_ENABLE_V1_MULTIPROCESSING=0`` to keep it in process).
        """
        weights = [(name, tensor.detach()) for name, tensor in state_dict.items()]
        self.llm.apply_model(lambda model: model.load_weights(weights))
        self.llm.reset_prefix_cache()  # cached keys and values came from the old weights


# --------------------------------------------------------------------------------------------------
# OpenAI-compatible servers (evaluation)


class OpenAIEngine:
    """Chat completions from an OpenAI-compatible server (``agentgym serve-llm``, vLLM's server, OpenAI).

    Text in, text out: a server returns no token ids, so this engine cannot feed training
    (:meth:`generate` raises); use :meth:`chat` to evaluate a served model. The connection rules
    (keys, ``OPENAI_BASE_URL``, model discovery, errors) are
    :class:`agentgym.trainers.llm.chat.OpenAIClient`'s, which this wraps.
    """

    def __init__(self, model: str | None = None, base_url: str | None = None, api_key: str | None = None, *,
                 timeout: float = 120.0, max_retries: int = 2, max_concurrency: int = 8) -> None:
        self.client = OpenAIClient(model=model, base_url=base_url, api_key=api_key, timeout=timeout,
                                   max_retries=max_retries)
        self.max_concurrency = max(1, int(max_concurrency))
        self.name = self.client.name

    def __repr__(self) -> str:
        return f"OpenAIEngine({self.name!r})"

    def chat(self, messages_batch: Sequence[Sequence[Mapping[str, str]]], config: SamplingConfig) -> list[str]:
        """One reply per chat, in order. Chat ``i`` is seeded ``seed + i`` (so a group of equal chats
        gets different samples); a reply ends after the first stop string (kept), cut here since
        not every server honours ``stop``."""
        from concurrent.futures import ThreadPoolExecutor

        _check_request([], config)

        def ask(index: int) -> str:
            seed = None if config.seed is None else config.seed + index
            settings = GenerationConfig(temperature=config.temperature, top_p=config.top_p,
                                        max_tokens=config.max_new_tokens, seed=seed)
            [reply] = self.client.complete(messages_batch[index], n=1, config=settings)
            return _finish_at_stop(reply, config.stop)

        if not messages_batch:
            return []
        with ThreadPoolExecutor(min(self.max_concurrency, len(messages_batch))) as pool:
            return list(pool.map(ask, range(len(messages_batch))))

    def generate(self, prompts: Sequence[Sequence[int]], config: SamplingConfig) -> list[Generation]:
        raise LLMError("OpenAIEngine returns text only (a server gives no token ids or log-probs), so it cannot "
                       "feed training; use chat() to evaluate, or an 'hf' or 'vllm' engine to train")


# --------------------------------------------------------------------------------------------------


ENGINE_KINDS = ("hf", "vllm", "openai")


def make_engine(kind: str, loaded: LoadedLM | None = None, *, model: str | None = None, base_url: str | None = None,
                api_key: str | None = None, batch_size: int | None = None, **vllm_kwargs: Any) -> Any:
    """An engine by kind: ``hf`` (in process), ``vllm`` (GPU) or ``openai`` (a served model, text only).

    ``hf`` samples ``loaded`` (or loads ``model``, a spec for :func:`load_causal_lm`); ``vllm``
    loads ``model`` or ``loaded.path`` into vLLM; ``openai`` talks to ``model`` at ``base_url``.

    >>> make_engine("tgi")
    Traceback (most recent call last):
    ...
    ValueError: unknown engine kind 'tgi'; use one of: hf, vllm, openai
    """
    kind = kind.strip().lower()
    if kind == "hf":
        if loaded is None:
            loaded = load_causal_lm(model)
        return HFEngine.from_loaded(loaded, batch_size=batch_size)
    if kind == "vllm":
        path = model or (loaded.path if loaded is not None else None)
        if not path:
            raise ValueError("a vllm engine needs model=... (a transformers folder or hub id) or a loaded model")
        return VLLMEngine(path, **vllm_kwargs)
    if kind == "openai":
        return OpenAIEngine(model=model, base_url=base_url, api_key=api_key)
    raise ValueError(f"unknown engine kind {kind!r}; use one of: {', '.join(ENGINE_KINDS)}")
