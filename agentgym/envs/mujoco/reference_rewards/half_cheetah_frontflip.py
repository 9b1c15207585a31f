"""Reference dense reward for agentgym/HalfCheetah-Frontflip-v0.

Pays forward (front-down, +pitch) spin, clipped so that spinning faster than needed earns
nothing more, plus a bonus on completing the turn; charges control effort.
"""

import numpy as np


def compute_reward(state, action, next_state, info):
    spin = float(np.clip(next_state["pitch_velocity"], -8.0, 8.0))
    rotation_gain = float(next_state["pitch_rotation"] - state["pitch_rotation"])
    flip_bonus = 10.0 if info.get("success", False) else 0.0
    ctrl_cost = -0.1 * float(np.sum(np.square(action)))
    total = 0.5 * spin + 5.0 * rotation_gain + flip_bonus + ctrl_cost
    return total, {"spin": 0.5 * spin, "rotation_gain": 5.0 * rotation_gain, "flip_bonus": flip_bonus,
                   "ctrl_cost": ctrl_cost}
