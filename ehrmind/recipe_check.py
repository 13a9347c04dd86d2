"""Check any recipe, single- or multi-stage, by its `stage`: what `ehrmind validate` runs.

    check_recipe("recipes/medcalc/rl.yaml", stage="rl")                 # one stage: ehrmind.config.load_config
    check_recipe("recipes/medssr/curriculum.yaml", stage="curriculum")  # every stage's rl recipe
    check_recipe("recipes/citrus/sft_stages.yaml", stage="warmup_stages")

Why a module of its own: the curriculum and the staged warm-up are built from `load_config`, so the loader
that dispatches to them sits above all three (no import cycle through function-local imports).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ehrmind.config import RunConfig, load_config
from ehrmind.seed_papers.curriculum import validate_curriculum
from ehrmind.seed_papers.staged_warmup import validate_stages


def check_recipe(path: str | Path | None, *, stage: str, overrides: dict[str, Any] | None = None,
                 check_paths: bool = True) -> RunConfig:
    """The validated config (a multi-stage recipe: its first stage's, after checking every stage)."""
    if stage == "curriculum":  # a multi-stage GRPO recipe (`stages:`): every stage's recipe is checked
        return validate_curriculum(path, overrides, check_paths=check_paths)
    if stage == "warmup_stages":  # a staged SFT recipe: every stage's warm-up config is checked
        return validate_stages(path, overrides, check_paths=check_paths)
    return load_config(path, stage=stage, overrides=overrides, check_paths=check_paths)
