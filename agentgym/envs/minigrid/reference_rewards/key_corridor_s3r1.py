"""Reference shaped reward for agentgym/MiniGrid-KeyCorridorS3R1-v0.

Pays for success (the ball is picked up), once for picking up the key while a door is still
locked (taken back if it is dropped before), once for each door opened (taken back if it is
closed), once for emptying the hands after the locked door is open (only one object can be
carried, so the key must go before the ball can be picked up), and a potential-based term
``gamma * phi(s') - phi(s)`` that pulls the agent toward the current subgoal: the key, then
the locked door, then the ball (``goal_pos``). ``phi`` is minus the distance of the agent and
of the cell it faces to that subgoal, both states measured to the subgoal of ``s'`` (pickups,
drops and toggles never move the agent, so reaching a subgoal costs no jump in distance).
A small cost per step asks for short episodes.
"""

import numpy as np

GAMMA = 0.99  # the native PPO's discount on MiniGrid
SUCCESS = 1.0
KEY_BONUS = 0.3
DOOR_BONUS = 0.3
DROP_BONUS = 0.1
DISTANCE_WEIGHT = 0.05  # per cell
STEP_COST = 0.01
KEY = 5  # carrying[0] of a key
LOCKED, OPEN = 2, 0


def _locked(s):
    """Index of the first locked door, or -1 if none is locked."""
    locked = np.flatnonzero(np.asarray(s["door_state"]) == LOCKED)
    return int(locked[0]) if len(locked) else -1


def _subgoal(s):
    """The cell to head for in state ``s``: the key, then the locked door, then the ball."""
    door = _locked(s)
    if door < 0:
        return s["goal_pos"]
    if int(s["carrying"][0]) != KEY:
        return s["key_pos"][0]
    return s["door_pos"][door]


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
    had_key = int(state["carrying"][0]) == KEY
    has_key = int(next_state["carrying"][0]) == KEY
    change = float(has_key) - float(had_key)
    # Before the locked door opens the key is wanted; after, free hands are (to pick up the ball).
    key = KEY_BONUS * change if _locked(state) >= 0 else 0.0
    drop = -DROP_BONUS * change if _locked(state) < 0 else 0.0
    opened = int(np.sum(np.asarray(next_state["door_state"]) == OPEN))
    door = DOOR_BONUS * (opened - int(np.sum(np.asarray(state["door_state"]) == OPEN)))
    target = _subgoal(next_state)
    phi_next = 0.0 if success else _phi(next_state, target)  # the episode ends there: phi = 0
    distance = GAMMA * phi_next - _phi(state, target)
    step = -STEP_COST
    total = success + key + drop + door + distance + step
    return total, {"success": success, "key": key, "drop": drop, "door": door, "distance": distance, "step": step}
