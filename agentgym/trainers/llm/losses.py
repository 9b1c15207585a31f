"""The losses of LLM-policy training (GRPO, RLOO, PPO): pure torch functions over padded batches.

Every per-token tensor is (B, L): row b is one sampled sequence (a turn's response, with its
prompt and padding around it), and ``mask`` is 1 (True) exactly on the response tokens the loss
should see. Prompt and padding positions never contribute a value or a gradient, even when they
hold garbage (``-inf`` log-probs of padding): masking uses ``torch.where``, not multiplication.

Aggregation of a per-token loss ℓ_{b,t} into a scalar (``aggregate``), with n_b the response
tokens of row b, B the rows and L_max a constant length:

- ``token-mean``: Σ_b Σ_t ℓ_{b,t} / Σ_b n_b, every token alike (DAPO, Yu et al. 2025);
- ``seq-mean-token-mean``: (1/B) Σ_b (1/n_b) Σ_t ℓ_{b,t}, every row alike (GRPO, Shao et al. 2024);
- ``seq-mean-token-sum``: (1/B) Σ_b Σ_t ℓ_{b,t};
- ``seq-mean-token-sum-norm``: (1/B) Σ_b Σ_t ℓ_{b,t} / L_max, no length bias (Dr. GRPO, Liu et al. 2025).

Rows without response tokens are left out of the ``seq-mean-token-mean`` average. L_max
defaults to the padded length L; pass the generation budget (``max_new_tokens``) to keep it
constant from batch to batch as Dr. GRPO intends. Each mode normalizes within the batch it is
given: when a batch is split into micro-batches for gradient accumulation, scale each
micro-batch's loss by its share (e.g. its tokens over the whole batch's tokens for ``token-mean``).

Example:
    >>> import torch
    >>> logp = torch.tensor([[0.0, -1.0, -1.0]], requires_grad=True)
    >>> mask = torch.tensor([[False, True, True]])  # the first position is the prompt
    >>> loss, stats = policy_loss(logp, logp.detach(), torch.tensor([[0.0, 1.0, 1.0]]), mask)
    >>> loss.item(), stats["clip_fraction"]
    (-1.0, 0.0)
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

Aggregation = Literal["token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm"]
AGGREGATIONS: tuple[str, ...] = ("token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm")
KLEstimator = Literal["k1", "k2", "k3"]

# exp() of a log-ratio beyond this overflows float32 gradients; such tokens are far outside any clip anyway.
_MAX_LOG_RATIO = 20.0


def _check_shapes(**tensors: torch.Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"shapes differ: {shapes}")


def masked_sum(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Σ x over the positions where ``mask`` is set (over all of them, or along ``dim``).

    Example:
        >>> masked_sum(torch.tensor([1.0, 2.0, float("nan")]), torch.tensor([1, 1, 0])).item()
        3.0
    """
    _check_shapes(x=x, mask=mask)
    kept = torch.where(mask.bool(), x, torch.zeros((), dtype=x.dtype, device=x.device))
    return kept.sum() if dim is None else kept.sum(dim)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Mean of x over the positions where ``mask`` is set; 0 where there are none.

    Example:
        >>> masked_mean(torch.tensor([[1.0, 3.0], [5.0, 7.0]]), torch.tensor([[1, 1], [0, 0]]), dim=1).tolist()
        [2.0, 0.0]
    """
    count = mask.bool().sum() if dim is None else mask.bool().sum(dim)
    return masked_sum(x, mask, dim) / count.clamp(min=1).to(x.dtype)


def aggregate(
    loss_per_token: torch.Tensor, mask: torch.Tensor, mode: Aggregation = "token-mean", *, max_length: int | None = None
) -> torch.Tensor:
    """A per-token loss (B, L) as a scalar by one of the modes in the module docstring.

    Example:
        >>> x = torch.tensor([[1.0, 1.0, 1.0], [4.0, 0.0, 0.0]])
        >>> m = torch.tensor([[1, 1, 1], [1, 0, 0]])
        >>> [round(aggregate(x, m, mode).item(), 4) for mode in AGGREGATIONS]
        [1.75, 2.5, 3.5, 1.1667]
    """
    if mode not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {mode!r}; expected one of {AGGREGATIONS}")
    if loss_per_token.dim() != 2:
        raise ValueError(f"expected a (B, L) per-token loss, got shape {tuple(loss_per_token.shape)}")
    if mode == "token-mean":
        return masked_mean(loss_per_token, mask)
    per_row = masked_sum(loss_per_token, mask, dim=1)
    if mode == "seq-mean-token-mean":
        lengths = mask.bool().sum(1)
        has_tokens = lengths > 0
        row_means = per_row / lengths.clamp(min=1).to(per_row.dtype)
        return masked_mean(row_means, has_tokens)
    if mode == "seq-mean-token-sum":
        return per_row.mean()
    max_length = loss_per_token.shape[1] if max_length is None else max_length
    if max_length <= 0:
        raise ValueError(f"max_length must be positive, got {max_length}")
    return per_row.mean() / max_length


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
    aggregation: Aggregation = "token-mean",
    max_length: int | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The PPO-clip surrogate (Schulman et al. 2017) on per-token ratios, as a loss to minimize.

    With ρ_t = exp(log π_θ(y_t) − log π_old(y_t)) and advantage A_t::

        ℓ_t = −min(ρ_t A_t, clip(ρ_t, 1 − clip_low, 1 + clip_high) A_t)

    aggregated by ``aggregation`` (see the module docstring). ``clip_high > clip_low`` is DAPO's
    clip-higher (e.g. 0.2 / 0.28). The ratio's gradient is zero where the clip is active:
    ρ > 1 + clip_high with A > 0, and ρ < 1 − clip_low with A < 0.

    Args:
        logprobs: log π_θ of the sampled tokens, (B, L), with gradient.
        old_logprobs: log π_old of the same tokens (the rollout's), (B, L); not differentiated.
        advantages: per-token advantages (B, L), or per-row (B,) broadcast over the row.
        mask: (B, L), set on response tokens only.
        clip_low, clip_high: the clip range [1 − clip_low, 1 + clip_high].
        aggregation: how per-token losses become a scalar.
        max_length: L_max of ``seq-mean-token-sum-norm`` (default: L).

    Returns:
        ``(loss, stats)``; stats (floats over the response tokens): ``clip_fraction`` (tokens whose
        gradient the clip removed), ``approx_kl`` (KL(π_old ‖ π_θ) by the k3 estimator
        (ρ − 1) − log ρ), ``ratio_mean``, ``ratio_max``, ``ratio_min`` (NaN without tokens).
    """
    if advantages.dim() == 1 and logprobs.dim() == 2:
        advantages = advantages[:, None].expand_as(logprobs)
    _check_shapes(logprobs=logprobs, old_logprobs=old_logprobs, advantages=advantages, mask=mask)
    if logprobs.dim() != 2:
        raise ValueError(f"expected (B, L) tensors, got shape {tuple(logprobs.shape)}")
    if clip_low < 0 or clip_high < 0 or clip_low >= 1:
        raise ValueError(f"need 0 <= clip_low < 1 and clip_high >= 0, got {clip_low}, {clip_high}")
    keep = mask.bool()
    zero = torch.zeros((), dtype=logprobs.dtype, device=logprobs.device)
    log_ratio = torch.where(keep, logprobs - old_logprobs.detach(), zero).clamp(-_MAX_LOG_RATIO, _MAX_LOG_RATIO)
    ratio = torch.exp(log_ratio)
    adv = torch.where(keep, advantages.detach().to(logprobs.dtype), zero)
    unclipped = -adv * ratio
    clipped = -adv * ratio.clamp(1.0 - clip_low, 1.0 + clip_high)
    per_token = torch.maximum(unclipped, clipped)
    loss = aggregate(per_token, keep, aggregation, max_length=max_length)

    with torch.no_grad():
        any_tokens = bool(keep.any())
        stats = {
            "clip_fraction": masked_mean((clipped > unclipped).to(logprobs.dtype), keep).item(),
            "approx_kl": masked_mean(ratio - 1.0 - log_ratio, keep).item(),
            "ratio_mean": masked_mean(ratio, keep).item() if any_tokens else math.nan,
            "ratio_max": ratio[keep].max().item() if any_tokens else math.nan,
            "ratio_min": ratio[keep].min().item() if any_tokens else math.nan,
        }
    return loss, stats


def kl_penalty(
    logprobs: torch.Tensor, ref_logprobs: torch.Tensor, mask: torch.Tensor, kind: KLEstimator = "k3"
) -> torch.Tensor:
    """Per-token estimates of KL(π_θ ‖ π_ref) from tokens sampled by π_θ, 0 outside ``mask``.

    Schulman's estimators ("Approximating KL divergence", 2020), with log r = log π_ref − log π_θ:

    - ``k1`` = −log r: unbiased, high variance, can be negative;
    - ``k2`` = ½ (log r)²: biased, low variance, ≥ 0;
    - ``k3`` = (r − 1) − log r: unbiased, low variance, ≥ 0 (GRPO's KL term, Shao et al. 2024).

    Returns the (B, L) tensor; aggregate it like the policy loss (``aggregate``) for a loss term,
    or subtract β times it from the rewards. log r is clamped to ±20 before the exponential.

    Example:
        >>> logp, ref = torch.tensor([[-1.0, -2.0]]), torch.tensor([[-1.5, -2.0]])
        >>> [round(v, 4) for v in kl_penalty(logp, ref, torch.ones(1, 2), "k3")[0].tolist()]
        [0.1065, 0.0]
    """
    _check_shapes(logprobs=logprobs, ref_logprobs=ref_logprobs, mask=mask)
    keep = mask.bool()
    zero = torch.zeros((), dtype=logprobs.dtype, device=logprobs.device)
    log_r = torch.where(keep, ref_logprobs.detach().to(logprobs.dtype) - logprobs, zero)
    if kind == "k1":
        kl = -log_r
    elif kind == "k2":
        kl = 0.5 * log_r**2
    elif kind == "k3":
        log_r = log_r.clamp(-_MAX_LOG_RATIO, _MAX_LOG_RATIO)
        kl = torch.exp(log_r) - 1.0 - log_r
    else:
        raise ValueError(f"unknown KL estimator {kind!r}; expected 'k1', 'k2' or 'k3'")
    return torch.where(keep, kl, zero)


def entropy_from_logits(
    logits: torch.Tensor, mask: torch.Tensor | None = None, *, chunk_size: int = 1024
) -> torch.Tensor:
    """Per-token entropy H = logsumexp(z) − Σ_v softmax(z)_v z_v of logits (B, L, V), 0 outside ``mask``.

    Memory-friendly: only the masked positions are computed, ``chunk_size`` rows at a time, each
    upcast to float32 on its own (a bf16 (B, L, V) batch is never copied whole). The result is
    float32 and differentiable (for an entropy bonus); call it under ``torch.no_grad()`` for a
    metric, where the chunking also bounds the peak memory.

    Example:
        >>> h = entropy_from_logits(torch.zeros(1, 2, 8), torch.tensor([[0, 1]]))
        >>> [round(v, 4) for v in h[0].tolist()]  # uniform over 8: log 8
        [0.0, 2.0794]
    """
    if logits.dim() != 3:
        raise ValueError(f"expected logits (B, L, V), got shape {tuple(logits.shape)}")
    B, L, V = logits.shape
    if mask is None:
        mask = torch.ones(B, L, dtype=torch.bool, device=logits.device)
    if tuple(mask.shape) != (B, L):
        raise ValueError(f"mask must be (B, L) = {(B, L)}, got {tuple(mask.shape)}")
    flat = logits.reshape(B * L, V)
    rows = mask.bool().reshape(-1).nonzero().squeeze(1)
    pieces = []
    for start in range(0, len(rows), chunk_size):
        z = flat[rows[start : start + chunk_size]].float()
        log_z = torch.logsumexp(z, dim=-1)
        pieces.append(log_z - (torch.softmax(z, dim=-1) * z).sum(-1))
    out = torch.zeros(B * L, dtype=torch.float32, device=logits.device)
    if pieces:
        out = out.index_put((rows,), torch.cat(pieces))
    return out.reshape(B, L)


def value_loss(
    values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    old_values: torch.Tensor | None = None,
    clip: float | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """PPO's value loss ½ (V − R)², masked mean; with ``clip``, the pessimistic clipped form.

    Clipped (Schulman et al. 2017, as in OpenAI baselines)::

        V_clip = V_old + clip(V − V_old, −clip, clip)
        loss   = ½ masked_mean(max((V − R)², (V_clip − R)²))

    Shapes are free (per turn (B,), or per token (B, L)) but must agree.

    Returns:
        ``(loss, stats)``; stats: ``value_mse`` (unclipped, masked mean of (V − R)²) and
        ``value_clip_fraction`` (positions where the clipped error was the larger one).

    Example:
        >>> loss, stats = value_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 1.0]), torch.tensor([1, 1]))
        >>> loss.item(), stats["value_mse"]
        (1.25, 2.5)
    """
    _check_shapes(values=values, returns=returns, mask=mask)
    if clip is not None and old_values is None:
        raise ValueError("value clipping needs old_values")
    returns = returns.detach().to(values.dtype)
    error = (values - returns) ** 2
    clip_fraction = 0.0
    if clip is not None:
        _check_shapes(values=values, old_values=old_values)
        old_values = old_values.detach().to(values.dtype)
        clipped_values = old_values + (values - old_values).clamp(-clip, clip)
        clipped_error = (clipped_values - returns) ** 2
        with torch.no_grad():
            clip_fraction = masked_mean((clipped_error > error).to(values.dtype), mask).item()
        loss = 0.5 * masked_mean(torch.maximum(error, clipped_error), mask)
    else:
        loss = 0.5 * masked_mean(error, mask)
    with torch.no_grad():
        mse = masked_mean(error, mask).item()
    return loss, {"value_mse": mse, "value_clip_fraction": clip_fraction}


class ValueHead(nn.Module):
    """PPO's critic on an LM: a linear map from a hidden state to one value per turn.

    V(s_t) is read at the **last prompt token** of turn t: its hidden state has seen the whole
    state (the observation and history the policy was shown) and none of the response, so it
    is a value of the state, not of the action. For a row laid out as prompt then response,
    right-padded, that position is ``len(prompt_ids) − 1``; with left padding, the position of
    the last prompt token after the padding.

    The weights start at zero (every initial value is 0, i.e. no baseline yet, which is harmless)
    and the head runs in its own dtype (float32 by default) whatever the LM's dtype.

    Example:
        >>> head = ValueHead(hidden_size=4)
        >>> hidden = torch.randn(2, 5, 4)  # (B, L, H): the LM's last hidden states
        >>> head(hidden, positions=torch.tensor([2, 0])).shape
        torch.Size([2])
    """

    def __init__(self, hidden_size: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(hidden_size, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden_states: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        """Values (B,) from hidden states (B, L, H) at ``positions`` (B,), or from (B, H) as they are."""
        if positions is not None:
            if hidden_states.dim() != 3:
                raise ValueError(f"with positions, expected hidden states (B, L, H), got {tuple(hidden_states.shape)}")
            B, L, _ = hidden_states.shape
            if tuple(positions.shape) != (B,):
                raise ValueError(f"positions must be (B,) = ({B},), got {tuple(positions.shape)}")
            if bool(((positions < 0) | (positions >= L)).any()):
                raise ValueError(f"positions must lie in [0, {L}), got {positions.tolist()}")
            hidden_states = hidden_states[torch.arange(B, device=hidden_states.device), positions.to(torch.long)]
        if hidden_states.dim() != 2:
            raise ValueError(f"expected hidden states (B, H), got {tuple(hidden_states.shape)}")
        h = self.dropout(hidden_states.to(self.linear.weight.dtype))
        return self.linear(h).squeeze(-1)
