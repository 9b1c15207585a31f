"""Ground-truth progress from the planner: ``1 - remaining / initial`` (shortest-plan lengths).

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-Empty-5x5-v0").unwrapped
    >>> _ = env.reset(seed=0)
    >>> tracker = PlanProgress()
    >>> tracker.reset(env)   # the shortest plan takes 5 actions
    0.0
    >>> _ = env.step(2)      # one step along it
    >>> tracker.update(env, terminated=False, success=False)
    0.2
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from .planner import remaining_steps

# Episodes revisit states often (a random agent bumps into walls and turns in place); a search
# per distinct state and episode is enough. Bounded so a long episode cannot grow it forever.
_CACHE_LIMIT = 4096


def snapshot(env: Any) -> Hashable:
    """Everything a shortest plan depends on: the agent, what it carries, and the grid."""
    env = getattr(env, "unwrapped", env)
    carried = env.carrying
    held = None if carried is None else (carried.type, carried.color)
    return (tuple(int(v) for v in env.agent_pos), int(env.agent_dir), held, env.grid.encode().tobytes())


class PlanProgress:
    """Tracks progress over one episode; ``value`` is None where the planner gave up."""

    def __init__(self) -> None:
        self.initial: int | None = None
        self.value: float | None = None
        self._remaining: dict[Hashable, int | None] = {}

    def remaining(self, env: Any) -> int | None:
        """The planner's remaining plan length, searched once per distinct state of the episode."""
        key = snapshot(env)
        if key not in self._remaining:
            if len(self._remaining) >= _CACHE_LIMIT:
                self._remaining.clear()
            self._remaining[key] = remaining_steps(env)
        return self._remaining[key]

    def reset(self, env: Any) -> float | None:
        self._remaining.clear()
        self.initial = self.remaining(env)
        self.value = None if self.initial is None else 0.0
        return self.value

    def update(self, env: Any, *, terminated: bool, success: bool) -> float | None:
        if success:
            self.value = 1.0
        elif terminated:
            pass  # a failed end (lava) keeps the progress made before it
        elif self.initial is not None:
            remaining = self.remaining(env)
            if remaining is None:
                self.value = None
            else:
                # Walking away from the goal can make the plan longer than at the start.
                initial = max(self.initial, 1)
                self.value = max(0.0, (initial - remaining) / initial)
        return self.value
