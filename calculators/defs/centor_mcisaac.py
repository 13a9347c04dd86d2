"""Modified Centor (McIsaac) score for group A streptococcal pharyngitis, -1 to 5.

One point each: temperature > 38 °C; absence of cough; swollen, tender anterior cervical lymph nodes;
tonsillar swelling or exudate. Age modifier: 3-14 years +1, 15-44 years 0, ≥ 45 years -1. The score is
defined from age 3 (McIsaac 1998 enrolled patients aged 3 and over), so younger ages are rejected.

The input is the finding "cough", as recorded in notes and EHRs; like every unreported finding it
defaults to absent, so an unreported cough earns the "no cough" point (MedCalc-Bench Verified does the
same; its v1.0 entity "Cough Absent" is inverted on import).
"""

from typing import Any

from calculators import common
from calculators.formula import fmt
from calculators.medcalc import inputs_from_keys
from calculators.points import PointScore, bands, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output


def _from_medcalc(entities: dict[str, Any]) -> dict[str, Any]:
    """Benchmark entities carry the criterion ("Cough Absent"); our input is the finding ("cough")."""
    values = inputs_from_keys(CALCULATOR, entities)
    if "Cough Absent" in entities:
        values["cough"] = not bool(entities["Cough Absent"])
    return values


CALCULATOR = Calculator(
    id="centor_mcisaac",
    medcalc_id=20,
    name="Centor score (modified/McIsaac)",
    category="severity",
    description="Likelihood of group A streptococcal pharyngitis in a patient with sore throat.",
    inputs=(
        common.age(range=(3, 120)),
        Input(
            "temperature",
            "Highest temperature",
            unit="Cel",
            range=(30.0, 45.0),
            medcalc_keys=("Temperature",),
        ),
        common.yes_no("cough", "Cough present", help="not reported = no cough (+1)"),
        common.yes_no(
            "tender_nodes",
            "Swollen, tender anterior cervical lymph nodes",
            ("Tender/swollen anterior cervical lymph nodes",),
        ),
        common.yes_no(
            "tonsillar_exudate", "Tonsillar swelling or exudate", ("Exudate or swelling on tonsils",)
        ),
    ),
    output=Output("integer", "Centor (McIsaac) score"),
    citation=Citation(
        "McIsaac WJ, White D, Tannenbaum D, Low DE. A clinical score to reduce unnecessary antibiotic use in "
        "patients with sore throat. CMAJ 1998;158(1):75-83.",
        pmid="9475915",
    ),
    method=PointScore(
        criteria=(
            bands("age", [(3, 15, 1), (15, 45, 0), (45, None, -1)], "Age", unit="year"),
            rule(
                "Temperature",
                ["temperature"],
                # Round away unit-conversion noise: 100.4 °F is exactly 38 °C and must not count.
                lambda v: 1 if round(v["temperature"], 9) > 38 else 0,
                ["> 38 °C: +1", "≤ 38 °C: 0"],
                explain=lambda v: f"{fmt(v['temperature'])} °C",
            ),
            rule(
                "Cough",
                ["cough"],
                lambda v: 0 if v["cough"] else 1,
                ["cough absent: +1", "cough present: 0"],
                explain=lambda v: "cough present" if v["cough"] else "no cough",
            ),
            flag("tender_nodes", 1, "Tender/swollen anterior cervical nodes"),
            flag("tonsillar_exudate", 1, "Tonsillar swelling or exudate"),
        ),
        note="≤ 0: no test or antibiotic; 1-3: culture or rapid test; ≥ 4: culture and treat (McIsaac 1998).",
    ),
    from_medcalc=_from_medcalc,
    medcalc_keys=("Cough Absent",),
    notes="MedCalc-Bench v1.0: an unreported 'Cough Absent' earns no point; ours: an unreported cough is "
    "absent, so the no-cough point is given (as MedCalc-Bench Verified does); source: McIsaac 1998 item "
    "'absence of cough' with the project rule that unreported findings are absent. "
    "MedCalc-Bench v1.0: ages strictly between 14 and 15 or 44 and 45 get no age band; ours: 3 to < 15 "
    "+1, 15 to < 45 0, ≥ 45 -1; source: McIsaac 1998 (3-14, 15-44, ≥ 45 years).",
    examples=(
        # Hand calculations from the published score (McIsaac 1998).
        Example(
            {"age": 30, "temperature": "37 Cel", "cough": True},
            0,
            "hand calculation from the published score (McIsaac 1998)",
            note="0 + 0 + 0 + 0 + 0",
        ),
        Example(
            {"age": 14, "temperature": "38.5 Cel", "tonsillar_exudate": True, "tender_nodes": True},
            5,
            "hand calculation from the published score (McIsaac 1998)",
            note="1 + 1 + 1 (no cough) + 1 + 1",
        ),
        Example(
            {"age": 45, "temperature": "100.4 [degF]", "cough": True},
            -1,
            "hand calculation from the published score (McIsaac 1998)",
            note="-1 (age 45) + 0 (100.4 °F = 38.0 °C is not > 38) + 0 + 0 + 0",
        ),
        Example(
            {"age": 15, "temperature": "38.1 Cel", "tender_nodes": True},
            3,
            "hand calculation from the published score (McIsaac 1998)",
            note="0 + 1 + 1 + 1 + 0",
        ),
    ),
)
