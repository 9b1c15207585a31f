"""Maze: walk a grid maze to its goal, described in text (after LMRL-Gym's maze task).

The maze is a ``size x size`` grid of wall (``#``) and open (``.``) cells with a wall border,
carved as a random perfect maze (one path between any two cells) from a *world seed*
(:func:`~agentgym.envs.textgames.splits.world_seed`), then lightly looped: each remaining
wall between two rooms is knocked down with probability ``loop_fraction``. The agent (``A``)
starts on a random open cell; the goal (``G``) is a random open cell in the farther half of
the maze (at least half the largest shortest-path distance from the start).

Rows and columns count from 0 at the top-left corner, border walls included.

Rules:

* actions: ``move up``, ``move down``, ``move left``, ``move right`` (always admissible);
  ``up``, ``go north``, ``n``, ``east`` ... are accepted as well;
* a move costs -1; the move that reaches the goal earns 0 and ends the episode (terminated);
* moving into a wall is a *legal command but an illegal move*: the agent stays put, the
  reward is ``illegal_move_penalty`` (default -2.0: worse than a step, so bumping never pays)
  and ``valid_action`` stays True;
* an unparseable command is an invalid action (``valid_action`` False): the agent stays put
  and it costs ``illegal_move_penalty`` as well;
* the episode is cut (truncated) after ``max_steps`` steps (100, as registered).

Observations: with ``observed="full"`` the whole map is shown, followed by the agent's and
the goal's coordinates and the open directions. With ``observed="partial"`` only the agent's
coordinates and which of the four directions are open (LMRL's partially observed maze plus
coordinates, so a memoryful agent can map the maze); the goal's coordinates are in the task.

Progress is ``1 - remaining / initial`` shortest-path (BFS) distance to the goal.

Example:
    >>> env = MazeEnv(size=5)
    >>> layout = ["#####",
    ...           "#A..#",
    ...           "###.#",
    ...           "#G..#",
    ...           "#####"]
    >>> obs, info = env.reset(seed=0, options={"layout": layout})
    >>> print(obs)
    #####
    #A..#
    ###.#
    #G..#
    #####
    You are at row 1, column 1; the goal is at row 3, column 1.
    Open: right. Walls: up, down, left.
    >>> env.oracle_action()
    'move right'
    >>> obs, reward, terminated, truncated, info = env.step("go north")
    >>> obs.splitlines()[0], reward, info["valid_action"]
    ('You bumped into a wall: you cannot move up.', -2.0, True)
    >>> obs, reward, terminated, truncated, info = env.step("move right")
    >>> reward, round(info["progress"], 3)  # 5 of the 6 shortest-path moves remain
    (-1.0, 0.167)
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from agentgym.core import TEXT_STATE_FIELDS, StateField, TaskSpec, TextEnv, to_printable

from .splits import check_split, world_seed

#: Unit steps (row, column) of the four directions, in the order of ``open_dirs``.
DIRECTIONS: dict[str, tuple[int, int]] = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
#: The admissible commands.
MOVES: tuple[str, ...] = tuple(f"move {d}" for d in DIRECTIONS)
_SYNONYMS = {
    "up": "up", "north": "up", "n": "up", "u": "up",
    "down": "down", "south": "down", "s": "down", "d": "down",
    "left": "left", "west": "left", "w": "left", "l": "left",
    "right": "right", "east": "right", "e": "right", "r": "right",
}
_VERBS = ("move", "go", "walk", "step", "head")
_MAX_ACTION_CHARS = 200
OBSERVED = ("full", "partial")

ACTION_MEANING = (
    "one of 'move up', 'move down', 'move left', 'move right' (one cell; rows grow downward, columns to the "
    "right). Synonyms such as 'up', 'go north', 'n', 'east' are accepted. Moving into a wall leaves the agent "
    "in place and costs the illegal-move penalty."
)


def parse_move(action: str) -> str | None:
    """The direction (``"up"`` ...) a normalized command names, or None.

    >>> parse_move("go north"), parse_move("right"), parse_move("move to the left")
    ('up', 'right', None)
    """
    words = action.split()
    if words and words[0] in _VERBS:
        words = words[1:]
    return _SYNONYMS.get(words[0]) if len(words) == 1 else None


def generate_maze(rng: np.random.Generator, size: int, loop_fraction: float = 0.0) -> np.ndarray:
    """A ``size x size`` boolean wall grid (True = wall): a perfect maze, then lightly looped.

    Rooms sit on odd (row, column) cells; a depth-first carve (recursive backtracker, run with
    an explicit stack) opens the walls between them.
    """
    walls = np.ones((size, size), dtype=bool)
    rooms = (size - 1) // 2
    visited = np.zeros((rooms, rooms), dtype=bool)
    start = (int(rng.integers(rooms)), int(rng.integers(rooms)))
    visited[start] = True
    walls[2 * start[0] + 1, 2 * start[1] + 1] = False
    stack = [start]
    while stack:
        r, c = stack[-1]
        fresh = [(r + dr, c + dc) for dr, dc in DIRECTIONS.values()
                 if 0 <= r + dr < rooms and 0 <= c + dc < rooms and not visited[r + dr, c + dc]]
        if not fresh:
            stack.pop()
            continue
        nr, nc = fresh[int(rng.integers(len(fresh)))]
        walls[r + nr + 1, c + nc + 1] = False  # the wall between the two rooms
        walls[2 * nr + 1, 2 * nc + 1] = False
        visited[nr, nc] = True
        stack.append((nr, nc))
    if loop_fraction > 0:
        # walls between two rooms: one coordinate odd, the other even, inside the border
        between = [(i, j) for i in range(1, size - 1) for j in range(1, size - 1)
                   if i % 2 != j % 2 and walls[i, j]]
        knock = rng.random(len(between)) < loop_fraction
        for (i, j), k in zip(between, knock, strict=True):
            if k:
                walls[i, j] = False
    return walls


def bfs_distances(walls: np.ndarray, source: tuple[int, int]) -> np.ndarray:
    """Shortest-path step counts from ``source`` to every cell (-1: a wall or unreachable).

    >>> walls = np.array([[1, 1, 1, 1], [1, 0, 0, 1], [1, 1, 1, 1]], dtype=bool)
    >>> bfs_distances(walls, (1, 1)).tolist()
    [[-1, -1, -1, -1], [-1, 0, 1, -1], [-1, -1, -1, -1]]
    """
    rows, cols = walls.shape
    dist = np.full(walls.shape, -1, dtype=np.int64)
    dist[source] = 0
    queue = deque([source])
    while queue:
        r, c = queue.popleft()
        for dr, dc in DIRECTIONS.values():
            nr, nc = r + dr, c + dc
            if 0 <= nr < rows and 0 <= nc < cols and not walls[nr, nc] and dist[nr, nc] < 0:
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


def parse_layout(layout: str | list[str] | tuple[str, ...], size: int) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    """Walls, start and goal of a hand-drawn maze (``#`` wall, ``.`` open, ``A`` start, ``G`` goal)."""
    rows = layout.splitlines() if isinstance(layout, str) else list(layout)
    if len(rows) != size or any(not isinstance(row, str) or len(row) != size for row in rows):
        raise ValueError(f"a maze layout must be {size} rows of {size} characters (the env's size)")
    if any(ch not in "#.AG" for row in rows for ch in row):
        raise ValueError("a maze layout may only hold '#' (wall), '.' (open), 'A' (start) and 'G' (goal)")
    cells = {ch: [(r, c) for r, row in enumerate(rows) for c, x in enumerate(row) if x == ch] for ch in "AG"}
    if len(cells["A"]) != 1 or len(cells["G"]) != 1:
        raise ValueError("a maze layout needs exactly one 'A' (start) and one 'G' (goal)")
    walls = np.array([[ch == "#" for ch in row] for row in rows], dtype=bool)
    start, goal = cells["A"][0], cells["G"][0]
    if bfs_distances(walls, goal)[start] < 0:
        raise ValueError("the goal of the maze layout cannot be reached from the start")
    return walls, start, goal


class MazeEnv(TextEnv):
    """A grid maze in text; reach the goal in as few moves as possible.

    Args:
        size: side of the grid in cells, border walls included; odd, 5 to 41 (default 9:
            a 4 x 4 maze of rooms).
        observed: ``"full"`` (the map is shown) or ``"partial"`` (only the open directions).
        illegal_move_penalty: reward of a move into a wall (and of an unparseable command).
        loop_fraction: probability of knocking down each remaining wall between two rooms
            after carving (0: a perfect maze).
        max_steps: the episode is truncated after this many steps.
        split: ``"train"``, ``"test"`` or ``"all"`` world seeds.
        render_mode: ``"ansi"`` or ``"human"``.
    """

    def __init__(
        self,
        size: int = 9,
        observed: str = "full",
        illegal_move_penalty: float = -2.0,
        loop_fraction: float = 0.1,
        max_steps: int = 100,
        split: str = "train",
        *,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or not 5 <= size <= 41 or size % 2 == 0:
            raise ValueError(f"size must be an odd integer from 5 to 41, got {size!r}")
        if observed not in OBSERVED:
            raise ValueError(f"observed must be one of {', '.join(OBSERVED)}; got {observed!r}")
        if isinstance(illegal_move_penalty, bool) or not isinstance(illegal_move_penalty, int | float) \
                or not math.isfinite(illegal_move_penalty):
            raise ValueError(f"illegal_move_penalty must be a finite number, got {illegal_move_penalty!r}")
        if isinstance(loop_fraction, bool) or not isinstance(loop_fraction, int | float) or not 0 <= loop_fraction <= 1:
            raise ValueError(f"loop_fraction must be a number in [0, 1], got {loop_fraction!r}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, int | np.integer) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        self.size = int(size)
        self.observed = observed
        self.illegal_move_penalty = float(illegal_move_penalty)
        self.invalid_action_reward = self.illegal_move_penalty
        self.loop_fraction = float(loop_fraction)
        self.max_steps = int(max_steps)
        self.split = check_split(split)
        self.task_spec = self._build_task_spec()
        self.walls = np.ones((self.size, self.size), dtype=bool)
        self.agent = self.goal = (1, 1)
        self._dist = np.zeros((self.size, self.size), dtype=np.int64)
        self._initial = 1
        self._bumped = False
        self._event = ""

    # ------------------------------------------------------------ public API
    def oracle_action(self) -> str | None:
        """The first move of a shortest path to the goal (None once there)."""
        here = int(self._dist[self.agent])
        if here == 0:
            return None
        for direction, cell in self._neighbours():
            if not self._blocked(cell) and self._dist[cell] == here - 1:
                return f"move {direction}"
        return None  # unreachable: the goal is always reachable

    def render_map(self) -> str:
        """The maze as text: ``#`` wall, ``.`` open, ``A`` agent, ``G`` goal."""
        grid = [["#" if w else "." for w in row] for row in self.walls]
        grid[self.goal[0]][self.goal[1]] = "G"
        grid[self.agent[0]][self.agent[1]] = "A"
        return "\n".join("".join(row) for row in grid)

    # ------------------------------------------------------------ TextEnv hooks
    def _reset(self, options: dict[str, Any] | None) -> str:
        layout = (options or {}).get("layout")
        if layout is not None:
            self.walls, self.agent, self.goal = parse_layout(layout, self.size)
        else:
            rng = np.random.default_rng(world_seed(self.np_random, self.split))
            self.walls = generate_maze(rng, self.size, self.loop_fraction)
            opened = np.argwhere(~self.walls)
            self.agent = tuple(int(v) for v in opened[rng.integers(len(opened))])
            from_start = bfs_distances(self.walls, self.agent)
            far = np.argwhere(from_start >= max(1, int(from_start.max()) // 2))
            self.goal = tuple(int(v) for v in far[rng.integers(len(far))])
        self._dist = bfs_distances(self.walls, self.goal)
        self._initial = int(self._dist[self.agent])
        self._bumped = False
        self._event = ""
        return self._describe("")

    def _task(self) -> str:
        return (
            f"Reach the goal G at row {self.goal[0]}, column {self.goal[1]} of this {self.size}x{self.size} maze "
            "(rows and columns count from 0 at the top-left). Say 'move up', 'move down', 'move left' or "
            f"'move right'. Each move costs 1; bumping into a wall costs {abs(self.illegal_move_penalty):g}."
        )

    def _admissible(self) -> list[str]:
        return list(MOVES)

    def _check(self, action: str) -> str | None:
        if len(action) > _MAX_ACTION_CHARS:
            return f"the command is too long ({len(action)} characters); say e.g. 'move up'"
        if parse_move(action) is not None:
            return None
        if not action:
            return "the action is empty. Say 'move up', 'move down', 'move left' or 'move right'"
        return (f"{to_printable(action, 40)!r} is not a move. Say 'move up', 'move down', 'move left' or "
                "'move right' (or up/down/left/right, north/south/west/east)")

    def _step(self, action: str) -> tuple[str, float, bool]:
        direction = parse_move(action)
        assert direction is not None  # _check accepted it
        dr, dc = DIRECTIONS[direction]
        target = (self.agent[0] + dr, self.agent[1] + dc)
        self._bumped = self._blocked(target)
        if self._bumped:
            self._event = "bumped into a wall"
            return self._describe(f"You bumped into a wall: you cannot move {direction}."), self.illegal_move_penalty, False
        self.agent = target
        if self.agent == self.goal:
            self._event = "reached the goal"
            return self._describe("You reached the goal!"), 0.0, True
        self._event = f"moved {direction}"
        return self._describe(f"You moved {direction}."), -1.0, False

    def _truncated(self) -> bool:
        return self._steps >= self.max_steps

    def _success(self) -> bool:
        return self.agent == self.goal

    def _progress(self) -> float:
        return min(1.0, max(0.0, 1.0 - int(self._dist[self.agent]) / max(1, self._initial)))

    def _message(self) -> str:
        return self._event

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {
            "agent_pos": np.array(self.agent, dtype=np.int64),
            "goal_pos": np.array(self.goal, dtype=np.int64),
            "goal_distance": np.array(int(self._dist[self.agent]), dtype=np.int64),
            "initial_distance": np.array(self._initial, dtype=np.int64),
            "open_dirs": np.array([not self._blocked(cell) for _, cell in self._neighbours()], dtype=np.int64),
            "bumped": np.array(int(self._bumped), dtype=np.int64),
            "walls": self.walls.astype(np.int64),
        }

    # ---------------------------------------------------------------- helpers
    def _neighbours(self) -> list[tuple[str, tuple[int, int]]]:
        r, c = self.agent
        return [(d, (r + dr, c + dc)) for d, (dr, dc) in DIRECTIONS.items()]

    def _blocked(self, cell: tuple[int, int]) -> bool:
        r, c = cell
        return not (0 <= r < self.size and 0 <= c < self.size) or bool(self.walls[r, c])

    def _describe(self, outcome: str) -> str:
        ways = self._neighbours()
        opened = [d for d, cell in ways if not self._blocked(cell)]
        closed = [d for d, cell in ways if self._blocked(cell)]
        doors = f"Open: {', '.join(opened) or 'none'}. Walls: {', '.join(closed) or 'none'}."
        here = f"You are at row {self.agent[0]}, column {self.agent[1]}"
        if self.observed == "full":
            lines = [self.render_map(), f"{here}; the goal is at row {self.goal[0]}, column {self.goal[1]}.", doors]
        else:
            lines = [f"{here}.", doors]
        return "\n".join([outcome, *lines] if outcome else lines)

    def _build_task_spec(self) -> TaskSpec:
        n = self.size
        fields = TEXT_STATE_FIELDS + (
            StateField("agent_pos", (2,), "cells", "agent [row, column], 0-based from the top-left, walls included", "int64"),
            StateField("goal_pos", (2,), "cells", "goal [row, column]", "int64"),
            StateField("goal_distance", (), "steps", "shortest-path (BFS) moves from agent_pos to goal_pos", "int64"),
            StateField("initial_distance", (), "steps", "goal_distance at reset", "int64"),
            StateField("open_dirs", (4,), "bool", "1 where the neighbour cell is open: [up, down, left, right]", "int64"),
            StateField("bumped", (), "bool", "1 if the last move ran into a wall (an illegal move)", "int64"),
            StateField("walls", (n, n), "bool", "the maze: 1 wall, 0 open, indexed [row, column]", "int64"),
        )
        view = "the whole map" if self.observed == "full" else "only the open directions around it and its coordinates"
        return TaskSpec(
            name="Maze" if self.observed == "full" else "Maze-Partial",
            task=f"Walk through a {n}x{n} grid maze to the goal cell in as few moves as possible.",
            state_fields=fields,
            action_meaning=ACTION_MEANING,
            success_criterion="agent_pos == goal_pos (goal_distance == 0); the episode terminates there",
            notes=(
                f"Reward -1 per move, 0 on the move that reaches the goal, {self.illegal_move_penalty:g} for a move into "
                f"a wall or an unparseable command. Episodes are cut after {self.max_steps} steps. The agent sees {view}; "
                "progress = 1 - goal_distance / initial_distance."
            ),
        )
