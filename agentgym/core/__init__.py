"""The common step API: text spaces, the TextEnv base, TaskSpec, reward functions (and their sandbox), trajectories.

Depends on nothing else in agentgym.
"""

from .reward import (
    ALLOWED_IMPORTS,
    RewardCodeError,
    RewardFn,
    RewardFnError,
    RewardWrapper,
    check_reward_code,
    load_reward_fn,
)
from .sandbox import Sandbox, SandboxedRewardFn, SandboxError, SandboxLimits, load_sandboxed_reward_fn
from .spaces import PRINTABLE_CHARSET, text_space, to_printable
from .task_spec import StateField, TaskSpec, get_compact_state, get_task_spec
from .text_env import TEXT_STATE_FIELDS, TextEnv
from .trajectory import Step, Trajectory, load_trajectories, rollout, save_trajectories

__all__ = [
    "ALLOWED_IMPORTS",
    "PRINTABLE_CHARSET",
    "TEXT_STATE_FIELDS",
    "RewardCodeError",
    "RewardFn",
    "RewardFnError",
    "RewardWrapper",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "SandboxedRewardFn",
    "StateField",
    "Step",
    "TaskSpec",
    "TextEnv",
    "Trajectory",
    "check_reward_code",
    "get_compact_state",
    "get_task_spec",
    "load_reward_fn",
    "load_sandboxed_reward_fn",
    "load_trajectories",
    "rollout",
    "save_trajectories",
    "text_space",
    "to_printable",
]
