"""What every shipped recipe hands to TRL: the config class, its keyword arguments and the dumped config.

    python tests/ehrmind/trl_snapshot.py            # rewrite tests/ehrmind/data/trl_snapshot.json

Why: the recipe -> TRL path was refactored (issue 15) with the promise that no recipe changes behaviour;
`test_trl_snapshot.py` compares today's arguments with the recorded ones. Recorded on a CPU machine in one
process (use_cpu, pin_memory and the accumulation steps depend on the machine and the launch).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).parent / "data" / "trl_snapshot.json"
RUN_DIR = Path("RUN")


def recipes() -> list[Path]:
    """Every ehrmind recipe in the repository and the packaged defaults (not accelerate / ACES files)."""
    found = sorted((REPO / "recipes").rglob("*.yaml")) + sorted((REPO / "ehrmind" / "data" / "defaults").glob("*.yaml"))
    return [r for r in found if "accelerate" not in r.parts and "aces" not in r.parts]


def stage_configs() -> Iterator[tuple[str, Any]]:
    """(label, RunConfig) for every recipe, one per stage of a staged warm-up or curriculum."""
    from ehrmind.config import load_config
    from ehrmind.seed_papers.curriculum import load_curriculum
    from ehrmind.seed_papers.staged_warmup import load_stages

    for path in recipes():
        label = str(path.relative_to(REPO))
        stage = yaml.safe_load(path.read_text())["stage"]
        if stage == "curriculum":
            plan, configs = load_curriculum(path, check_paths=False)
            yield from ((f"{label}#{s.name}", c) for s, c in zip(plan.stages, configs, strict=True))
        elif stage == "warmup_stages":
            plan, configs = load_stages(path, check_paths=False)
            yield from ((f"{label}#{s.name}", c) for s, c in zip(plan.stages, configs, strict=True))
        else:
            yield label, load_config(path, stage=stage, check_paths=False)


def trl_call(config: Any) -> tuple[str, dict[str, Any]] | None:
    """The TRL config class a stage builds and its keyword arguments (None: the stage builds none)."""
    from ehrmind.trl_args import trl_class, trl_kwargs

    if config.stage not in ("warmup", "rl", "prefer"):
        return None
    return trl_class(config).__name__, trl_kwargs(config, RUN_DIR)


def snapshot() -> dict[str, Any]:
    from ehrmind.config import dump_config

    out: dict[str, Any] = {}
    for label, config in stage_configs():
        call = trl_call(config)
        out[label] = {"dump": dump_config(config), "trl_class": call and call[0], "trl_kwargs": call and call[1]}
    return json.loads(json.dumps(out))  # tuples -> lists, as read back from the file


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT} ({len(json.loads(SNAPSHOT.read_text()))} stage configs)", file=sys.stderr)
