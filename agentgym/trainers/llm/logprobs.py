"""Log-probs of sampled responses under a policy: the training-side twin of an engine's sampling.

An engine records, for every sampled token, its log-prob under ``softmax(logits / temperature)``.
The trainer recomputes exactly those numbers (with gradients) in one plain forward pass over
``prompt + response``, right-padded, no KV cache::

    logps = sequence_logprobs(model, [g.prompt_ids for g in gens], [g.token_ids for g in gens],
                              temperature=1.0, pad_id=loaded.pad_id)
    ratio = torch.exp(logps[0] - torch.tensor(gens[0].logprobs))   # 1 before the first update

Only response tokens get log-probs: prompt tokens (the environment's text) and padding do not.
Both sides compute them with :func:`scaled_log_softmax`, in float32.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch loads on first use: importing the trainer package stays cheap
    import torch


def effective_temperature(temperature: float) -> float:
    """The temperature log-probs are taken at: ``temperature``, or 1 for greedy decoding (0)."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    return 1.0 if temperature == 0 else float(temperature)


def scaled_log_softmax(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``log_softmax(logits / T)`` over the last axis, in float32 (T = 1 when ``temperature`` is 0)."""
    import torch

    return torch.log_softmax(logits.float() / effective_temperature(temperature), dim=-1)


def accepts_argument(model: Any, name: str) -> bool:
    """Whether the model's forward (the base model's, under a peft wrapper) takes ``name``."""
    base = model.get_base_model() if callable(getattr(model, "get_base_model", None)) else model
    try:
        return name in inspect.signature(base.forward).parameters
    except (TypeError, ValueError):
        return False


def pack_right_padded(prompts: Sequence[Sequence[int]], responses: Sequence[Sequence[int]], pad_id: int,
                      device: Any = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``prompt + response`` rows padded on the right: (input ids, attention mask, response mask).

    The response mask is True exactly at response tokens (not prompt tokens, not padding).

    >>> ids, attention, response = pack_right_padded([[5, 6], [7]], [[8], [9, 10]], pad_id=0)
    >>> ids.tolist(), attention.tolist(), response.tolist()
    ([[5, 6, 8], [7, 9, 10]], [[1, 1, 1], [1, 1, 1]], [[False, False, True], [False, True, True]])
    """
    import torch

    if len(prompts) != len(responses):
        raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
    if not prompts:
        raise ValueError("no sequences to score")
    width = max(len(p) + len(r) for p, r in zip(prompts, responses, strict=True))
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(prompts), width), dtype=torch.long)
    response_mask = torch.zeros((len(prompts), width), dtype=torch.bool)
    for row, (prompt, response) in enumerate(zip(prompts, responses, strict=True)):
        if not prompt:
            raise ValueError(f"prompt {row} is empty: the first response token needs a token to follow")
        end = len(prompt) + len(response)
        ids[row, :end] = torch.tensor([*prompt, *response], dtype=torch.long)
        attention[row, :end] = 1
        response_mask[row, len(prompt):end] = True
    return ids.to(device), attention.to(device), response_mask.to(device)


def _score(model: Any, prompts: Sequence[Sequence[int]], responses: Sequence[Sequence[int]], temperature: float,
           pad_id: int, entropy: bool, block_inputs: Sequence[Any] | None = None,
           skip: int = 0, allowed: Sequence[Sequence[Sequence[int]] | None] | None = None,
           ) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    import torch

    device = next(model.parameters()).device
    ids, attention, response_mask = pack_right_padded(prompts, responses, pad_id, device)
    # The logit at position t predicts token t + 1: only positions first .. width - 2 are needed.
    first = min(len(p) for p in prompts) - 1
    width = ids.shape[1]
    kwargs: dict[str, Any] = {}
    if accepts_argument(model, "logits_to_keep"):  # skip the vocab projection of the prompts' shared head
        kwargs["logits_to_keep"] = torch.arange(first, width - 1, device=device)
    if block_inputs is None:
        logits = model(input_ids=ids, attention_mask=attention, use_cache=False, **kwargs).logits
    else:  # the states entering block `skip`, for every token but each row's last one
        from .models import skip_blocks

        if len(block_inputs) != len(prompts):
            raise ValueError(f"{len(block_inputs)} block inputs for {len(prompts)} sequences")
        hidden = block_inputs[0]
        embeds = hidden.new_zeros((len(prompts), width - 1, hidden.shape[-1]))
        for row, (prompt, response, states) in enumerate(zip(prompts, responses, block_inputs, strict=True)):
            if states.shape[0] != len(prompt) + len(response) - 1:
                raise ValueError(f"block inputs of row {row} cover {states.shape[0]} positions, "
                                 f"not {len(prompt) + len(response) - 1}")
            embeds[row, : states.shape[0]] = states.to(embeds.device)
        with skip_blocks(model, skip):
            logits = model(inputs_embeds=embeds, attention_mask=attention[:, : width - 1], use_cache=False,
                           **kwargs).logits
    if "logits_to_keep" not in kwargs:
        logits = logits[:, first: width - 1]
    targets = response_mask[:, first + 1:]
    selected = logits[targets]  # (response tokens in all rows, vocab), row by row
    keep = _allowed_mask(selected, responses, allowed)
    if keep is not None:  # constrained decoding: the distribution renormalized over the allowed ids
        selected = selected.masked_fill(~keep, float("-inf"))
    logp = scaled_log_softmax(selected, temperature)
    token_logp = logp.gather(-1, ids[:, first + 1:][targets].unsqueeze(-1)).squeeze(-1)
    lengths = [len(r) for r in responses]
    entropies = None
    if entropy:
        finite = logp if keep is None else logp.masked_fill(~keep, 0.0)  # 0 * -inf would be nan
        entropies = list((-(logp.exp() * finite).sum(-1)).split(lengths))
    return list(token_logp.split(lengths)), entropies


def _allowed_mask(selected: torch.Tensor, responses: Sequence[Sequence[int]],
                  allowed: Sequence[Sequence[Sequence[int]] | None] | None) -> torch.Tensor | None:
    """(response tokens, vocab) True where a token was allowed; None when no row was constrained."""
    if allowed is None or all(a is None for a in allowed):
        return None
    import torch

    if len(allowed) != len(responses):
        raise ValueError(f"{len(allowed)} allowed lists for {len(responses)} responses")
    keep = torch.ones(selected.shape, dtype=torch.bool, device=selected.device)
    offset = 0
    for row, (options, response) in enumerate(zip(allowed, responses, strict=True)):
        if options is not None:
            if len(options) != len(response):
                raise ValueError(f"row {row}: {len(options)} allowed lists for {len(response)} response tokens")
            for j, ids in enumerate(options):
                keep[offset + j] = False
                keep[offset + j, torch.as_tensor(list(ids), dtype=torch.long, device=selected.device)] = True
        offset += len(response)
    return keep


def block_inputs(model: Any, prompts: Sequence[Sequence[int]], responses: Sequence[Sequence[int]], index: int, *,
                 pad_id: int) -> list[torch.Tensor]:
    """Per sequence, the states entering block ``index`` at each position of ``prompt + response[:-1]``.

    One forward pass without gradients that stops at block ``index``; what :func:`sequence_logprobs`
    takes as ``block_inputs`` (with ``skip=index``) when the blocks below ``index`` are frozen.
    """
    import contextlib

    import torch

    from .models import BlockInputCaptured, capture_block_input

    device = next(model.parameters()).device
    ids, attention, _ = pack_right_padded(prompts, responses, pad_id, device)
    with torch.no_grad(), capture_block_input(model, index, stop=True) as captured, \
            contextlib.suppress(BlockInputCaptured):
        model(input_ids=ids[:, :-1], attention_mask=attention[:, :-1], use_cache=False)
    states = captured[0]
    return [states[row, : len(p) + len(r) - 1].clone() for row, (p, r) in enumerate(zip(prompts, responses,
                                                                                            strict=True))]


def sequence_logprobs(model: Any, prompt_ids_list: Sequence[Sequence[int]], response_ids_list: Sequence[Sequence[int]],
                      temperature: float = 1.0, *, pad_id: int, block_inputs: Sequence[Any] | None = None,
                      skip: int = 0, allowed: Sequence[Sequence[Sequence[int]] | None] | None = None,
                      ) -> list[torch.Tensor]:
    """Per sample, the float32 log-probs of its response tokens given its prompt (and the earlier response tokens).

    One forward pass over the batch, right-padded, without a KV cache; the result carries
    gradients when grad is enabled (a training step), and matches what an engine recorded when
    it sampled those tokens at this ``temperature`` (0 means greedy: log-probs at temperature 1).
    An empty response gives an empty tensor.

    ``block_inputs`` (from :func:`block_inputs` or an engine's capture) with ``skip`` = the block
    they enter runs only the blocks from ``skip`` up: the same numbers when the blocks below are
    frozen, for a fraction of the cost. ``allowed`` (per row, None or the allowed ids at each
    response token, as :attr:`Generation.allowed` records them) scores constrained decoding: each
    token's log-prob under the distribution renormalized over its allowed ids.
    """
    return _score(model, prompt_ids_list, response_ids_list, temperature, pad_id, entropy=False,
                  block_inputs=block_inputs, skip=skip, allowed=allowed)[0]


def sequence_logprobs_and_entropies(model: Any, prompt_ids_list: Sequence[Sequence[int]],
                                    response_ids_list: Sequence[Sequence[int]], temperature: float = 1.0, *,
                                    pad_id: int, block_inputs: Sequence[Any] | None = None,
                                    skip: int = 0, allowed: Sequence[Sequence[Sequence[int]] | None] | None = None,
                                    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Like :func:`sequence_logprobs`, plus the entropy of the sampling distribution at each response token."""
    logps, entropies = _score(model, prompt_ids_list, response_ids_list, temperature, pad_id, entropy=True,
                              block_inputs=block_inputs, skip=skip, allowed=allowed)
    assert entropies is not None
    return logps, entropies
