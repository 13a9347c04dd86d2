"""Recipe sections -> the TRL config class of a training stage: a checked pass-through, like open-r1's TrlParser.

    trl_class(config)                    # SFTConfig (warmup), GRPOConfig (rl), DPOConfig / CPOConfig (prefer)
    trl_kwargs(config, run_dir)          # the keyword arguments the stage builds it with
    extra_key_problems(raw, declared)    # a raw recipe's other TRL keys: name and type checked, with location
    construction_problems(config)        # TRL's own __post_init__ checks, run at load time

Why: the recipe sections `training`, `generation`, `grpo` and `prefer` hold TRL's settings. Every key of the
sections a stage feeds (STAGE_SECTIONS) that is a field of its TRL class goes to it under its own name; the
keys typed in `ehrmind.config` carry ehrmind's defaults and bounds, and any other field of the class may be
written too (`training.adam_beta2: 0.99`, `grpo.epsilon_high: 0.28`): its name is checked against the class's
dataclass fields (did-you-mean on a typo) and its value against the field's type. Building the class at load
time turns TRL's own checks (e.g. a generation batch that does not hold whole groups) into ConfigError lines,
before any model loads. Nothing here copies TRL's field list; renames live in RENAMED only.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib.util
import os
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import PydanticSchemaGenerationError, TypeAdapter, ValidationError

from ehrmind.batch import accumulation_steps, world_size
from ehrmind.stages.precision import cpu_distributed, has_accelerator, training_precision

if TYPE_CHECKING:  # type hints only: ehrmind.config imports this module
    from ehrmind.config import RunConfig

STAGE_SECTIONS = {"warmup": ("training",), "rl": ("training", "generation", "grpo"), "prefer": ("training", "prefer")}
TRL_SECTIONS = ("training", "generation", "grpo", "prefer")  # sections that may hold other TRL fields

# The one place for recipe spellings that TRL / transformers renamed, so recipes keep working:
# transformers 5 folded `warmup_ratio` into `warmup_steps` (a float < 1 is a ratio of the total steps).
RENAMED = {"warmup_ratio": "warmup_steps"}

# Fields ehrmind sets itself from other settings; a recipe that sets them is told where they come from.
MANAGED = {
    "output_dir": "the run directory: --out / output_dir and run_name",
    "gradient_accumulation_steps": "training.gradient_accumulation_steps, or derived from the global batch",
    "data_seed": "training.seed",
    "bf16": "training.bf16 and model.dtype",
    "fp16": "model.dtype: fp16",
    "use_cpu": "the machine and the launch",
    "report_to": "metrics.jsonl in the run directory",
    "save_only_model": "checkpoints keep the optimizer state so --resume continues exactly",
    "dataloader_num_workers": "ehrmind (rows are in memory)",
    "dataloader_pin_memory": "whether a GPU is present",
    "completion_only_loss": "the warm-up trains on completions only",
    "packing": "the warm-up does not pack examples",
    "reward_weights": "the weights in the rewards list",
    "use_vllm": "generation.use_vllm",
    "vllm_mode": "generation.use_vllm",
    "vllm_max_model_length": "generation.vllm_max_model_length",
    "log_completions": "completions contain patient text and are never logged",
}


def _adapt(cls_name: str, key: str, value: Any) -> Any:
    """A recipe value in the shape the installed TRL expects (kept beside RENAMED: the version seams)."""
    if cls_name == "DPOConfig" and key == "loss_type" and isinstance(value, str):
        return [value]  # TRL 1.x: a list of losses to combine; a recipe names one
    return value


class MissingTrainer(ValueError):
    """The installed TRL lacks the trainer a recipe asks for."""


def cpo_classes() -> tuple[type, type]:
    """(CPOConfig, CPOTrainer) from TRL 1.x's `trl.experimental.cpo`, or TRL 0.x's top level."""
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # we pin the TRL range; the warning adds nothing
    try:
        from trl.experimental.cpo import CPOConfig, CPOTrainer
    except ImportError:
        try:
            from trl import CPOConfig, CPOTrainer
        except ImportError:
            from importlib.metadata import version  # lazy: only this error message needs it

            raise MissingTrainer(
                f"prefer.method=cpo needs TRL's CPOTrainer, which TRL {version('trl')} does not provide "
                "(expected trl.experimental.cpo); install a TRL 1.x release that has it, or use method: dpo"
            ) from None
    return CPOConfig, CPOTrainer


def class_for(stage: str, method: str = "dpo") -> type | None:
    """The TRL config class a stage builds (None: eval and pretrain build none)."""
    if stage not in STAGE_SECTIONS:
        return None
    import trl

    if stage == "warmup":
        return trl.SFTConfig
    if stage == "rl":
        return trl.GRPOConfig
    return trl.DPOConfig if method == "dpo" else cpo_classes()[0]


def trl_class(config: RunConfig) -> type:
    cls = class_for(config.stage, config.prefer.method)
    if cls is None:
        raise ValueError(f"stage {config.stage!r} builds no TRL config")
    return cls


@functools.cache
def field_types(cls: type) -> dict[str, Any]:
    """The dataclass fields of a TRL config class and their types."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls) if f.init}


def vllm_mode(config: RunConfig) -> str | None:
    """"colocate"/"server" when vLLM should generate, None for plain generate."""
    choice = config.generation.use_vllm
    if choice == "off":
        return None
    if choice in ("colocate", "server"):
        return choice
    import torch

    return "colocate" if importlib.util.find_spec("vllm") and torch.cuda.is_available() else None


def _managed(config: RunConfig, run_dir: Path) -> dict[str, Any]:
    """The MANAGED fields' values for this stage."""
    precision = training_precision(config)
    out: dict[str, Any] = {
        "output_dir": str(run_dir / "checkpoints"),
        "gradient_accumulation_steps": accumulation_steps(config, world_size()),
        "data_seed": config.training.seed,
        "bf16": precision.bf16,
        "fp16": precision.fp16,
        # transformers refuses bf16 without a bf16 GPU unless told the run is on CPU (CPU autocast is bf16).
        "use_cpu": cpu_distributed() or (precision.bf16 and not has_accelerator()),
        "report_to": [],
        "save_only_model": False,
        "dataloader_num_workers": 0,
        "dataloader_pin_memory": has_accelerator(),  # pinning on a CPU-only machine only warns
    }
    if config.stage == "warmup":
        out |= {"completion_only_loss": True, "packing": False}
    if config.stage == "rl":
        mode = vllm_mode(config)
        out |= {"reward_weights": [r.weight for r in config.rewards], "use_vllm": mode is not None,
                "vllm_mode": mode or "colocate", "vllm_max_model_length": config.generation.max_model_length(),
                "log_completions": False}  # fmt: skip
    return out


def origins(config: RunConfig) -> dict[str, str]:
    """TRL field -> where the recipe sets it ("grpo.beta"); later sections win, as in `trl_kwargs`."""
    fields = field_types(trl_class(config))
    out: dict[str, str] = {}
    for section in STAGE_SECTIONS[config.stage]:
        for key in getattr(config, section).model_dump():
            name = RENAMED.get(key, key)
            if name in fields:
                out[name] = f"{section}.{key}"
    return out


def trl_kwargs(config: RunConfig, run_dir: Path) -> dict[str, Any]:
    """The keyword arguments of the stage's TRL config class: the recipe's sections by name, then MANAGED."""
    cls = trl_class(config)
    kwargs: dict[str, Any] = {}
    for name, where in origins(config).items():
        section, key = where.split(".", 1)
        if name not in MANAGED:
            kwargs[name] = _adapt(cls.__name__, name, getattr(getattr(config, section), key))
    return kwargs | _managed(config, run_dir)


def _did_you_mean(key: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def extra_key_problems(raw: dict[str, Any], declared: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """Check a raw recipe's keys beyond the typed ones (`declared`: section -> typed field names).

    Returns the recipe with those values converted to the TRL field's type, and the problems found."""
    stage = raw.get("stage")
    prefer = raw.get("prefer")
    method = prefer.get("method", "dpo") if isinstance(prefer, dict) else "dpo"
    try:
        cls = class_for(stage, method) if isinstance(stage, str) else None
    except MissingTrainer as exc:
        return raw, [f"prefer.method: {exc}"]
    fed = STAGE_SECTIONS.get(stage, ()) if cls else ()
    fields = field_types(cls) if cls else {}
    typed = {RENAMED.get(k, k): f"{s}.{k}" for s in fed for k in declared[s]}
    out, problems, seen = dict(raw), [], {}
    for section in TRL_SECTIONS:
        values = raw.get(section)
        if not isinstance(values, dict):
            continue  # the schema check reports the shape
        converted = dict(values)
        for key, value in values.items():
            if key in declared[section]:
                continue
            where = f"{section}.{key}"
            if section not in fed or key not in fields:
                hint = _did_you_mean(str(key), declared[section] + (list(fields) if section in fed else []))
                problems.append(f"{where}: Extra inputs are not permitted (got {value!r}){hint}")
            elif key in MANAGED:
                problems.append(f"{where}: set by ehrmind from {MANAGED[key]}; remove it from the recipe")
            elif key in typed or key in seen:
                problems.append(f"{where}: TRL's {key} is already set by {typed.get(key) or seen[key]}; set it once")
            else:
                seen[key] = where
                try:
                    converted[key] = TypeAdapter(fields[key]).validate_python(value)
                except ValidationError as exc:
                    problems += [f"{where}: {e['msg']} (got {value!r})" for e in exc.errors()]
                except PydanticSchemaGenerationError:
                    pass  # a type pydantic cannot describe: building the TRL class checks the value
        out[section] = converted
    return out, problems


def construction_problems(config: RunConfig) -> list[str]:
    """Build the stage's TRL config on this machine (as the stage will): its ValueErrors, located."""
    cls = trl_class(config)
    try:
        kwargs = trl_kwargs(config, Path(config.output_dir) / config.stage / "check")
    except ValueError as exc:  # the accumulation steps for this launch's world size
        return [str(exc)]
    try:
        cls(**kwargs)
    except (TypeError, ValueError) as exc:
        where = sorted({loc for name, loc in origins(config).items() if name in str(exc)})
        return [f"{', '.join(where) or cls.__name__}: TRL's {cls.__name__} rejects these settings: {exc}"]
    return []
