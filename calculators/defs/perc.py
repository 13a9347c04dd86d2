"""PERC rule for pulmonary embolism (Kline 2004): the number of criteria met, 0-8.

Criteria: age ≥ 50; heart rate ≥ 100/min; SaO2 ≤ 94 % (the rule's negative is "SaO2 > 94 %"); unilateral
leg swelling; haemoptysis; recent surgery or trauma (within 4 weeks); prior PE or DVT; hormone use (oral
contraceptives, hormone replacement, oestrogens). PERC is negative (PE can be ruled out without testing in
a low-pretest-probability patient) only when the count is 0; the count itself is what MedCalc-Bench asks.
"""

from calculators import common
from calculators.formula import fmt
from calculators.points import PointScore, bands, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output

CALCULATOR = Calculator(
    id="perc",
    medcalc_id=48,
    name="PERC rule for pulmonary embolism",
    category="diagnosis",
    description="Pulmonary Embolism Rule-out Criteria: number of criteria met (0 = PERC negative).",
    inputs=(
        common.age(),
        common.heart_rate(),
        Input(
            "oxygen_saturation",
            "Oxygen saturation (SaO2/SpO2) on room air",
            unit="%",
            range=(30, 100),
            medcalc_keys=("O₂ saturation percentage",),
        ),
        common.yes_no("unilateral_leg_swelling", "Unilateral leg swelling", ("Unilateral Leg Swelling",)),
        common.yes_no("hemoptysis", "Haemoptysis", ("Hemoptysis",)),
        common.yes_no(
            "recent_surgery_or_trauma", "Surgery or trauma within 4 weeks", ("Recent surgery or trauma",)
        ),
        common.yes_no(
            "prior_pe_or_dvt",
            "Prior PE or DVT",
            ("Previously Documented Pulmonary Embolism", "Previously documented Deep Vein Thrombosis"),
        ),
        common.yes_no(
            "hormone_use",
            "Hormone use (oral contraceptives, hormone replacement, oestrogens)",
            ("Hormone use",),
        ),
    ),
    output=Output("integer", "PERC criteria met"),
    citation=Citation(
        "Kline JA, Mitchell AM, Kabrhel C, Richman PB, Courtney DM. Clinical criteria to prevent unnecessary "
        "diagnostic testing in emergency department patients with suspected pulmonary embolism. J Thromb "
        "Haemost 2004;2(8):1247-55.",
        doi="10.1111/j.1538-7836.2004.00790.x",
        pmid="15304025",
    ),
    method=PointScore(
        criteria=(
            bands("age", [(None, 50, 0), (50, None, 1)], "Age", unit="year"),
            bands("heart_rate", [(None, 100, 0), (100, None, 1)], "Heart rate", unit="/min"),
            rule(
                "Oxygen saturation",
                ["oxygen_saturation"],
                lambda v: 1 if round(v["oxygen_saturation"], 9) <= 94 else 0,
                ["≤ 94 %: +1", "> 94 %: 0"],
                explain=lambda v: f"{fmt(v['oxygen_saturation'])} %",
            ),
            flag("unilateral_leg_swelling", 1, "Unilateral leg swelling"),
            flag("hemoptysis", 1, "Haemoptysis"),
            flag("recent_surgery_or_trauma", 1, "Recent surgery or trauma"),
            flag("prior_pe_or_dvt", 1, "Prior PE or DVT"),
            flag("hormone_use", 1, "Hormone use"),
        ),
        note="0 criteria met = PERC negative.",
    ),
    notes="MedCalc-Bench: SaO2 < 95 % counts; ours: SaO2 ≤ 94 % counts; source: Kline 2004 (negative "
    "criterion 'SaO2 > 94 %'). The two differ only for saturations strictly between 94 and 95 %.",
    examples=(
        # Hand calculations from the published criteria (Kline 2004).
        Example(
            {"age": 49, "heart_rate": 99, "oxygen_saturation": 95},
            0,
            "hand calculation from the published criteria (Kline 2004)",
            note="all just inside: 0",
        ),
        Example(
            {"age": 50, "heart_rate": 100, "oxygen_saturation": 94},
            3,
            "hand calculation from the published criteria (Kline 2004)",
            note="all at the cut-off: 1 + 1 + 1",
        ),
        Example(
            {"age": 64, "heart_rate": 72, "oxygen_saturation": 100, "prior_pe_or_dvt": True},
            2,
            "hand calculation from the published criteria (Kline 2004)",
            note="1 (age) + 1 (prior PE)",
        ),
        Example(
            {
                "age": 70,
                "heart_rate": 120,
                "oxygen_saturation": 88,
                "unilateral_leg_swelling": True,
                "hemoptysis": True,
                "recent_surgery_or_trauma": True,
                "prior_pe_or_dvt": True,
                "hormone_use": True,
            },
            8,
            "hand calculation from the published criteria (Kline 2004): every criterion",
            note="8 × 1",
        ),
    ),
)
