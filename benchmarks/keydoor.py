"""Key-door-lava: a tabular gridworld with exact per-step advantages, the ground truth for credit assignment.

The agent starts in the left room, must pick up the key, open the locked door in the wall column
and walk to the goal in the right room; lava cells next to the direct path end the episode with
nothing. Every quantity a credit-assignment method tries to estimate is known exactly here:

* :class:`KeyDoorLava`: the deterministic MDP, with a BFS ground-truth potential
  (:meth:`KeyDoorLava.progress`) and a shortest-path action (:meth:`KeyDoorLava.optimal_action`).
* :func:`behaviour_policy`: the noisy-optimal policy that generates the data.
* :func:`exact_advantages`: finite-horizon policy evaluation by backward induction, giving
  ``Q_t(s, a)`` and ``V_t(s)`` and so ``A_t(s, a) = Q_t(s, a) - V_t(s)`` exactly.
* :func:`sample_trajectories`: GRPO-style groups of :class:`agentgym.core.Trajectory` whose
  steps carry the exact advantage and the decisive events in their ``info``.

Default layout (``S`` start, ``K`` key, ``D`` locked door, ``L`` lava, ``G`` goal)::

    #########
    #S..#...#
    #.L.D...#
    #..K#.L.#
    #.L.#..G#
    #########

The shortest solution is 13 actions (4 moves, pickup, 1 move, toggle, 6 moves).

Example:
    >>> world = KeyDoorLava()
    >>> world.distance(world.reset())
    13
    >>> Q, V = exact_advantages(world, lambda s: behaviour_policy(world, s, 0.6))
    >>> round(float(V[0, world.state_index(world.reset())]), 3)  # exact success rate at p_opt = 0.6
    0.469
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from agentgym.core import Trajectory

State = tuple[int, int, bool, bool]
"""``(row, col, has_key, door_open)``."""

DEFAULT_LAYOUT: tuple[str, ...] = (
    "#########",
    "#S..#...#",
    "#.L.D...#",
    "#..K#.L.#",
    "#.L.#..G#",
    "#########",
)

DEFAULT_P_OPT = 0.6
"""Default probability of taking the optimal action outright (else a uniform action)."""

UP, DOWN, LEFT, RIGHT, PICKUP, TOGGLE = range(6)
_MOVES: dict[int, tuple[int, int]] = {UP: (-1, 0), DOWN: (1, 0), LEFT: (0, -1), RIGHT: (0, 1)}


class KeyDoorLava:
    """A deterministic two-room grid MDP: fetch the key, open the door, reach the goal, avoid lava.

    State is ``(row, col, has_key, door_open)``. Actions: 0 up, 1 down, 2 left, 3 right,
    4 pickup (takes the key when standing on the key cell without it, else no-op),
    5 toggle (opens the door when orthogonally adjacent to it while holding the key, else no-op;
    an open door stays open). Moving into a wall or the closed door leaves the state unchanged.
    Stepping onto lava terminates with reward 0; reaching the goal terminates with reward 1;
    every other reward is 0. Episodes are truncated after ``horizon`` steps.

    Args:
        layout: rows of the grid, top to bottom, using ``# . S K D L G``; exactly one each of
            ``S``, ``K``, ``D`` and ``G``. Defaults to :data:`DEFAULT_LAYOUT`.
        horizon: the truncation length of an episode.
    """

    n_actions: int = 6
    action_names: tuple[str, ...] = ("up", "down", "left", "right", "pickup", "toggle")

    def __init__(self, layout: Sequence[str] | None = None, horizon: int = 40) -> None:
        rows = [str(r) for r in (layout if layout is not None else DEFAULT_LAYOUT)]
        if not rows or any(len(r) != len(rows[0]) for r in rows):
            raise ValueError("layout rows must be non-empty and of equal length")
        if horizon < 1:
            raise ValueError(f"horizon must be positive, got {horizon}")
        self.layout: tuple[str, ...] = tuple(rows)
        self.horizon = int(horizon)
        self.height, self.width = len(rows), len(rows[0])
        cells: dict[str, list[tuple[int, int]]] = {}
        for r, row in enumerate(rows):
            for c, ch in enumerate(row):
                if ch not in "#.SKDLG":
                    raise ValueError(f"unknown layout character {ch!r} at row {r}, col {c}")
                cells.setdefault(ch, []).append((r, c))
        for ch in "SKDG":
            if len(cells.get(ch, [])) != 1:
                raise ValueError(f"layout needs exactly one {ch!r}")
        self.start: tuple[int, int] = cells["S"][0]
        self.key: tuple[int, int] = cells["K"][0]
        self.door: tuple[int, int] = cells["D"][0]
        self.goal: tuple[int, int] = cells["G"][0]
        self.lava: frozenset[tuple[int, int]] = frozenset(cells.get("L", []))
        self.walls: frozenset[tuple[int, int]] = frozenset(cells.get("#", []))
        self._build()

    # ------------------------------------------------------------------ dynamics

    def reset(self) -> State:
        """The start state: at ``S``, without the key, door closed."""
        return (self.start[0], self.start[1], False, False)

    def is_terminal(self, state: State) -> bool:
        """Whether the agent stands on lava or on the goal."""
        return (state[0], state[1]) in self.lava or (state[0], state[1]) == self.goal

    def step(self, state: State, action: int) -> tuple[State, float, bool]:
        """Apply ``action`` in ``state``; returns ``(next_state, reward, terminated)``.

        Pure function of its arguments (the world holds no episode state).
        """
        r, c, has_key, door_open = state
        action = int(action)
        if not 0 <= action < self.n_actions:
            raise ValueError(f"action must be in [0, {self.n_actions}), got {action}")
        if self.is_terminal(state):
            raise ValueError(f"step from terminal state {state}")
        if action in _MOVES:
            dr, dc = _MOVES[action]
            nr, nc = r + dr, c + dc
            blocked = (nr, nc) in self.walls or ((nr, nc) == self.door and not door_open)
            if not (0 <= nr < self.height and 0 <= nc < self.width) or blocked:
                nr, nc = r, c
            nxt: State = (nr, nc, has_key, door_open)
        elif action == PICKUP:
            nxt = (r, c, True, door_open) if (r, c) == self.key and not has_key else state
        else:  # TOGGLE
            adjacent = abs(r - self.door[0]) + abs(c - self.door[1]) == 1
            nxt = (r, c, has_key, True) if adjacent and has_key and not door_open else state
        if (nxt[0], nxt[1]) in self.lava:
            return nxt, 0.0, True
        if (nxt[0], nxt[1]) == self.goal:
            return nxt, 1.0, True
        return nxt, 0.0, False

    # ------------------------------------------------------------------ state space

    def _build(self) -> None:
        """Enumerate reachable states, tabulate transitions and BFS distances to the goal."""
        start = self.reset()
        order: list[State] = [start]
        seen = {start}
        queue = deque([start])
        edges: dict[State, list[tuple[State, float, bool]]] = {}
        while queue:
            s = queue.popleft()
            edges[s] = [self.step(s, a) for a in range(self.n_actions)]
            for nxt, _, terminated in edges[s]:
                if not terminated and nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    queue.append(nxt)
        self._states: list[State] = order
        self._index: dict[State, int] = {s: i for i, s in enumerate(order)}
        n = len(order)
        # Tabular transitions: next index (-1 when terminal), reward, terminated.
        self.next_index = np.full((n, self.n_actions), -1, dtype=np.int64)
        self.rewards = np.zeros((n, self.n_actions), dtype=np.float64)
        self.terminated = np.zeros((n, self.n_actions), dtype=bool)
        self._next_state: list[list[State]] = []
        for i, s in enumerate(order):
            self._next_state.append([nxt for nxt, _, _ in edges[s]])
            for a, (nxt, rew, term) in enumerate(edges[s]):
                self.rewards[i, a] = rew
                self.terminated[i, a] = term
                if not term:
                    self.next_index[i, a] = self._index[nxt]
        # Shortest number of actions to the goal: Bellman-Ford style sweeps over the (small) graph.
        inf = np.iinfo(np.int64).max // 2
        dist = np.full(n, inf, dtype=np.int64)
        reaches_goal = self.terminated & (self.rewards > 0)
        dist[reaches_goal.any(axis=1)] = 1
        changed = True
        while changed:
            changed = False
            for i in range(n):
                succ = self.next_index[i][self.next_index[i] >= 0]
                if succ.size:
                    cand = dist[succ].min() + 1
                    if cand < dist[i]:
                        dist[i] = cand
                        changed = True
        self._dist = dist
        self._inf = inf
        if dist[0] >= inf:
            raise ValueError("the goal is unreachable from the start")
        optimal = np.zeros(n, dtype=np.int64)
        for i in range(n):
            for a in range(self.n_actions):
                j = self.next_index[i, a]
                goal_now = reaches_goal[i, a] and dist[i] == 1
                if goal_now or (j >= 0 and dist[j] == dist[i] - 1):
                    optimal[i] = a
                    break
        self._optimal = optimal

    def states(self) -> list[State]:
        """All non-terminal states reachable from the start, in BFS order (the start is index 0)."""
        return list(self._states)

    @property
    def n_states(self) -> int:
        """Number of reachable non-terminal states."""
        return len(self._states)

    def state_index(self, state: State) -> int:
        """Index of a non-terminal reachable state into :meth:`states` and the arrays of :func:`exact_advantages`."""
        return self._index[_canon(state)]

    # ------------------------------------------------------------------ ground truth

    def distance(self, state: State) -> int:
        """Shortest number of actions from ``state`` to the goal (0 on the goal; lava is not allowed)."""
        state = _canon(state)
        if (state[0], state[1]) == self.goal:
            return 0
        if (state[0], state[1]) in self.lava:
            raise ValueError(f"no distance from lava state {state}")
        d = int(self._dist[self._index[state]])
        if d >= self._inf:
            raise ValueError(f"goal unreachable from {state}")
        return d

    def progress(self, state: State) -> float:
        """Ground-truth potential ``1 - distance(state) / distance(start)``, clipped to ``[0, 1]``.

        0 at the start, 1 on the goal; it rises by ``1 / distance(start)`` with every optimal action.
        """
        value = 1.0 - self.distance(state) / self.distance(self.reset())
        return float(min(1.0, max(0.0, value)))

    def optimal_action(self, state: State) -> int:
        """An action on a shortest path to the goal (the lowest-index one among ties)."""
        return int(self._optimal[self._index[_canon(state)]])

    # ------------------------------------------------------------------ text

    def describe(self, state: State) -> str:
        """The observation string of a state, e.g. ``"r1c2 key=0 door=0"`` (no time in it)."""
        r, c, has_key, door_open = state
        return f"r{r}c{c} key={int(has_key)} door={int(door_open)}"

    def render(self, state: State) -> str:
        """ASCII picture of the grid with the agent as ``A`` (key drawn only while on the floor, open door as ``/``)."""
        r0, c0, has_key, door_open = state
        lines = []
        for r, row in enumerate(self.layout):
            chars = list(row.replace("S", "."))
            if has_key and r == self.key[0]:
                chars[self.key[1]] = "."
            if door_open and r == self.door[0]:
                chars[self.door[1]] = "/"
            if r == r0:
                chars[c0] = "A"
            lines.append("".join(chars))
        return "\n".join(lines)


def _canon(state: Sequence) -> State:
    """Normalise a state-like sequence to ``(int, int, bool, bool)``."""
    r, c, k, d = state
    return (int(r), int(c), bool(k), bool(d))


def behaviour_policy(world: KeyDoorLava, state: State, p_opt: float = DEFAULT_P_OPT) -> np.ndarray:
    """The data-generating policy: the optimal action with probability ``p_opt``, else a uniform action.

    Returns the action probabilities, shape ``(6,)``; the optimal action gets ``p_opt + (1 - p_opt) / 6``.
    """
    if not 0.0 <= p_opt <= 1.0:
        raise ValueError(f"p_opt must be in [0, 1], got {p_opt}")
    probs = np.full(world.n_actions, (1.0 - p_opt) / world.n_actions, dtype=np.float64)
    probs[world.optimal_action(state)] += p_opt
    return probs


def exact_advantages(world: KeyDoorLava, policy_fn: Callable[[State], np.ndarray], horizon: int | None = None,
                     gamma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact finite-horizon evaluation of ``policy_fn`` by backward induction.

    ``Q_t(s, a) = r(s, a) + gamma * (0 if terminal else V_{t+1}(s'))`` and
    ``V_t(s) = sum_a pi(a|s) Q_t(s, a)`` for ``t = horizon-1 .. 0``, with ``V_horizon = 0``
    (the episode is truncated after ``horizon`` steps; ``t`` is the step's index in the episode).

    Args:
        world: the MDP.
        policy_fn: ``state -> probabilities of shape (6,)`` (time-independent), e.g.
            ``lambda s: behaviour_policy(world, s, 0.6)``.
        horizon: the truncation length; ``world.horizon`` when None.
        gamma: the discount.

    Returns:
        ``(Q, V)`` with ``Q`` of shape ``(horizon, n_states, 6)`` and ``V`` of shape
        ``(horizon + 1, n_states)``, states indexed by :meth:`KeyDoorLava.state_index`.
        The advantage is ``Q[t] - V[t][:, None]``.
    """
    horizon = world.horizon if horizon is None else int(horizon)
    pi = policy_matrix(world, policy_fn)
    n = world.n_states
    Q = np.zeros((horizon, n, world.n_actions), dtype=np.float64)
    V = np.zeros((horizon + 1, n), dtype=np.float64)
    alive = ~world.terminated
    nxt = np.where(alive, world.next_index, 0)
    for t in range(horizon - 1, -1, -1):
        Q[t] = world.rewards + gamma * np.where(alive, V[t + 1][nxt], 0.0)
        V[t] = (pi * Q[t]).sum(axis=1)
    return Q, V


def policy_matrix(world: KeyDoorLava, policy_fn: Callable[[State], np.ndarray]) -> np.ndarray:
    """``pi[i, a]`` for every state of :meth:`KeyDoorLava.states`; checks each row is a distribution."""
    pi = np.array([np.asarray(policy_fn(s), dtype=np.float64) for s in world.states()])
    if pi.shape != (world.n_states, world.n_actions):
        raise ValueError(f"policy_fn must return shape ({world.n_actions},), got rows of shape {pi.shape[1:]}")
    if (pi < 0).any() or not np.allclose(pi.sum(axis=1), 1.0):
        raise ValueError("policy_fn must return probability vectors")
    return pi


def sample_trajectories(world: KeyDoorLava, n_groups: int, group_size: int, p_opt: float = DEFAULT_P_OPT,
                        horizon: int | None = None, seed: int = 0, gamma: float = 1.0) -> list[Trajectory]:
    """Sample ``n_groups * group_size`` episodes of :func:`behaviour_policy`, annotated with exact advantages.

    Episodes of group ``g`` share ``group_id = g`` and ``seed = g`` (all start at the same state;
    the seed names the group's task instance). Observations are :meth:`KeyDoorLava.describe`
    strings, actions ints. Each step's ``info`` holds:

    * ``progress``: :meth:`KeyDoorLava.progress` after the step (before it on a lava step);
    * ``true_advantage``: ``A_t(s_t, a_t)`` from :func:`exact_advantages` (same ``horizon``, ``gamma``);
    * ``decisive``: ``"key"``, ``"door"``, ``"lava"``, ``"goal"`` for those events, else ``""``;
    * ``behaviour_logprob``: ``log pi(a_t | s_t)``;
    * ``candidates``: ``[0, ..., 5]``;
    * ``valid_action``: False when the action left the state unchanged;
    * ``success``: True on the step that reaches the goal.

    The last step is ``terminated`` (lava or goal) or ``truncated`` (after ``horizon`` steps).
    """
    if n_groups < 0 or group_size < 0:
        raise ValueError("n_groups and group_size must be non-negative")
    horizon = world.horizon if horizon is None else int(horizon)
    rng = np.random.default_rng(seed)
    pi = policy_matrix(world, lambda s: behaviour_policy(world, s, p_opt))
    cdf = np.cumsum(pi, axis=1)
    cdf[:, -1] = 1.0
    log_pi = np.log(np.maximum(pi, np.finfo(np.float64).tiny))
    Q, V = exact_advantages(world, lambda s: behaviour_policy(world, s, p_opt), horizon, gamma)
    advantages = Q - V[:-1, :, None]
    states = world.states()
    candidates = list(range(world.n_actions))

    trajectories: list[Trajectory] = []
    for g in range(n_groups):
        for _ in range(group_size):
            traj = Trajectory(env_id="KeyDoorLava", seed=g, group_id=g)
            i = 0  # the start state
            state = states[i]
            for t in range(horizon):
                a = int(np.searchsorted(cdf[i], rng.random(), side="right"))
                a = min(a, world.n_actions - 1)
                nxt = world._next_state[i][a]
                reward, terminated = float(world.rewards[i, a]), bool(world.terminated[i, a])
                on_lava = terminated and (nxt[0], nxt[1]) in world.lava
                success = terminated and not on_lava
                if on_lava:
                    decisive = "lava"
                elif success:
                    decisive = "goal"
                elif nxt[2] and not state[2]:
                    decisive = "key"
                elif nxt[3] and not state[3]:
                    decisive = "door"
                else:
                    decisive = ""
                truncated = not terminated and t == horizon - 1
                info = {
                    "progress": world.progress(state if on_lava else nxt),
                    "true_advantage": float(advantages[t, i, a]),
                    "decisive": decisive,
                    "behaviour_logprob": float(log_pi[i, a]),
                    "behaviour_logprobs": log_pi[i].tolist(),
                    "candidates": list(candidates),
                    "valid_action": nxt != state,
                    "success": success,
                }
                traj.append(world.describe(state), a, reward, terminated, truncated, info)
                state = nxt
                if terminated:
                    break
                i = int(world.next_index[i, a])
            traj.final_observation = world.describe(state)
            trajectories.append(traj)
    return trajectories


def success_rate(world: KeyDoorLava, p_opt: float = DEFAULT_P_OPT, horizon: int | None = None) -> float:
    """Exact probability that a behaviour-policy episode reaches the goal within the horizon."""
    _, V = exact_advantages(world, lambda s: behaviour_policy(world, s, p_opt), horizon, gamma=1.0)
    return float(V[0, world.state_index(world.reset())])


if __name__ == "__main__":
    _world = KeyDoorLava()
    print(_world.render(_world.reset()))
    print(f"states: {_world.n_states}, shortest solution: {_world.distance(_world.reset())} actions")
    for _p in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"p_opt={_p:.1f}: exact success rate {success_rate(_world, _p):.3f}")
