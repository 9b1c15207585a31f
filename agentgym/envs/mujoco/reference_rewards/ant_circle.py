"""Reference dense reward for agentgym/Ant-Circle-v0.

Pays counter-clockwise speed around the origin (the tangential velocity), keeps the torso near
a 2 m radius, and pays for staying healthy; charges control effort.
"""

import math

import numpy as np


def compute_reward(state, action, next_state, info):
    x, y = float(next_state["x"]), float(next_state["y"])
    vx, vy = float(next_state["x_velocity"]), float(next_state["y_velocity"])
    r = math.hypot(x, y)
    # (x * vy - y * vx) / r is the velocity component along the counter-clockwise tangent.
    tangential = (x * vy - y * vx) / max(r, 0.5)
    radius = -0.5 * abs(r - 2.0)
    alive = float(next_state["healthy"])
    ctrl_cost = -0.1 * float(np.sum(np.square(action)))
    total = tangential + radius + alive + ctrl_cost
    return total, {"tangential": tangential, "radius": radius, "alive": alive, "ctrl_cost": ctrl_cost}
