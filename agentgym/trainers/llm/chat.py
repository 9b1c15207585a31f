"""The chat-client layer: chat messages, sampling settings, and the client for OpenAI-compatible endpoints.

Every client (an :class:`OpenAIClient`, a model loaded in-process, a trained policy) samples ``n``
independent replies to one chat through one method, :meth:`LLMClient.complete`::

    client = OpenAIClient("gpt-4o")                                             # key from OPENAI_API_KEY
    client = OpenAIClient("SmolLM2-135M-Instruct", base_url="http://127.0.0.1:8000/v1")  # agentgym serve-llm
    replies = client.complete([{"role": "system", "content": "You write Python."},
                               {"role": "user", "content": "Write compute_reward for ..."}],
                              n=4, config=GenerationConfig(temperature=0.8, seed=0))

Messages are plain ``{"role": ..., "content": ...}`` dicts (the OpenAI wire format);
:class:`ChatMessage` objects are accepted wherever messages are.

Importing this module is cheap: ``openai`` loads when an :class:`OpenAIClient` is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from agentgym.core.network import is_loopback_host  # noqa: F401 (re-exported: reward_synth.llm)

from .models import LLMError

_ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class ChatMessage:
    """One chat turn; accepted wherever a ``{"role", "content"}`` dict is."""

    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class GenerationConfig:
    """Sampling settings shared by every client (OpenAI semantics: temperature 0 is greedy).

    ``seed`` makes sampling reproducible where the backend allows it (the local client always does;
    OpenAI-compatible servers on a best-effort basis).
    """

    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if isinstance(self.max_tokens, bool) or not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ValueError(f"max_tokens must be a positive int, got {self.max_tokens!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ValueError(f"seed must be an int or None, got {self.seed!r}")


@dataclass(frozen=True)
class Completion:
    """One sampled reply with what the backend knows about it (token counts are None when unknown)."""

    text: str
    finish_reason: str = "stop"  # "stop" (the model ended) or "length" (max_tokens reached)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@runtime_checkable
class LLMClient(Protocol):
    """Anything that samples chat replies: :class:`OpenAIClient`, a model loaded in-process, a trained policy."""

    name: str

    def complete(self, messages: Sequence[Mapping[str, str]], *, n: int = 1,
                 config: GenerationConfig | None = None) -> list[str]:
        """``n`` independent replies (only the new text) to the chat ``messages``."""
        ...


def normalize_messages(messages: Sequence[Mapping[str, Any] | ChatMessage]) -> list[dict[str, str]]:
    """Check chat messages and return them as ``{"role", "content"}`` dicts.

    Accepts dicts or :class:`ChatMessage`; ``content`` may also be OpenAI's list of text parts.
    The role ``developer`` (OpenAI's newer name for ``system``) becomes ``system``.

    >>> normalize_messages([ChatMessage("user", "hi"), {"role": "assistant", "content": [{"type": "text", "text": "yo"}]}])
    [{'role': 'user', 'content': 'hi'}, {'role': 'assistant', 'content': 'yo'}]
    """
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise ValueError("messages must be a list of {'role', 'content'} messages")
    if not messages:
        raise ValueError("messages is empty: give at least one {'role': 'user', 'content': ...} message")
    out = []
    for i, message in enumerate(messages):
        if isinstance(message, ChatMessage):
            message = message.to_dict()
        if not isinstance(message, Mapping):
            raise ValueError(f"messages[{i}] must be a {{'role', 'content'}} mapping, got {type(message).__name__}")
        role, content = message.get("role"), message.get("content")
        role = "system" if role == "developer" else role
        if role not in _ROLES:
            raise ValueError(f"messages[{i}].role must be one of {', '.join(_ROLES)}, got {role!r}")
        if isinstance(content, list):  # OpenAI content parts: only text is supported
            if not all(isinstance(p, Mapping) and p.get("type") == "text" and isinstance(p.get("text"), str)
                       for p in content):
                raise ValueError(f"messages[{i}].content: only text parts ({{'type': 'text', 'text': ...}}) are supported")
            content = "".join(p["text"] for p in content)
        if not isinstance(content, str):
            raise ValueError(f"messages[{i}].content must be a string, got {type(content).__name__}")
        out.append({"role": role, "content": content})
    return out


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")




# --------------------------------------------------------------------------------------------------
# OpenAI-compatible endpoints


class OpenAIClient:
    """Chat completions from any OpenAI-compatible endpoint (OpenAI, vLLM, ``agentgym serve-llm``).

    Arguments left out come from the environment: the model from ``AGENTGYM_LLM_MODEL`` or
    ``OPENAI_MODEL``, the endpoint from ``OPENAI_BASE_URL`` (default: api.openai.com), the key
    from ``OPENAI_API_KEY``. A server given by ``base_url`` needs no key (a placeholder is sent);
    with no model named, a ``base_url`` server's first listed model is used. If a server returns
    fewer than ``n`` choices, further calls make up the rest (seeded ``seed + samples so far``, so they
    do not repeat the first call's samples); a server that refuses ``n > 1`` is asked once per sample.
    """

    def __init__(self, model: str | None = None, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = 120.0, max_retries: int = 2) -> None:
        import openai

        self.model = model or os.environ.get("AGENTGYM_LLM_MODEL") or os.environ.get("OPENAI_MODEL") or None
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "").rstrip("/") or None
        api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if self.base_url is None:
                raise LLMError("no API key and no server: set OPENAI_API_KEY for api.openai.com, or point at an "
                               "OpenAI-compatible server with base_url / OPENAI_BASE_URL "
                               "(e.g. http://127.0.0.1:8000/v1 from `agentgym serve-llm`)")
            api_key = "not-needed"  # local and self-hosted servers usually take no key
        if self.model is None and self.base_url is None:
            raise LLMError("no model named: pass model=..., set AGENTGYM_LLM_MODEL, or use the spec "
                           "'openai:<model>'")
        self.timeout = timeout
        self._client = openai.OpenAI(api_key=api_key, base_url=self.base_url, timeout=timeout,
                                     max_retries=max_retries)

    @property
    def url(self) -> str:
        """The endpoint's base URL."""
        return self.base_url or str(self._client.base_url).rstrip("/")

    @property
    def model_id(self) -> str | None:
        return self.model

    @property
    def name(self) -> str:
        model = self.model or "?"
        return f"openai:{model}" if self.base_url is None else f"openai:{model}@{self.base_url}"

    def __repr__(self) -> str:
        return f"OpenAIClient(model={self.model!r}, base_url={self.url!r})"

    def _error(self, exc: Exception) -> LLMError:
        import openai

        where = f"the LLM server at {self.url}"
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"{where} did not answer within {self.timeout:g}s; check that it is not overloaded, "
                            f"or raise the timeout")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach {where} ({exc.__cause__ or exc}); check that the server is running "
                            f"(e.g. `agentgym serve-llm`) and that the base URL (host, port, the /v1 suffix) is right")
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"{where} rejected the API key (HTTP 401): set OPENAI_API_KEY to a valid key")
        if isinstance(exc, openai.NotFoundError):
            return LLMError(f"{where} answered 404 for model {self.model!r}: check the model name "
                            f"(GET {self.url}/models lists them) and that the base URL ends in /v1. {exc.message}")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"{where} answered HTTP {exc.status_code}: {exc.message}")
        return LLMError(f"request to {where} failed: {type(exc).__name__}: {exc}")

    def _resolve_model(self) -> str:
        if self.model is None:
            import openai

            try:
                models = [m.id for m in self._client.models.list()]
            except openai.OpenAIError as exc:
                raise self._error(exc) from exc
            if not models:
                raise LLMError(f"the LLM server at {self.url} lists no models; name one with model=...")
            self.model = models[0]
        return self.model

    def complete(self, messages: Sequence[Mapping[str, str]], *, n: int = 1,
                 config: GenerationConfig | None = None) -> list[str]:
        """``n`` replies to ``messages`` (see the class docstring)."""
        import openai

        _check_n(n)
        chat = normalize_messages(messages)
        config = config or GenerationConfig()
        model = self._resolve_model()
        texts: list[str] = []
        ask_n = True  # some servers refuse n > 1: fall back to one sample per call
        while len(texts) < n:
            want = n - len(texts)
            # A later call must not repeat the first one's seed, or it would repeat its samples.
            seed = None if config.seed is None else config.seed + len(texts)
            kwargs: dict[str, Any] = dict(model=model, messages=chat, temperature=config.temperature,
                                          top_p=config.top_p, max_tokens=config.max_tokens)
            if seed is not None:
                kwargs["seed"] = seed
            if ask_n and want > 1:
                kwargs["n"] = want
            try:
                response = self._client.chat.completions.create(**kwargs)
            except openai.BadRequestError as exc:
                if "n" in kwargs:
                    ask_n = False
                    continue
                raise self._error(exc) from exc
            except openai.OpenAIError as exc:
                raise self._error(exc) from exc
            choices = sorted(response.choices or [], key=lambda c: c.index)
            if not choices:
                raise LLMError(f"the LLM server at {self.url} returned no choices for model {model!r}")
            texts.extend((c.message.content or "") for c in choices[:want])
        return texts
