"""LLM-policy losses: masks, the PPO clip, aggregation modes, KL estimators, entropy, value loss, value head."""

from __future__ import annotations

import math

import pytest
import torch

from agentgym.trainers.llm.losses import (
    AGGREGATIONS,
    ValueHead,
    aggregate,
    entropy_from_logits,
    kl_penalty,
    masked_mean,
    masked_sum,
    policy_loss,
    value_loss,
)


def ragged_batch(seed: int = 0):
    """Three rows laid out prompt | response | padding, with garbage (-inf, NaN) outside the response."""
    g = torch.Generator().manual_seed(seed)
    B, L = 3, 7
    mask = torch.zeros(B, L, dtype=torch.bool)
    mask[0, 2:6] = True  # prompt 2, response 4, pad 1
    mask[1, 3:5] = True  # prompt 3, response 2, pad 2
    mask[2, 1:7] = True  # prompt 1, response 6
    old = -torch.rand(B, L, generator=g) * 3
    logp = (old + 0.05 * torch.randn(B, L, generator=g)).clone()
    logp[~mask] = float("-inf")  # what padding log-probs can look like
    old[~mask] = float("nan")
    adv = torch.randn(B, L, generator=g)
    adv[~mask] = float("nan")
    return logp.requires_grad_(), old, adv, mask


# --- masks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_gradients_are_zero_exactly_on_prompt_and_padding(aggregation):
    logp, old, adv, mask = ragged_batch()
    loss, stats = policy_loss(logp, old, adv, mask, aggregation=aggregation)
    assert torch.isfinite(loss)
    assert all(math.isfinite(v) for v in stats.values())
    loss.backward()
    grad = logp.grad
    assert torch.all(grad[~mask] == 0.0)
    assert torch.all(grad[mask] != 0.0)


def test_masked_helpers_ignore_garbage_and_handle_empty_masks():
    x = torch.tensor([[1.0, float("nan")], [3.0, float("inf")]])
    mask = torch.tensor([[1, 0], [1, 0]])
    assert masked_sum(x, mask).item() == 4.0
    assert masked_mean(x, mask).item() == 2.0
    assert masked_mean(x, mask, dim=1).tolist() == [1.0, 3.0]
    assert masked_mean(x, torch.zeros(2, 2)).item() == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        masked_sum(x, torch.ones(3))


# --- the clip -----------------------------------------------------------------------------------


def one_token_grad(log_ratio: float, advantage: float, clip_low: float = 0.2, clip_high: float = 0.2) -> float:
    logp = torch.tensor([[log_ratio]], requires_grad=True)
    loss, _ = policy_loss(
        logp, torch.zeros(1, 1), torch.tensor([[advantage]]), torch.ones(1, 1), clip_low=clip_low, clip_high=clip_high
    )
    loss.backward()
    return logp.grad.item()


def test_clip_removes_the_gradient_only_where_ppo_says_so():
    high, low = math.log(1.5), math.log(0.5)  # ratios 1.5 and 0.5, outside [0.8, 1.2]
    assert one_token_grad(high, +1.0) == 0.0  # already more likely, good action: no further push
    assert one_token_grad(low, -1.0) == 0.0  # already less likely, bad action: no further push
    # the other sides are not clipped: the gradient of -ρA w.r.t. log π is -ρA
    assert one_token_grad(high, -1.0) == pytest.approx(1.5)
    assert one_token_grad(low, +1.0) == pytest.approx(-0.5)
    # inside the range: the plain policy gradient
    assert one_token_grad(math.log(1.1), 2.0) == pytest.approx(-2.2)


def test_clip_higher_is_asymmetric():
    ratio_1_25 = math.log(1.25)
    assert one_token_grad(ratio_1_25, 1.0, clip_high=0.2) == 0.0
    assert one_token_grad(ratio_1_25, 1.0, clip_high=0.28) == pytest.approx(-1.25)
    ratio_0_75 = math.log(0.75)
    assert one_token_grad(ratio_0_75, -1.0, clip_low=0.2) == 0.0
    assert one_token_grad(ratio_0_75, -1.0, clip_low=0.3) == pytest.approx(0.75)


def test_policy_loss_stats():
    ratios = torch.tensor([[1.5, 0.5, 1.0, 1.1]])
    logp = ratios.log()
    adv = torch.tensor([[1.0, -1.0, 1.0, 1.0]])
    _, stats = policy_loss(logp, torch.zeros(1, 4), adv, torch.ones(1, 4))
    assert stats["clip_fraction"] == pytest.approx(0.5)
    assert stats["ratio_mean"] == pytest.approx(1.025)
    assert stats["ratio_max"] == pytest.approx(1.5)
    assert stats["ratio_min"] == pytest.approx(0.5)
    expected_kl = sum(r - 1 - math.log(r) for r in ratios[0].tolist()) / 4
    assert stats["approx_kl"] == pytest.approx(expected_kl)
    # on-policy (first epoch): ratio 1, nothing clipped, KL 0
    logp, _, adv, mask = ragged_batch()
    _, stats = policy_loss(logp, logp.detach(), adv, mask)
    assert stats["clip_fraction"] == 0.0 and stats["approx_kl"] == pytest.approx(0.0, abs=1e-7)
    assert stats["ratio_max"] == 1.0


def test_policy_loss_value_on_policy_is_minus_the_mean_advantage():
    logp, _, adv, mask = ragged_batch()
    loss, _ = policy_loss(logp, logp.detach(), adv, mask)
    assert loss.item() == pytest.approx(-adv[mask].mean().item(), rel=1e-6)


def test_per_row_advantages_broadcast():
    logp, old, _, mask = ragged_batch()
    row_adv = torch.tensor([1.0, -0.5, 2.0])
    a, _ = policy_loss(logp, old, row_adv, mask)
    b, _ = policy_loss(logp, old, row_adv[:, None].expand(3, 7), mask)
    assert a.item() == b.item()


def test_policy_loss_rejects_bad_input():
    logp, old, adv, mask = ragged_batch()
    with pytest.raises(ValueError, match="shapes differ"):
        policy_loss(logp, old[:, :3], adv, mask)
    with pytest.raises(ValueError, match="unknown aggregation"):
        policy_loss(logp, old, adv, mask, aggregation="mean")
    with pytest.raises(ValueError, match="clip"):
        policy_loss(logp, old, adv, mask, clip_low=1.5)


# --- aggregation --------------------------------------------------------------------------------


def test_aggregation_modes_hand_computed_on_a_ragged_batch():
    # On-policy (ratio 1), the per-token loss is -A: choose A to make the sums easy.
    mask = torch.tensor([[0, 1, 1, 1, 0], [0, 0, 1, 0, 0]], dtype=torch.bool)  # 3 and 1 response tokens
    adv = torch.tensor([[9.0, 1.0, 2.0, 3.0, 9.0], [9.0, 9.0, 8.0, 9.0, 9.0]])
    logp = torch.full((2, 5), -1.0)

    def loss(mode, **kw):
        return policy_loss(logp, logp, adv, mask, aggregation=mode, **kw)[0].item()

    assert loss("token-mean") == pytest.approx(-(1 + 2 + 3 + 8) / 4)  # DAPO: every token alike
    assert loss("seq-mean-token-mean") == pytest.approx(-((1 + 2 + 3) / 3 + 8 / 1) / 2)  # GRPO: every row alike
    assert loss("seq-mean-token-sum") == pytest.approx(-(6 + 8) / 2)
    assert loss("seq-mean-token-sum-norm") == pytest.approx(-(6 + 8) / 2 / 5)  # Dr. GRPO: constant L_max
    assert loss("seq-mean-token-sum-norm", max_length=100) == pytest.approx(-(6 + 8) / 2 / 100)


def test_seq_mean_token_mean_skips_rows_without_response():
    x = torch.tensor([[2.0, 4.0], [100.0, 100.0]])
    mask = torch.tensor([[1, 1], [0, 0]])
    assert aggregate(x, mask, "seq-mean-token-mean").item() == 3.0
    assert aggregate(x, torch.zeros(2, 2), "seq-mean-token-mean").item() == 0.0
    with pytest.raises(ValueError, match="max_length"):
        aggregate(x, mask, "seq-mean-token-sum-norm", max_length=0)


# --- KL -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["k1", "k2", "k3"])
def test_kl_is_zero_on_identical_distributions(kind):
    logp, _, _, mask = ragged_batch()
    kl = kl_penalty(logp, logp.detach(), mask, kind)
    assert kl.shape == mask.shape
    assert torch.all(kl == 0.0)


def test_kl_estimators_values_and_signs():
    g = torch.Generator().manual_seed(1)
    logp = -torch.rand(4, 6, generator=g) * 4
    ref = -torch.rand(4, 6, generator=g) * 4
    mask = torch.ones(4, 6, dtype=torch.bool)
    mask[:, :2] = False
    log_r = ref - logp
    k1, k2, k3 = (kl_penalty(logp, ref, mask, k) for k in ("k1", "k2", "k3"))
    torch.testing.assert_close(k1[mask], -log_r[mask])
    torch.testing.assert_close(k2[mask], 0.5 * log_r[mask] ** 2)
    torch.testing.assert_close(k3[mask], log_r[mask].exp() - 1 - log_r[mask])
    assert (k1 < 0).any()  # k1 can be negative per sample
    assert torch.all(k3 >= 0) and torch.all(k2 >= 0)
    assert torch.all(k1[~mask] == 0) and torch.all(k3[~mask] == 0)
    with pytest.raises(ValueError, match="k1"):
        kl_penalty(logp, ref, mask, "k4")


def test_k1_and_k3_are_unbiased_estimates_of_the_kl():
    # tokens sampled from π; KL(π ‖ π_ref) exactly from the two categorical distributions
    g = torch.Generator().manual_seed(0)
    log_pi = torch.log_softmax(torch.randn(5, generator=g), -1)
    log_ref = torch.log_softmax(torch.randn(5, generator=g), -1)
    exact = (log_pi.exp() * (log_pi - log_ref)).sum().item()
    tokens = torch.multinomial(log_pi.exp(), 200_000, replacement=True, generator=g)[None]
    mask = torch.ones_like(tokens, dtype=torch.bool)
    for kind in ("k1", "k3"):
        estimate = kl_penalty(log_pi[tokens], log_ref[tokens], mask, kind).mean().item()
        assert estimate == pytest.approx(exact, rel=0.05)


def test_kl_gradient_is_zero_outside_the_mask():
    logp, _, _, mask = ragged_batch()
    ref = torch.where(mask, logp.detach() - 0.3, torch.tensor(float("nan")))
    kl_penalty(logp, ref, mask, "k3").sum().backward()
    assert torch.all(logp.grad[~mask] == 0.0) and torch.all(logp.grad[mask] != 0.0)


# --- entropy ------------------------------------------------------------------------------------


def test_entropy_of_uniform_is_log_v():
    V = 50
    h = entropy_from_logits(torch.full((2, 3, V), 1.7), torch.ones(2, 3))
    torch.testing.assert_close(h, torch.full((2, 3), math.log(V)))


def test_entropy_matches_the_definition_chunked_masked_and_bf16():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 11, generator=g) * 3
    mask = torch.rand(3, 5, generator=g) > 0.4
    p = torch.softmax(logits, -1)
    expected = -(p * torch.log(p)).sum(-1)
    h = entropy_from_logits(logits, mask, chunk_size=2)
    torch.testing.assert_close(h[mask], expected[mask])
    assert torch.all(h[~mask] == 0)
    torch.testing.assert_close(entropy_from_logits(logits), expected)  # no mask: every position
    h16 = entropy_from_logits(logits.bfloat16(), mask)
    assert h16.dtype == torch.float32
    torch.testing.assert_close(h16[mask], expected[mask], atol=0.05, rtol=0.02)
    one_hot = torch.full((1, 1, 4), -1e4)
    one_hot[..., 2] = 0.0
    assert entropy_from_logits(one_hot).item() == pytest.approx(0.0, abs=1e-6)


def test_entropy_is_differentiable_and_masked():
    logits = torch.randn(2, 4, 6, requires_grad=True)
    mask = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.bool)
    entropy_from_logits(logits, mask, chunk_size=1).sum().backward()
    assert torch.all(logits.grad[~mask] == 0)
    assert torch.all(logits.grad[mask].abs().sum(-1) > 0)


# --- value loss and value head ------------------------------------------------------------------


def test_value_loss_unclipped_and_clipped_hand_computed():
    values = torch.tensor([1.0, 3.0, 0.0], requires_grad=True)
    returns = torch.tensor([0.0, 1.0, 5.0])
    mask = torch.tensor([1, 1, 0])
    loss, stats = value_loss(values, returns, mask)
    assert loss.item() == pytest.approx(0.5 * (1 + 4) / 2)
    assert stats["value_mse"] == pytest.approx(2.5)
    old = torch.tensor([0.5, 1.0, 0.0])
    # clip 0.2: V_clip = [0.7, 1.2]; errors max((1)², (.7)²) = 1, max((2)², (.2)²) = 4: no effect here
    loss, stats = value_loss(values, returns, mask, old_values=old, clip=0.2)
    assert loss.item() == pytest.approx(1.25) and stats["value_clip_fraction"] == 0.0
    # old far on the other side: V_clip = old + .2 is further from R, so it wins (pessimistic)
    old = torch.tensor([2.0, 3.0, 0.0])
    loss, stats = value_loss(values, returns, mask, old_values=old, clip=0.2)
    # V_clip = [1.8, 3.0]: errors max(1, 3.24) = 3.24, max(4, 4) = 4 (a tie: not counted as clipped)
    assert loss.item() == pytest.approx(0.5 * (3.24 + 4) / 2)
    assert stats["value_clip_fraction"] == pytest.approx(0.5)
    loss.backward()
    assert values.grad[0] == 0.0  # the clipped (constant) branch won
    assert values.grad[2] == 0.0  # masked
    with pytest.raises(ValueError, match="old_values"):
        value_loss(values, returns, mask, clip=0.2)


def test_value_head_reads_the_last_prompt_token():
    torch.manual_seed(0)
    head = ValueHead(hidden_size=6)
    hidden = torch.randn(2, 5, 6)
    assert torch.all(head(hidden, positions=torch.tensor([1, 3])) == 0)  # zero init
    with torch.no_grad():
        head.linear.weight.normal_()
        head.linear.bias.fill_(0.5)
    values = head(hidden, positions=torch.tensor([1, 3]))
    expected = torch.stack([hidden[0, 1], hidden[1, 3]]) @ head.linear.weight[0] + 0.5
    torch.testing.assert_close(values, expected)
    torch.testing.assert_close(head(hidden[:, 2]), hidden[:, 2] @ head.linear.weight[0] + 0.5)
    # bf16 hidden states from the LM: the head computes in its own float32
    assert head(hidden.bfloat16(), positions=torch.tensor([0, 0])).dtype == torch.float32
    with pytest.raises(ValueError, match="positions must lie"):
        head(hidden, positions=torch.tensor([1, 5]))
    with pytest.raises(ValueError, match=r"\(B,\)"):
        head(hidden, positions=torch.tensor([1]))


def test_value_head_trains_toward_returns():
    torch.manual_seed(0)
    head = ValueHead(hidden_size=4)
    hidden = torch.randn(8, 3, 4)
    positions = torch.full((8,), 2)
    returns = hidden[:, 2] @ torch.tensor([1.0, -2.0, 0.5, 0.0]) + 1.0
    opt = torch.optim.Adam(head.parameters(), lr=0.1)
    for _ in range(300):
        loss, _ = value_loss(head(hidden, positions), returns, torch.ones(8))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-4
