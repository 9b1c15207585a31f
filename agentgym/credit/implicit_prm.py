"""Implicit process rewards: PRIME (Cui et al. 2025) and iStar / OPRL (2025).

A second policy π_φ is trained on outcomes only; the log-likelihood ratio against a reference
policy π_ref then scores every step::

    r_t = β · log π_φ(a_t | s_t) / π_ref(a_t | s_t)          (β = 0.05 in both papers)

summed over the step's tokens for an LLM policy (see ``agentgym.trainers.llm.prm``), over the one
action for a classic one. Two objectives train π_φ:

- ``"ce"`` (PRIME): the episode's summed ratio is an outcome classifier,
  ``BCE(σ(β Σ_t log π_φ/π_ref), y)`` with ``y`` the outcome clipped to [0, 1], on the groups whose
  outcomes differ (PRIME keeps only prompts the policy sometimes solves).
- ``"dpo"`` (iStar): trajectory-level DPO on the pairs (better, worse) of one task group,
  ``−log σ(β (Σ_t log-ratio(τ_w) − Σ_t log-ratio(τ_l)))``.

:class:`FeatureLogRatio` is π_φ for discrete actions: ``π_φ(·|s) ∝ π_ref(·|s) · exp(w · φ(s, ·))``
over the step's candidate actions (``info["candidates"]``), with π_ref from
``info["behaviour_logprobs"]`` (one log-prob per candidate) or uniform. It starts at ``w = 0``,
i.e. π_φ = π_ref and every reward 0. :func:`~agentgym.credit.process.process_advantages` turns the
rewards into advantages (A = RLOO(outcome) + w · RLOO(process), as in both papers).

Example: after fitting on a batch where "open" wins and "kick" loses, "open" earns a positive
step reward and "kick" a negative one::

    >>> from agentgym.core import Trajectory
    >>> def episode(action, outcome):
    ...     t = Trajectory(group_id=0)
    ...     t.append("door", action, outcome, terminated=True, info={"candidates": ["open", "kick"]})
    ...     return t
    >>> batch = [episode("open", 1.0), episode("kick", 0.0)] * 2
    >>> prm = ImplicitPRM(FeatureLogRatio(), beta=0.5, objective="dpo", lr=0.05)
    >>> _ = prm.fit(batch, epochs=100)
    >>> r = prm.rewards(batch[:2])
    >>> bool(r[0][0] > 0 > r[1][0])
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from agentgym.core.trajectory import Trajectory

from .features import HashedFeatures
from .steps import StepValues, group_index, outcomes
from .steps import state_key as _key

OBJECTIVES = ("ce", "dpo")


class LogRatioModel(Protocol):
    """π_φ against π_ref: per trajectory, a differentiable tensor of per-step log-ratios."""

    def log_ratios(self, trajectories: Sequence[Trajectory]) -> list[Any]: ...

    def parameters(self) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class FeatureLogRatio:
    """π_φ(·|s) ∝ π_ref(·|s) exp(w·φ(s, ·)) over each step's candidate actions (see the module docstring)."""

    def __init__(self, featurize: Callable[[Any, Any], np.ndarray] | None = None, *,
                 candidates: Sequence[Any] | None = None) -> None:
        import torch

        self.featurize = featurize or HashedFeatures()
        self.fixed_candidates = list(candidates) if candidates is not None else None
        probe = np.asarray(self.featurize("", ""))
        self.weight = torch.nn.Parameter(torch.zeros(probe.shape[-1]))
        self._cache: dict[Any, tuple[Any, int, Any]] = {}
        self._packed: tuple[Any, Any] | None = None

    def parameters(self) -> list[Any]:
        return [self.weight]

    def state_dict(self) -> dict[str, Any]:
        return {"weight": self.weight.detach().clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.weight.data.copy_(state["weight"])

    def _step_inputs(self, observation: Any, action: Any, info: dict[str, Any]) -> tuple[Any, int, Any]:
        import torch

        candidates = self.fixed_candidates if self.fixed_candidates is not None else info.get("candidates")
        if not candidates:
            raise ValueError("FeatureLogRatio needs each step's candidate actions: pass candidates=[...] or "
                             "put info['candidates'] on every step")
        keys = [_key(c) for c in candidates]
        try:
            chosen = keys.index(_key(action))
        except ValueError:
            raise ValueError(f"the action {action!r} is not among the step's candidates {list(candidates)!r}") from None
        ref = info.get("behaviour_logprobs")
        cache_key = (_key(observation), tuple(keys), None if ref is None else tuple(np.asarray(ref, float).tolist()))
        if cache_key not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            feats = torch.as_tensor(np.stack([self.featurize(observation, c) for c in candidates]), dtype=torch.float32)
            if ref is None:
                log_ref = torch.full((len(candidates),), -float(np.log(len(candidates))))
            else:
                log_ref = torch.as_tensor(np.asarray(ref, dtype=np.float64), dtype=torch.float32)
                if log_ref.shape != (len(candidates),):
                    raise ValueError("info['behaviour_logprobs'] must hold one log-prob per candidate")
            self._cache[cache_key] = (feats, -1, log_ref)
        feats, _, log_ref = self._cache[cache_key]
        return feats, chosen, log_ref

    def _pack(self, trajectories: Sequence[Trajectory]) -> tuple[Any, Any, Any, Any, list[int]]:
        """All steps' candidates as padded tensors: features (N, C, D), log π_ref (N, C; −inf padding),
        the chosen column (N,), and each trajectory's step count. Kept for the last batch (a fit
        calls this once per epoch on the same batch)."""
        import torch

        if self._packed is not None:  # the same trajectory objects (held here, so their ids cannot be reused)
            held, packed = self._packed
            if len(held) == len(trajectories) and all(a is b for a, b in zip(held, trajectories, strict=True)) \
                    and [len(t) for t in held] == packed[4]:
                return packed
        rows = [self._step_inputs(s.observation, s.action, s.info) for t in trajectories for s in t.steps]
        lengths = [len(t) for t in trajectories]
        width = max((r[0].shape[0] for r in rows), default=1)
        dim = int(self.weight.shape[0])
        feats = torch.zeros((len(rows), width, dim))
        log_ref = torch.full((len(rows), width), -float("inf"))
        chosen = torch.zeros(len(rows), dtype=torch.long)
        for i, (f, c, ref) in enumerate(rows):
            feats[i, : f.shape[0]] = f
            log_ref[i, : f.shape[0]] = ref
            chosen[i] = c
        packed = (feats, log_ref, chosen, torch.arange(len(rows)), lengths)
        self._packed = (list(trajectories), packed)
        return packed

    def log_ratios(self, trajectories: Sequence[Trajectory]) -> list[Any]:
        import torch

        trajectories = list(trajectories)
        feats, log_ref, chosen, rows, lengths = self._pack(trajectories)
        if len(rows) == 0:
            return [torch.zeros(0) for _ in trajectories]
        log_phi = torch.log_softmax(log_ref + feats @ self.weight, dim=1)
        ratio = log_phi[rows, chosen] - log_ref[rows, chosen]
        return list(ratio.split(lengths))


class ImplicitPRM:
    """Step rewards ``β · log π_φ/π_ref`` with π_φ trained by ``"ce"`` (PRIME) or ``"dpo"`` (iStar)."""

    def __init__(self, model: LogRatioModel, *, beta: float = 0.05, objective: str = "ce", lr: float = 0.002,
                 weight_decay: float = 0.0) -> None:
        import torch

        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
        if not beta > 0:
            raise ValueError(f"beta must be > 0, got {beta}")
        self.model = model
        self.beta = float(beta)
        self.objective = objective
        self.optimizer = torch.optim.Adam(list(model.parameters()), lr=lr, weight_decay=weight_decay)

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])

    def rewards(self, trajectories: Sequence[Trajectory]) -> StepValues:
        """Each step's implicit process reward ``β · log π_φ(a_t|s_t)/π_ref(a_t|s_t)``."""
        import torch

        with torch.no_grad():
            return [self.beta * r.double().numpy() for r in self.model.log_ratios(list(trajectories))]

    def loss(self, trajectories: Sequence[Trajectory], targets: Sequence[float] | None = None) -> Any:
        """The training loss on a batch (a tensor; ``None`` when no group's outcomes differ)."""
        import torch

        trajectories = list(trajectories)
        y = outcomes(trajectories) if targets is None else np.asarray(targets, dtype=np.float64)
        groups = group_index(trajectories)
        if self.objective == "ce":
            # PRIME trains on the groups whose outcomes differ (its accuracy filter): a group that all
            # failed would only teach π_φ to call every action it took unlikely
            mixed = np.array([np.ptp(y[groups == g]) > 0 for g in groups])
            if not mixed.any():
                return None
            keep = [t for t, m in zip(trajectories, mixed, strict=True) if m]
            sums = torch.stack([r.sum() for r in self.model.log_ratios(keep)]) * self.beta
            label = torch.as_tensor(np.clip(y[mixed], 0.0, 1.0), dtype=sums.dtype)
            return torch.nn.functional.binary_cross_entropy_with_logits(sums, label)
        sums = torch.stack([r.sum() for r in self.model.log_ratios(trajectories)]) * self.beta
        pairs = [(i, j) for i in range(len(trajectories)) for j in range(len(trajectories))
                 if groups[i] == groups[j] and y[i] > y[j]]
        if not pairs:
            return None
        win = torch.as_tensor([p[0] for p in pairs])
        lose = torch.as_tensor([p[1] for p in pairs])
        return -torch.nn.functional.logsigmoid(sums[win] - sums[lose]).mean()

    def fit(self, trajectories: Sequence[Trajectory], targets: Sequence[float] | None = None, *,
            epochs: int = 1) -> float:
        """``epochs`` optimizer steps on the batch; returns the last loss (0 when there was nothing to learn)."""
        last = 0.0
        for _ in range(max(1, epochs)):
            loss = self.loss(trajectories, targets)
            if loss is None:
                return 0.0
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            last = float(loss.detach())
        return last
