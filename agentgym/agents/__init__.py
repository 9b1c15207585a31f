"""Baseline agents: ``random`` (uniform over the admissible actions, or the action space) and ``oracle``
(the env's optimal planner, ``env.unwrapped.oracle_action()``), and a seeded episode runner.

They give every env its floor and its ceiling, and they are what ``agentgym eval --agent`` and
``agentgym play --agent`` run.

Example:
    >>> import agentgym
    >>> result = evaluate_agent("agentgym/Maze-v0", "oracle", episodes=3, seed=0)
    >>> result.success_rate
    1.0
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any, Protocol

import gymnasium as gym

from agentgym.trainers.evaluation import EvalResult, summarize

AGENTS = ("random", "oracle", "rule")


class AgentError(RuntimeError):
    """An agent cannot act in this env (e.g. no oracle), or its planner found no action."""


class Agent(Protocol):
    """Chooses an action from an observation and the step's ``info``."""

    name: str

    def reset(self, env: gym.Env[Any, Any], seed: int | None = None) -> None: ...

    def act(self, obs: Any, info: dict[str, Any]) -> Any: ...


_SLOT = re.compile(r"<[a-z_ ]+>")  # a free-text slot in an admissible action, e.g. "search[<query>]"
_WORD = re.compile(r"[a-z]{3,}")


class RandomAgent:
    """Uniform over ``info["admissible_actions"]`` where the env lists them, else over the action space.

    An admissible action with a free-text slot (WebShop's ``search[<query>]``) gets 1-3 words drawn
    from the task (``info["task"]``, else the observation).
    """

    name = "random"

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._env: gym.Env[Any, Any] | None = None

    def reset(self, env: gym.Env[Any, Any], seed: int | None = None) -> None:
        self._env = env
        if seed is not None:
            self._rng.seed(seed)
            env.action_space.seed(seed)

    def act(self, obs: Any, info: dict[str, Any]) -> Any:
        admissible = info.get("admissible_actions")
        if admissible:
            action = self._rng.choice(admissible)
            if isinstance(action, str) and _SLOT.search(action):  # e.g. WebShop's "search[<query>]"
                words = _WORD.findall(str(info.get("task") or obs).lower()) or ["item"]
                fill = " ".join(self._rng.choice(words) for _ in range(self._rng.randint(1, 3)))
                action = _SLOT.sub(fill, action)
            return action
        if self._env is None:
            raise AgentError("call reset(env) before act()")
        return self._env.action_space.sample()


class OracleAgent:
    """The env's own optimal planner: ``env.unwrapped.oracle_action()`` each step."""

    name = "oracle"

    def __init__(self) -> None:
        self._oracle: Callable[[], Any] | None = None

    def reset(self, env: gym.Env[Any, Any], seed: int | None = None) -> None:
        oracle = getattr(env.unwrapped, "oracle_action", None)
        if oracle is None:
            name = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
            raise AgentError(f"{name} has no oracle (no oracle_action()); use the random agent")
        self._oracle = oracle

    def act(self, obs: Any, info: dict[str, Any]) -> Any:
        if self._oracle is None:
            raise AgentError("call reset(env) before act()")
        action = self._oracle()
        if action is None:
            raise AgentError("the oracle found no plan from this state")
        return action


def make_agent(name: str, seed: int | None = None) -> Agent:
    """A baseline agent by name (``random``, ``oracle``, or ``rule``: WebShop's rule baseline, WebShop envs only)."""
    if name == "random":
        return RandomAgent(seed)
    if name == "oracle":
        return OracleAgent()
    if name == "rule":
        from agentgym.envs.webshop.baselines import RuleAgent

        return RuleAgent()
    raise ValueError(f"unknown agent {name!r}; choose one of {', '.join(AGENTS)}")


def evaluate_agent(env_id: str, agent: str | Agent, *, episodes: int = 10, seed: int = 0,
                   env_kwargs: dict[str, Any] | None = None,
                   on_episode: Callable[[int], None] | None = None) -> EvalResult:
    """Play ``episodes`` episodes (episode k reset with ``seed + k``); mean return, success and length with CIs."""
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    actor = make_agent(agent, seed) if isinstance(agent, str) else agent
    env = gym.make(env_id, **(env_kwargs or {}))
    returns, successes, lengths = [], [], []
    try:
        for k in range(episodes):
            obs, info = env.reset(seed=seed + k)
            actor.reset(env, seed + k)
            total, length = 0.0, 0
            while True:
                obs, reward, terminated, truncated, info = env.step(actor.act(obs, info))
                total += float(reward)
                length += 1
                if terminated or truncated:
                    break
            returns.append(total)
            successes.append(bool(info.get("success", False)))
            lengths.append(length)
            if on_episode is not None:
                on_episode(k)
    finally:
        env.close()
    return summarize(returns, successes, lengths, seed=seed, deterministic=actor.name == "oracle")


__all__ = ["AGENTS", "Agent", "AgentError", "OracleAgent", "RandomAgent", "evaluate_agent", "make_agent"]
