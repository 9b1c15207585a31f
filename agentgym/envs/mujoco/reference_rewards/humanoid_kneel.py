"""Reference dense reward for agentgym/Humanoid-Kneel-v0.

Pays for bringing the torso to kneeling height (about 0.9 m), for each knee on the floor, and
for an upright torso; charges control effort.
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    height = -2.0 * abs(float(next_state["z"]) - 0.9)
    knees = float(np.sum(next_state["knee_contacts"]))
    upright = float(next_state["up_z"])
    ctrl_cost = -0.1 * float(np.sum(np.square(action)))
    total = height + knees + upright + ctrl_cost
    return total, {"height": height, "knees": knees, "upright": upright, "ctrl_cost": ctrl_cost}
