"""Reference dense reward for agentgym/HalfCheetah-Backward-v0: gymnasium's forward reward, mirrored.

Pays backward speed and charges control effort with HalfCheetah-v5's weight (0.1).
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    backward_speed = -float(next_state["x_velocity"])
    ctrl_cost = -0.1 * float(np.sum(np.square(action)))
    return backward_speed + ctrl_cost, {"backward_speed": backward_speed, "ctrl_cost": ctrl_cost}
