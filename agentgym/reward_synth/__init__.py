"""Reward synthesis: LLM clients, the OpenAI-compatible server, and (to come) prompts, checking and the loop.

Importing this package loads no model and no torch: a local model loads on first use.
"""

from .llm import (
    EMBEDDED_MODEL,
    ChatMessage,
    Completion,
    GenerationConfig,
    LLMClient,
    LLMError,
    LocalClient,
    OpenAIClient,
    embedded_model_path,
    extract_code,
    make_client,
    normalize_messages,
)
from .serve import LLMServer, serve

__all__ = [
    "EMBEDDED_MODEL",
    "ChatMessage",
    "Completion",
    "GenerationConfig",
    "LLMClient",
    "LLMError",
    "LLMServer",
    "LocalClient",
    "OpenAIClient",
    "embedded_model_path",
    "extract_code",
    "make_client",
    "normalize_messages",
    "serve",
]
