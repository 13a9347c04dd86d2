"""Source samplers for continued pre-training: fixed weights, or a multi-armed bandit over data sources.

    from ehrmind.seed_papers.bandit import make_sampler, LossDecrease
    sampler = make_sampler("exp3", ["guidelines", "notes"], seed=0)
    arm = sampler.choose()                        # which source the next batch comes from
    sampler.update(arm, reward)                   # reward: that source's loss decrease
    sampler.shares()                              # current sampling probability of each source

Why: Citrus (arXiv:2502.18274) chooses the share of each continued-pre-training source online, as a
multi-armed bandit with the training loss as the signal. Each arm is a source; pulling it trains one batch
from it; the reward is how much that source's loss fell since it was last pulled (`LossDecrease`), so the
mix moves toward the sources the model is still learning from. Two bandits: EXP3 (adversarial, as in
Online Data Mixing, Albalak et al. 2023, arXiv:2312.02406) and Gaussian Thompson sampling. Both take a
`discount` so old evidence fades: a source that is learned out stops paying and its share falls back.

This module is torch-free and uses only `random` and `math`, so it is unit-tested on its own and its
behaviour is reproducible from the seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

MIXES = ("fixed", "exp3", "thompson")
FIRST_PULLS = 2  # a bandit pulls every source this often, in turn, before it chooses: a reward needs 2 losses


class FixedMix:
    """Sample sources in proportion to fixed weights (the baseline; `update` ignores rewards)."""

    def __init__(self, names: Sequence[str], weights: Sequence[float] | None = None, *, seed: int = 0) -> None:
        weights = list(weights) if weights is not None else [1.0] * len(names)
        if len(weights) != len(names):
            raise ValueError(f"{len(weights)} weight(s) for {len(names)} source(s): give one weight per source")
        bad = [(n, w) for n, w in zip(names, weights, strict=True) if not (w >= 0 and math.isfinite(w))]
        if bad or sum(weights) <= 0:
            raise ValueError(f"source weights must be finite, >= 0 and not all 0 (got {dict(zip(names, weights, strict=True))})")
        total = sum(weights)
        self.names = list(names)
        self._p = [w / total for w in weights]
        self._rng = random.Random(seed)

    def shares(self) -> list[float]:
        return list(self._p)

    def choose(self) -> int:
        return self._rng.choices(range(len(self._p)), weights=self._p)[0]

    def update(self, arm: int, reward: float) -> None:  # noqa: ARG002 - fixed weights learn nothing
        return None


class Exp3:
    """EXP3 with importance-weighted rewards, log-space weights, exploration `gamma` and `discount`.

    p_i = (1 - gamma) * softmax(log_w)_i + gamma / K; after pulling arm i with reward r,
    log_w_i += eta * r / p_i. Every update first multiplies all log-weights by `discount` (1 = classic
    EXP3), which keeps the sampler responsive when rewards drift, as loss decreases do during training.
    Rewards are expected in [-1, 1] (`LossDecrease`, clipped). The first FIRST_PULLS rounds visit every
    source in turn, so no source is judged on the 0 its first, reward-less pull gives."""

    def __init__(self, names: Sequence[str], *, eta: float = 0.1, gamma: float = 0.1, discount: float = 1.0,
                 seed: int = 0) -> None:
        if not names:
            raise ValueError("a bandit needs at least one source")
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma={gamma}: the exploration share must be in (0, 1]")
        if eta <= 0:
            raise ValueError(f"eta={eta}: the learning rate must be > 0")
        if not 0 < discount <= 1:
            raise ValueError(f"discount={discount}: must be in (0, 1]")
        self.names = list(names)
        self.eta, self.gamma, self.discount = eta, gamma, discount
        self._log_w = [0.0] * len(names)
        self._pulls = [0] * len(names)
        self._rng = random.Random(seed)

    def shares(self) -> list[float]:
        top = max(self._log_w)
        exp = [math.exp(w - top) for w in self._log_w]  # shifted: no overflow however large the weights grow
        total = sum(exp)
        k = len(exp)
        return [(1 - self.gamma) * e / total + self.gamma / k for e in exp]

    def choose(self) -> int:
        first = _first_round(self._pulls)
        return first if first is not None else self._rng.choices(range(len(self._log_w)), weights=self.shares())[0]

    def update(self, arm: int, reward: float) -> None:
        self._pulls[arm] += 1
        p = self.shares()[arm]
        self._log_w = [w * self.discount for w in self._log_w]
        self._log_w[arm] += self.eta * _clip(reward) / p


class Thompson:
    """Gaussian Thompson sampling on each source's mean reward, with discounted evidence.

    Each arm keeps a discounted count n and mean m of its rewards; to choose, draw m + sigma/sqrt(n + 1) * z
    per arm and take the largest. `shares` are the probabilities of each arm winning that draw, estimated
    by `share_draws` draws from a separate generator (so logging does not change which arms are chosen).
    The first FIRST_PULLS rounds visit every source in turn."""

    def __init__(self, names: Sequence[str], *, sigma: float = 0.1, discount: float = 1.0, share_draws: int = 512,
                 seed: int = 0) -> None:
        if not names:
            raise ValueError("a bandit needs at least one source")
        if sigma <= 0:
            raise ValueError(f"sigma={sigma}: the prior scale must be > 0")
        if not 0 < discount <= 1:
            raise ValueError(f"discount={discount}: must be in (0, 1]")
        self.names = list(names)
        self.sigma, self.discount, self.share_draws = sigma, discount, share_draws
        self._n = [0.0] * len(names)
        self._mean = [0.0] * len(names)
        self._pulls = [0] * len(names)
        self._rng = random.Random(seed)
        self._share_rng = random.Random(seed + 1)

    def _draw(self, rng: random.Random) -> int:
        draws = [m + self.sigma / math.sqrt(n + 1) * rng.gauss(0.0, 1.0) for m, n in zip(self._mean, self._n, strict=True)]
        return max(range(len(draws)), key=draws.__getitem__)

    def shares(self) -> list[float]:
        wins = [0] * len(self._n)
        for _ in range(self.share_draws):
            wins[self._draw(self._share_rng)] += 1
        return [w / self.share_draws for w in wins]

    def choose(self) -> int:
        first = _first_round(self._pulls)
        return first if first is not None else self._draw(self._rng)

    def update(self, arm: int, reward: float) -> None:
        self._pulls[arm] += 1
        self._n = [n * self.discount for n in self._n]
        self._n[arm] += 1.0
        self._mean[arm] += (_clip(reward) - self._mean[arm]) / self._n[arm]


class LossDecrease:
    """The bandit's reward: how much a source's training loss fell since that source was last trained on.

    raw = previous - current, in nats per token (every source goes through the same tokenizer and model, so
    the numbers compare across sources); the first observation of a source gives 0 (nothing to compare
    with). Absolute, not relative: near a loss of 0 a relative change is dominated by noise. With
    `normalise` (the default) raw is divided by twice the running mean |raw| over all sources (exponential
    average, `decay`), so an average decrease pays 0.5 and twice the average pays 1 whatever the scale:
    decreases shrink by orders of magnitude during training, and a fixed learning rate `eta` would otherwise
    stall. The result is clipped to [-1, 1]."""

    def __init__(self, n_sources: int, *, normalise: bool = True, decay: float = 0.9) -> None:
        self._last: list[float | None] = [None] * n_sources
        self.normalise, self.decay = normalise, decay
        self._scale: float | None = None

    def __call__(self, arm: int, loss: float) -> float:
        if not math.isfinite(loss):
            raise ValueError(f"source {arm}: loss is {loss}; training diverged (lower the learning rate)")
        previous, self._last[arm] = self._last[arm], loss
        if previous is None:
            return 0.0
        raw = previous - loss
        if not self.normalise:
            return _clip(raw)
        size = abs(raw)
        self._scale = size if self._scale is None else self.decay * self._scale + (1 - self.decay) * size
        return _clip(raw / (2 * self._scale)) if self._scale > 0 else 0.0


def make_sampler(mix: str, names: Sequence[str], *, weights: Sequence[float] | None = None, seed: int = 0,
                 eta: float = 0.1, gamma: float = 0.1, sigma: float = 0.1, discount: float = 1.0):
    """A sampler by name: "fixed" (weights), "exp3" or "thompson" ("bandit" means exp3)."""
    mix = "exp3" if mix == "bandit" else mix
    if mix == "fixed":
        return FixedMix(names, weights, seed=seed)
    if mix == "exp3":
        return Exp3(names, eta=eta, gamma=gamma, discount=discount, seed=seed)
    if mix == "thompson":
        return Thompson(names, sigma=sigma, discount=discount, seed=seed)
    raise ValueError(f"mix {mix!r}: use one of fixed, bandit (= exp3), exp3, thompson")


def _first_round(pulls: list[int]) -> int | None:
    """The least-pulled source while some source has fewer than FIRST_PULLS pulls, else None."""
    least = min(range(len(pulls)), key=pulls.__getitem__)
    return least if pulls[least] < FIRST_PULLS else None


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))
