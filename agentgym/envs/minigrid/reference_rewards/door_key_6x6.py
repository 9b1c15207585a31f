"""Reference shaped reward for agentgym/MiniGrid-DoorKey-6x6-v0.

Pays for success, once for picking up the key while the door is locked (taken back if the key
is dropped before the door opens), once for opening the door (taken back if it is closed), and
a potential-based term ``gamma * phi(s') - phi(s)`` that pulls the agent toward the current
subgoal: the key, then the door, then the goal square. ``phi`` is minus the distance of the
agent and of the cell it faces to that subgoal, both states measured to the subgoal of ``s'``
(a pickup or a toggle never moves the agent, so reaching a subgoal costs no jump in distance).
A small cost per step asks for short episodes.
"""

import numpy as np

GAMMA = 0.99  # the native PPO's discount on MiniGrid
SUCCESS = 1.0
KEY_BONUS = 0.3
DOOR_BONUS = 0.3
DISTANCE_WEIGHT = 0.05  # per cell
STEP_COST = 0.01
KEY = 5  # carrying[0] of a key
LOCKED, OPEN = 2, 0


def _subgoal(s):
    """The cell to head for in state ``s``: the key, then the door, then the goal square."""
    door = int(s["door_state"][0])
    if door == OPEN:
        return s["goal_pos"]
    if door == LOCKED and int(s["carrying"][0]) != KEY:
        return s["key_pos"][0]
    return s["door_pos"][0]


def _phi(s, target):
    """Minus the mean distance of the agent and of the cell it faces to ``target`` (0 if none)."""
    target = np.asarray(target)
    if int(target[0]) < 0:
        return 0.0
    d_agent = float(np.abs(s["agent_pos"] - target).sum())
    d_front = float(np.abs(s["front_pos"] - target).sum())
    return -DISTANCE_WEIGHT * 0.5 * (d_agent + d_front)


def compute_reward(state, action, next_state, info):
    success = SUCCESS if info.get("success", False) else 0.0
    locked_before = int(state["door_state"][0]) == LOCKED
    had_key = int(state["carrying"][0]) == KEY
    has_key = int(next_state["carrying"][0]) == KEY
    key = KEY_BONUS * (float(has_key) - float(had_key)) if locked_before else 0.0
    was_open = int(state["door_state"][0]) == OPEN
    is_open = int(next_state["door_state"][0]) == OPEN
    door = DOOR_BONUS * (float(is_open) - float(was_open))
    target = _subgoal(next_state)
    phi_next = 0.0 if success else _phi(next_state, target)  # the episode ends there: phi = 0
    distance = GAMMA * phi_next - _phi(state, target)
    step = -STEP_COST
    total = success + key + door + distance + step
    return total, {"success": success, "key": key, "door": door, "distance": distance, "step": step}
