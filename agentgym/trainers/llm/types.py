"""The records and the engine interface of LLM-policy training (token-in/token-out).

A rollout stores, for every turn, the exact prompt token ids the policy saw, the token ids it
sampled and their log-probs under the sampling distribution. Training recomputes the log-probs
of exactly those ids (no re-tokenization of text between turns), so the policy-gradient ratio
compares like with like; the prompt (environment) tokens carry no loss.

Log-probs are those of ``softmax(logits / temperature)`` (no top-p/top-k truncation in training
rollouts, so that the sampling distribution is the one the loss sees).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SamplingConfig:
    """How an engine samples. ``temperature`` 0 means greedy (log-probs then at temperature 1)."""

    max_new_tokens: int = 64
    temperature: float = 1.0
    top_p: float = 1.0  # < 1 only for evaluation: training needs the untruncated distribution
    seed: int | None = None
    stop: tuple[str, ...] = ()  # stop strings (e.g. "</action>"), kept in the text and the ids


@dataclass
class Generation:
    """One sampled response to one prompt."""

    prompt_ids: list[int]
    token_ids: list[int]  # the sampled ids, eos included when the model stopped on it
    logprobs: list[float]  # per sampled id, under softmax(logits / temperature)
    text: str  # decoded token_ids (special tokens skipped)
    finish_reason: str = "stop"  # stop | length
    # Constrained decoding: per sampled id, the ids that were allowed at that step (the log-prob is
    # under the distribution renormalized over them); None when decoding was free.
    allowed: list[list[int]] | None = None


class Engine(Protocol):
    """Batched generation: token ids in, token ids (and their log-probs) out."""

    name: str

    def generate(self, prompts: Sequence[Sequence[int]], config: SamplingConfig) -> list[Generation]:
        """One generation per prompt, in order."""
        ...


@dataclass
class Turn:
    """One turn of a multi-turn episode: what the policy saw, what it sampled, what the env did."""

    prompt_ids: list[int]
    response_ids: list[int]
    logprobs: list[float]
    response_text: str
    action: str  # what was sent to the env (the parsed action, or the raw text when none parsed)
    format_ok: bool  # the parser found an action in the expected format
    env_reward: float
    format_reward: float  # the format bonus/penalty of this turn
    observation: str  # the observation the turn was taken in
    info: dict[str, Any] = field(default_factory=dict)  # the env's info after the step
    truncated_response: bool = False  # generation hit max_new_tokens
    intrinsic_reward: float = 0.0  # set by an intrinsic reward (e.g. LLM feedback), weight included
    shaping_reward: float = 0.0  # set by progress shaping: coef * (progress after - progress before)
    allowed: list[list[int]] | None = None  # constrained decoding: the allowed ids at each sampled token

    @property
    def reward(self) -> float:
        return self.env_reward + self.format_reward + self.intrinsic_reward + self.shaping_reward


@dataclass
class Episode:
    """A multi-turn episode of an LLM policy in a text env."""

    env_id: str
    seed: int
    group_id: int  # episodes sharing a task seed in a GRPO/RLOO group share it
    task: str
    turns: list[Turn] = field(default_factory=list)
    terminated: bool = False
    truncated: bool = False
    success: bool = False

    @property
    def total_reward(self) -> float:
        return float(sum(t.reward for t in self.turns))

    @property
    def env_return(self) -> float:
        return float(sum(t.env_reward for t in self.turns))

    def __len__(self) -> int:
        return len(self.turns)
