"""TextAdventureEnv: a generated text adventure with an exact solver behind its progress.

Each reset draws a world seed from the reset seed (inside the split's range, see
:mod:`~agentgym.envs.textgames.splits`) and generates a world from it: rooms, locked doors
and their keys, containers and a quest built backwards so that it is always solvable. The
solver knows the optimal remaining plan length from any state, which gives ``info["progress"]``
(``1 - remaining / initial``), the optional TextWorld-style intermediate reward, and
:meth:`TextAdventureEnv.oracle_action`.

Observations: the first one is the task and the start room; after a command, what it did,
followed by the new room's description when the agent changed rooms (``look`` shows the
room at any time). A command that cannot be done (a locked door, a closed box, a key that
is not carried, an unknown verb, ...) is an invalid action: it costs a step, changes nothing
and the observation says why.

Example:
    >>> import gymnasium as gym, agentgym
    >>> env = gym.make("agentgym/TextAdventure-Easy-v0")
    >>> obs, info = env.reset(seed=0)
    >>> info["progress"], "look" in info["admissible_actions"]
    (0.0, True)
    >>> while not info["success"]:
    ...     obs, reward, terminated, truncated, info = env.step(env.unwrapped.oracle_action())
    >>> reward, terminated, info["progress"]
    (1.0, True, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agentgym.core import TEXT_STATE_FIELDS, StateField, TaskSpec, TextEnv

from ..splits import check_split, world_seed
from .describe import describe_room
from .parser import parse
from .rules import admissible, perform, why_not
from .solver import UNSOLVABLE, Solver
from .world import INVENTORY, AdventureConfig, State, World, generate_world, make_config

ACTION_MEANING = (
    "a command, as text: 'go north|south|east|west' (or 'north', 'n', ...), 'take <thing>', "
    "'take <thing> from <container or supporter>', 'drop <thing>', 'put <thing> in <container>', "
    "'put <thing> on <supporter>', 'open <container>', 'close <container>', "
    "'unlock <door or container> with <key>', 'lock <door or container> with <key>', 'look', 'inventory', "
    "'examine <thing>'. Names may be shortened to one word when that is unambiguous ('take key'); doors may be "
    "named by direction ('unlock east door with iron key'). info['admissible_actions'] lists the valid "
    "commands in their canonical form."
)

#: The family's compact-state fields (all scalars, so shapes are the same for every world).
ADVENTURE_STATE_FIELDS: tuple[StateField, ...] = (
    StateField("room", (), "index", "index of the room the agent is in (0-based, < the world's room count)", "int64"),
    StateField("rooms_visited", (), "rooms", "distinct rooms entered this episode, the start room included", "int64"),
    StateField("inventory_count", (), "items", "items the agent carries", "int64"),
    StateField("holding_target", (), "bool", "1 if the agent carries the quest's target object", "int64"),
    StateField("locked_doors", (), "doors", "doors that are locked now (anywhere in the world)", "int64"),
    StateField("target_distance", (), "moves",
               "moves from the agent's room to the room the target lies in (0 while it is carried), "
               "ignoring locks", "int64"),
    StateField("goal_distance", (), "moves",
               "moves from the agent's room to the room where the target must be put, ignoring locks", "int64"),
    StateField("subgoals_left", (), "commands",
               "non-movement commands (take, open, unlock, the final put or drop) an optimal plan still needs",
               "int64"),
    StateField("quest_length", (), "commands", "subgoals_left at the start of the episode", "int64"),
    StateField("remaining_plan", (), "commands",
               "length of an optimal plan (moves included) from now to the win; 0 once won", "int64"),
    StateField("initial_plan", (), "commands", "remaining_plan at the start of the episode", "int64"),
)


def build_task_spec(preset: str, config: AdventureConfig, intermediate_reward: bool) -> TaskSpec:
    """The TaskSpec of a text adventure with these knobs."""
    lo, hi = config.quest_length
    length = f"{lo}" if lo == hi else f"{lo}-{hi}"
    reward = (
        "+1 when the optimal remaining plan gets shorter, -1 when it gets longer, 0 otherwise, plus 1 on the win"
        if intermediate_reward else "1 on the win, 0 otherwise"
    )
    return TaskSpec(
        name=f"TextAdventure-{preset.capitalize()}",
        task=(
            "Finish the quest given in info['task'] (and in the first observation): find an object somewhere in a "
            "generated house and put it in or on a given container or supporter, or drop it in a given room. "
            "Doors may be locked (each has one key) and containers closed or locked."
        ),
        state_fields=TEXT_STATE_FIELDS + ADVENTURE_STATE_FIELDS,
        action_meaning=ACTION_MEANING,
        success_criterion="the target object is in (or on) the goal holder named in the task; then remaining_plan == 0",
        notes=(
            f"{config.rooms} rooms, {config.objects} objects, quest length {length} non-movement commands, "
            f"{config.locked_doors} locked door(s) on the quest's way, {config.distractors} distractor(s). "
            f"Reward: {reward}; invalid commands get 0, cost a step and change nothing. Episodes are cut after "
            f"{config.max_steps} steps. progress = 1 - remaining_plan / initial_plan (clipped to [0, 1])."
        ),
    )


class TextAdventureEnv(TextEnv):
    """A generated text adventure.

    Args:
        preset: ``"easy"``, ``"medium"`` or ``"hard"``: the knobs' defaults (see
            :data:`~agentgym.envs.textgames.adventure.world.PRESETS`).
        rooms, objects, quest_length, distractors, locked_doors: override the preset's knobs
            (see :class:`~agentgym.envs.textgames.adventure.world.AdventureConfig`);
            ``quest_length`` is an int or a ``(lo, hi)`` range.
        max_steps: the episode's step limit (the preset's: 100, 200, 300); the env cuts
            episodes there itself, so it holds without gymnasium's TimeLimit too.
        split: ``"train"``, ``"test"`` or ``"all"``: the world seeds drawn.
        intermediate_reward: add +1 / -1 whenever the optimal remaining plan gets shorter / longer.
        render_mode: ``"ansi"`` or ``"human"``.

    ``reset(options={"world": world})`` plays a given :class:`World` instead of a generated one.
    """

    def __init__(
        self,
        preset: str = "medium",
        *,
        rooms: int | None = None,
        objects: int | None = None,
        quest_length: int | tuple[int, int] | None = None,
        distractors: int | None = None,
        locked_doors: int | None = None,
        max_steps: int | None = None,
        split: str = "train",
        intermediate_reward: bool = False,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        self.config = make_config(preset, rooms=rooms, objects=objects, quest_length=quest_length,
                                  distractors=distractors, locked_doors=locked_doors, max_steps=max_steps)
        self.preset = preset
        self.split = check_split(split)
        if not isinstance(intermediate_reward, bool | np.bool_):
            raise ValueError(f"intermediate_reward must be a bool, got {intermediate_reward!r}")
        self.intermediate_reward = bool(intermediate_reward)
        self.task_spec = build_task_spec(preset, self.config, self.intermediate_reward)
        self.world: World | None = None
        self.solver: Solver | None = None
        self.state: State | None = None
        self._commands: dict[str, tuple] = {}
        self._admissible_cache: dict[State, tuple[dict[str, tuple], list[str]]] = {}
        self._pending: tuple[str, tuple] | None = None

    # -------------------------------------------------------------------------- public API
    @property
    def remaining_plan(self) -> int:
        """Commands in an optimal plan from the current state to the win (0 once won)."""
        return self.solver.remaining(self.state)

    @property
    def initial_plan(self) -> int:
        """``remaining_plan`` at the start of the episode."""
        return self._initial

    def oracle_action(self) -> str | None:
        """The first command of an optimal plan (an admissible action); None once won."""
        return self.solver.next_command(self.state)

    def optimal_plan(self) -> list[str]:
        """A whole optimal plan from the current state (following it wins)."""
        return self.solver.plan(self.state)

    # ------------------------------------------------------------------------ TextEnv hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        world = (options or {}).get("world")
        if world is None:
            world = generate_world(world_seed(self.np_random, self.split), self.config)
        elif not isinstance(world, World):
            raise ValueError(f"options['world'] must be a World, got {type(world).__name__}")
        self.world = world
        self.solver = Solver(world)
        self.state = world.start
        self._admissible_cache = {}
        self._set_commands()
        self._initial = self._remaining = self.solver.remaining(self.state)
        self._quest_length = self.solver.subgoals(self.state)
        self._visited = {self.state.room}
        self._event = ""
        return f"{world.task}\n\n{describe_room(world, self.state)}"

    def _task(self) -> str:
        return self.world.task

    def _admissible(self) -> list[str]:
        return self._admissible_list

    def _check(self, action: str) -> str | None:
        command = self._commands.get(action)
        if command is None:
            command = parse(self.world, self.state, action)
            if isinstance(command, str):
                return command
            reason = why_not(self.world, self.state, command)
            if reason is not None:
                return reason
        self._pending = (action, command)
        return None

    def _step(self, action: str) -> tuple[str, float, bool]:
        if self._pending is None or self._pending[0] != action:  # called without _check
            reason = self._check(action)
            if reason is not None:
                raise ValueError(reason)
        command = self._pending[1]
        self._pending = None
        world, before = self.world, self.state
        self.state, text, self._event = perform(world, before, command)
        self._set_commands()
        if self.state.room != before.room:
            self._visited.add(self.state.room)
            text = f"{text}\n\n{describe_room(world, self.state)}"
        previous, self._remaining = self._remaining, self.solver.remaining(self.state)
        won = self._success()
        reward = 1.0 if won else 0.0
        if self.intermediate_reward:
            reward += float((self._remaining < previous) - (self._remaining > previous))
        if won:
            text += "\n\n*** You have completed the quest! ***"
        return text, reward, won

    def _success(self) -> bool:
        return self.state is not None and self.state.locs[self.world.target] == self.world.goal

    def _progress(self) -> float:
        if self._remaining >= UNSOLVABLE:
            return 0.0
        return max(0.0, 1.0 - self._remaining / self._initial) if self._initial else 1.0

    def _message(self) -> str:
        return self._event

    def _truncated(self) -> bool:
        return self._steps >= self.config.max_steps

    def _extra_state(self) -> dict[str, np.ndarray]:
        world, state = self.world, self.state
        target_holder = state.locs[world.target]
        here = state.room
        target_room = here if target_holder == INVENTORY else world.holder_room(target_holder)
        remaining = self._remaining if self._remaining < UNSOLVABLE else -1
        values = {
            "room": here,
            "rooms_visited": len(self._visited),
            "inventory_count": sum(1 for h in state.locs if h == INVENTORY),
            "holding_target": int(target_holder == INVENTORY),
            "locked_doors": bin(state.locked_doors).count("1"),
            "target_distance": world.distance[here][target_room],
            "goal_distance": world.distance[here][world.holder_room(world.goal)],
            "subgoals_left": self.solver.subgoals(state),
            "quest_length": self._quest_length,
            "remaining_plan": remaining,
            "initial_plan": self._initial,
        }
        return {name: np.array(value, dtype=np.int64) for name, value in values.items()}

    # ------------------------------------------------------------------------------ helpers
    def _set_commands(self) -> None:
        """The admissible commands of the current state (cached: random play revisits states)."""
        cached = self._admissible_cache.get(self.state)
        if cached is None:
            commands = admissible(self.world, self.state)
            cached = self._admissible_cache[self.state] = (commands, list(commands))
        self._commands, self._admissible_list = cached
