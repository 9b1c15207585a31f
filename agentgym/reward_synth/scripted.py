"""A client that replays fixed replies: reward programs of known quality for benchmarks and tests.

It answers round ``r`` with the replies listed for round ``r`` (the last list repeats), and keeps
every prompt it received, so that a benchmark can show that the loop ranks known-good programs
above buggy, badly scaled or hostile ones, and a test can read the feedback the loop gave.

Example:
    >>> client = ScriptedClient([["reply A", "reply B"], ["reply C"]])
    >>> client.complete([{"role": "user", "content": "hi"}], n=3)
    ['reply A', 'reply B', 'reply A']
    >>> client.complete([{"role": "user", "content": "again"}], n=1), len(client.received)
    (['reply C'], 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ScriptedClient:
    """An :class:`~agentgym.reward_synth.llm.LLMClient` over fixed replies, one list per round."""

    def __init__(self, rounds: Sequence[Sequence[str]], name: str = "scripted") -> None:
        if not rounds or not all(rounds):
            raise ValueError("ScriptedClient needs at least one non-empty list of replies per round")
        self.rounds = [list(r) for r in rounds]
        self.name = name
        self.received: list[list[dict[str, str]]] = []

    def complete(self, messages: Sequence[Mapping[str, str]], *, n: int = 1, config: Any = None) -> list[str]:
        replies = self.rounds[min(len(self.received), len(self.rounds) - 1)]
        self.received.append([dict(m) for m in messages])
        return [replies[i % len(replies)] for i in range(n)]
