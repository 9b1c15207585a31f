"""The implicit PRM of an LLM policy (``--credit prime|istar``): π_φ is a language model.

:class:`LMLogRatio` implements :class:`agentgym.credit.LogRatioModel` for turns of an LLM policy:
a turn's log-ratio is the sum over its sampled tokens of ``log π_φ(y_k | prompt, y_<k) −
log π_ref(y_k | prompt, y_<k)``, read from the exact token ids the rollout stored
(``info["prompt_ids"]``, ``info["response_ids"]`` of each step; see
:func:`~agentgym.trainers.llm.trainer.episodes_to_trajectories`). π_φ starts as a copy of the
policy's initial weights with only its top blocks trainable; π_ref is a frozen copy of them, so every
reward starts at 0. :class:`agentgym.credit.ImplicitPRM` trains π_φ on outcomes (PRIME's
cross-entropy, iStar's DPO) and turns the ratios into step rewards ``β · log-ratio``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from agentgym.core.trajectory import Trajectory


class LMLogRatio:
    """Per-turn token log-ratios of a trainable LM copy against a frozen one (see the module docstring)."""

    def __init__(self, model: Any, *, pad_id: int, train_layers: int = 2, micro_batch: int = 8,
                 temperature: float = 1.0) -> None:
        from .models import freeze_below

        base = model.get_base_model() if callable(getattr(model, "get_base_model", None)) else model
        self.reference = copy.deepcopy(base).eval().requires_grad_(False)
        self.model = freeze_below(copy.deepcopy(base), max(1, int(train_layers)))
        self.model.train()
        self.pad_id = pad_id
        self.micro_batch = max(1, int(micro_batch))
        self.temperature = temperature
        self._reference_cache: dict[tuple[tuple[int, ...], tuple[int, ...]], Any] = {}

    def parameters(self) -> list[Any]:
        return [p for p in self.model.parameters() if p.requires_grad]

    def state_dict(self) -> dict[str, Any]:
        trainable = {n for n, p in self.model.named_parameters() if p.requires_grad}
        return {k: v.detach().cpu() for k, v in self.model.state_dict().items() if k in trainable}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state, strict=False)

    @staticmethod
    def _ids(trajectories: Sequence[Trajectory]) -> list[tuple[list[int], list[int]]]:
        pairs = []
        for traj in trajectories:
            for step in traj.steps:
                prompt, response = step.info.get("prompt_ids"), step.info.get("response_ids")
                if prompt is None or response is None:
                    raise ValueError("LMLogRatio needs info['prompt_ids'] and info['response_ids'] on every step")
                pairs.append((list(prompt), list(response)))
        return pairs

    def _reference(self, pairs: list[tuple[list[int], list[int]]]) -> list[Any]:
        import torch

        from .logprobs import sequence_logprobs

        missing = [p for p in pairs if (tuple(p[0]), tuple(p[1])) not in self._reference_cache and p[1]]
        with torch.no_grad():
            for i in range(0, len(missing), self.micro_batch):
                chunk = missing[i: i + self.micro_batch]
                out = sequence_logprobs(self.reference, [c[0] for c in chunk], [c[1] for c in chunk],
                                        self.temperature, pad_id=self.pad_id)
                for (prompt, response), logp in zip(chunk, out, strict=True):
                    self._reference_cache[(tuple(prompt), tuple(response))] = logp.sum()
        return [self._reference_cache.get((tuple(p), tuple(r)), torch.zeros(())) for p, r in pairs]

    def log_ratios(self, trajectories: Sequence[Trajectory]) -> list[Any]:
        import torch

        from .logprobs import sequence_logprobs

        trajectories = list(trajectories)
        pairs = self._ids(trajectories)
        if len(self._reference_cache) > 4096:  # turns of old batches do not come back
            self._reference_cache.clear()
        reference = self._reference(pairs)
        device = next(self.model.parameters()).device
        current: list[Any] = [torch.zeros((), device=device)] * len(pairs)
        scored = [k for k, (_, r) in enumerate(pairs) if r]
        for i in range(0, len(scored), self.micro_batch):
            idx = scored[i: i + self.micro_batch]
            out = sequence_logprobs(self.model, [pairs[k][0] for k in idx], [pairs[k][1] for k in idx],
                                    self.temperature, pad_id=self.pad_id)
            for k, logp in zip(idx, out, strict=True):
                current[k] = logp.sum()
        ratios = [c - ref.to(device) for c, ref in zip(current, reference, strict=True)]
        out, k = [], 0
        for traj in trajectories:
            n = len(traj)
            out.append(torch.stack(ratios[k: k + n]).float().cpu() if n else torch.zeros(0))
            k += n
        return out
