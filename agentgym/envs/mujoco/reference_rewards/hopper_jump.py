"""Reference dense reward for agentgym/Hopper-Jump-v0.

Pays torso height above standing (1.25 m) and upward speed, keeps the torso upright, and pays
a small amount for staying healthy; charges control effort.
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    height = 10.0 * max(0.0, float(next_state["z"]) - 1.25)
    rise = max(0.0, float(next_state["z_velocity"]))
    upright = -abs(float(next_state["pitch"]))
    alive = float(next_state["healthy"])
    ctrl_cost = -1e-3 * float(np.sum(np.square(action)))
    total = height + rise + upright + alive + ctrl_cost
    return total, {"height": height, "rise": rise, "upright": upright, "alive": alive, "ctrl_cost": ctrl_cost}
