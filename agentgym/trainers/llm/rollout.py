"""Multi-turn rollouts of an LLM policy in text envs, batched across episodes.

:func:`collect_episodes` runs one env per requested episode. Each turn it builds the prompts
of every episode still running, asks the engine for all of them in one batched call, parses
each reply into an action and steps that episode's env; an episode that ends leaves the batch.
Every :class:`~.types.Turn` keeps the exact prompt ids the engine received and the ids and
log-probs it returned (token-in/token-out: nothing is re-tokenized for training).

Example (a scripted engine that always says "look", which a maze does not understand):
    >>> from agentgym.trainers.llm.types import Generation
    >>> class Looker:
    ...     name = "looker"
    ...     def generate(self, prompts, config):
    ...         return [Generation(list(p), [1, 2], [-0.5, -0.1], "<action>look</action>") for p in prompts]
    >>> class Chars:  # a tokenizer of one id per character, with no chat template
    ...     def __call__(self, text):
    ...         return {"input_ids": [ord(c) for c in text]}
    >>> episodes = collect_episodes(Looker(), Chars(), "agentgym/Maze-v0", [0, 0], max_turns=2)
    >>> [(e.seed, e.group_id, len(e), e.truncated) for e in episodes]
    [(0, 0, 2, True), (0, 0, 2, True)]
    >>> episodes.stats.turns, episodes.stats.format_error_rate, episodes.stats.invalid_action_rate
    (4, 0.0, 1.0)
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from ..evaluation import summarize
from .prompting import PromptConfig, action_to_send, admissible_replies, build_messages, encode_prompt
from .types import Engine, Episode, Generation, SamplingConfig, Turn

#: Turns of an env without a time limit when ``max_turns`` is not given.
DEFAULT_MAX_TURNS = 50
#: ``info`` keys not kept in a :class:`Turn` (large, or repeated in the episode).
DROPPED_INFO_KEYS = frozenset({"admissible_actions", "task"})


@dataclass
class RolloutStats:
    """Counts and timings of a batch of rollouts (for throughput reports).

    ``episodes`` counts finished episodes; ``turns`` counts env steps (one per generation).
    """

    episodes: int = 0
    turns: int = 0
    engine_calls: int = 0
    generated_tokens: int = 0
    prompt_tokens: int = 0
    generation_seconds: float = 0.0
    prompt_seconds: float = 0.0  # building and tokenizing prompts
    env_seconds: float = 0.0  # env creation, resets and steps
    wall_seconds: float = 0.0
    successes: int = 0
    env_return: float = 0.0  # summed over episodes
    total_reward: float = 0.0  # env return plus format rewards, summed over episodes
    format_errors: int = 0
    invalid_actions: int = 0
    truncated_responses: int = 0

    @property
    def success_rate(self) -> float:
        return self.successes / self.episodes if self.episodes else float("nan")

    @property
    def mean_return(self) -> float:
        return self.env_return / self.episodes if self.episodes else float("nan")

    @property
    def mean_total_reward(self) -> float:
        return self.total_reward / self.episodes if self.episodes else float("nan")

    @property
    def format_error_rate(self) -> float:
        return self.format_errors / self.turns if self.turns else float("nan")

    @property
    def invalid_action_rate(self) -> float:
        return self.invalid_actions / self.turns if self.turns else float("nan")

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second of generation."""
        return self.generated_tokens / self.generation_seconds if self.generation_seconds > 0 else float("nan")

    def add_episode(self, episode: Episode) -> None:
        self.episodes += 1
        self.successes += int(episode.success)
        self.env_return += episode.env_return
        self.total_reward += episode.total_reward

    def merge(self, other: RolloutStats) -> RolloutStats:
        """The sum of two batches' stats (wall time adds too: the batches ran one after the other)."""
        return RolloutStats(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def to_dict(self) -> dict[str, float]:
        out: dict[str, float] = dict(asdict(self))
        for name in ("success_rate", "mean_return", "mean_total_reward", "format_error_rate", "invalid_action_rate",
                     "tokens_per_second"):
            out[name] = getattr(self, name)
        return out


class EpisodeBatch(list[Episode]):
    """The episodes of one :func:`collect_episodes` call (a list), with their :class:`RolloutStats`."""

    def __init__(self, episodes: Sequence[Episode] = (), stats: RolloutStats | None = None) -> None:
        super().__init__(episodes)
        self.stats = stats if stats is not None else RolloutStats()


#: ``on_turn(finished_episodes, total_episodes, stats)``, called after each batched turn.
OnTurn = Callable[[int, int, RolloutStats], None]


def _default_group_ids(seeds: Sequence[int]) -> list[int]:
    """Episodes of the same seed share a group: group ids number the distinct seeds in order."""
    groups: dict[int, int] = {}
    return [groups.setdefault(int(s), len(groups)) for s in seeds]


def _small_info(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if k not in DROPPED_INFO_KEYS}


def collect_episodes(
    engine: Engine,
    tokenizer: Any,
    env_id: str,
    seeds: Sequence[int],
    *,
    group_ids: Sequence[int] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    prompt: PromptConfig = PromptConfig(),  # noqa: B008 (frozen, so one shared default is safe)
    sampling: SamplingConfig = SamplingConfig(),  # noqa: B008
    max_turns: int | None = None,
    on_turn: OnTurn | None = None,
) -> EpisodeBatch:
    """Run one episode per seed (a seed given G times runs G episodes of that task), all batched.

    Args:
        engine: generates the replies (one batched call per turn for all running episodes).
        tokenizer: turns the chat messages into prompt ids (:func:`~.prompting.encode_prompt`).
        env_id: a text env, made with ``gym.make(env_id, **env_kwargs)`` once per episode.
        seeds: the reset seed of each episode.
        group_ids: the group of each episode (default: episodes of the same seed share one).
        prompt: how prompts are built and replies parsed.
        sampling: passed to the engine.
        max_turns: turns after which an episode is cut (``truncated``); default the env's
            time limit (``env.spec.max_episode_steps``), else :data:`DEFAULT_MAX_TURNS`.
        on_turn: progress callback, ``on_turn(finished_episodes, total_episodes, stats)``.

    Returns:
        the episodes in the order of ``seeds``, with ``.stats`` (:class:`RolloutStats`).
    """
    seeds = [int(s) for s in seeds]
    groups = _default_group_ids(seeds) if group_ids is None else [int(g) for g in group_ids]
    if len(groups) != len(seeds):
        raise ValueError(f"group_ids has {len(groups)} entries for {len(seeds)} seeds")
    if max_turns is not None and max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, got {max_turns}")
    stats = RolloutStats()
    if not seeds:
        return EpisodeBatch([], stats)
    start = time.perf_counter()
    kwargs = dict(env_kwargs or {})
    envs: list[gym.Env] = []
    try:
        tick = time.perf_counter()
        observations: list[str] = []
        admissible: list[list[str] | None] = []
        episodes: list[Episode] = []
        for seed, group in zip(seeds, groups, strict=True):
            env = gym.make(env_id, **kwargs)
            envs.append(env)
            observation, info = env.reset(seed=seed)
            observations.append(observation)
            admissible.append(info.get("admissible_actions"))
            episodes.append(Episode(env_id=env_id, seed=seed, group_id=group, task=str(info.get("task", ""))))
        stats.env_seconds += time.perf_counter() - tick
        if max_turns is None:
            limit = envs[0].spec.max_episode_steps if envs[0].spec is not None else None
            max_turns = int(limit) if limit else DEFAULT_MAX_TURNS

        if prompt.constrain_to_admissible:
            if not getattr(engine, "supports_constraints", False):
                raise ValueError(f"engine {getattr(engine, 'name', engine)!r} cannot constrain decoding to the "
                                 "admissible actions (constrain_to_admissible needs the transformers engine)")
            ends = sorted(getattr(engine, "eos_ids", ()) or [tokenizer.eos_token_id])
            cache: dict[tuple[str, ...], list[list[int]]] = {}

            def replies_of(actions: tuple[str, ...]) -> list[list[int]]:
                if actions not in cache:
                    cache[actions] = admissible_replies(tokenizer, actions, prompt, ends)
                return cache[actions]

        running = list(range(len(envs)))
        while running:
            tick = time.perf_counter()
            prompts = [
                encode_prompt(tokenizer, build_messages(episodes[i].task, observations[i], admissible[i],
                                                        episodes[i].turns, prompt))
                for i in running
            ]
            stats.prompt_seconds += time.perf_counter() - tick

            tick = time.perf_counter()
            # A fresh seed each turn (derived from the given one): the same seed every call would
            # replay the same random draws turn after turn.
            call = sampling if sampling.seed is None else replace(sampling, seed=sampling.seed + 7919 * stats.engine_calls)
            if prompt.constrain_to_admissible:
                options = [None if not admissible[i] else replies_of(tuple(admissible[i])) for i in running]
                generations = engine.generate(prompts, call, constraints=options)  # type: ignore[call-arg]
            else:
                generations = engine.generate(prompts, call)
            stats.generation_seconds += time.perf_counter() - tick
            stats.engine_calls += 1
            if len(generations) != len(prompts):
                raise RuntimeError(f"engine {getattr(engine, 'name', engine)!r} returned {len(generations)} "
                                   f"generations for {len(prompts)} prompts")

            still_running = []
            for i, prompt_ids, generation in zip(running, prompts, generations, strict=True):
                if len(generation.token_ids) != len(generation.logprobs):
                    raise RuntimeError(f"engine {getattr(engine, 'name', engine)!r} returned "
                                       f"{len(generation.token_ids)} token ids but {len(generation.logprobs)} log-probs")
                action, format_ok = action_to_send(generation.text, prompt, admissible[i])
                tick = time.perf_counter()
                observation, reward, terminated, truncated, info = envs[i].step(action)
                stats.env_seconds += time.perf_counter() - tick
                episode = episodes[i]
                episode.turns.append(Turn(
                    prompt_ids=prompt_ids,
                    response_ids=list(generation.token_ids),
                    logprobs=list(generation.logprobs),
                    response_text=generation.text,
                    action=action,
                    format_ok=format_ok,
                    env_reward=float(reward),
                    format_reward=prompt.format_reward_of(format_ok)
                    + (prompt.invalid_penalty if not info.get("valid_action", True) else 0.0),
                    observation=observations[i],
                    info=_small_info(info),
                    truncated_response=generation.finish_reason == "length",
                    allowed=getattr(generation, "allowed", None),
                ))
                stats.turns += 1
                stats.prompt_tokens += len(prompt_ids)
                stats.generated_tokens += len(generation.token_ids)
                stats.format_errors += int(not format_ok)
                stats.invalid_actions += int(not info.get("valid_action", True))
                stats.truncated_responses += int(generation.finish_reason == "length")
                observations[i] = observation
                admissible[i] = info.get("admissible_actions")
                cut = not (terminated or truncated) and len(episode.turns) >= max_turns
                if terminated or truncated or cut:
                    episode.terminated = bool(terminated)
                    episode.truncated = bool(truncated) or cut
                    episode.success = bool(info.get("success", False))
                    stats.add_episode(episode)
                else:
                    still_running.append(i)
            running = still_running
            stats.wall_seconds = time.perf_counter() - start
            if on_turn is not None:
                on_turn(stats.episodes, len(episodes), stats)
    finally:
        for env in envs:
            env.close()
    stats.wall_seconds = time.perf_counter() - start
    return EpisodeBatch(episodes, stats)


def accepts_split(env_id: str) -> bool:
    """Whether the env's constructor takes a ``split`` argument (the text games do)."""
    spec = gym.spec(env_id)
    if "split" in spec.kwargs:
        return True
    try:
        creator = load_env_creator(spec.entry_point) if isinstance(spec.entry_point, str) else spec.entry_point
        return "split" in inspect.signature(creator).parameters
    except (ImportError, AttributeError, TypeError, ValueError):
        return False


def evaluate_llm(
    engine: Engine,
    tokenizer: Any,
    env_id: str,
    episodes: int,
    *,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    prompt: PromptConfig = PromptConfig(),  # noqa: B008
    sampling: SamplingConfig | None = None,
    max_turns: int | None = None,
    batch_size: int | None = None,
    on_turn: OnTurn | None = None,
) -> dict[str, Any]:
    """Success rate (with a 95% Wilson interval) and return of an LLM policy over seeded episodes.

    Episode k uses seed ``seed + k``. ``env_kwargs`` defaults to ``{"split": "test"}`` where the
    env has splits (the text games), else ``{}``. ``sampling`` defaults to greedy decoding.
    ``batch_size`` bounds the episodes run at once (default: all).

    Returns:
        the :class:`~agentgym.trainers.evaluation.EvalResult` fields (``success_rate``,
        ``success_ci95``, ``mean_return``, ``return_ci95``, ...), plus ``format_error_rate``,
        ``invalid_action_rate``, ``env_id``, ``env_kwargs`` and ``rollout`` (the
        :class:`RolloutStats` as a dict).
    """
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    if env_kwargs is None:
        env_kwargs = {"split": "test"} if accepts_split(env_id) else {}
    sampling = sampling if sampling is not None else SamplingConfig(temperature=0.0, stop=prompt.stop)
    size = batch_size or episodes
    seeds = [seed + k for k in range(episodes)]
    done: list[Episode] = []
    stats = RolloutStats()
    for lo in range(0, episodes, size):
        chunk = seeds[lo: lo + size]
        finished_before = len(done)

        def progress(finished: int, _total: int, batch_stats: RolloutStats, before: int = finished_before,
                     earlier: RolloutStats = stats) -> None:
            if on_turn is not None:
                on_turn(before + finished, episodes, earlier.merge(batch_stats))

        batch = collect_episodes(engine, tokenizer, env_id, chunk, group_ids=list(range(lo, lo + len(chunk))),
                                 env_kwargs=env_kwargs, prompt=prompt, sampling=sampling, max_turns=max_turns,
                                 on_turn=progress)
        done.extend(batch)
        stats = stats.merge(batch.stats)
    result = summarize([e.env_return for e in done], [e.success for e in done], [len(e) for e in done],
                       seed=seed, deterministic=sampling.temperature == 0).to_dict()
    result.update(env_id=env_id, env_kwargs=dict(env_kwargs), format_error_rate=stats.format_error_rate,
                  invalid_action_rate=stats.invalid_action_rate, rollout=stats.to_dict())
    return result


class _ChatBridge:
    """Runs :func:`collect_episodes` on a text-only chat engine (a served model).

    It stands in for both the tokenizer and the engine: "encoding" a prompt files its messages
    under a one-id handle, and "generating" for a handle sends those messages to the server. The
    episodes then hold no token ids or log-probs (a server gives none): fine for evaluation,
    not for training.
    """

    chat_template = "messages"  # read by encode_prompt: take the chat path

    def __init__(self, chat_engine: Any) -> None:
        self.chat_engine = chat_engine
        self.name = getattr(chat_engine, "name", "chat")
        self._messages: dict[int, list[dict[str, str]]] = {}

    def apply_chat_template(self, messages: Any, **_: Any) -> list[int]:
        handle = len(self._messages)
        self._messages[handle] = [dict(m) for m in messages]
        return [handle]

    def generate(self, prompts: Sequence[Sequence[int]], config: SamplingConfig) -> list[Generation]:
        chats = [self._messages.pop(int(p[0])) for p in prompts]
        replies = self.chat_engine.chat(chats, config)
        return [Generation(prompt_ids=list(p), token_ids=[], logprobs=[], text=r, finish_reason="stop")
                for p, r in zip(prompts, replies, strict=True)]


def evaluate_endpoint(chat_engine: Any, env_id: str, episodes: int, **kwargs: Any) -> dict[str, Any]:
    """:func:`evaluate_llm` for a served model (an :class:`~.engines.OpenAIEngine`: text in, text out).

    Prompts, parsing and scoring are those of training and :func:`evaluate_llm`; the server
    applies its own chat template. Token counts in ``rollout`` stay 0 (a server returns text).
    """
    bridge = _ChatBridge(chat_engine)
    return evaluate_llm(bridge, bridge, env_id, episodes, **kwargs)


# --------------------------------------------------------------- transcripts
def _fenced(text: str, info: str = "text") -> str:
    """``text`` in a code fence longer than any backtick run inside it."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def render_transcript(episode: Episode, tokenizer: Any = None) -> str:
    """A Markdown transcript of an episode: the task, then each turn's observation, reply, action and reward.

    With a ``tokenizer``, the first turn's full prompt (as the model saw it) is included too.
    """
    outcome = "success" if episode.success else ("terminated" if episode.terminated else
                                                 "truncated" if episode.truncated else "unfinished")
    lines = [
        f"# {episode.env_id} — seed {episode.seed}, group {episode.group_id}",
        "",
        f"**Task:** {episode.task}",
        "",
        f"**Outcome:** {outcome}; {len(episode)} turns; env return {episode.env_return:.3f}; "
        f"total reward {episode.total_reward:.3f}",
        "",
    ]
    if tokenizer is not None and episode.turns:
        prompt_text = tokenizer.decode(episode.turns[0].prompt_ids)
        lines += ["<details><summary>First prompt</summary>", "", _fenced(prompt_text), "", "</details>", ""]
    for n, turn in enumerate(episode.turns, 1):
        mean_logprob = sum(turn.logprobs) / len(turn.logprobs) if turn.logprobs else float("nan")
        flags = [] if turn.format_ok else ["malformed"]
        if not turn.info.get("valid_action", True):
            flags.append("invalid action")
        if turn.truncated_response:
            flags.append("cut at max_new_tokens")
        lines += [
            f"## Turn {n}",
            "",
            "**Observation:**",
            "",
            _fenced(turn.observation),
            "",
            f"**Response** ({len(turn.response_ids)} tokens, prompt {len(turn.prompt_ids)} tokens, "
            f"mean log-prob {mean_logprob:.3f}):",
            "",
            _fenced(turn.response_text),
            "",
            f"**Action:** `{turn.action[:200].replace('`', '')}`" + (f" ({', '.join(flags)})" if flags else ""),
            "",
            f"**Reward:** env {turn.env_reward:.3f}, format {turn.format_reward:.3f}; "
            f"valid {bool(turn.info.get('valid_action', True))}",
            "",
        ]
    return "\n".join(lines)
