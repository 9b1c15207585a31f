"""MiniGrid as a text game: the view described in words, actions given as words.

The env wraps the classic env of the same task (same seed, same layout) and adds what the
text contract asks for: admissible action words, planner progress (``1 - remaining /
initial`` shortest-plan length) and the invalid-action path of :class:`~agentgym.core.TextEnv`.

All seven words are always admissible, ``"done"`` included: upstream's action space has it,
it is a real step (it costs time, and BabyAI's GoTo test runs after it), and a fixed action
set keeps policies simple.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/MiniGrid-Empty-5x5-Text-v0")
    >>> obs, info = env.reset(seed=0)
    >>> print(obs)
    Mission: get to the green goal square
    You see a wall 1 step left, a wall 3 steps forward, a wall 3 steps right, the green goal square 2 steps right and 2 steps forward.
    You carry nothing.
    >>> obs, reward, terminated, truncated, info = env.step("go forward")
    >>> info["progress"]
    0.2
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agentgym.core import TEXT_STATE_FIELDS, TextEnv

from .describe import describe_view, object_phrase
from .env import make_minigrid
from .planner import next_action
from .progress import PlanProgress
from .state import build_task_spec

#: Action words, at the index of the MiniGrid action they stand for.
ACTION_WORDS: tuple[str, ...] = ("turn left", "turn right", "go forward", "pick up", "drop", "toggle", "done")
TEXT_ACTION_MEANING = (
    "one of the words: 'turn left', 'turn right', 'go forward' (one cell), 'pick up' (the object in "
    "front), 'drop' (the carried object onto the empty cell in front), 'toggle' (open/close/unlock the "
    "door in front; a locked door needs a key of its color in hand), 'done' (no effect; costs a step)"
)


class MiniGridTextEnv(TextEnv):
    """The text view of catalogue entry ``task_id`` (e.g. ``"MiniGrid-DoorKey-5x5-v0"``).

    Args:
        task_id: the task, as in :data:`~agentgym.envs.minigrid.catalog.TASKS`.
        render_mode: ``"ansi"`` or ``"human"`` (see :class:`~agentgym.core.TextEnv`).
        **kwargs: upstream constructor arguments, passed to the classic env.
    """

    def __init__(self, task_id: str, *, render_mode: str | None = None, **kwargs: Any) -> None:
        super().__init__(render_mode=render_mode)
        self.env = make_minigrid(task_id, **kwargs)
        task = self.env.minigrid_task
        self.task_spec = build_task_spec(
            task, extra_fields=TEXT_STATE_FIELDS, action_meaning=TEXT_ACTION_MEANING, name=f"{task.name}-Text"
        )
        self._tracker = PlanProgress()
        self._seed: int | None = None
        self._success_flag = False
        self._upstream_truncated = False
        self._last_message = ""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        self._seed = seed  # the same seed gives the classic env's layout (see _reset)
        return super().reset(seed=seed, options=options)

    def oracle_action(self) -> str | None:
        """The word of a shortest plan's first action (None if the planner finds none)."""
        action = next_action(self.env)
        return None if action is None else ACTION_WORDS[action]

    # ------------------------------------------------------------ TextEnv hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        self.env.reset(seed=self._seed, options=options)
        self._success_flag = False
        self._upstream_truncated = False
        self._last_message = ""
        self._tracker.reset(self.env)
        return self._describe()

    def _task(self) -> str:
        return str(self.env.mission)

    def _admissible(self) -> list[str]:
        return list(ACTION_WORDS)

    def _step(self, action: str) -> tuple[str, float, bool]:
        before = self._snapshot()
        _, reward, terminated, truncated, info = self.env.step(ACTION_WORDS.index(action))
        self._success_flag = bool(info["success"])
        self._last_message = str(info["message"])
        self._upstream_truncated = bool(truncated)
        self._tracker.update(self.env, terminated=terminated, success=self._success_flag)
        if self._success_flag:
            outcome = "You accomplished the task."
        elif terminated:
            outcome = "You stepped into lava. The episode is over." if self._on_lava() else "The episode is over."
        else:
            outcome = "Nothing happened." if self._snapshot() == before else ""
        return "\n".join(filter(None, [outcome, self._describe()])), float(reward), terminated

    def _truncated(self) -> bool:
        # Upstream cuts episodes at max_steps; invalid words count as steps too.
        return self._upstream_truncated or self._steps >= self.env.max_steps

    def _success(self) -> bool:
        return self._success_flag

    def _progress(self) -> float | None:
        return self._tracker.value

    def _message(self) -> str:
        return self._last_message

    def _extra_state(self) -> dict[str, np.ndarray]:
        return self.env.compact_state()

    # ---------------------------------------------------------------- helpers
    def _describe(self) -> str:
        seen = describe_view(self.env)
        carried = self.env.carrying
        return "\n".join([
            f"Mission: {self.env.mission}",
            f"You see {', '.join(seen)}." if seen else "You see nothing but empty floor.",
            f"You carry {object_phrase(carried)}." if carried is not None else "You carry nothing.",
        ])

    def _snapshot(self) -> tuple[Any, ...]:
        env = self.env
        return (tuple(env.agent_pos), env.agent_dir, id(env.carrying), env.grid.encode().tobytes())

    def _on_lava(self) -> bool:
        cell = self.env.grid.get(*self.env.agent_pos)
        return cell is not None and cell.type == "lava"

    def close(self) -> None:
        self.env.close()
        super().close()
