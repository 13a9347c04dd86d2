"""Reading recipes and layering overrides: the one path every command and multi-stage recipe goes through.

    parse_overrides(["training.learning_rate=1e-5"])      # --set: {"training": {"learning_rate": 1e-05}}
    nested({"training.max_steps": 2})                      # a recipe's dotted keys: {"training": {"max_steps": 2}}
    command_overrides(model=..., out=..., sets=[...])      # what the CLI's flags and --set put over a recipe

Why one module: `ehrmind rl|warmup|eval|prefer|pretrain`, the MedSSR curriculum and the Citrus staged warm-up
all read a YAML mapping, turn dotted keys into sections, merge layers (recipe < plan < stage < command line)
and report pydantic errors with their location. Written once here, they cannot drift apart. This module
knows nothing of the recipe schema (`ehrmind.config`), so everything may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


class ConfigError(ValueError):
    """Every problem found in one recipe, with its location."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        body = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{body}")


class Strict(BaseModel):
    """Base of every recipe section: an unknown key is an error, assignments are validated too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """["training.learning_rate=1e-5", "lora.enabled=true"] -> nested dict (values read as YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError("--set", [f"{item!r}: expected section.field=value"])
        key, raw = item.split("=", 1)
        value = yaml.safe_load(raw) if raw.strip() else None
        out = deep_merge(out, nested({key.strip(): value}))
    return out


def nested(overrides: dict[str, Any]) -> dict[str, Any]:
    """{"training.max_steps": 2, "lora": {"r": 8}} -> {"training": {"max_steps": 2}, "lora": {"r": 8}}."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        node: dict[str, Any] = {}
        parts = str(key).split(".")
        leaf = node
        for part in parts[:-1]:
            leaf = leaf.setdefault(part, {})
        leaf[parts[-1]] = nested(value) if isinstance(value, dict) else value
        out = deep_merge(out, node)
    return out


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`update` over `base`, section by section (a non-mapping value replaces what was there)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def command_overrides(*, model: str | None = None, data: str | None = None, out: str | None = None,
                      trust: bool = False, download: bool = False, sets: Iterable[str] | None = None) -> dict[str, Any]:
    """What a command's flags put over a recipe: --model, --data, --out, the trust flags, then --set.

    A flag that is off leaves the recipe's value alone (`--trust-remote-code` only ever turns it on)."""
    overrides: dict[str, Any] = {}
    if model:
        overrides = deep_merge(overrides, {"model": {"path": model}})
    if data:
        overrides = deep_merge(overrides, {"data": {"train": data, "eval": data}})
    if out:
        overrides = deep_merge(overrides, {"output_dir": out})
    if trust:
        overrides = deep_merge(overrides, {"model": {"trust_remote_code": True}})
    if download:
        overrides = deep_merge(overrides, {"model": {"allow_download": True}})
    return deep_merge(overrides, parse_overrides(sets or []))


def read_mapping(path: str | Path, source: str, what: str = "recipe file") -> dict[str, Any]:
    """A YAML file's top-level mapping, or a ConfigError saying why not (missing, not YAML, not a mapping)."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(source, [f"{what} {p} does not exist"])
    try:
        with p.open() as fh:  # a stream, so YAML errors name the file instead of "<unicode string>"
            raw = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(source, ["the recipe must be a YAML mapping"])
    return raw


def error_lines(exc: ValidationError, hint: Callable[[dict[str, Any]], str] = lambda err: "") -> list[str]:
    """One "location: message (got value)" line per pydantic error; `hint` may add e.g. a did-you-mean."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        lines.append(f"{loc}: {err['msg']}{shown}{hint(err)}")
    return lines


def duplicate_names(names: list[str], where: str) -> list[str]:
    """A problem per name used more than once (stage names, corpus sources)."""
    return [f"{where}: name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})]


def stage_layers(layers: list[dict[str, Any]], common: dict[str, Any], own: dict[str, Any], index: int) -> dict[str, Any]:
    """One stage of a multi-stage recipe: the plan's layers (dotted or nested, lowest first), then the command
    line for every stage, then the command line for this stage. Later stages start from the previous stage's
    model, known only at run time: their model path is cleared and the tiny fallback stands in when checked."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, nested(layer))
    merged = deep_merge(deep_merge(merged, common), own)
    if index > 0:
        merged = deep_merge(merged, {"model": {"path": None, "fallback": "tiny"}})
    return merged


def split_stage_overrides(overrides: dict[str, Any] | None, names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """--set for every stage, and `--set <stage name>.key=value` per stage name."""
    common = dict(overrides or {})
    own = {n: common.pop(n) for n in names if isinstance(common.get(n), dict)}
    return common, own
