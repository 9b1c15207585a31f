"""Env construction shared by every trainer backend: one thunk per sub-env, reward code applied.

Example:
    >>> thunk = make_env_fn("agentgym/MiniGrid-Empty-5x5-v0", seed=0, index=1)
    >>> env = thunk()
    >>> env.spec.id
    'agentgym/MiniGrid-Empty-5x5-v0'
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from agentgym.core import RewardFn, RewardWrapper

from .rewards import ProgressCredit, StateReporter


def resolve_any_env_id(env_id: str) -> str:
    """An agentgym id (namespace optional, with "did you mean") or any other registered gymnasium id."""
    from agentgym.envs.registration import UnknownEnvError, resolve_env_id

    try:
        return resolve_env_id(env_id)
    except UnknownEnvError:
        if env_id in gym.registry:  # a plain gymnasium env such as CartPole-v1
            return env_id
        raise


def make_env_fn(
    env_id: str,
    *,
    seed: int,
    index: int = 0,
    reward_fn: RewardFn | None = None,
    reward_mode: str = "replace",
    env_kwargs: dict[str, Any] | None = None,
    report_state: bool = False,
    credit: str = "none",
    credit_coef: float = 1.0,
    credit_gamma: float = 1.0,
) -> Callable[[], gym.Env]:
    """A picklable thunk that builds sub-env ``index``; reward code, if any, wraps it.

    ``report_state`` puts the compact state in every info instead (for rewards computed
    outside the envs, see :mod:`agentgym.trainers.rewards`). ``credit`` (``pbrs`` or
    ``progress``) adds step credit from ``info["progress"]`` (:class:`~agentgym.trainers.rewards.ProgressCredit`).

    Workers of an async vector env run single-threaded (``OMP_NUM_THREADS=1``) so that a few
    processes do not oversubscribe the cores.
    """
    return EnvThunk(resolve_any_env_id(env_id), seed, index, reward_fn, reward_mode, dict(env_kwargs or {}),
                    report_state, credit, credit_coef, credit_gamma)


@dataclass(frozen=True)
class EnvThunk:
    """Builds one sub-env; a plain picklable object, so that worker processes of any start method
    (fork, spawn, forkserver) can receive it (see :func:`make_env_fn`)."""

    env_id: str
    seed: int
    index: int = 0
    reward_fn: RewardFn | None = None
    reward_mode: str = "replace"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    report_state: bool = False
    credit: str = "none"  # none | pbrs | progress (see agentgym.trainers.rewards.ProgressCredit)
    credit_coef: float = 1.0
    credit_gamma: float = 1.0

    def __call__(self) -> gym.Env:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        if multiprocessing.parent_process() is not None:
            # In a worker: Ctrl-C is the trainer's to handle (it checkpoints and stops workers).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        # gymnasium's passive checker wraps every step to re-check the first one; agentgym check
        # and the tests run the full checkers, so training skips that per-step cost.
        env = gym.make(self.env_id, disable_env_checker=True, **self.env_kwargs)
        if self.reward_fn is not None:
            env = RewardWrapper(env, self.reward_fn, mode=self.reward_mode)
        if self.credit != "none":
            env = ProgressCredit(env, self.credit, self.credit_coef, self.credit_gamma)
        if self.report_state:
            env = StateReporter(env)
        env.action_space.seed(self.seed + self.index)
        return env
