"""Per-reward statistics: mean score and parse failures counted by reason, for the training logs.

Every registered reward records each batch here. The training loop reads and clears the totals at each
logging step, for example from a `TrainerCallback.on_log`:

    import rewards
    logs.update(rewards.stats.snapshot_and_reset())
    # {"format/mean": 0.82, "format/count": 512, "format/fail/missing_answer_tag": 31, ...}

Rewards also report each batch through TRL's `log_metric` keyword when the trainer passes one (TRL >= 1.x
GRPOTrainer does), so nothing needs wiring for GRPO; this module is the interface for everything else
(evaluation, benchmarks, other trainers). Counting is guarded by a lock because TRL may run rewards from
an event-loop thread.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class RewardStats:
    """Running totals for one reward: rows scored, score sum, rows skipped (None), failures by reason."""

    count: int = 0
    total: float = 0.0
    skipped: int = 0
    failures: Counter = field(default_factory=Counter)
    skips: Counter = field(default_factory=Counter)  # why rows the reward could not use were skipped

    def add(self, scores: Sequence[float | None], reasons: Sequence[str | None]) -> None:
        if type(scores) is list and type(reasons) is list and None not in scores:
            # Every row scored (the common batch): counted by C loops instead of a Python one. The same
            # totals: `sum` with a float start adds in order, as `+=` does, and Counter keeps first-seen order.
            if len(scores) != len(reasons):
                raise ValueError(f"{len(scores)} scores for {len(reasons)} reasons")
            self.count += len(scores)
            self.total = sum(scores, self.total)
            failures = Counter(reasons)
            failures.pop(None, None)
            self.failures.update(failures)
            return
        for score, reason in zip(scores, reasons, strict=True):
            if score is None:
                self.skipped += 1
                if reason is not None:
                    self.skips[reason] += 1
                continue
            self.count += 1
            self.total += score
            if reason is not None:
                self.failures[reason] += 1

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def metrics(self, name: str) -> dict[str, float]:
        out = {f"{name}/mean": self.mean, f"{name}/count": float(self.count)}
        if self.count:
            out[f"{name}/fail_rate"] = sum(self.failures.values()) / self.count
        out.update({f"{name}/fail/{reason}": float(n) for reason, n in sorted(self.failures.items())})
        out.update({f"{name}/skip/{reason}": float(n) for reason, n in sorted(self.skips.items())})
        return out


_LOCK = threading.Lock()
_STATS: dict[str, RewardStats] = {}


def record(name: str, scores: Sequence[float | None], reasons: Sequence[str | None]) -> RewardStats:
    """Add one batch to the totals of reward `name`; returns that batch's own stats."""
    batch = RewardStats()
    batch.add(scores, reasons)
    with _LOCK:
        totals = _STATS.setdefault(name, RewardStats())
        totals.count += batch.count
        totals.total += batch.total
        totals.skipped += batch.skipped
        totals.failures.update(batch.failures)
        totals.skips.update(batch.skips)
    return batch


def snapshot() -> dict[str, float]:
    """Metrics of every reward since the last reset (keys like `format/fail/missing_answer_tag`)."""
    with _LOCK:
        return {k: v for name, st in _STATS.items() for k, v in st.metrics(name).items()}


def snapshot_and_reset() -> dict[str, float]:
    """`snapshot()`, then clear the totals (call once per logging step)."""
    with _LOCK:
        out = {k: v for name, st in _STATS.items() for k, v in st.metrics(name).items()}
        _STATS.clear()
    return out


def reset() -> None:
    with _LOCK:
        _STATS.clear()


def get(name: str) -> RewardStats:
    """A copy of one reward's totals (an empty RewardStats when it has not run)."""
    with _LOCK:
        st = _STATS.get(name, RewardStats())
        return RewardStats(st.count, st.total, st.skipped, Counter(st.failures), Counter(st.skips))
