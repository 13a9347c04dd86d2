"""Task families: one `TaskFamily` declaration per family, registered once, read by every stage.

    from ehrmind.tasks.family import families, get_family, family_of
    get_family("trial_match").sources          -> ("trec-ct",)
    family_of("ehrshot/lab_anemia").grader     -> "diagnosis_label"
    make_task_reward("diagnosis_label")        # the reward, also routed to rows of every family that names it

A family is what `ehrmind data build --tasks NAME` builds: which source kinds supply it, the builder, the
gold kinds and label choices its rows carry, its reward rubric (rewards, weights, options), the reward eval
grades correctness with, and its reliable pass@k threshold. Builders (`ehrmind.tasks.build`), reward routing
(`make_task_reward`, used by `ehrmind rl` and `ehrmind eval`), eval's graders, the warm-up's rubric cards
and the open-book/knowledge-card handling of calculator rows all read these declarations, so adding a family
is one module in `ehrmind/tasks/families/` defining `FAMILY = TaskFamily(...)` (found by listing that
package, like `calculators/defs/`), plus its tests. See docs/architecture.md, "Adding a task family".

Torch-free: a declaration names its builder as "module:function", imported only when it builds (a test
imports the registry and checks); the builder module imports the declaration's names, never the reverse.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ehrmind.tasks.sources import READERS
from rewards import make_reward

if TYPE_CHECKING:
    from ehrmind.tasks.schema import TaskRows
    from ehrmind.tasks.sources import BuildContext


class FamilyError(ValueError):
    """A family declaration is inconsistent (registered twice, unknown source kind, bad rubric)."""


@dataclass(frozen=True)
class RewardSpec:
    """One reward of a family's rubric: as a recipe's `rewards:` entry writes it."""

    name: str
    weight: float = 1.0
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskFamily:
    """The declaration of one task family; see the module docstring."""

    name: str  # the `task` column of its rows, or their prefix "<name>/" when `subtasks`
    order: int  # position in listings, build order within a source, eval order of the graders
    sources: tuple[str, ...]  # source kinds (`--source KIND:PATH`, `ehrmind.tasks.sources`) that supply it
    # rows of this family from one loaded source: the function, or "module:function" (imported when built,
    # so the declaration need not import its builder, which imports the declaration's names)
    build: Callable[[BuildContext], TaskRows] | str
    gold_kinds: tuple[str, ...]  # `gold.kind` of its rows (`rewards.gold`)
    grader: str  # the reward eval decides correctness with (`ehrmind eval`)
    rubric: tuple[RewardSpec, ...]  # the family's rewards in a recipe, with weights and options
    labels: tuple[str, ...] = ()  # label choices, when one set fits every row of the family
    subtasks: bool = False  # rows are "<name>/<subtask>"; `--tasks <name>/<subtask>` is accepted
    selector: str = ""  # how `--tasks` names one subtask, shown in errors (e.g. "ehrshot/<name>")
    cli_option: str = ""  # the family is selected by this `data build` option, not listed under --tasks
    calculator_rows: bool = False  # rows name a calculator: worked solutions, knowledge cards, open book
    reliable_share: float | None = None  # share of k samples that must be correct for "reliable pass@k"
    check_options: Callable[[Any, bool], None] | None = None  # (BuildOptions, selected) -> raise BuildError
    # "module:function"(BuildOptions): imports and compiles what the builder needs, in a background thread
    # while the sources are read (`ehrmind.tasks.build`); optional, never changes what is built
    prepare: str = ""
    # "module:function"(BuildContext) -> Any: called as soon as a source is read, before any builder, to
    # start work that needs no other family in the background (`ehrmind.tasks.background`; EHRSHOT's
    # labels, every patient's record: polars queries, which release the GIL), so it overlaps earlier
    # families' builders; returns a value or a Future, which the builder takes with
    # `ctx.prefetched_result(name)`. Optional, never changes what is built.
    prefetch: str = ""
    warmup_rubrics: Callable[[set[str]], list[tuple[str, str, str]]] | None = None  # tasks -> (task, q, a)
    help: str = ""  # one phrase for `--tasks` help

    def builder(self) -> Callable[[BuildContext], TaskRows]:
        """The build function (a "module:function" reference is imported here)."""
        return self.build if callable(self.build) else _resolve(self.build)

    def preparer(self) -> Callable[[Any], None] | None:
        """The `prepare` function (imported here), or None."""
        return _resolve(self.prepare) if self.prepare else None

    def prefetcher(self) -> Callable[[BuildContext], Any] | None:
        """The `prefetch` function (imported here), or None."""
        return _resolve(self.prefetch) if self.prefetch else None

    def owns(self, task: str) -> bool:
        """Whether a row's `task` belongs to this family."""
        return task == self.name or (self.subtasks and task.startswith(self.name + "/"))

    def routes(self) -> tuple[str, ...]:
        """The task selectors a reward grades for this family (a prefix ends with "/", `rewards.common`)."""
        return (self.name + "/",) if self.subtasks else (self.name,)

    def reward_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.grader, *(r.name for r in self.rubric)]))


def _resolve(reference: str) -> Callable[..., Any]:
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


_REGISTRY: dict[str, TaskFamily] = {}
_LOADED = False
PACKAGE = "ehrmind.tasks.families"


def register(family: TaskFamily) -> TaskFamily:
    """Add a family (the loader does this for every `FAMILY` in `ehrmind/tasks/families/`)."""
    if family.name in _REGISTRY and _REGISTRY[family.name] is not family:
        raise FamilyError(f"task family {family.name!r} is registered twice")
    if not family.name or "/" in family.name:
        raise FamilyError(f"task family name {family.name!r} must be non-empty and without '/'")
    if not callable(family.build) and family.build.count(":") != 1:
        raise FamilyError(f"task family {family.name!r}: build must be a function or 'module:function'")
    for hook in ("prepare", "prefetch"):
        reference = getattr(family, hook)
        if reference and reference.count(":") != 1:
            raise FamilyError(f"task family {family.name!r}: {hook} must be 'module:function' or empty")
    unknown = [k for k in family.sources if k not in READERS]
    if unknown or not family.sources:
        raise FamilyError(
            f"task family {family.name!r}: sources {list(family.sources)} must name source kinds among "
            f"{', '.join(READERS)} (a new kind is a reader in ehrmind/tasks/sources.py)"
        )
    _REGISTRY[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove a family (tests that declare a toy family clean up with this)."""
    _REGISTRY.pop(name, None)


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module(PACKAGE)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        if not isinstance(getattr(module, "FAMILY", None), TaskFamily):
            raise FamilyError(f"{PACKAGE}.{info.name} defines no FAMILY = TaskFamily(...)")
        register(module.FAMILY)
    _LOADED = True


def families() -> tuple[TaskFamily, ...]:
    """Every registered family, in declared order."""
    _load()
    return tuple(sorted(_REGISTRY.values(), key=lambda f: (f.order, f.name)))


def family_names() -> tuple[str, ...]:
    return tuple(f.name for f in families())


def get_family(name: str) -> TaskFamily:
    _load()
    if name not in _REGISTRY:
        raise FamilyError(f"unknown task family {name!r}; registered: {', '.join(family_names())}")
    return _REGISTRY[name]


def family_of(task: str) -> TaskFamily | None:
    """The family a row's `task` belongs to (None for derived tasks such as "pseudo/<task>")."""
    return next((f for f in families() if f.owns(task)), None)


def calculator_families() -> tuple[str, ...]:
    """Families whose rows name a calculator (worked solutions, knowledge cards, open book)."""
    return tuple(f.name for f in families() if f.calculator_rows)


def reward_tasks(reward: str) -> tuple[str, ...]:
    """Task selectors of every family whose grader or rubric names `reward`."""
    return tuple(t for f in families() if reward in f.reward_names() for t in f.routes())


def make_task_reward(name: str, **options: Any):
    """`rewards.make_reward(name, **options)`, also grading rows of every family that names the reward:
    a family declared outside `rewards` needs no edit there (rewards keep their own default routing)."""
    return make_reward(name, **options).routed(reward_tasks(name))


def eval_graders() -> tuple[str, ...]:
    """The rewards eval decides correctness with, one per family (first that applies to a row wins)."""
    return tuple(dict.fromkeys(f.grader for f in families()))


def reliable_shares() -> dict[str, float]:
    """Family name -> reliable pass@k threshold, for families that declare one."""
    return {f.name: f.reliable_share for f in families() if f.reliable_share is not None}
