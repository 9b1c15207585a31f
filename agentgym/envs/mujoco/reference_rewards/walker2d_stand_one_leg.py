"""Reference dense reward for agentgym/Walker2d-StandOneLeg-v0.

Pays for standing tall and upright, for exactly one foot on the floor, and for the gap
between the two feet's heights (capped at 0.3 m); charges horizontal drift.
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    alive = float(next_state["healthy"])
    upright = -abs(float(next_state["pitch"]))
    one_foot = 1.0 if float(np.sum(next_state["foot_contacts"])) == 1.0 else 0.0
    heights = next_state["foot_heights"]
    lift = 5.0 * min(0.3, float(np.max(heights) - np.min(heights)))
    drift = -0.5 * abs(float(next_state["x_velocity"]))
    total = alive + upright + one_foot + lift + drift
    return total, {"alive": alive, "upright": upright, "one_foot": one_foot, "lift": lift, "drift": drift}
