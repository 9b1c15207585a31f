"""Prompts for an LLM policy in a text env, and the parser of its replies.

Each turn the policy sees a chat: a system message (the task, the rules, the action format
with an example), one made-up example exchange in that format (``example_turn``), the last
``history_turns`` turns as user (observation) / assistant (the model's exact earlier reply)
pairs, then the current observation with the admissible actions.
The history is bounded so that the context stays small however long the episode runs.

Two action formats:

* ``"tag"``: the action is the text inside the first ``<action>...</action>`` pair, so the
  model may think before it acts;
* ``"line"``: the action is the first non-empty line of the reply.

Example:
    >>> cfg = PromptConfig(history_turns=1, example_turn=False)
    >>> messages = build_messages("Open the box.", "A box.", ["open box", "look"],
    ...                           [("You are in a room.", "<action>look</action>")], cfg)
    >>> [m["role"] for m in messages]
    ['system', 'user', 'assistant', 'user']
    >>> parse_action("First I look around. <action>look</action>", cfg)
    ('look', True)
    >>> parse_action("I will look.", cfg)
    (None, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: One earlier turn as the prompt shows it: ``(observation, response_text)``, or any object
#: with ``observation`` and ``response_text`` attributes (such as a :class:`~.types.Turn`).
HistoryItem = Any

_OPEN_TAG = re.compile(r"<\s*action\s*>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"<\s*/\s*action\s*>", re.IGNORECASE)
_LINE_LABEL = re.compile(r"^(?:[-*>]\s+)?(?:\*\*)?(?:final\s+)?action(?:\*\*)?\s*[:=]\s*(?:\*\*)?", re.IGNORECASE)
_QUOTES = (("**", "**"), ("`", "`"), ('"', '"'), ("'", "'"))


@dataclass(frozen=True)
class PromptConfig:
    """How prompts are built and replies parsed.

    Args:
        history_turns: earlier turns shown in the prompt (the last k; 0 shows none).
        action_format: ``"tag"`` (``<action>...</action>``) or ``"line"`` (the first non-empty line).
        show_admissible: list the admissible actions (where the env bounds them).
        max_admissible: list at most this many, then say how many more there are.
        max_observation_chars: observations longer than this are cut (current and past ones).
        max_action_chars: a parsed action longer than this counts as malformed; an unparsed
            reply is sent to the env cut to this length.
        system_prompt: replaces the default instructions; ``{task}`` in it is replaced by the
            task (without it the task follows on a line of its own).
        format_reward: reward of a turn whose reply held a well-formed action.
        format_penalty: reward of a turn whose reply did not.
        match_admissible: when the reply's action is not one of the admissible actions but the
            reply contains exactly one longest admissible action as a phrase (``"I'll go north."``
            holds ``go north``), send that one. Off by default (the policy must say it exactly);
            it helps small models get started. The format penalty still applies as parsed.
        invalid_penalty: reward added to a turn whose action the env rejected (``valid_action``
            False), a dense signal towards admissible actions; 0 by default.
        constrain_to_admissible: decode only admissible actions. Where the env lists them, the
            engine samples inside the tree of their token sequences (each as a whole reply in
            the action format, then the end-of-turn token), renormalized over the tokens allowed
            at each step; training scores those same restricted distributions. Every reply is
            then a well-formed admissible action. Off by default; needs an engine that supports
            it (:class:`~.engines.HFEngine`).
        example_turn: show one made-up exchange (an observation from another world and a
            well-formed reply to it) before the episode's turns. Small models copy a shown
            reply's format far more reliably than they follow written rules: it raises
            SmolLM2-135M's probability of replying with an admissible action about 30-fold
            (0.01 to 0.3 on MiniGrid and text-adventure turns). On by default.
    """

    history_turns: int = 4
    action_format: Literal["tag", "line"] = "tag"
    show_admissible: bool = True
    max_admissible: int = 40
    max_observation_chars: int = 1500
    max_action_chars: int = 200
    system_prompt: str | None = None
    format_reward: float = 0.0
    format_penalty: float = -0.1
    match_admissible: bool = False
    invalid_penalty: float = 0.0
    example_turn: bool = True
    constrain_to_admissible: bool = False

    def __post_init__(self) -> None:
        if self.action_format not in ("tag", "line"):
            raise ValueError(f"action_format must be 'tag' or 'line', got {self.action_format!r}")
        for name in ("history_turns", "max_admissible"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be at least 0, got {getattr(self, name)}")
        for name in ("max_observation_chars", "max_action_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    @property
    def stop(self) -> tuple[str, ...]:
        """Stop strings that end a reply once its action is complete (for :class:`~.types.SamplingConfig`)."""
        return ("</action>",) if self.action_format == "tag" else ()

    def format_reward_of(self, format_ok: bool) -> float:
        return self.format_reward if format_ok else self.format_penalty

    def reply_for(self, action: str) -> str:
        """The whole reply that sends ``action`` in this format (what constrained decoding allows)."""
        return f"<action>{action}</action>" if self.action_format == "tag" else action


def admissible_replies(tokenizer: Any, admissible: Sequence[str], config: PromptConfig,
                       end_ids: Sequence[int]) -> list[list[int]]:
    """The token sequences constrained decoding allows: each admissible action's reply, then an end id."""
    if not end_ids:
        raise ValueError("constrained decoding needs an end-of-reply token id")
    replies = []
    for action in dict.fromkeys(admissible):
        ids = [int(i) for i in tokenizer(config.reply_for(action), add_special_tokens=False)["input_ids"]]
        replies.append(ids + [int(end_ids[0])])
    return replies


# ------------------------------------------------------------------ prompts
def _rules(config: PromptConfig) -> str:
    if config.action_format == "tag":
        return ("Each turn you read an observation and choose one action. You may think briefly first, then write "
                "exactly one action inside <action></action> tags.\n"
                "Example reply (the format only):\n"
                "The door is closed, so I open it first.\n<action>open door</action>")
    return ("Each turn you read an observation and choose one action. Reply with the action alone on the first "
            "line, with no other text.\n"
            "Example reply (the format only):\nopen door")


def system_message(task: str, config: PromptConfig) -> str:
    """The system message: the instructions (or ``config.system_prompt``) and the task."""
    if config.system_prompt is not None:
        if "{task}" in config.system_prompt:
            return config.system_prompt.replace("{task}", task)
        return f"{config.system_prompt}\n\nTask: {task}"
    return f"You are an agent in a text environment.\n\nTask: {task}\n\n{_rules(config)}"


def cut_observation(observation: str, max_chars: int) -> str:
    """``observation`` cut to ``max_chars`` characters, saying how much was left out."""
    if len(observation) <= max_chars:
        return observation
    note = f"\n[... {len(observation) - max_chars} more characters]"
    return observation[: max(0, max_chars - len(note))] + note


def _admissible_block(admissible: Sequence[str], config: PromptConfig) -> str:
    shown = list(admissible[: config.max_admissible])
    lines = [f"- {a}" for a in shown]
    if len(admissible) > len(shown):
        lines.append(f"... and {len(admissible) - len(shown)} more")
    return "Admissible actions:\n" + "\n".join(lines)


def _reminder(config: PromptConfig) -> str:
    if config.action_format == "tag":
        return "Reply with your action inside <action></action>."
    return "Reply with your action on the first line."


#: The made-up exchange of ``example_turn``: an observation and admissible actions of a world no
#: env here builds, and a well-formed reply per action format.
EXAMPLE_OBSERVATION = "You are in a small kitchen. A fridge stands in the corner.\nExits: west."
EXAMPLE_ADMISSIBLE = ("open fridge", "go west", "look")
EXAMPLE_REPLIES = {"tag": "The fridge is not part of my task, so I leave the kitchen.\n<action>go west</action>",
                   "line": "go west"}


def example_messages(config: PromptConfig) -> list[dict[str, str]]:
    """The example exchange (user, assistant) shown before an episode's turns with ``example_turn``."""
    parts = [EXAMPLE_OBSERVATION]
    if config.show_admissible:
        parts.append(_admissible_block(EXAMPLE_ADMISSIBLE, config))
    parts.append(_reminder(config))
    return [{"role": "user", "content": "\n\n".join(parts)},
            {"role": "assistant", "content": EXAMPLE_REPLIES[config.action_format]}]


def _history_pair(item: HistoryItem) -> tuple[str, str]:
    if isinstance(item, tuple | list):
        observation, response = item
        return str(observation), str(response)
    return str(item.observation), str(item.response_text)


def build_messages(
    task: str,
    observation: str,
    admissible: Sequence[str] | None,
    history: Sequence[HistoryItem],
    config: PromptConfig,
) -> list[dict[str, str]]:
    """The chat messages of one turn (``role``/``content`` dicts, for a chat template).

    ``history`` holds the episode's earlier turns, oldest first; only the last
    ``config.history_turns`` are shown, each as the observation it was taken in (user) and the
    model's exact reply (assistant). With ``config.example_turn`` the made-up
    :func:`example_messages` pair comes first, after the system message.
    """
    messages = [{"role": "system", "content": system_message(task, config)}]
    if config.example_turn:
        messages += example_messages(config)
    recent = list(history)[-config.history_turns:] if config.history_turns > 0 else []
    for item in recent:
        past_observation, response = _history_pair(item)
        messages.append({"role": "user", "content": cut_observation(past_observation, config.max_observation_chars)})
        messages.append({"role": "assistant", "content": response})
    parts = [cut_observation(observation, config.max_observation_chars)]
    if config.show_admissible and admissible:
        parts.append(_admissible_block(admissible, config))
    parts.append(_reminder(config))
    messages.append({"role": "user", "content": "\n\n".join(parts)})
    return messages


def transcript_text(messages: Sequence[dict[str, str]]) -> str:
    """A plain transcript of ``messages`` ending in an open assistant turn (for tokenizers without a chat template)."""
    lines = [f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages]
    return "".join(lines) + "Assistant:"


def encode_prompt(tokenizer: Any, messages: Sequence[dict[str, str]]) -> list[int]:
    """Token ids of ``messages`` with the generation prompt opened, via the tokenizer's chat template.

    A tokenizer without a chat template gets a plain ``Role: text`` transcript instead.
    """
    if getattr(tokenizer, "chat_template", None):
        ids = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True)
        if not isinstance(ids, list):  # a BatchEncoding (transformers 5 returns a dict by default)
            ids = ids["input_ids"]
    else:
        ids = tokenizer(transcript_text(messages))["input_ids"]
    if ids and isinstance(ids[0], list):  # a batch of one
        ids = ids[0]
    return [int(i) for i in ids]


# ------------------------------------------------------------------ parsing
def _clean(action: str) -> str:
    action = " ".join(action.split())
    # Small models like to quote or embolden the action; the quotes are not part of it.
    stripped = True
    while stripped:
        stripped = False
        for opening, closing in _QUOTES:
            if len(action) > len(opening) + len(closing) and action.startswith(opening) and action.endswith(closing):
                action = action[len(opening): len(action) - len(closing)].strip()
                stripped = True
    return action


def _tagged(text: str) -> str | None:
    position = 0
    while (opening := _OPEN_TAG.search(text, position)) is not None:
        closing = _CLOSE_TAG.search(text, opening.end())
        if closing is None:
            return None
        # An empty pair (e.g. the model naming the format) does not count; a later one may.
        if action := _clean(text[opening.end(): closing.start()]):
            return action
        position = closing.end()
    return None


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return _clean(_LINE_LABEL.sub("", line.strip(), count=1)) or None
    return None


def parse_action(text: str, config: PromptConfig) -> tuple[str | None, bool]:
    """The action in a reply, and whether the reply was well formed.

    ``"tag"``: the first non-empty ``<action>...</action>`` pair (tags in any case, spaces
    allowed inside them); ``"line"``: the first non-empty line (an ``Action:`` label dropped).
    Whitespace inside the action is collapsed and surrounding quotes removed. No action, or one
    longer than ``config.max_action_chars``, gives ``(None, False)``.

    Example:
        >>> cfg = PromptConfig(action_format="line")
        >>> parse_action("\\n  Action: Go North \\nbecause...", cfg)
        ('Go North', True)
    """
    action = _tagged(text) if config.action_format == "tag" else _first_line(text)
    if action is None or len(action) > config.max_action_chars:
        return None, False
    return action, True


def action_to_send(text: str, config: PromptConfig, admissible: Sequence[str] | None = None) -> tuple[str, bool]:
    """What the env receives for a reply: the parsed action, else the raw reply cut to ``max_action_chars``.

    An unparsed reply still reaches the env (which answers that the action is invalid, at the
    cost of a step), so a malformed turn is a turn like any other. With ``config.match_admissible``
    and the admissible actions given, a reply naming one of them inside other words sends that one.

    >>> cfg = PromptConfig(action_format="line", match_admissible=True)
    >>> action_to_send("I'll go north.", cfg, ["go north", "go south", "look"])
    ('go north', True)
    >>> action_to_send("I'll go north.", PromptConfig(action_format="line"), ["go north"])
    ("I'll go north.", True)
    """
    action, ok = parse_action(text, config)
    sent = action if action is not None else text[: config.max_action_chars]
    if config.match_admissible and admissible:
        matched = match_admissible(action if action is not None else text, admissible)
        if matched is not None:
            sent = matched
    return sent, ok


def _phrase(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def match_admissible(text: str, admissible: Sequence[str]) -> str | None:
    """The admissible action ``text`` names: itself, or the one it contains as a whole phrase (None if
    none, or if it names two that are not parts of one another: ``go north`` inside ``go north
    quickly`` is fine, ``take red key or take blue key`` is ambiguous)."""
    words = _phrase(text)
    if words.strip() in {_phrase(a).strip() for a in admissible}:
        return next(a for a in admissible if _phrase(a).strip() == words.strip())
    found = {a for a in admissible if _phrase(a).strip() and _phrase(a) in words}
    widest = {a for a in found if not any(b != a and _phrase(a) in _phrase(b) for b in found)}
    return widest.pop() if len(widest) == 1 else None
