"""The agent's 7x7 egocentric view, in words (BabyAI-Text style).

Every visible object is named with its offset from the agent: sideways first (left/right),
then forward, e.g. ``"a yellow key 2 steps left and 1 step forward"``. Walls are named only
straight ahead, straight left and straight right (the nearest one each way): that is what
navigation needs, and naming every wall cell would drown the rest.

Example:
    >>> import gymnasium as gym, agentgym
    >>> from minigrid.core.world_object import Key
    >>> env = gym.make("agentgym/MiniGrid-Empty-8x8-v0").unwrapped
    >>> _ = env.reset(seed=0)                 # agent at (1, 1) facing right (+x)
    >>> env.put_obj(Key("yellow"), 3, 3)      # 2 forward (+x), 2 right (+y)
    >>> describe_view(env)
    ['a wall 1 step left', 'a yellow key 2 steps right and 2 steps forward', 'a wall 6 steps forward']
"""

from __future__ import annotations

from typing import Any


def _steps(n: int, way: str) -> str:
    return f"{n} step{'s' if n != 1 else ''} {way}"


def offset_phrase(right: int, forward: int) -> str:
    """``"2 steps left and 1 step forward"`` for a cell 2 to the left and 1 ahead."""
    parts = []
    if right:
        parts.append(_steps(abs(right), "right" if right > 0 else "left"))
    if forward:
        parts.append(_steps(forward, "forward"))
    return " and ".join(parts) or "here"


def object_phrase(obj: Any) -> str:
    """A noun phrase for a world object: ``"a locked yellow door"``, ``"lava"``, ..."""
    if obj.type == "door":
        state = "an open" if obj.is_open else "a locked" if obj.is_locked else "a closed"
        return f"{state} {obj.color} door"
    if obj.type == "goal":
        return "the green goal square"
    if obj.type == "lava":
        return "lava"
    if obj.type == "wall":
        return "a wall"
    if obj.type == "floor":
        return f"a {obj.color} floor tile"
    return f"a {obj.color} {obj.type}"


def describe_view(env: Any) -> list[str]:
    """What the (unwrapped) MiniGrid ``env``'s agent sees, nearest first, one phrase per object."""
    grid, visible = env.gen_obs_grid()
    size = grid.width
    me_x, me_y = size // 2, size - 1  # the agent's cell in its own view, facing -y
    seen: list[tuple[int, int, int, str]] = []
    for j in range(size):
        for i in range(size):
            cell = grid.get(i, j)
            if cell is None or not visible[i, j] or (i, j) == (me_x, me_y):
                continue
            right, forward = i - me_x, me_y - j
            seen.append((abs(right) + forward, right, forward, object_phrase(cell)))
    walls = {(r, f) for _, r, f, phrase in seen if phrase == "a wall"}
    straight = {
        min(((r, f) for r, f in walls if r == 0), default=None, key=lambda c: c[1]),
        max(((r, f) for r, f in walls if f == 0 and r < 0), default=None),
        min(((r, f) for r, f in walls if f == 0 and r > 0), default=None),
    }
    return [
        f"{phrase} {offset_phrase(r, f)}"
        for _, r, f, phrase in sorted(seen)
        if phrase != "a wall" or (r, f) in straight
    ]
