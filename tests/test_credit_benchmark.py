"""The grading of benchmarks/credit.py: rank correlation, sign agreement, decisive-step recall."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from credit import grade, mc_value_gae, rank, spearman  # noqa: E402

from agentgym.core import Trajectory  # noqa: E402


def test_ranks_average_ties_and_spearman_is_rank_pearson():
    assert rank(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [2.5, 0.0, 2.5, 1.0]
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert spearman(x, x ** 3) == pytest.approx(1.0)
    assert spearman(x, -x) == pytest.approx(-1.0)
    assert spearman(x, np.ones(5)) == 0.0  # a constant credit carries no ranking


def test_grade_counts_decisive_steps_only_when_they_stand_out_with_the_right_sign():
    truth = [np.array([0.0, 1.0, 0.0]), np.array([0.0, -1.0])]
    decisive = [np.array([0, 1, 0]), np.array([0, -1])]
    exact = grade([t.copy() for t in truth], truth, decisive, np.array([1.0, 0.0]))
    assert exact["spearman"] == pytest.approx(1.0) and exact["sign_agreement"] == 1.0
    assert exact["decisive_recall"] == 1.0 and exact["decisive_steps"] == 2
    assert exact["sum_minus_outcome"] == pytest.approx(0.5)  # |1 - 1| and |-1 - 0|
    flat = grade([np.ones(3), -np.ones(2)], truth, decisive, np.array([1.0, 0.0]))
    assert flat["decisive_recall"] == 0.0  # the same credit everywhere singles nothing out
    wrong_sign = grade([np.array([0.0, -2.0, 0.0]), np.array([0.0, 2.0])], truth, decisive, np.zeros(2))
    assert wrong_sign["decisive_recall"] == 0.0 and wrong_sign["sign_agreement"] == 0.0


def test_gae_baseline_uses_the_batch_mean_return_of_each_state():
    a, b = Trajectory(), Trajectory()
    a.append("s", "x", 0.0); a.append("t", "y", 1.0, terminated=True)  # noqa: E702
    b.append("s", "x", 0.0); b.append("u", "z", 0.0, terminated=True)  # noqa: E702
    adv = mc_value_gae([a, b], lam=1.0)
    # V(s) = 0.5, V(t) = 1, V(u) = 0: with λ = 1 the advantage is the return minus V
    np.testing.assert_allclose(adv[0], [0.5, 0.0])
    np.testing.assert_allclose(adv[1], [-0.5, 0.0])
