"""Wells' criteria for pulmonary embolism (Wells 2000, the original seven-item rule).

Points: clinical signs and symptoms of DVT 3; PE the most likely diagnosis (no alternative diagnosis more
likely) 3; heart rate > 100/min 1.5; immobilisation (≥ 3 days) or surgery in the previous 4 weeks 1.5;
previous objectively diagnosed DVT or PE 1.5; haemoptysis 1; malignancy (on treatment, treated in the
last 6 months, or palliative) 1. Score 0-12.5 in steps of 0.5; Wells 2000 reads < 2 low, 2-6 moderate,
> 6 high, or ≤ 4 "PE unlikely".

Because of the 1.5-point items the score is not an integer: the output is a decimal compared exactly
(rel_tol 0), not with the ±5 % tolerance used for measured quantities.
"""

from calculators import common
from calculators.editions import Variant
from calculators.formula import fmt
from calculators.points import PointScore, flag, rule
from calculators.spec import Calculator, Citation, Example, Output

CALCULATOR = Calculator(
    id="wells_pe",
    medcalc_id=8,
    name="Wells' criteria for pulmonary embolism",
    category="risk",
    description="Pre-test probability of pulmonary embolism from seven bedside findings (Wells 2000).",
    inputs=(
        common.yes_no(
            "clinical_dvt",
            "Clinical signs and symptoms of DVT (leg swelling, pain on palpation)",
            ("Clinical signs and symptoms of Deep Vein Thrombosis",),
        ),
        common.yes_no(
            "pe_most_likely",
            "PE is the most likely diagnosis (alternative diagnosis less likely)",
            ("Pulmonary Embolism is #1 diagnosis OR equally likely",),
        ),
        common.heart_rate(),
        common.yes_no(
            "immobilization_or_surgery",
            "Immobilisation ≥ 3 days or surgery in the previous 4 weeks",
            ("Immobilization for at least 3 days", "Surgery in the previous 4 weeks"),
        ),
        common.yes_no(
            "previous_dvt_pe",
            "Previous objectively diagnosed DVT or PE",
            ("Previously documented Deep Vein Thrombosis", "Previously Documented Pulmonary Embolism"),
        ),
        common.yes_no("hemoptysis", "Haemoptysis", ("Hemoptysis",)),
        common.yes_no(
            "malignancy",
            "Malignancy (on treatment, treated in the last 6 months, or palliative)",
            ("Malignancy with treatment within 6 months or palliative",),
        ),
    ),
    output=Output("decimal", "Wells PE score", rel_tol=0.0, decimals=1),
    citation=Citation(
        "Wells PS, Anderson DR, Rodger M, et al. Derivation of a simple clinical model to categorize patients "
        "probability of pulmonary embolism: increasing the models utility with the SimpliRED D-dimer. "
        "Thromb Haemost 2000;83(3):416-20.",
        doi="10.1055/s-0037-1613830",
        pmid="10744147",
    ),
    method=PointScore(
        criteria=(
            flag("clinical_dvt", 3, "Clinical signs and symptoms of DVT"),
            flag("pe_most_likely", 3, "PE the most likely diagnosis"),
            rule(
                "Heart rate",
                ["heart_rate"],
                # Rounded: a rate converted from another unit must not cross 100 by float noise.
                lambda v: 1.5 if round(v["heart_rate"], 9) > 100 else 0,
                ["> 100 /min: +1.5", "≤ 100 /min: 0"],
                explain=lambda v: f"{fmt(v['heart_rate'])} /min",
            ),
            flag("immobilization_or_surgery", 1.5, "Immobilisation ≥ 3 days or surgery in previous 4 weeks"),
            flag("previous_dvt_pe", 1.5, "Previous DVT or PE"),
            flag("hemoptysis", 1, "Haemoptysis"),
            flag("malignancy", 1, "Malignancy"),
        )
    ),
    editions=(
        Variant(
            editions=("verified",),
            differs="Output Type labelled 'integer' (v1.0: 'decimal'); same score, half points graded as our exact decimal",
            citation=Citation("MedCalc-Bench Verified (Dec 2025), Output Type column of its test and one-shot rows"),
            output_type={"verified": "integer"},
        ),
    ),
    notes="MedCalc-Bench: Output Type 'integer' in the Verified release ('decimal' in v1.0); ours: decimal "
    "compared exactly, since the 1.5-point items make half points; source: Wells 2000 (item weights 3, 3, "
    "1.5, 1.5, 1.5, 1, 1).",
    examples=(
        # Hand calculation from the published weights: nothing present, HR 80 -> 0.
        Example(
            {"heart_rate": 80},
            0.0,
            "hand calculation from the published table (Wells 2000)",
            note="0 + 0 + 0 (HR 80 ≤ 100) + 0 + 0 + 0 + 0 = 0",
        ),
        # HR exactly 100 is not > 100: only hemoptysis counts.
        Example(
            {"heart_rate": 100, "hemoptysis": True},
            1.0,
            "hand calculation from the published table (Wells 2000)",
            note="HR 100 → 0; haemoptysis 1 = 1",
        ),
        Example(
            {"heart_rate": 101, "immobilization_or_surgery": True},
            3.0,
            "hand calculation from the published table (Wells 2000)",
            note="1.5 (HR 101) + 1.5 = 3",
        ),
        Example(
            {
                "clinical_dvt": True,
                "pe_most_likely": True,
                "heart_rate": "120 bpm",
                "immobilization_or_surgery": True,
                "previous_dvt_pe": True,
                "hemoptysis": True,
                "malignancy": True,
            },
            12.5,
            "hand calculation from the published table (Wells 2000): every item present",
            note="3 + 3 + 1.5 + 1.5 + 1.5 + 1 + 1 = 12.5",
        ),
        Example(
            {"clinical_dvt": True, "heart_rate": 90, "malignancy": True},
            4.0,
            "hand calculation from the published table (Wells 2000)",
            note="3 + 1 = 4",
        ),
    ),
)
