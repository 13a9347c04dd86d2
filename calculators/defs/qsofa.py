"""quick SOFA (qSOFA) score for sepsis outside the ICU (Seymour 2016, Sepsis-3), 0-3.

One point each: respiratory rate ≥ 22/min; altered mentation (any Glasgow Coma Scale < 15); systolic blood
pressure ≤ 100 mm Hg. ≥ 2 with suspected infection flags a higher risk of death or prolonged ICU stay.

Not part of MedCalc-Bench: used by tasks mined from structured records, where a GCS value is more often
recorded than a "mentation" flag, so either input can carry the mentation item.
"""

from calculators import common
from calculators.formula import fmt
from calculators.points import PointScore, bands, rule
from calculators.spec import Calculator, Citation, Example, Input, Output


def _mentation(v: dict) -> int:
    gcs = v["gcs"]
    return 1 if v["altered_mentation"] or (gcs is not None and gcs < 15) else 0


def _mentation_explain(v: dict) -> str:
    gcs = "not reported" if v["gcs"] is None else fmt(v["gcs"])
    return f"altered mentation {'yes' if v['altered_mentation'] else 'no'}, GCS {gcs}"


CALCULATOR = Calculator(
    id="qsofa",
    medcalc_id=None,
    name="qSOFA score",
    category="risk",
    description="Bedside screen for poor outcome in adults with suspected infection (Sepsis-3).",
    inputs=(
        Input(
            "respiratory_rate",
            "Respiratory rate",
            unit="/min",
            range=(1, 100),
            medcalc_keys=("respiratory rate",),
        ),
        common.yes_no("altered_mentation", "Altered mentation", help="or give gcs"),
        Input(
            "gcs",
            "Glasgow Coma Scale",
            range=(3, 15),
            required=False,
            medcalc_keys=("Glasgow Coma Score",),
            help="any value < 15 counts as altered mentation",
        ),
        common.systolic_bp(),
    ),
    output=Output("integer", "qSOFA score"),
    missing_data={
        "gcs": "optional: altered mentation may be given directly; a GCS < 15 also counts (Seymour 2016)",
    },
    citation=Citation(
        "Seymour CW, Liu VX, Iwashyna TJ, et al. Assessment of Clinical Criteria for Sepsis: For the Third "
        "International Consensus Definitions for Sepsis and Septic Shock (Sepsis-3). JAMA 2016;315(8):762-74.",
        doi="10.1001/jama.2016.0288",
        pmid="26903335",
    ),
    method=PointScore(
        criteria=(
            bands("respiratory_rate", [(None, 22, 0), (22, None, 1)], "Respiratory rate", unit="/min"),
            rule(
                "Mentation",
                ["altered_mentation", "gcs"],
                _mentation,
                ["altered mentation or GCS < 15: +1", "otherwise: 0"],
                explain=_mentation_explain,
            ),
            rule(
                "Systolic blood pressure",
                ["systolic_bp"],
                lambda v: 1 if round(v["systolic_bp"], 9) <= 100 else 0,
                ["≤ 100 mm Hg: +1", "> 100 mm Hg: 0"],
                explain=lambda v: f"{fmt(v['systolic_bp'])} mm Hg",
            ),
        ),
        note="≥ 2 points with suspected infection: high risk (Seymour 2016).",
    ),
    examples=(
        # Hand calculations from the published criteria (Seymour 2016).
        Example(
            {"respiratory_rate": 21, "systolic_bp": 101, "gcs": 15},
            0,
            "hand calculation from the published criteria (Seymour 2016)",
            note="each just outside: 0",
        ),
        Example(
            {"respiratory_rate": 22, "systolic_bp": 100, "gcs": 14},
            3,
            "hand calculation from the published criteria (Seymour 2016)",
            note="each at the cut-off: 3",
        ),
        Example(
            {"respiratory_rate": 18, "systolic_bp": 95, "altered_mentation": True},
            2,
            "hand calculation from the published criteria (Seymour 2016)",
            note="0 + 1 + 1",
        ),
        # 13.3 kPa = 99.8 mm Hg -> ≤ 100.
        Example(
            {"respiratory_rate": 24, "systolic_bp": "13.3 kPa"},
            2,
            "hand calculation from the published criteria (Seymour 2016)",
            note="1 + 0 + 1 (99.8 mm Hg)",
        ),
    ),
)
