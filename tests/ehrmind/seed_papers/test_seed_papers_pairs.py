"""Preference pairs from verified samples (filters, MedCritical retries), pair files, curriculum configs."""

import json
from pathlib import Path

import pytest
import yaml

from ehrmind.config import ConfigError, load_config
from ehrmind.overrides import nested
from ehrmind.recipe_check import check_recipe
from ehrmind.seed_papers.curriculum import is_curriculum, load_curriculum
from ehrmind.seed_papers.prefer import Sample, build_pairs, feedback, no_pair_reason, select_pairs
from ehrmind.seed_papers.prefer_train import PairsError, read_pairs
from rewards.parse import DEFAULT_FORMAT

REPO = Path(__file__).resolve().parents[3]


def s(text, correct, answer, well_formed=True, length=10):
    return Sample(text, well_formed, correct, answer, length)


def test_pairs_join_a_correct_and_a_wrong_answer_each_used_once():
    samples = [s("a", True, 3), s("b", False, 4), s("c", True, 3), s("d", False, 5), s("e", True, 3)]
    pairs = select_pairs(samples, max_pairs=5)
    assert [(c.text, r.text) for c, r in pairs] == [("a", "b"), ("c", "d")]
    assert len(select_pairs(samples, max_pairs=1)) == 1


def test_filters_malformed_length_duplicates_and_same_answer():
    assert select_pairs([s("a", True, 3), s("b", False, 4, well_formed=False)]) == []
    assert select_pairs([s("a", True, 3, length=50), s("b", False, 4)], max_tokens=40) == []
    assert select_pairs([s("a", True, 3), s("b", False, 4, length=2)], min_tokens=5) == []
    # a wrong sample with the same final answer (e.g. graded wrong for another reason) is no contrast
    assert select_pairs([s("a", True, 3), s("b", False, 3)]) == []
    assert len(select_pairs([s("a", True, 3), s("a", True, 3), s("b", False, 4), s("c", False, 5)])) == 1


def test_no_pair_reasons():
    assert no_pair_reason([s("a", None, 3), s("b", None, 4)]) == "no_accuracy_reward"
    assert no_pair_reason([s("a", True, 3, well_formed=False)]) == "malformed"
    assert no_pair_reason([s("a", True, 3, length=99)], max_tokens=10) == "length"
    assert no_pair_reason([s("a", False, 3), s("b", False, 4)]) == "no_correct"
    assert no_pair_reason([s("a", True, 3), s("b", True, 3)]) == "no_incorrect"
    assert no_pair_reason([s("a", True, 3), s("b", False, 3)]) == "same_answer"


ROW = {"id": "r0", "task": "calc", "prompt": [{"role": "user", "content": "BMI?"}],
       "gold": json.dumps({"kind": "decimal", "value": 31.25, "calculator": "bmi"}), "patient_id": "p0",
       "split": "train", "meta": json.dumps({"calculator": "bmi"})}  # fmt: skip


def test_feedback_says_the_direction_but_never_the_gold():
    text = feedback(ROW, s("x", False, 40.0))
    assert "too high" in text and "40" in text and "31.25" not in text
    assert "too low" in feedback(ROW, s("x", False, 20.0))


def _sampler(first, retry):
    """A fake policy: `first` completions for original prompts, `retry` for feedback prompts."""
    seen = []

    def sample(prompts, k):
        seen.append((len(prompts), k))
        return [
            (retry if p[-1]["role"] == "user" and "incorrect" in p[-1]["content"] else first)[:k]
            for p in prompts
        ]

    return sample, seen


def test_build_pairs_grades_with_the_rewards():
    right, wrong = DEFAULT_FORMAT.render("r", 31.0), DEFAULT_FORMAT.render("w", 45)  # 31.0 is within 5 %
    sample, _ = _sampler([right, wrong, "no answer"], [])
    pairs, report = build_pairs([ROW], sample, n=3, max_pairs=2)
    assert (
        len(pairs) == 1
        and pairs[0]["chosen"][0]["content"] == right
        and pairs[0]["rejected"][0]["content"] == wrong
    )
    assert pairs[0]["prompt"] == ROW["prompt"] and report["rows_with_pairs"] == 1


def test_medcritical_keeps_only_verified_retries():
    wrong, fixed = DEFAULT_FORMAT.render("w", 45), DEFAULT_FORMAT.render("fixed", 31.25)
    sample, seen = _sampler([wrong, wrong], [fixed])
    pairs, report = build_pairs([ROW], sample, n=2, medcritical=True, retries=1)
    assert [(p["chosen"][0]["content"], p["rejected"][0]["content"], p["source"]) for p in pairs] == [
        (fixed, wrong, "medcritical")]  # fmt: skip
    assert seen == [(1, 2), (1, 1)]  # one retry prompt: the two wrong samples give the same answer
    still_wrong, _ = _sampler([wrong], [DEFAULT_FORMAT.render("w2", 50)])
    pairs, report = build_pairs([ROW], still_wrong, n=1, medcritical=True, retries=1)
    assert pairs == [] and report["medcritical"] == {"retried": 1, "retry_failed": 1, "corrected": 0}


def test_read_pairs_names_the_bad_line(tmp_path):
    good = {"prompt": [{"role": "user", "content": "q"}], "chosen": "a", "rejected": "b"}
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "rejected": []}) + "\n")
    with pytest.raises(PairsError, match=r"pairs.jsonl:2: field 'rejected'"):
        read_pairs(path)
    path.write_text(json.dumps(good) + "\n")
    assert read_pairs(path) == [good]
    with pytest.raises(PairsError, match="does not exist"):
        read_pairs(tmp_path / "missing.jsonl")


def test_prefer_recipes_carry_the_papers_settings():
    dpo = load_config(REPO / "recipes/prefer/dpo.yaml", stage="prefer", check_paths=False)
    assert (dpo.prefer.method, dpo.prefer.beta, dpo.prefer.loss_type, dpo.lora.r, dpo.training.learning_rate) == (
        "dpo", 0.3, "sigmoid", 8, 1e-5)  # fmt: skip
    simpo = load_config(REPO / "recipes/prefer/simpo.yaml", stage="prefer", check_paths=False)
    p = simpo.prefer
    assert (p.method, p.loss_type, p.beta, p.simpo_gamma, p.cpo_alpha) == ("cpo", "simpo", 10.0, 5.4, 0.05)
    assert simpo.training.learning_rate == 1e-6  # TRL's CPOTrainer itself is exercised by the end-to-end test


def test_curriculum_overrides_and_errors(tmp_path):
    assert nested({"training.max_steps": 2, "lora": {"r": 8}}) == {
        "training": {"max_steps": 2},
        "lora": {"r": 8},
    }
    demo = REPO / "recipes/medssr/demo.yaml"
    assert is_curriculum(demo) and not is_curriculum(REPO / "recipes/prefer/dpo.yaml")
    plan, configs = load_curriculum(demo, {"training": {"seed": 7}, "supervised": {"training": {"max_steps": 3}}},
                                    check_paths=False)  # fmt: skip
    assert [c.training.seed for c in configs] == [7, 7]
    assert [c.training.max_steps for c in configs] == [10, 3]  # the curriculum's 10, then the stage override
    assert configs[1].data.train == "bundled" and plan.stages[0].pseudo_gold == "stored"
    bad = tmp_path / "c.yaml"
    bad.write_text(yaml.safe_dump({"stage": "curriculum", "stages": [
        {"name": "a", "recipe": str(REPO / "recipes/medssr/stage1_pseudo.yaml"), "overrides": {"training.lr": 1}},
        {"name": "a", "recipe": "missing.yaml"}]}))  # fmt: skip
    with pytest.raises(ConfigError) as info:
        check_recipe(bad, stage="curriculum", check_paths=False)
    text = str(info.value)
    assert "used twice" in text and "training.lr" in text and "missing.yaml" in text


def test_a_stage_too_small_for_one_grpo_batch_fails_before_training(tmp_path):
    from ehrmind.seed_papers.curriculum import check_stage_size
    from ehrmind.tasks.schema import write_jsonl

    write_jsonl([ROW], tmp_path / "train.jsonl")
    _, configs = load_curriculum(
        REPO / "recipes/medssr/demo.yaml",
        {"self_supervised": {"data": {"train": str(tmp_path)}}},
        check_paths=False,
    )
    with pytest.raises(ValueError, match=r"1 training row\(s\).*needs 2 prompts"):
        check_stage_size("self_supervised", configs[0])
    write_jsonl([ROW, {**ROW, "id": "r1"}], tmp_path / "train.jsonl")
    assert check_stage_size("self_supervised", configs[0]) == 2
