"""Reference dense reward for agentgym/Walker2d-Backward-v0: gymnasium's Walker2d reward, mirrored.

Pays backward speed and staying healthy; charges control effort with Walker2d-v5's weight.
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    backward_speed = -float(next_state["x_velocity"])
    alive = float(next_state["healthy"])
    ctrl_cost = -1e-3 * float(np.sum(np.square(action)))
    return backward_speed + alive + ctrl_cost, {"backward_speed": backward_speed, "alive": alive,
                                                "ctrl_cost": ctrl_cost}
