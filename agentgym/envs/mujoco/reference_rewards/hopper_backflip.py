"""Reference dense reward for agentgym/Hopper-Backflip-v0.

Pays backward spin (-pitch velocity) and height above the floor (a flip needs air time), plus a
bonus on completing the turn; charges control effort.
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    spin = float(np.clip(-next_state["pitch_velocity"], -10.0, 10.0))
    height = float(next_state["z"]) - 1.0
    flip_bonus = 10.0 if info.get("success", False) else 0.0
    ctrl_cost = -1e-3 * float(np.sum(np.square(action)))
    total = 0.5 * spin + 2.0 * height + flip_bonus + ctrl_cost
    return total, {"spin": 0.5 * spin, "height": 2.0 * height, "flip_bonus": flip_bonus, "ctrl_cost": ctrl_cost}
