"""The reward registry: every reward registered once, by name; recipes pick names, weights and options.

    from rewards import get_reward, make_reward, check_weights
    f = get_reward("medcalc_accuracy")                       # default options
    f(prompts=prompts, completions=completions, gold=gold, task=task)   # -> list[float | None]
    g = make_reward("format", fail_score=-2.0)               # 1.0 well formatted, -2.0 otherwise
    h = get_reward("ehrmind")                                # EHRMIND's scheme: -2 / 0 / 1.1, strict
    check_weights(["format", "calc_acuracy"], [0.2, 1.0])    # -> ["unknown reward 'calc_acuracy' ..."]

A reward is an instance of a registered `Reward` subclass: picklable, with `__name__` set to its
registered name (TRL logs reward functions by `__name__`) and TRL's signature
`f(prompts, completions, **columns) -> list[float | None]`, None meaning "not this reward's task".
The base class turns completions into text, checks column lengths, records `rewards.stats` and forwards
per-batch failure rates to TRL's `log_metric` when the trainer provides it. A subclass only scores.
Malformed completions come back as a score plus a counted reason; anything else (bad gold, missing
columns, bugs) raises.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rewards import stats
from rewards.completion import completion_text

Scores = list[float | None]
Reasons = list[str | None]


class RewardConfigError(ValueError):
    """A recipe names an unknown reward, an unknown option, or a bad weight."""


class Reward:
    """Base class of registered rewards; subclasses implement `score` and declare options in __init__."""

    name: ClassVar[str] = ""
    # Task names this reward grades (a prefix ends with "/"); empty: it does not route by task (`format`).
    # These are the rewards' own defaults, so the package grades rows on its own; ehrmind adds the task
    # families that name the reward (`routed`, from `ehrmind.tasks.family`).
    tasks: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.__name__ = type(self).name
        self._seen_reasons: set[str] = set()

    def __repr__(self) -> str:
        return f"<reward {self.__name__}>"

    def applies(self, task: Any) -> bool:
        """Whether this reward grades a row of `task` (None: no task column, every row)."""
        if task is None:
            return True
        if not isinstance(task, str):
            raise TypeError(f"task must be a string, got {task!r:.60}")
        # Answered once per task name: a batch repeats a handful of names (per-row matching cost ~20 % of a
        # cheap reward). Cleared by `routed`, the one place `tasks` changes; capped against unbounded names.
        known = self.__dict__.setdefault("_applies", {})
        hit = known.get(task)
        if hit is None:
            if len(known) >= 4096:
                known.clear()
            hit = known[task] = any(task == t or (t.endswith("/") and task.startswith(t)) for t in self.tasks)
        return hit

    def routed(self, tasks: Sequence[str]) -> Reward:
        """This reward (changed in place: route one you made, not `get_reward`'s shared instance), also grading
        rows of `tasks` (names, or prefixes ending with "/") beside its own defaults: how task families
        declared outside this package (`ehrmind.tasks.family.make_task_reward`) reach their rewards."""
        self.tasks = tuple(dict.fromkeys((*type(self).tasks, *tasks)))
        self.__dict__.pop("_applies", None)
        return self

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        raise NotImplementedError

    def __call__(
        self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] | None = None, **columns: Any
    ) -> Scores:
        if completions is None:
            raise TypeError(f"reward {self.__name__!r} needs completions=[...]")
        if type(completions) is list and all(map(str.__instancecheck__, completions)):
            texts = completions  # the common case, checked by C loops; `score` never changes its texts
        else:
            texts = [c if type(c) is str else completion_text(c) for c in completions]
        if prompts is not None and len(prompts) != len(texts):
            raise ValueError(f"{len(prompts)} prompts for {len(texts)} completions")
        scores, reasons = self.score(texts, columns, prompts)
        if len(scores) != len(texts) or len(reasons) != len(texts):
            raise AssertionError(
                f"reward {self.__name__!r} returned {len(scores)} scores for {len(texts)} rows"
            )
        batch = stats.record(self.__name__, scores, reasons)
        log_metric = columns.get("log_metric")
        if callable(log_metric) and batch.count:
            self._log(log_metric, batch)
        return scores

    def _log(self, log_metric: Callable[[str, float], None], batch: stats.RewardStats) -> None:
        # Per-batch fractions; a reason seen once keeps being logged (as 0 when absent) so TRL's averaging
        # over a logging window is not biased toward the batches where it occurred.
        self._seen_reasons.update(batch.failures)
        log_metric(f"{self.__name__}/fail_rate", sum(batch.failures.values()) / batch.count)
        for reason in sorted(self._seen_reasons):
            log_metric(f"{self.__name__}/fail/{reason}", batch.failures.get(reason, 0) / batch.count)


_REGISTRY: dict[str, type[Reward]] = {}
_DEFAULTS: dict[str, Reward] = {}


def register(name: str) -> Callable[[type[Reward]], type[Reward]]:
    """Class decorator: register a Reward subclass under `name` (once)."""

    def wrap(cls: type[Reward]) -> type[Reward]:
        if name in _REGISTRY:
            raise RewardConfigError(f"reward {name!r} is registered twice ({_REGISTRY[name]} and {cls})")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return wrap


def reward_names() -> list[str]:
    """Registered reward names, in registration order."""
    return list(_REGISTRY)


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name, _REGISTRY, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown reward {name!r}{hint} (registered: {', '.join(_REGISTRY)})"


def options_of(name: str) -> dict[str, Any]:
    """The options `make_reward(name, ...)` accepts, with their defaults."""
    if name not in _REGISTRY:
        raise RewardConfigError(_unknown(name))
    params = inspect.signature(_REGISTRY[name].__init__).parameters
    return {p.name: p.default for p in params.values() if p.name != "self" and p.kind == p.KEYWORD_ONLY}


def make_reward(name: str, **options: Any) -> Reward:
    """A reward with options (e.g. `make_reward("trial_label", partial_credit={...})`)."""
    accepted = options_of(name)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise RewardConfigError(
            f"reward {name!r} has no option(s) {', '.join(unknown)}; options: {', '.join(accepted) or 'none'}"
        )
    return _REGISTRY[name](**options)


def get_reward(name: str) -> Reward:
    """The reward `name` with default options (one shared instance)."""
    if name not in _DEFAULTS:
        _DEFAULTS[name] = make_reward(name)
    return _DEFAULTS[name]


def check_weights(
    names: Sequence[str], weights: Sequence[float] | None, options: Sequence[Mapping[str, Any]] | None = None
) -> list[str]:
    """Every problem with a recipe's reward list (empty when it is fine); nothing is raised."""
    problems = [_unknown(n) for n in names if n not in _REGISTRY]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            problems.append(f"reward {n!r} is listed twice; TRL logs rewards by name, so give it once")
        seen.add(n)
    if weights is not None:
        try:
            pairs = list(zip(names, weights, strict=True))
        except ValueError:
            problems.append(
                f"{len(names)} reward names but {len(weights)} weights; give one weight per reward"
            )
            pairs = []
        for n, w in pairs:
            if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w):
                problems.append(
                    f"weight of reward {n!r} is {w!r}; use a finite number (0 logs without training)"
                )
    if options is not None:
        try:
            pairs_o = list(zip(names, options, strict=True))
        except ValueError:
            problems.append(f"{len(names)} reward names but {len(options)} option sets")
            pairs_o = []
        for n, opts in pairs_o:
            if n in _REGISTRY:
                extra = sorted(set(opts) - set(options_of(n)))
                if extra:
                    problems.append(f"reward {n!r} has no option(s) {', '.join(extra)}")
                    continue
                try:  # build it: option values are checked here, not on the first batch of training
                    make_reward(n, **opts)
                except (RewardConfigError, TypeError, ValueError) as exc:
                    problems.append(f"reward {n!r}: {exc}")
    if not names:
        problems.append("no rewards listed; add at least one, e.g. format and calc_accuracy")
    return problems
