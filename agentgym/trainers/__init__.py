"""Trainers for classic policies: native PPO and the stable-baselines3 backend, behind one run API.

Example:
    >>> import agentgym
    >>> agentgym.train is train
    True
"""

from .config import TrainConfig, resolve_config
from .evaluation import EvalResult
from .run import Run, RunError, train

__all__ = ["EvalResult", "Run", "RunError", "TrainConfig", "resolve_config", "train"]
