"""One entry point for every credit method: trajectories in, per-step advantages out.

:class:`CreditAssigner` is what trainers call (``agentgym train --credit METHOD``). It keeps the
learned parts (the SPA estimator, the implicit PRM) between calls, so each batch trains them a
little more. Methods:

============  =====================================================================================
``none``      the episode-level advantage (GRPO or RLOO over outcomes) on every step
``gigpo``     + step-level advantages within anchor-state groups (:mod:`.gigpo`)
``salt``      mean episode advantage over the trajectory graph's shared steps (:mod:`.salt`)
``spa``       SPA progress-estimator step rewards (:mod:`.spa`)
``prime``     implicit PRM trained with cross-entropy on outcomes (:mod:`.implicit_prm`)
``istar``     implicit PRM trained with trajectory-level DPO (:mod:`.implicit_prm`)
``pbrs``      potential-based shaping, Φ = the env's progress unless a potential is given
``gra``       gated reward accumulation: progress rewards only in episodes whose outcome ≥ δ
``progress``  turn-level dense rewards: the progress each step gained
============  =====================================================================================

The step-reward methods (``spa`` .. ``progress``) become advantages through
:func:`~agentgym.credit.process.process_advantages`: the outcome advantage plus ``weight`` times
the leave-one-out-baselined process return.

Example::

    >>> from agentgym.core import Trajectory
    >>> win, lose = Trajectory(group_id=0), Trajectory(group_id=0)
    >>> win.append("start", "go", 0.0); win.append("hall", "left", 1.0)
    >>> lose.append("start", "go", 0.0); lose.append("hall", "right", 0.0)
    >>> [a.round(3).tolist() for a in CreditAssigner("salt")([win, lose])]
    [[0.0, 1.0], [0.0, -1.0]]
    >>> [a.tolist() for a in CreditAssigner("none", base="rloo")([win, lose])]
    [[1.0, 1.0], [-1.0, -1.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from agentgym.core.records import unknown_fields
from agentgym.core.trajectory import Trajectory

from .gigpo import gigpo_advantages
from .implicit_prm import FeatureLogRatio, ImplicitPRM, LogRatioModel
from .outcome import broadcast_to_steps, grpo_advantages, rloo_advantages
from .process import gated_rewards, pbrs_rewards, process_advantages, progress_rewards
from .salt import MERGE_RULES, salt_advantages
from .spa import ProgressEstimator, spa_rewards
from .steps import StepValues, group_index, outcomes

METHODS = ("none", "gigpo", "salt", "spa", "prime", "istar", "pbrs", "gra", "progress")
BASES = ("grpo", "rloo")


@dataclass
class CreditConfig:
    """Settings of a credit method (the defaults are the papers')."""

    method: str = "none"
    base: str = "grpo"  # the episode-level advantage: grpo | rloo
    normalize_std: bool = True  # grpo (and gigpo's step level): divide by the group std
    gamma: float = 0.95  # gigpo: discount of the step-level returns
    omega: float = 1.0  # gigpo: weight of the step-level advantage
    similarity: float | None = None  # gigpo: match anchor states by text similarity >= this
    merge: str = "state_action"  # salt: state_action | history
    weight: float = 1.0  # step-reward methods: weight of the process advantage
    process_gamma: float = 1.0  # step-reward methods: discount of the process return
    grounding: float = 0.5  # spa: bonus of a valid action
    spa_epochs: int = 50  # spa: estimator steps per batch
    beta: float = 0.05  # prime / istar: reward scale β
    prm_lr: float = 0.002  # prime / istar: the PRM's Adam learning rate (the LLM trainer's default: its own lr)
    prm_epochs: int = 1  # prime / istar: PRM steps per batch
    gate_threshold: float = 0.5  # gra: outcome needed for the step rewards to count
    pbrs_gamma: float = 1.0  # pbrs: γ in γΦ(s') − Φ(s)

    def validate(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"credit method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.base not in BASES:
            raise ValueError(f"credit base must be one of {', '.join(BASES)}, got {self.base!r}")
        if self.merge not in MERGE_RULES:
            raise ValueError(f"merge must be one of {', '.join(MERGE_RULES)}, got {self.merge!r}")
        for name in ("gamma", "process_gamma", "pbrs_gamma"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not self.beta > 0 or not self.prm_lr > 0:
            raise ValueError("beta and prm_lr must be > 0")
        if self.spa_epochs < 0 or self.prm_epochs < 0:
            raise ValueError("spa_epochs and prm_epochs must be >= 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CreditConfig:
        unknown, known = unknown_fields(cls, data)
        if unknown:
            raise ValueError(f"unknown credit settings: {', '.join(unknown)} (known: {', '.join(known)})")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CreditAssigner:
    """Per-step advantages for a batch of trajectories with the configured method (see the module docstring).

    Args:
        config: a :class:`CreditConfig`, or a method name (the rest as keyword settings).
        potential: pbrs's Φ(observation); default the env's ``info["progress"]``.
        prm_model: prime / istar's π_φ (a :class:`~agentgym.credit.implicit_prm.LogRatioModel`);
            default a :class:`~agentgym.credit.implicit_prm.FeatureLogRatio` over ``info["candidates"]``.
        featurize: spa's (and the default PRM's) step encoder (default hashed bag of words).
        seed: seeds the learned models.
    """

    def __init__(self, config: CreditConfig | str = "none", *, potential: Callable[[Any], float] | None = None,
                 prm_model: LogRatioModel | None = None, featurize: Callable[[Any, Any], np.ndarray] | None = None,
                 seed: int = 0, **settings: Any) -> None:
        if isinstance(config, str):
            config = CreditConfig.from_dict({"method": config, **settings})
        elif settings:
            config = CreditConfig.from_dict({**config.to_dict(), **settings})
        config.validate()
        self.config = config
        self.potential = potential
        self.metrics: dict[str, float] = {}
        self.estimator = ProgressEstimator(featurize, seed=seed) if config.method == "spa" else None
        self.prm = None
        if config.method in ("prime", "istar"):
            self.prm = ImplicitPRM(prm_model or FeatureLogRatio(featurize), beta=config.beta,
                                   objective="ce" if config.method == "prime" else "dpo", lr=config.prm_lr)

    def state_dict(self) -> dict[str, Any]:
        """The learned parts' state (SPA estimator, PRM), for checkpoints."""
        state: dict[str, Any] = {}
        if self.estimator is not None:
            state["estimator"] = self.estimator.state_dict()
        if self.prm is not None:
            state["prm"] = self.prm.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.estimator is not None and "estimator" in state:
            self.estimator.load_state_dict(state["estimator"])
        if self.prm is not None and "prm" in state:
            self.prm.load_state_dict(state["prm"])

    def episode_advantages(self, trajectories: Sequence[Trajectory]) -> np.ndarray:
        """The outcome-level advantage of each trajectory (GRPO or RLOO within its group)."""
        outs, groups = outcomes(trajectories), group_index(trajectories)
        if self.config.base == "rloo":
            return rloo_advantages(outs, groups)
        return grpo_advantages(outs, groups, normalize_std=self.config.normalize_std)

    def step_rewards(self, trajectories: Sequence[Trajectory]) -> StepValues | None:
        """The process rewards of the step-reward methods (``None`` for the advantage methods).

        Fits the learned models (SPA estimator, PRM) on the batch first, as a trainer would.
        """
        c, method = self.config, self.config.method
        if method == "spa":
            assert self.estimator is not None
            rewards = spa_rewards(trajectories, self.estimator, grounding=c.grounding, fit_epochs=c.spa_epochs)
        elif method in ("prime", "istar"):
            assert self.prm is not None
            if c.prm_epochs:
                self.metrics["credit/prm_loss"] = self.prm.fit(trajectories, epochs=c.prm_epochs)
            rewards = self.prm.rewards(trajectories)
        elif method == "pbrs":
            rewards = pbrs_rewards(trajectories, self.potential, gamma=c.pbrs_gamma)
        elif method == "gra":
            rewards = gated_rewards(progress_rewards(trajectories), outcomes(trajectories), c.gate_threshold)
        elif method == "progress":
            rewards = progress_rewards(trajectories)
        else:
            return None
        self.metrics["credit/process_reward"] = float(np.mean([r.sum() for r in rewards])) if rewards else 0.0
        return rewards

    def __call__(self, trajectories: Sequence[Trajectory]) -> StepValues:
        trajectories = list(trajectories)
        if not trajectories:
            return []
        c, method = self.config, self.config.method
        if method == "gigpo":
            return gigpo_advantages(trajectories, gamma=c.gamma, omega=c.omega, normalize_std=c.normalize_std,
                                    similarity=c.similarity)
        episode = self.episode_advantages(trajectories)
        if method == "salt":
            return salt_advantages(trajectories, episode, merge=c.merge)
        rewards = self.step_rewards(trajectories)
        if rewards is None:  # none
            return broadcast_to_steps(episode, [len(t) for t in trajectories])
        return process_advantages(rewards, episode, group_index(trajectories), weight=c.weight,
                                  gamma=c.process_gamma)
