"""SPA: a progress estimator whose per-step contributions sum to the outcome (Wang et al. 2025,
"SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution").

A small model ``c(s_t, a_t)`` (here an MLP over :class:`~agentgym.credit.features.HashedFeatures`
of the observation and action) is fitted so that each episode's contributions add up to its
outcome::

    min_c  mean_i ( Σ_t c(s_t^i, a_t^i) − R_i )²

and each step is then rewarded with its contribution plus a grounding bonus ``g`` when the env
accepted the action (``info["valid_action"]``, true where absent)::

    r_t = c(s_t, a_t) + g · 1[valid_t]           (g = 0.5 in the paper's code)

The estimator keeps its weights between calls, so a trainer fits it a little on each new batch.
:func:`~agentgym.credit.process.process_advantages` turns the step rewards into advantages.

Example (a two-step episode that succeeds and one that fails at its second step):

    >>> from agentgym.core import Trajectory
    >>> win, lose = Trajectory(group_id=0), Trajectory(group_id=0)
    >>> win.append("hall", "go", 0.0); win.append("door", "open", 1.0)
    >>> lose.append("hall", "go", 0.0); lose.append("door", "kick", 0.0)
    >>> est = ProgressEstimator(seed=0)
    >>> loss = est.fit([win, lose] * 4, epochs=300)
    >>> c = est.contributions([win, lose])
    >>> round(float(c[0].sum()), 1), round(float(c[1].sum()), 1), bool(c[0][1] > c[1][1])
    (1.0, 0.0, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from agentgym.core.trajectory import Trajectory

from .features import HashedFeatures
from .steps import StepValues, outcomes, unflatten


class ProgressEstimator:
    """Per-step contributions ``c(s, a)`` fitted so each episode's sum matches its outcome."""

    def __init__(self, featurize: Callable[[Any, Any], np.ndarray] | None = None, *, hidden: int = 64,
                 lr: float = 1e-2, seed: int = 0) -> None:
        import torch

        self.featurize = featurize or HashedFeatures()
        self.hidden = hidden
        self.lr = lr
        self._seed = seed
        self._model: torch.nn.Module | None = None
        self._optimizer: torch.optim.Optimizer | None = None

    def state_dict(self) -> dict[str, Any]:
        """The fitted weights and optimizer state (empty before the first fit)."""
        if self._model is None:
            return {}
        assert self._optimizer is not None
        dim = self._model[0].in_features
        return {"dim": dim, "model": self._model.state_dict(), "optimizer": self._optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not state:
            return
        model = self._ensure(int(state["dim"]))
        model.load_state_dict(state["model"])
        assert self._optimizer is not None
        self._optimizer.load_state_dict(state["optimizer"])

    def _features(self, trajectories: Sequence[Trajectory]) -> Any:
        import torch

        rows = [self.featurize(s.observation, s.action) for t in trajectories for s in t.steps]
        if not rows:
            return torch.zeros((0, 1))
        return torch.as_tensor(np.stack(rows), dtype=torch.float32)

    def _ensure(self, dim: int) -> Any:
        import torch

        if self._model is None:
            torch.manual_seed(self._seed)
            self._model = torch.nn.Sequential(torch.nn.Linear(dim, self.hidden), torch.nn.Tanh(),
                                              torch.nn.Linear(self.hidden, 1))
            self._optimizer = torch.optim.Adam(self._model.parameters(), lr=self.lr)
        return self._model

    def fit(self, trajectories: Sequence[Trajectory], targets: Sequence[float] | None = None, *,
            epochs: int = 50) -> float:
        """``epochs`` full-batch Adam steps on ``mean_i (Σ_t c_t − R_i)²``; returns the last loss.

        ``targets`` default to the trajectories' outcomes.
        """
        import torch

        trajectories = [t for t in trajectories]
        y = outcomes(trajectories) if targets is None else np.asarray(targets, dtype=np.float64)
        if y.shape != (len(trajectories),):
            raise ValueError(f"targets must hold one value per trajectory ({len(trajectories)}), got {y.shape}")
        x = self._features(trajectories)
        if x.shape[0] == 0:
            return 0.0
        model = self._ensure(x.shape[1])
        index = torch.as_tensor(np.repeat(np.arange(len(trajectories)), [len(t) for t in trajectories]))
        target = torch.as_tensor(y, dtype=torch.float32)
        assert self._optimizer is not None
        loss = torch.zeros(())
        for _ in range(max(1, epochs)):
            c = model(x).squeeze(-1)
            sums = torch.zeros(len(trajectories)).index_add(0, index, c)
            loss = ((sums - target) ** 2).mean()
            self._optimizer.zero_grad()
            loss.backward()
            self._optimizer.step()
        return float(loss.detach())

    def contributions(self, trajectories: Sequence[Trajectory]) -> StepValues:
        """Each step's contribution ``c(s_t, a_t)`` (zeros before the first fit)."""
        import torch

        x = self._features(trajectories)
        if x.shape[0] == 0 or self._model is None:
            return [np.zeros(len(t)) for t in trajectories]
        with torch.no_grad():
            c = self._model(x).squeeze(-1).double().numpy()
        return unflatten(c, trajectories)


def spa_rewards(trajectories: Sequence[Trajectory], estimator: ProgressEstimator, *, grounding: float = 0.5,
                fit_epochs: int = 50) -> StepValues:
    """SPA step rewards ``c_t + grounding * 1[valid_t]``, after fitting ``estimator`` on the batch for
    ``fit_epochs`` steps (0: use it as it is)."""
    trajectories = list(trajectories)
    if fit_epochs > 0:
        estimator.fit(trajectories, epochs=fit_epochs)
    contributions = estimator.contributions(trajectories)
    return [c + grounding * np.array([1.0 if s.info.get("valid_action", True) else 0.0 for s in t.steps])
            for c, t in zip(contributions, trajectories, strict=True)]
