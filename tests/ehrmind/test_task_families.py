"""Task families: one declaration per family, read by build, rewards, eval and the warm-up (issue 15).

The toy family below is the worked example of docs/architecture.md ("Adding a task family"): declared here,
it is built by `ehrmind data build --tasks toy`, graded by the rewards and by eval, with no other file edited.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from ehrmind.tasks.family import (
    FamilyError,
    RewardSpec,
    TaskFamily,
    families,
    family_of,
    get_family,
    make_task_reward,
    register,
    unregister,
)

REPO = Path(__file__).resolve().parents[2]
MEDS = REPO / "examples" / "meds" / "mimic-iv-demo"

# -- the toy family: one module's worth of code (declaration + builder) ------------------------------------
TOY_LABELS = ("yes", "no")


def build_toy(ctx):
    """One row per patient: was sodium ever measured? (gold from the mined events of the source)."""
    from ehrmind.tasks.prompts import chat_prompt
    from ehrmind.tasks.schema import TaskRows, new_row

    events = ctx.loaded.data.events()
    measured = set(events.filter(pl.col("concept") == "sodium").get_column("subject_id").to_list())
    out = TaskRows()
    for patient in sorted(set(events.get_column("subject_id").to_list())):
        gold = {"kind": "label", "value": "yes" if patient in measured else "no", "choices": list(TOY_LABELS)}
        prompt = chat_prompt(f"Patient {patient}.", "Was sodium ever measured: yes or no?", gold)
        out.rows.append(new_row(f"toy/{patient}", "toy", prompt, gold, patient, {}))
    out.count("toy:rows", len(out.rows))
    return out


TOY = TaskFamily(
    name="toy",
    order=99,
    sources=("meds",),
    build=build_toy,
    gold_kinds=("label",),
    grader="diagnosis_label",
    rubric=(RewardSpec("format", 0.5), RewardSpec("diagnosis_label", 1.0)),
    labels=TOY_LABELS,
)
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def toy():
    register(TOY)
    yield TOY
    unregister(TOY.name)


def _answer(label: str) -> str:
    return f'<think>checked</think>\n<answer>{{"answer": "{label}"}}</answer>'


def test_toy_family_is_built_graded_and_evaluated(toy, tmp_path):
    from ehrmind.cli.data import app
    from ehrmind.stages.evaluate import grade
    from ehrmind.tasks.schema import read_rows

    out = tmp_path / "toy"
    result = CliRunner().invoke(app, ["build", "--source", f"meds:{MEDS}", "--tasks", "toy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["counts"]) == {"toy"} and manifest["builders"]["toy:rows"] == manifest["rows"] > 0
    rows = read_rows(out)
    assert {r["task"] for r in rows} == {"toy"}

    # rewards: routed to toy rows by the family registry; the plain reward does not know the task
    golds = [r["gold"] for r in rows]
    right = [_answer(json.loads(g)["value"]) for g in golds]
    wrong = [_answer("no" if json.loads(g)["value"] == "yes" else "yes") for g in golds]
    reward = make_task_reward("diagnosis_label")
    assert reward(completions=right, gold=golds, task=["toy"] * len(rows)) == [1.0] * len(rows)
    assert reward(completions=wrong, gold=golds, task=["toy"] * len(rows)) == [0.0] * len(rows)
    from rewards import make_reward

    assert make_reward("diagnosis_label")(completions=right, gold=golds, task=["toy"] * len(rows)) == [None] * len(rows)

    # eval: the family's grader decides correctness
    graded = grade(rows, [[c] for c in right])
    assert all(g["graded"] and g["correct"] == [True] for g in graded)


def test_toy_family_is_listed_and_routed(toy):
    from ehrmind.tasks.build import parse_tasks, source_tasks

    assert families()[-1] is toy and family_of("toy") is toy and family_of("toy/x") is None
    assert "toy" in source_tasks()["meds"]
    assert parse_tasks("toy,calc") == ["toy", "calc"]
    with pytest.raises(ValueError, match="unknown task 'toy/x'"):
        parse_tasks("toy/x")  # no subtasks declared
    with pytest.raises(ValueError, match="needs a source of kind meds"):
        from ehrmind.tasks.build import BuildOptions, build, parse_source

        build(BuildOptions([parse_source(f"trec-ct:{REPO / 'examples' / 'trec-ct'}")], ["toy"], Path("unused")))


@pytest.mark.parametrize("family", families(), ids=lambda f: f.name)
def test_every_declared_hook_resolves_to_a_function(family):
    # prepare's errors are left to the builder, so a misspelt reference would silently never run: pinned here
    assert callable(family.builder())
    for hook in (family.preparer(), family.prefetcher()):
        assert hook is None or callable(hook)
    assert [f.name for f in families() if f.prepare] == ["calc"]
    assert [f.name for f in families() if f.prefetch] == ["calc", "ehrshot"]


def test_a_hook_that_is_not_module_function_is_refused():
    with pytest.raises(FamilyError, match="prepare must be 'module:function'"):
        register(TaskFamily(**{**TOY.__dict__, "name": "toyhook", "prepare": "no_colon_here"}))


def test_a_declaration_with_an_unknown_source_kind_is_refused():
    from dataclasses import replace

    from ehrmind.tasks.family import FamilyError

    with pytest.raises(FamilyError, match="sources \\['csv'\\] must name source kinds among medcalc-bench"):
        register(replace(TOY, name="toy_csv", sources=("csv",)))
    with pytest.raises(FamilyError, match="registered twice"):
        register(replace(get_family("calc")))


def test_registry_imports_without_torch():
    code = (
        "import sys\nfrom ehrmind.tasks.family import families, reward_tasks\n"
        "assert [f.name for f in families()]\nreward_tasks('diagnosis_label')\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]\nassert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_derived_tables_match_the_former_constants():
    from ehrmind.stages.evaluate import reliable_share_table
    from ehrmind.tasks.build import source_tasks
    from ehrmind.tasks.family import calculator_families, eval_graders, reward_tasks

    assert [f.name for f in families()] == ["medcalc", "calc", "ehrshot", "trial_match", "aces"]
    assert source_tasks() == {
        "medcalc-bench": ("medcalc",), "trec-ct": ("trial_match",), "fhir": ("calc",),
        "meds": ("calc", "ehrshot", "aces"),
    }  # fmt: skip
    assert set(eval_graders()) == {"medcalc_accuracy", "calc_accuracy", "trial_label", "diagnosis_label"}
    assert reliable_share_table() == {"diagnosis": 3 / 12, "severity": 3 / 12, "risk": 2 / 12, "trial_match": 6 / 12}
    assert calculator_families() == ("medcalc", "calc")
    assert reward_tasks("trial_consistency") == ("trial_match",)
    # routing by the registry adds nothing the rewards did not already grade for the shipped families
    for name in ("medcalc_accuracy", "calc_accuracy", "trial_label", "trial_consistency", "diagnosis_label"):
        from rewards import make_reward

        assert make_task_reward(name).tasks == make_reward(name).tasks


def test_trial_labels_are_one_definition():
    from ehr_adapters.trec_ct import LABELS
    from rewards.trial import QREL_LABELS
    from rewards.values import TRIAL_LABELS

    assert get_family("trial_match").labels == LABELS == TRIAL_LABELS == tuple(QREL_LABELS.values())
    assert QREL_LABELS == {0: "not relevant", 1: "excluded", 2: "eligible"}


@pytest.mark.parametrize("family", [f.name for f in families()])
def test_rubric_matches_the_shipped_recipe_and_is_valid(family):
    from rewards import check_weights

    spec = get_family(family)
    names = [r.name for r in spec.rubric]
    assert check_weights(names, [r.weight for r in spec.rubric], [dict(r.options) for r in spec.rubric]) == []
    assert spec.grader in names or "ehrmind" in names
    recipe = REPO / "recipes" / family / "rl.yaml"
    if recipe.exists():
        rewards = yaml.safe_load(recipe.read_text())["rewards"]
        shipped = [(r["name"], float(r.get("weight", 1.0)), r.get("options", {})) for r in rewards]
        assert shipped == [(r.name, r.weight, dict(r.options)) for r in spec.rubric]


def test_default_rl_recipe_uses_the_bundled_family_rewards():
    """The packaged demo (`ehrmind rl` with no config) trains on bundled calc rows with the calc family's rewards."""
    from ehrmind.tasks.bundled import sample_rows

    recipe = yaml.safe_load((REPO / "ehrmind" / "data" / "defaults" / "rl.yaml").read_text())
    tasks = {r["task"] for r in sample_rows()}
    rubric = {r.name for t in tasks for r in family_of(t).rubric}
    assert {r["name"] for r in recipe["rewards"]} == rubric


# Family names may be spelled only in their declarations (ehrmind/tasks/families/). The allow-list names the
# other places a quoted name remains, each for a reason the comment gives.
ALLOWED = {
    # rewards import no ehrmind: each reward's own default routing (ehrmind routes families on top, and
    # test_derived_tables_match_the_former_constants pins that the two agree)
    "rewards/accuracy.py", "rewards/presets.py", "rewards/trial.py", "rewards/labels.py",
    "ehrmind/cli/app.py",  # `ehrmind calc`: the calculator sub-command, not the task family
}  # fmt: skip
PACKAGES = ("ehrmind", "rewards", "ehr_adapters", "calculators")


def test_no_module_outside_the_declarations_spells_a_family_name():
    names = [f.name for f in families()]
    alternatives = "|".join(map(re.escape, names))
    quoted = re.compile(rf"""["'](?:{alternatives})(?:["']|/[^"']*)""")  # "name" or "name/..."
    offenders = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith("ehrmind/tasks/families/") or rel in ALLOWED:
                continue
            code = _without_docstrings_and_comments(path.read_text(encoding="utf-8"))
            offenders += [f"{rel}: {m.group(0)}" for m in quoted.finditer(code)]
    assert offenders == []


def _without_docstrings_and_comments(text: str) -> str:
    """Source code without docstrings and comments (prose may name a family; code may not)."""
    import ast
    import io
    import tokenize

    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                docstrings.add(body[0].lineno)
    kept = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT or (tok.type == tokenize.STRING and tok.start[0] in docstrings):
            continue
        if tok.type == tokenize.STRING:
            kept.append(tok.string)
    return "\n".join(kept)
