"""Typed recipe configs: YAML plus command-line overrides, validated before any model loads.

A recipe is a YAML file whose header comment says how to run it. Every field can be overridden from the
command line with `--set section.field=value` (values parsed as YAML scalars). `load_config` returns a
validated pydantic model or raises one `ConfigError` that lists every problem: unknown keys, wrong types,
missing paths, unknown reward names and options, weights that do not match rewards, and TRL's own checks.

The sections `training`, `generation`, `grpo` and `prefer` hold TRL settings: their typed fields carry
ehrmind's defaults and bounds, and any other field of the stage's TRL config class may be written there too
(checked by name and type in `ehrmind.trl_args`, which also builds the TRL class from them). Reading YAML and
layering overrides is `ehrmind.overrides`; multi-stage recipes are loaded by `ehrmind.recipe_check`.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ehrmind.batch import batch_problems
from ehrmind.batch import global_batch as global_batch  # re-exported: callers import it from here
from ehrmind.overrides import ConfigError, Strict, deep_merge, error_lines, read_mapping
from ehrmind.overrides import parse_overrides as parse_overrides  # re-exported, as above
from ehrmind.trl_args import STAGE_SECTIONS, TRL_SECTIONS, construction_problems, extra_key_problems
from rewards import check_weights, options_of, reward_names

BUNDLED = "bundled"  # data source meaning the sample data shipped inside the package


class _TrlSection(Strict):
    """A section of TRL settings: typed fields plus any other field of the stage's TRL class (see trl_args)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)


class DataConfig(Strict):
    train: str = BUNDLED  # task rows: a directory from `ehrmind data build`, a .jsonl/.parquet file, or "bundled"
    eval: str = BUNDLED
    tasks: list[str] = Field(default_factory=list)  # keep only these task names (prefix match); empty = all
    max_train_rows: int | None = Field(default=None, ge=1)
    max_eval_rows: int | None = Field(default=None, ge=1)
    calculators: list[str] = Field(default_factory=list)  # bundled data: restrict to these calculator ids
    allow_single_class: bool = False  # rl: train on label tasks whose rows all carry one gold value


class RewardConfig(Strict):
    name: str
    weight: float = 1.0
    options: dict[str, Any] = Field(default_factory=dict)  # passed to rewards.make_reward


class LoraConfig(Strict):
    enabled: bool = False
    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: list[str] | str = "all-linear"


class ModelConfig(Strict):
    path: str | None = None  # None: latest warmup checkpoint (rl), else `fallback`
    fallback: Literal["tiny", "none"] = "tiny"  # "none": no path and no earlier stage is an error (real recipes)
    trust_remote_code: bool = False
    allow_download: bool = False
    dtype: Literal["auto", "bf16", "fp32", "fp16"] = "auto"


class TrainingConfig(_TrlSection):
    learning_rate: float = Field(default=2e-5, gt=0)
    num_train_epochs: float = Field(default=1.0, gt=0)
    max_steps: int = -1
    per_device_train_batch_size: int = Field(default=8, ge=1)  # GRPO: completions per device per micro-step
    gradient_accumulation_steps: int = Field(default=1, ge=1)  # fixed; or derived from a global batch below
    # Sequences per optimizer step over all GPUs (warm-up, prefer); the accumulation steps are derived from the
    # launch's world size so 1, 2 and 8 GPUs train the same batch. RL states generation.prompts_per_step.
    global_batch_size: int | None = Field(default=None, ge=1)
    warmup_ratio: float = Field(default=0.0, ge=0, lt=1)
    lr_scheduler_type: str = "linear"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    logging_steps: int = Field(default=5, ge=1)
    save_steps: int = Field(default=50, ge=1)
    save_total_limit: int | None = 2
    seed: int = 0
    bf16: bool | None = None  # None: on when a CUDA GPU with bf16 is present
    gradient_checkpointing: bool = False
    max_length: int = Field(default=1024, ge=16)  # SFT: prompt + completion tokens


class GenerationConfig(_TrlSection):
    num_generations: int = Field(default=4, ge=2)  # GRPO group size
    # Prompts per optimizer step over all GPUs (EHRMIND: 32); x num_generations completions per step. The
    # accumulation steps are derived from the world size at launch. None: per_device x accumulation x GPUs.
    prompts_per_step: int | None = Field(default=None, ge=1)
    max_prompt_length: int = Field(default=512, ge=16)
    max_completion_length: int = Field(default=256, ge=8)
    temperature: float = Field(default=1.0, gt=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    use_vllm: Literal["auto", "off", "colocate", "server"] = "auto"
    vllm_gpu_memory_utilization: float = Field(default=0.3, gt=0, le=1)
    # None: max_prompt_length + max_completion_length (a model's full context, e.g. Llama-3.2's 131k, would
    # reserve ~15 GB of KV cache per sequence).
    vllm_max_model_length: int | None = Field(default=None, ge=16)
    vllm_enable_sleep_mode: bool = False  # colocate: offload vLLM's weights and KV cache while the policy trains
    vllm_tensor_parallel_size: int = Field(default=1, ge=1)  # colocate: GPUs per vLLM engine
    vllm_server_host: str = "0.0.0.0"  # server mode: where `trl vllm-serve` listens
    vllm_server_port: int = Field(default=8000, ge=1, le=65535)
    vllm_server_base_url: str | None = None  # server mode: overrides host and port

    @field_validator("use_vllm", mode="before")
    @classmethod
    def _use_vllm_booleans(cls, value: Any) -> Any:
        # YAML reads `off`/`no`/`false` as False and `on`/`yes`/`true` as True (also from --set).
        if isinstance(value, bool):
            return "colocate" if value else "off"
        return value

    def max_model_length(self) -> int:
        """vLLM's max_model_len: the recipe's, else the longest sequence a step can produce."""
        return self.vllm_max_model_length or self.max_prompt_length + self.max_completion_length


class GRPOConfigSection(_TrlSection):
    beta: float = Field(default=0.001, ge=0)  # KL coefficient
    num_iterations: int = Field(default=1, ge=1)
    epsilon: float = Field(default=0.2, gt=0)
    loss_type: str = "dapo"
    scale_rewards: str = "group"


class WarmupMix(Strict):
    """Knowledge-injection SFT data mix (counts of examples per source)."""

    knowledge_cards: int = Field(default=2, ge=0)  # cards per calculator (each with a fresh worked example)
    worked_solutions: bool = True  # every training row with a renderable solution
    rationales_jsonl: str | None = None  # user-provided {prompt, rationale, answer} rows
    task_rubrics: bool = True
    # Text that opens every reasoning answer in the prompt (EHRMIND: "Let me solve this step by step.\n<think>");
    # the model learns to continue after it. RL and eval rewards then need `prefilled_think: true`.
    prefill: str | None = None
    instructions_jsonl: str | None = None  # plain instruction rows {prompt, response} (e.g. Citrus SFT stages 1-2)
    templates_jsonl: str | None = None  # thought templates from `ehrmind templates` (MedCritical stage 1)
    templates_in: Literal["prompt", "target"] = "prompt"  # where a row's template goes: its prompt or its <think>


class PreferConfig(_TrlSection):
    """Preference training (`ehrmind prefer train`): DPO (MedCritical) or CPO with a SimPO loss (Citrus)."""

    method: Literal["dpo", "cpo"] = "dpo"
    loss_type: str = "sigmoid"  # dpo: TRL's DPO losses ("sigmoid", "ipo", ...); cpo: "sigmoid" | "simpo" | ...
    beta: float = Field(default=0.1, gt=0)
    simpo_gamma: float = Field(default=0.5, ge=0)  # cpo + simpo: target reward margin
    cpo_alpha: float = Field(default=1.0, ge=0)  # cpo: weight of the behaviour-cloning (NLL) term
    max_length: int = Field(default=1024, ge=16)  # prompt + completion tokens


class CorpusSource(Strict):
    """One local text source for continued pre-training: a .txt/.md file, a .jsonl file, or a folder of them."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: str
    weight: float = Field(default=1.0, ge=0)  # the share under `mix: fixed` (normalised over sources)
    text_field: str = "text"  # JSONL: the field holding the text


class PretrainConfig(Strict):
    """Continued pre-training (`ehrmind pretrain`): packed causal-LM training with an online source mix."""

    corpus: list[CorpusSource] = Field(default_factory=list)
    mix: Literal["fixed", "bandit", "exp3", "thompson"] = "bandit"  # bandit = exp3
    block_size: int = Field(default=512, ge=8)  # tokens per packed training sequence
    eta: float = Field(default=0.1, gt=0)  # exp3: learning rate on importance-weighted rewards
    gamma: float = Field(default=0.1, gt=0, le=1)  # exp3: share spread uniformly (exploration)
    sigma: float = Field(default=0.1, gt=0)  # thompson: prior scale of a source's mean reward
    discount: float = Field(default=1.0, gt=0, le=1)  # both: evidence fades by this factor per step


class RunConfig(Strict):
    stage: Literal["warmup", "rl", "eval", "prefer", "pretrain"]
    output_dir: str = "runs"
    run_name: str | None = None  # default: a timestamp
    model: ModelConfig = Field(default_factory=ModelConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    lora: LoraConfig = Field(default_factory=LoraConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    grpo: GRPOConfigSection = Field(default_factory=GRPOConfigSection)
    rewards: list[RewardConfig] = Field(default_factory=list)
    warmup: WarmupMix = Field(default_factory=WarmupMix)
    eval_samples: int = Field(default=1, ge=1)  # eval: k samples per row for pass@k
    report: bool = True
    prefer: PreferConfig = Field(default_factory=PreferConfig)
    pretrain: PretrainConfig = Field(default_factory=PretrainConfig)  # stage: pretrain


def default_recipe(stage: str) -> Path:
    """The packaged default recipe for a stage (the bundled demo)."""
    return Path(str(resources.files("ehrmind") / "data" / "defaults" / f"{stage}.yaml"))


MULTI_STAGE = ("curriculum", "warmup_stages")  # loaded stage by stage by ehrmind.recipe_check.check_recipe


def load_config(
    path: str | Path | None,
    *,
    stage: str,
    overrides: dict[str, Any] | None = None,
    check_paths: bool = True,
) -> RunConfig:
    """Read a recipe (or the defaults), apply overrides, validate everything, return the config."""
    source = str(path) if path else f"default {stage} config"
    if stage in MULTI_STAGE:
        raise ConfigError(source, [f"stage: {stage!r} is a multi-stage recipe; load it with "
                                   "ehrmind.recipe_check.check_recipe (as `ehrmind validate` does)"])
    raw: dict[str, Any] = read_mapping(path, source) if path else {}
    raw.setdefault("stage", stage)
    raw = deep_merge(raw, overrides or {})
    if raw.get("stage") != stage:
        raise ConfigError(source, [f"stage: recipe is for {raw.get('stage')!r}, but this command runs {stage!r}"])
    if stage == "rl" and not raw.get("rewards"):
        raw["rewards"] = [{"name": "format", "weight": 0.2}, {"name": "calc_accuracy", "weight": 1.0}]
    # Reward names and TRL's other keys are checked on the raw mapping so they are reported even when other
    # fields are invalid.
    problems: list[str] = _reward_problems(raw, required=stage == "rl")
    declared = {s: list(RunConfig.model_fields[s].annotation.model_fields) for s in TRL_SECTIONS}
    raw, extra = extra_key_problems(raw, declared)
    problems += extra
    try:
        config = RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, problems + error_lines(exc, _did_you_mean)) from None
    problems.extend(_semantic_problems(config, check_paths))
    if not problems and stage in STAGE_SECTIONS:
        problems.extend(construction_problems(config))  # TRL's own checks, once everything else is right
    if problems:
        raise ConfigError(source, problems)
    return config


def _did_you_mean(err: dict[str, Any]) -> str:
    """For an unknown key, the closest field name of the section it is in ("; did you mean 'learning_rate'?")."""
    if err.get("type") != "extra_forbidden":
        return ""
    model: Any = RunConfig
    for part in err["loc"][:-1]:
        if isinstance(part, int):  # a list item such as rewards.0: same model as the list
            continue
        field = model.model_fields.get(part)
        if field is None:
            return ""
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        model = inner[0] if inner and isinstance(inner[0], type) else annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    close = difflib.get_close_matches(str(err["loc"][-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _reward_problems(raw: dict[str, Any], *, required: bool) -> list[str]:
    """Reward names, weights and options (each option must be a keyword of the reward's constructor)."""
    items = raw.get("rewards")
    if not isinstance(items, list) or not all(isinstance(r, dict) and "name" in r for r in items):
        return []  # the schema check reports the shape problem
    if not items and not required:
        return []  # warm-up, eval and prefer recipes need not list rewards
    names = [str(r["name"]) for r in items]
    weights = [r.get("weight", 1.0) for r in items]
    options = [r.get("options") or {} for r in items]  # built once here: bad option values fail validation
    if not all(isinstance(o, dict) for o in options):
        return [f"rewards: {p}" for p in check_weights(names, weights, None)]  # the schema reports the shape
    problems = []
    for i, (name, opts) in enumerate(zip(names, options, strict=True)):
        accepted = list(options_of(name)) if name in reward_names() else []
        unknown = [o for o in opts if o not in accepted] if name in reward_names() else []
        for option in unknown:
            close = difflib.get_close_matches(str(option), accepted, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(f"rewards.{i}.options.{option}: reward {name!r} has no option {option!r}; {hint}"
                            f"it accepts: {', '.join(accepted) or 'no options'}")
        if unknown:
            options[i] = {}  # reported above; the reward's other checks still run
    return problems + [f"rewards: {p}" for p in check_weights(names, weights, options)]


def _semantic_problems(config: RunConfig, check_paths: bool) -> list[str]:
    problems: list[str] = []
    if check_paths:
        for field in ("train", "eval"):
            value = getattr(config.data, field)
            if value != BUNDLED and not Path(value).exists():
                problems.append(f"data.{field}: path {value!r} does not exist (run `ehrmind data build` first)")
        if config.warmup.rationales_jsonl and not Path(config.warmup.rationales_jsonl).exists():
            problems.append(f"warmup.rationales_jsonl: {config.warmup.rationales_jsonl!r} does not exist")
        for field in ("instructions_jsonl", "templates_jsonl"):
            value = getattr(config.warmup, field)
            if value and not Path(value).exists():
                problems.append(f"warmup.{field}: {value!r} does not exist")
        if config.model.path and not config.model.allow_download:
            p = Path(config.model.path)
            if not (p / "config.json").exists():
                problems.append(
                    f"model.path: {config.model.path!r} is not a local checkpoint directory (no config.json)"
                )
    if config.stage == "pretrain":
        problems.extend(_pretrain_problems(config, check_paths))
    problems.extend(_task_problems(config.data.tasks))
    problems.extend(batch_problems(config))
    return problems


def _task_problems(selected: list[str]) -> list[str]:
    """`data.tasks` entries name a registered task family (or one of its subtasks, or pseudo-labelled rows):
    a typo would otherwise filter every row away and fail later as "no rows"."""
    if not selected:
        return []
    from ehrmind.tasks.family import family_names  # lazy: loads the source readers; only data.tasks needs it
    from ehrmind.tasks.schema import PSEUDO_PREFIX as PSEUDO  # lazy: as above

    names = family_names()
    problems = []
    for i, task in enumerate(selected):
        base = task.removeprefix(PSEUDO)
        if not any(base == name or base.startswith(name + "/") for name in names):
            problems.append(
                f"data.tasks.{i}: {task!r} names no task family; choose from {', '.join(names)} "
                f"(a subtask as NAME/..., pseudo-labelled rows as {PSEUDO}NAME)"
            )
    return problems


def _pretrain_problems(config: RunConfig, check_paths: bool) -> list[str]:
    sources = config.pretrain.corpus
    # A recipe may leave the sources to --corpus: an empty list is a problem only when the run is about to start.
    problems = [] if sources or not check_paths else [
        "pretrain.corpus: no sources; pass --corpus NAME=PATH (a text/JSONL file or folder)"]
    names = [s.name for s in sources]
    problems += [f"pretrain.corpus: source name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    if check_paths:
        problems += [f"pretrain.corpus.{s.name}: path {s.path!r} does not exist" for s in sources if not Path(s.path).exists()]
    if config.pretrain.mix == "fixed" and sources and not any(s.weight > 0 for s in sources):
        problems.append("pretrain.corpus: every weight is 0; give at least one source a weight > 0")
    return problems


def dump_config(config: RunConfig) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
