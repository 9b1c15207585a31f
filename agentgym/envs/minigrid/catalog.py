"""The MiniGrid tasks agentgym mirrors: upstream id, objective, state capacities, summary.

Pure data (no minigrid import), so registering the family stays cheap.

Example:
    >>> task = TASKS["MiniGrid-DoorKey-5x5-v0"]
    >>> task.upstream_id, task.objective, task.max_steps
    ('MiniGrid-DoorKey-5x5-v0', 'reach', 250)
    >>> task.text_id
    'MiniGrid-DoorKey-5x5-Text-v0'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: What ends an episode with success (the planner and the TaskSpec both key on it).
Objective = Literal["reach", "open", "pickup", "goto"]

SUCCESS_CRITERIA: dict[str, str] = {
    "reach": (
        "a 'forward' action moves the agent onto the green goal square (agent_pos == goal_pos), "
        "terminating the episode with reward 1 - 0.9 * step_count / max_steps > 0; stepping onto "
        "lava terminates it with reward 0 (failure)"
    ),
    "open": (
        "a 'toggle' action leaves the locked door open (door_state[0] == 0 after the toggle, which "
        "needs a key of the door's color in hand); reward 1 - 0.9 * step_count / max_steps"
    ),
    "pickup": (
        "a 'pickup' action, taken with empty hands, picks up an object the mission names "
        "(carrying becomes its [type, color]); reward 1 - 0.9 * step_count / max_steps"
    ),
    "goto": (
        "after any action the agent faces a cell holding an object the mission names "
        "(front_pos == the object's position, checked with the object's start position); "
        "reward 1 - 0.9 * step_count / max_steps"
    ),
}


@dataclass(frozen=True)
class MiniGridTask:
    """One mirrored upstream env.

    Attributes:
        name: agentgym name without version, e.g. ``"MiniGrid-DoorKey-5x5"``.
        upstream_id: the gymnasium id registered by the ``minigrid`` package.
        objective: what success means (see :data:`SUCCESS_CRITERIA`).
        summary: one line for ``agentgym list``.
        task: the instruction in words (the per-episode mission is in ``info["task"]``).
        max_steps: upstream's episode length limit (checked against upstream by the tests).
        keys: how many key positions the compact state holds (padded with -1).
        doors: how many doors the compact state holds (padded with -1).
        version: the agentgym version suffix (mirrors the upstream one).
    """

    name: str
    upstream_id: str
    objective: Objective
    summary: str
    task: str
    max_steps: int
    keys: int = 1
    doors: int = 1
    version: str = "v0"

    @property
    def classic_id(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def text_id(self) -> str:
        return f"{self.name}-Text-{self.version}"

    @property
    def babyai(self) -> bool:
        """BabyAI missions vary per episode, so the classic observation carries them."""
        return self.name.startswith("BabyAI-")


def _task(name: str, objective: Objective, summary: str, task: str, max_steps: int, *,
          upstream: str | None = None, keys: int = 1, doors: int = 1, version: str = "v0") -> MiniGridTask:
    return MiniGridTask(name, upstream or f"{name}-{version}", objective, summary, task, max_steps, keys, doors, version)


_REACH = "Reach the green goal square."
_DOORKEY = "Pick up the yellow key, unlock the yellow door with it, walk through and reach the green goal square."
_MULTIROOM = "Open the door of each room in turn and reach the green goal square in the last room."
_KEYCORRIDOR = (
    "Find the key, unlock the locked door of its color, and pick up the ball behind it "
    "(the ball's color is in info['task']). Only one object can be carried at a time."
)
_LAVA = "Cross the lava wall through its single gap and reach the green goal square without touching lava."

#: Every mirrored task, by classic id without namespace (``"MiniGrid-DoorKey-5x5-v0"``).
TASKS: dict[str, MiniGridTask] = {
    t.classic_id: t
    for t in (
        _task("MiniGrid-Empty-5x5", "reach", "Reach the goal square in an empty 5x5 room.", _REACH, 100),
        _task("MiniGrid-Empty-8x8", "reach", "Reach the goal square in an empty 8x8 room.", _REACH, 256),
        _task("MiniGrid-DoorKey-5x5", "reach", "Get the key, unlock the door, reach the goal (5x5).", _DOORKEY, 250),
        _task("MiniGrid-DoorKey-6x6", "reach", "Get the key, unlock the door, reach the goal (6x6).", _DOORKEY, 360),
        _task("MiniGrid-DoorKey-8x8", "reach", "Get the key, unlock the door, reach the goal (8x8).", _DOORKEY, 640),
        _task("MiniGrid-FourRooms", "reach", "Reach the goal in four 9x9 rooms joined by gaps.", _REACH, 100),
        _task("MiniGrid-KeyCorridorS3R1", "pickup", "Unlock a side room and pick up the ball (1 row of 3x3 rooms).",
              _KEYCORRIDOR, 270, doors=2),
        _task("MiniGrid-KeyCorridorS3R2", "pickup", "Unlock a side room and pick up the ball (2 rows of 3x3 rooms).",
              _KEYCORRIDOR, 270, doors=7),
        _task("MiniGrid-LavaGapS5", "reach", "Cross a lava wall through its gap to the goal (5x5).", _LAVA, 100),
        _task("MiniGrid-LavaGapS7", "reach", "Cross a lava wall through its gap to the goal (7x7).", _LAVA, 196),
        _task("MiniGrid-Unlock", "open", "Pick up the key and unlock the door with it.",
              "Pick up the key and use it to open the locked door of the same color.", 288),
        _task("MiniGrid-MultiRoom-N2-S4", "reach", "Open the door between 2 small rooms and reach the goal.",
              _MULTIROOM, 40, doors=1),
        # Upstream's legacy v0 id builds 6 rooms (see minigrid/__init__.py); v1 builds 4.
        _task("MiniGrid-MultiRoom-N4-S5", "reach", "Open doors through 6 rooms (upstream legacy v0) to the goal.",
              _MULTIROOM, 120, doors=5),
        _task("MiniGrid-MultiRoom-N4-S5", "reach", "Open doors through 4 rooms of size <= 5 to reach the goal.",
              _MULTIROOM, 80, doors=3, version="v1"),
        _task("BabyAI-GoToObj", "goto", "Go to (face) the one object in an 8x8 room that the mission names.",
              "Go next to the object the mission names and face it.", 64),
        _task("BabyAI-PickupLoc", "pickup", "Pick up the object the mission describes, among 9 in an 8x8 room.",
              "Pick up an object matching the mission's description (a location such as 'on your left' is "
              "relative to the agent's start position and direction).", 64, keys=8),
    )
}
