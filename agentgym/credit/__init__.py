"""Advantage estimators and process-reward credit: pure functions over rollout (T, N) or per-episode arrays.

Example:
    >>> import numpy as np
    >>> from agentgym.credit import discounted_returns
    >>> discounted_returns(np.array([1.0, 1.0, 1.0]), np.array([False, False, True]), gamma=0.5).tolist()
    [1.75, 1.5, 1.0]
"""

from .gae import discounted_returns, gae
from .outcome import broadcast_to_steps, grpo_advantages, rloo_advantages, turn_gae
from .shaping import potential_shaping

__all__ = ["broadcast_to_steps", "discounted_returns", "gae", "grpo_advantages", "potential_shaping", "rloo_advantages",
           "turn_gae"]
