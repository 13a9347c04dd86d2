"""The CPT source samplers (ehrmind/seed_papers/bandit.py): fixed weights, EXP3, Thompson sampling, the loss reward.

Torch-free and fast. Expected values are derived by hand from the update rules written in the docstrings
(EXP3: Auer et al. 2002, with log-weights; Gaussian Thompson sampling), not read back from the code."""

from __future__ import annotations

import math
import random
import sys

import pytest

from ehrmind.seed_papers.bandit import Exp3, FixedMix, LossDecrease, Thompson, make_sampler


def test_module_is_torch_free():
    import importlib

    sys.modules.pop("ehrmind.seed_papers.bandit", None)
    before = "torch" in sys.modules
    importlib.import_module("ehrmind.seed_papers.bandit")
    if not before:
        assert "torch" not in sys.modules


def test_fixed_mix_samples_in_proportion_and_ignores_rewards():
    mix = FixedMix(["a", "b"], [3, 1], seed=0)
    assert mix.shares() == [0.75, 0.25]
    mix.update(1, 1.0)  # a fixed mix does not learn
    picks = [mix.choose() for _ in range(8000)]
    assert abs(picks.count(0) / len(picks) - 0.75) < 0.02
    assert mix.shares() == [0.75, 0.25]


@pytest.mark.parametrize("weights", [[1, -1], [0, 0], [1, float("nan")], [1]])
def test_fixed_mix_rejects_bad_weights(weights):
    with pytest.raises(ValueError, match="weight"):
        FixedMix(["a", "b"], weights)


def test_exp3_one_update_matches_the_hand_computed_rule():
    bandit = Exp3(["a", "b"], eta=0.1, gamma=0.1)
    assert bandit.shares() == pytest.approx([0.5, 0.5])
    bandit.update(0, 0.5)
    # by hand: log_w_a = 0.1 * 0.5 / 0.5 = 0.1; softmax = e^0.1 / (1 + e^0.1) = 0.524979;
    # p_a = 0.9 * 0.524979 + 0.05 = 0.522481
    assert bandit.shares()[0] == pytest.approx(0.9 * math.exp(0.1) / (1 + math.exp(0.1)) + 0.05, abs=1e-9)
    assert bandit.shares()[0] == pytest.approx(0.522481, abs=1e-6)


def test_exp3_moves_toward_the_paying_arm_and_keeps_exploring():
    bandit = Exp3(["good", "bad"], eta=0.2, gamma=0.1, seed=1)
    for _ in range(300):
        arm = bandit.choose()
        bandit.update(arm, 0.5 if arm == 0 else 0.0)
    good, bad = bandit.shares()
    assert good > 0.9
    assert bad >= 0.05 - 1e-12  # never below gamma / K: every source stays sampled
    assert good + bad == pytest.approx(1.0)


def test_exp3_discount_lets_the_mix_follow_a_change():
    def run(discount: float) -> float:
        bandit = Exp3(["a", "b"], eta=0.2, gamma=0.1, discount=discount, seed=3)
        for step in range(400):
            arm = bandit.choose()
            paying = 0 if step < 200 else 1  # the best source changes half-way
            bandit.update(arm, 0.5 if arm == paying else 0.0)
        return bandit.shares()[1]

    assert run(0.95) > 0.85  # forgets the old winner
    assert run(0.95) > run(1.0)


def test_exp3_survives_huge_weights():
    bandit = Exp3(["a", "b"], eta=50.0, gamma=0.01)
    for _ in range(100):
        bandit.update(0, 1.0)
    shares = bandit.shares()
    assert all(math.isfinite(s) for s in shares) and shares[0] == pytest.approx(1 - 0.005)


def test_thompson_prefers_the_arm_with_the_higher_mean():
    rng = random.Random(0)
    bandit = Thompson(["a", "b"], sigma=0.1, seed=2)
    assert bandit.shares() == pytest.approx([0.5, 0.5], abs=0.08)  # no evidence: a coin flip
    for _ in range(200):
        arm = bandit.choose()
        bandit.update(arm, (0.3 if arm == 0 else 0.0) + rng.gauss(0, 0.05))
    shares = bandit.shares()
    assert shares[0] > 0.9
    assert sum(shares) == pytest.approx(1.0)


def test_thompson_update_is_a_running_mean():
    bandit = Thompson(["a"], discount=1.0)
    for r in (0.2, 0.4, 0.9):
        bandit.update(0, r)
    assert bandit._mean[0] == pytest.approx(0.5)  # (0.2 + 0.4 + 0.9) / 3
    bandit.update(0, 5.0)  # clipped to 1.0 before it counts
    assert bandit._mean[0] == pytest.approx((0.2 + 0.4 + 0.9 + 1.0) / 4)


def test_same_seed_same_choices():
    def picks(seed):
        b = make_sampler("thompson", ["a", "b", "c"], seed=seed)
        out = []
        for i in range(50):
            arm = b.choose()
            out.append(arm)
            b.update(arm, 0.1 * (arm == i % 3))
        return out

    assert picks(7) == picks(7)


def test_loss_decrease_reward_raw():
    reward = LossDecrease(2, normalise=False)
    assert reward(0, 2.0) == 0.0  # first sight of a source: nothing to compare with
    assert reward(0, 1.5) == pytest.approx(0.5)  # 2.0 - 1.5
    assert reward(1, 4.0) == 0.0  # per source: source 1 has its own history
    assert reward(0, 1.75) == pytest.approx(-0.25)  # the loss rose: 1.5 - 1.75
    assert reward(0, 9.0) == -1.0  # clipped
    with pytest.raises(ValueError, match="diverged"):
        reward(1, float("nan"))


def test_loss_decrease_reward_normalised_by_its_running_magnitude():
    reward = LossDecrease(2, decay=0.5)
    reward(0, 2.0), reward(1, 2.0)
    # raw 0.5 (2.0 -> 1.5); scale starts at 0.5, so 0.5 / (2 * 0.5) = 0.5: an average decrease pays 0.5
    assert reward(0, 1.5) == pytest.approx(0.5)
    # raw 0.02 (2.0 -> 1.98); scale = 0.5 * 0.5 + 0.5 * 0.02 = 0.26; 0.02 / 0.52 = 0.0384615
    assert reward(1, 1.98) == pytest.approx(0.02 / 0.52)
    # the same tiny decreases later in training pay as much once they are the norm
    late = LossDecrease(1, decay=0.5)
    late(0, 1.0)
    assert late(0, 0.999) == pytest.approx(0.5)


def test_make_sampler_names():
    assert isinstance(make_sampler("bandit", ["a", "b"]), Exp3)
    assert isinstance(make_sampler("fixed", ["a", "b"], weights=[1, 2]), FixedMix)
    with pytest.raises(ValueError, match="use one of"):
        make_sampler("ucb", ["a"])
