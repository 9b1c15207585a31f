"""agentgym: Gymnasium environments, reward synthesis, credit assignment and trainers for RL agents.

``import agentgym`` registers every env under the ``agentgym/`` namespace::

    import gymnasium as gym
    env = gym.make("agentgym:agentgym/MiniGrid-DoorKey-5x5-Text-v0")  # no prior import needed
"""

from __future__ import annotations

__version__ = "0.1.0"

from .core import (  # noqa: E402
    RewardCodeError,
    RewardFn,
    RewardWrapper,
    StateField,
    TaskSpec,
    TextEnv,
    Trajectory,
    get_compact_state,
    get_task_spec,
    load_reward_fn,
)
from .envs import CATALOG, UnknownEnvError, make  # noqa: E402
from .trainers import EvalResult, Run, train  # noqa: E402

__all__ = [
    "CATALOG",
    "EvalResult",
    "Run",
    "RewardCodeError",
    "RewardFn",
    "RewardWrapper",
    "StateField",
    "TaskSpec",
    "TextEnv",
    "Trajectory",
    "UnknownEnvError",
    "__version__",
    "get_compact_state",
    "get_task_spec",
    "load_reward_fn",
    "make",
    "train",
]
