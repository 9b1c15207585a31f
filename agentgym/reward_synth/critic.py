"""The reward critic: checks a candidate reward program before any training is spent on it.

Stages, each with a message for the LLM that wrote the code:

1. ``extract``: the reply holds a Python block defining ``compute_reward``.
2. ``static``: it parses, has the signature, imports only what is allowed, uses no forbidden
   names (:func:`agentgym.core.check_reward_code`; the message names the line).
3. ``load``: the module body runs (in the sandbox).
4. ``run``: on a batch of transitions sampled from the env, every call returns a finite float
   total and float components, within the sandbox's time and memory limits.
5. ``constant``: the total varies across the sampled transitions (a reward that is the same
   everywhere teaches nothing).

Passing candidates also get warnings (huge magnitudes, components that never move) that go back
to the LLM with the training feedback.

Example:
    >>> transitions = sample_transitions("agentgym/MiniGrid-Empty-5x5-v0", n=64, seed=0)
    >>> good = "def compute_reward(s, a, ns, info):\\n    d = float(ns['goal_distance'])\\n    return -0.1 * d, {'distance': -0.1 * d}"
    >>> critique(good, transitions).ok
    True
    >>> bad = critique("def compute_reward(s, a, ns, info):\\n    return 1.0, {}", transitions)
    >>> bad.stage, bad.ok
    ('constant', False)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agentgym.core import RewardCodeError, RewardFnError, get_compact_state
from agentgym.core.reward import check_reward_code
from agentgym.core.sandbox import Sandbox, SandboxLimits

from .llm import extract_code

#: Components whose typical per-step magnitude exceeds this get a scaling warning.
LARGE_MAGNITUDE = 100.0
_INFO_SKIP = {"reward_components"}


@dataclass
class Transitions:
    """A batch of env transitions in the reward contract's batched form."""

    env_id: str
    states: dict[str, np.ndarray]
    actions: np.ndarray
    next_states: dict[str, np.ndarray]
    infos: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.infos)


def sample_transitions(env_id: str, n: int = 256, seed: int = 0, env_kwargs: dict[str, Any] | None = None) -> Transitions:
    """``n`` transitions of a uniformly random policy (episodes restart as they end), seeded."""
    env = gym.make(env_id, disable_env_checker=True, **(env_kwargs or {}))
    env.action_space.seed(seed)
    states: list[dict[str, np.ndarray]] = []
    next_states: list[dict[str, np.ndarray]] = []
    actions, infos = [], []
    try:
        env.reset(seed=seed)
        state = get_compact_state(env)
        while len(infos) < n:
            action = env.action_space.sample()
            _, _, terminated, truncated, info = env.step(action)
            after = get_compact_state(env)
            states.append(state)
            next_states.append(after)
            actions.append(np.asarray(action))
            infos.append({k: v for k, v in info.items() if k not in _INFO_SKIP})
            if terminated or truncated:
                env.reset()
                after = get_compact_state(env)
            state = after
    finally:
        env.close()
    stack = lambda rows: {k: np.stack([r[k] for r in rows]) for k in rows[0]}  # noqa: E731
    return Transitions(env_id, stack(states), np.stack(actions), stack(next_states), infos)


@dataclass
class CriticResult:
    """What the critic found. ``ok`` candidates go on to training."""

    ok: bool
    stage: str  # extract | static | load | run | constant | ok
    code: str
    error: str | None = None
    lineno: int | None = None
    traceback: str | None = None
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> mean/std/min/max on the sample

    def feedback(self) -> str:
        """The error (or warnings) in words for the LLM."""
        if not self.ok:
            text = f"[{self.stage}] {self.error}"
            if self.traceback:
                text += f"\n{self.traceback.rstrip()}"
            return text
        return "\n".join(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stats(values: np.ndarray) -> dict[str, float]:
    return {"mean": float(values.mean()), "std": float(values.std()), "min": float(values.min()),
            "max": float(values.max())}


def critique(reply: str, transitions: Transitions, *, limits: SandboxLimits | None = None,
             name: str = "<candidate>") -> CriticResult:
    """Check an LLM reply (or plain code) against the stages above; never raises for bad code."""
    code = extract_code(reply)
    if code is None:
        return CriticResult(False, "extract", "", "no Python code block defining compute_reward was found in the reply")
    try:
        check_reward_code(code, name)
    except RewardCodeError as exc:
        return CriticResult(False, "static", code, str(exc), exc.lineno)
    sandbox = Sandbox(code, name, limits or SandboxLimits(call_timeout_s=20.0))
    try:
        try:
            sandbox.start()
        except RewardCodeError as exc:
            return CriticResult(False, "load", code, str(exc), exc.lineno)
        try:
            totals, parts = sandbox.call(transitions.states, transitions.actions, transitions.next_states,
                                         transitions.infos)
        except RewardFnError as exc:
            return CriticResult(False, "run", code, str(exc), exc.lineno, getattr(exc, "traceback", None))
    finally:
        sandbox.close()
    stats = {"total": _stats(totals), **{k: _stats(v) for k, v in parts.items()}}
    if np.ptp(totals) == 0:
        return CriticResult(False, "constant", code,
                            f"the total reward is {totals[0]:g} on all {len(transitions)} sampled transitions "
                            "(random actions); a reward that never changes gives the policy nothing to learn from",
                            stats=stats)
    warnings = []
    for key, s in stats.items():
        scale = max(abs(s["min"]), abs(s["max"]))
        if scale > LARGE_MAGNITUDE:
            warnings.append(f"'{key}' reaches {scale:.3g} per step on random transitions; consider scaling it down")
        elif key != "total" and s["std"] == 0:
            warnings.append(f"component '{key}' is constant ({s['mean']:g}) on random transitions")
    return CriticResult(True, "ok", code, warnings=warnings, stats=stats)
