"""Advantage estimators and process-reward credit: pure functions over rollout (T, N) or per-episode arrays,
and credit methods over batches of :class:`agentgym.core.Trajectory` (one array of per-step values each).

- Baselines: :func:`gae`, :func:`discounted_returns`, :func:`grpo_advantages`, :func:`rloo_advantages`,
  :func:`broadcast_to_steps`, :func:`turn_gae`.
- Step-level credit from groups: :func:`gigpo_advantages` (GiGPO), :func:`salt_advantages` (SALT).
- Step rewards: :class:`ProgressEstimator` / :func:`spa_rewards` (SPA), :class:`ImplicitPRM` (PRIME,
  iStar), :func:`pbrs_rewards` / :func:`potential_shaping`, :func:`gated_rewards` (G-RA),
  :func:`progress_rewards`; :func:`process_advantages` turns them into advantages.
- :class:`CreditAssigner`: any of them by name (``METHODS``), as the trainers use them.

Example:
    >>> import numpy as np
    >>> from agentgym.credit import discounted_returns
    >>> discounted_returns(np.array([1.0, 1.0, 1.0]), np.array([False, False, True]), gamma=0.5).tolist()
    [1.75, 1.5, 1.0]
"""

from .assign import METHODS, CreditAssigner, CreditConfig
from .features import HashedFeatures
from .gae import discounted_returns, gae
from .gigpo import anchor_groups, gigpo_advantages
from .implicit_prm import FeatureLogRatio, ImplicitPRM, LogRatioModel
from .outcome import broadcast_to_steps, grpo_advantages, rloo_advantages, turn_gae
from .process import gated_rewards, pbrs_rewards, process_advantages, progress_rewards
from .salt import salt_advantages, step_nodes
from .shaping import potential_shaping
from .spa import ProgressEstimator, spa_rewards
from .steps import discounted_step_returns, state_key

__all__ = [
    "METHODS", "CreditAssigner", "CreditConfig", "FeatureLogRatio", "HashedFeatures", "ImplicitPRM", "LogRatioModel",
    "ProgressEstimator", "anchor_groups", "broadcast_to_steps", "discounted_returns", "discounted_step_returns", "gae",
    "gated_rewards", "gigpo_advantages", "grpo_advantages", "pbrs_rewards", "potential_shaping", "process_advantages",
    "progress_rewards", "rloo_advantages", "salt_advantages", "spa_rewards", "state_key", "step_nodes", "turn_gae",
]
