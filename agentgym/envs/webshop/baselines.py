"""WebShop's rule baseline (Yao et al. 2022): search the instruction, click the first result, buy it.

No option is selected, so a purchase succeeds only when the first result happens to satisfy the goal and the
goal asks for no option values: the baseline's success rate is low by design (WebShop reports 9.6%).

:func:`rule_action` decides from the observation and ``info`` alone; :class:`RuleAgent` wraps it with the
interface of :mod:`agentgym.agents` (``agentgym eval --agent rule``).

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/WebShop-Small-v0")
    >>> obs, info = env.reset(seed=0)
    >>> rule_action(obs, info).startswith("search[i am shopping for")
    True
"""

from __future__ import annotations

import re
from typing import Any

import gymnasium as gym

_ASIN_CLICK = re.compile(r"click\[b0[0-9a-z]{8}\]")
_INSTRUCTION = re.compile(r"Instruction:\s*(?:\[SEP\])?\s*(.*?)\s*(?:\[SEP\]|\n|$)", re.DOTALL)


def instruction_of(obs: str, info: dict[str, Any]) -> str:
    """The instruction: ``info["task"]``, else the text after ``Instruction:`` in the observation."""
    task = info.get("task")
    if isinstance(task, str) and task:
        return task
    m = _INSTRUCTION.search(obs if isinstance(obs, str) else "")
    return m.group(1) if m else ""


def rule_action(obs: str, info: dict[str, Any]) -> str:
    """The rule baseline's next action: search the instruction, click the first result, buy now.

    On a page with none of these (a results page without results, a sub-page) it goes back to search.
    """
    admissible = info.get("admissible_actions") or []
    if info.get("has_search_bar", "search[<query>]" in admissible):
        return f"search[{instruction_of(obs, info)}]"
    if "click[buy now]" in admissible:
        return "click[buy now]"
    for action in admissible:
        if _ASIN_CLICK.fullmatch(action):
            return action
    return "click[back to search]"


class RuleAgent:
    """WebShop's rule baseline as an :mod:`agentgym.agents` agent (``reset(env, seed)``, ``act(obs, info)``)."""

    name = "rule"

    def reset(self, env: gym.Env[Any, Any], seed: int | None = None) -> None:
        from agentgym.agents import AgentError
        from agentgym.envs.webshop.env import WebShopEnv

        if not isinstance(env.unwrapped, WebShopEnv):
            name = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
            raise AgentError(f"the rule agent plays WebShop envs only, not {name}")

    def act(self, obs: Any, info: dict[str, Any]) -> str:
        return rule_action(obs, info)


__all__ = ["RuleAgent", "instruction_of", "rule_action"]
