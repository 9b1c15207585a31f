"""Advantage estimators and process-reward credit: pure functions over (T, N) arrays.

Example:
    >>> import numpy as np
    >>> from agentgym.credit import discounted_returns
    >>> discounted_returns(np.array([1.0, 1.0, 1.0]), np.array([False, False, True]), gamma=0.5).tolist()
    [1.75, 1.5, 1.0]
"""

from .gae import discounted_returns, gae

__all__ = ["discounted_returns", "gae"]
