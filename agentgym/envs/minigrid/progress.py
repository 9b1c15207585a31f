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

from typing import Any

from .planner import remaining_steps


class PlanProgress:
    """Tracks progress over one episode; ``value`` is None where the planner gave up."""

    def __init__(self) -> None:
        self.initial: int | None = None
        self.value: float | None = None

    def reset(self, env: Any) -> float | None:
        self.initial = remaining_steps(env)
        self.value = None if self.initial is None else 0.0
        return self.value

    def update(self, env: Any, *, terminated: bool, success: bool) -> float | None:
        if success:
            self.value = 1.0
        elif terminated:
            pass  # a failed end (lava) keeps the progress made before it
        elif self.initial is not None:
            remaining = remaining_steps(env)
            if remaining is None:
                self.value = None
            else:
                # Walking away from the goal can make the plan longer than at the start.
                initial = max(self.initial, 1)
                self.value = max(0.0, (initial - remaining) / initial)
        return self.value
