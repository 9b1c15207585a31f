"""TextEnv: the base class of every agentgym env whose observations and actions are text.

A subclass describes a game through a few hooks; the base class implements the contract
every text env shares (see DESIGN.md):

* observations and actions are strings in a :func:`~agentgym.core.spaces.text_space`;
* ``info`` carries ``task``, ``admissible_actions`` (where bounded), ``valid_action``,
  ``success`` and ``progress`` (where the env knows it);
* an unparseable or inadmissible action is never an exception: it costs a step, changes
  nothing, and the observation says why.

Example:
    >>> class Counter(TextEnv):
    ...     task_spec = None  # a real env sets a TaskSpec
    ...     def _reset(self, options):
    ...         self.n = 0
    ...         return "The counter shows 0."
    ...     def _task(self):
    ...         return "Count to 2."
    ...     def _admissible(self):
    ...         return ["add one"]
    ...     def _step(self, action):
    ...         self.n += 1
    ...         return f"The counter shows {self.n}.", float(self.n == 2), self.n == 2
    ...     def _success(self):
    ...         return self.n == 2
    ...     def _progress(self):
    ...         return self.n / 2
    >>> env = Counter()
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step("jump")
    >>> info["valid_action"], obs.splitlines()[0]
    (False, "Invalid action: 'jump' is not one of the admissible actions: add one")
    >>> env.step("add one")[0]
    'The counter shows 1.'
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from .spaces import DEFAULT_ACTION_LENGTH, DEFAULT_OBSERVATION_LENGTH, text_space, to_printable
from .task_spec import StateField

#: Compact-state fields every TextEnv provides (subclasses add their own).
TEXT_STATE_FIELDS: tuple[StateField, ...] = (
    StateField("steps", (), "steps", "actions taken so far in this episode, invalid ones included", "int64"),
    StateField("valid_action", (), "bool", "1 if the last action was valid (1 right after reset)", "int64"),
    StateField("progress", (), "fraction", "ground-truth progress in [0, 1] (0 where unknown)"),
    StateField("success", (), "bool", "1 once the task is accomplished", "int64"),
)


class TextEnv(gym.Env[str, str]):
    """Base class of text environments. Subclasses implement the ``_hooks``.

    Args:
        render_mode: ``"ansi"`` (``render()`` returns the last observation) or ``"human"``
            (prints it).
        max_observation_length: observations longer than this are cut (and end in ``...``).
        max_action_length: length limit of the action space.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi", "human"]}
    #: reward of an invalid action
    invalid_action_reward: float = 0.0
    #: whether actions are compared case-sensitively (games: no; shells: yes)
    case_sensitive_actions: bool = False

    def __init__(
        self,
        *,
        render_mode: str | None = None,
        max_observation_length: int = DEFAULT_OBSERVATION_LENGTH,
        max_action_length: int = DEFAULT_ACTION_LENGTH,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.max_observation_length = int(max_observation_length)
        self.observation_space = text_space(self.max_observation_length)
        self.action_space = text_space(int(max_action_length))
        self._view = ""  # last observation of the (unchanged) state, shown again after an invalid action
        self._last_obs = ""
        self._steps = 0
        self._last_valid = True
        self._started = False
        self._done = False

    # ----------------------------------------------------------------- hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        """Start a new episode using ``self.np_random``; return the first observation."""
        raise NotImplementedError

    def _task(self) -> str:
        """The instruction of the current episode in plain words."""
        raise NotImplementedError

    def _admissible(self) -> list[str] | None:
        """Actions valid now, or ``None`` where the set is unbounded (e.g. a shell)."""
        return None

    def _check(self, action: str) -> str | None:
        """Why ``action`` (normalized) is invalid now, or ``None`` if it is valid.

        The default accepts exactly the admissible actions; override to parse richer input.
        """
        admissible = self._admissible()
        if admissible is None:
            return None if action else "the action is empty"
        if action in {self.normalize_action(a) for a in admissible}:
            return None
        if not action:
            return "the action is empty. Admissible actions: " + ", ".join(admissible)
        return f"{action!r} is not one of the admissible actions: " + ", ".join(admissible)

    def _step(self, action: str) -> tuple[str, float, bool]:
        """Apply a valid action; return ``(observation, reward, terminated)``."""
        raise NotImplementedError

    def _success(self) -> bool:
        """Ground-truth task success."""
        return False

    def _progress(self) -> float | None:
        """Ground-truth progress in [0, 1], or ``None`` where unknown."""
        return None

    def _message(self) -> str:
        """What the last step did, as a short event message (``""`` when nothing notable; see ``info["message"]``)."""
        return ""

    def _truncated(self) -> bool:
        """Whether the episode is cut now (e.g. an env's own step limit); checked after each step."""
        return False

    def _extra_state(self) -> dict[str, np.ndarray]:
        """Family-specific compact-state arrays (declared in the env's TaskSpec)."""
        return {}

    # ------------------------------------------------------------ public API
    def normalize_action(self, action: str) -> str:
        """Collapse whitespace (and case, unless ``case_sensitive_actions``)."""
        action = " ".join(action.split())
        return action if self.case_sensitive_actions else action.lower()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self._steps = 0
        self._last_valid = True
        self._done = False
        self._started = True
        self._view = to_printable(self._reset(options), self.max_observation_length)
        self._last_obs = self._view
        if self.render_mode == "human":
            self.render()
        return self._view, self._info()

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError("the episode is over; call reset() before step()")
        self._steps += 1
        reason = None
        if isinstance(action, np.str_):
            action = str(action)
        if not isinstance(action, str):
            reason = f"an action must be a string, got {type(action).__name__}"
        else:
            action = self.normalize_action(action)
            reason = self._check(action)
        if reason is not None:
            self._last_valid = False
            obs = to_printable(f"Invalid action: {reason}\n\n{self._view}", self.max_observation_length)
            reward, terminated = float(self.invalid_action_reward), False
        else:
            self._last_valid = True
            raw, reward, terminated = self._step(action)
            obs = self._view = to_printable(raw, self.max_observation_length)
            reward = float(reward)
            terminated = bool(terminated)
        truncated = not terminated and self._truncated()
        self._done = terminated or truncated
        self._last_obs = obs
        if self.render_mode == "human":
            self.render()
        return obs, reward, terminated, truncated, self._info()

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._last_obs
        if self.render_mode == "human":
            print(self._last_obs)
        return None

    def compact_state(self) -> dict[str, np.ndarray]:
        """The compact state (the TaskSpec's fields) as numpy arrays."""
        progress = self._progress()
        state = {
            "steps": np.array(self._steps, dtype=np.int64),
            "valid_action": np.array(int(self._last_valid), dtype=np.int64),
            "progress": np.array(0.0 if progress is None else float(progress)),
            "success": np.array(int(bool(self._success())), dtype=np.int64),
        }
        state.update(self._extra_state())
        return state

    def _info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "task": self._task(),
            "valid_action": self._last_valid,
            "success": bool(self._success()),
            "message": self._message() if self._last_valid else "",
        }
        admissible = self._admissible()
        if admissible is not None:
            info["admissible_actions"] = list(admissible)
        progress = self._progress()
        if progress is not None:
            info["progress"] = float(min(1.0, max(0.0, progress)))
        return info
