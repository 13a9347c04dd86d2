"""CURB-65 score for community-acquired pneumonia severity (Lim 2003), 0-5.

One point each: new Confusion; Urea > 7 mmol/L; Respiratory rate ≥ 30/min; Blood pressure low (systolic
< 90 mm Hg or diastolic ≤ 60 mm Hg); age ≥ 65 years. 0-1 low, 2 intermediate, 3-5 high 30-day mortality.

Urea is held in mmol/L. A blood urea nitrogen in mg/dL converts through the nitrogen content of urea
(28.014 mg N per mmol), so the cut-off is BUN > 19.6 mg/dL; a value already in mmol/L is used as is.
Editions (calculators.editions): MedCalc-Bench states the cut-off in mg/dL, BUN > 19 in v1.0 and > 20 in
Verified; those editions score the urea item so.
"""

from calculators import common
from calculators.editions import Variant
from calculators.formula import fmt
from calculators.points import PointScore, bands, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output


def _bp_points(v: dict) -> int:
    # Round away unit-conversion noise (60 mm Hg given in kPa comes back as 60.00000000000001).
    return 1 if round(v["systolic_bp"], 9) < 90 or round(v["diastolic_bp"], 9) <= 60 else 0


# BUN in mg/dL per mmol/L of urea (28.014 mg nitrogen per mmol; the unit table's conversion).
MG_PER_MMOL = 2.8014


def _urea(bun_mg_dl: float | None = None):
    """The urea criterion: Lim 2003's urea > 7 mmol/L, or a release's BUN cut-off in mg/dL (an edition)."""
    if bun_mg_dl is None:
        # Round away conversion noise so a value of exactly 7 mmol/L stays at the cut-off.
        return rule(
            "Urea",
            ["bun"],
            lambda v: 1 if round(v["bun"], 9) > 7 else 0,
            ["> 7 mmol/L (BUN > 19.6 mg/dL): +1", "≤ 7 mmol/L: 0"],
            explain=lambda v: f"{fmt(v['bun'])} mmol/L",
        )
    return rule(
        "Urea",
        ["bun"],
        lambda v: 1 if round(v["bun"] * MG_PER_MMOL, 9) > bun_mg_dl else 0,
        [f"BUN > {bun_mg_dl:g} mg/dL: +1", f"BUN ≤ {bun_mg_dl:g} mg/dL: 0"],
        explain=lambda v: f"BUN {fmt(v['bun'] * MG_PER_MMOL)} mg/dL",
    )


def _bench_citation(release: str, cut: int) -> Citation:
    return Citation(f"MedCalc-Bench {release}, calculator_implementations/curb_65.py (BUN > {cut} mg/dL)")


def _method(urea) -> PointScore:
    return PointScore(
        criteria=(
            flag("confusion", 1, "Confusion"),
            urea,
            bands("respiratory_rate", [(None, 30, 0), (30, None, 1)], "Respiratory rate", unit="/min"),
            rule(
                "Blood pressure",
                ["systolic_bp", "diastolic_bp"],
                _bp_points,
                ["systolic < 90 or diastolic ≤ 60 mm Hg: +1", "otherwise: 0"],
                explain=lambda v: f"{fmt(v['systolic_bp'])}/{fmt(v['diastolic_bp'])} mm Hg",
            ),
            bands("age", [(None, 65, 0), (65, None, 1)], "Age", unit="year"),
        ),
        note="0-1 low risk, 2 intermediate, 3-5 high (Lim 2003).",
    )


def _bench_examples(cutoff: int, *, low_bun_point: int) -> tuple[Example, Example]:
    """Hand calculations with a benchmark's BUN cut-off (curb_65.py: BUN > `cutoff` mg/dL): BUN 19.5 scores
    `low_bun_point` alone; BUN 20.5 with confusion, RR 30, DBP 60 and age 70 scores 5 under either cut-off."""
    source = f"hand calculation with MedCalc-Bench's BUN cut-off, > {cutoff} mg/dL (curb_65.py)"
    return (
        Example({"bun": "19.5 mg/dL", "respiratory_rate": 18, "systolic_bp": 120, "diastolic_bp": 80, "age": 40},
                low_bun_point, source),
        Example({"bun": "20.5 mg/dL", "confusion": True, "respiratory_rate": 30, "systolic_bp": 120,
                 "diastolic_bp": 60, "age": 70}, 5, source),
    )  # fmt: skip


CALCULATOR = Calculator(
    id="curb65",
    medcalc_id=45,
    name="CURB-65 score",
    category="risk",
    description="30-day mortality risk in community-acquired pneumonia, to guide the place of care.",
    inputs=(
        common.yes_no("confusion", "New confusion", ("Confusion",)),
        common.lab(
            "bun",
            "Blood urea (mmol/L) or urea nitrogen (mg/dL)",
            "mmol/L",
            "bun",
            (0.3, 110.0),
            ("Blood Urea Nitrogen (BUN)",),
        ),
        Input(
            "respiratory_rate",
            "Respiratory rate",
            unit="/min",
            range=(1, 100),
            medcalc_keys=("respiratory rate",),
        ),
        common.systolic_bp(),
        common.diastolic_bp(),
        common.age(),
    ),
    output=Output("integer", "CURB-65 score"),
    citation=Citation(
        "Lim WS, van der Eerden MM, Laing R, et al. Defining community acquired pneumonia severity on "
        "presentation to hospital: an international derivation and validation study. Thorax "
        "2003;58(5):377-82.",
        doi="10.1136/thorax.58.5.377",
        pmid="12728155",
    ),
    method=_method(_urea()),
    editions=(
        Variant(
            editions=("v1.0",),
            differs="urea point for BUN > 19 mg/dL (source: urea > 7 mmol/L = BUN > 19.6 mg/dL)",
            citation=_bench_citation("v1.0", 19),
            changes={
                "method": _method(_urea(19)),
                "examples": _bench_examples(19, low_bun_point=1),
            },
        ),
        Variant(
            editions=("verified",),
            differs="urea point for BUN > 20 mg/dL (source: urea > 7 mmol/L = BUN > 19.6 mg/dL)",
            citation=_bench_citation("Verified", 20),
            changes={
                "method": _method(_urea(20)),
                "examples": _bench_examples(20, low_bun_point=0),
            },
        ),
    ),
    notes="MedCalc-Bench: BUN > 19 mg/dL (v1.0) or > 20 mg/dL (Verified); ours: urea > 7 mmol/L, i.e. "
    "BUN > 19.6 mg/dL (7 mmol/L × 2.8014); source: Lim 2003 ('urea > 7 mmol/l'). The labels differ only "
    "for BUN between 19 and 20 mg/dL.",
    examples=(
        # Hand calculations from the published score (Lim 2003).
        Example(
            {"bun": "7 mmol/L", "respiratory_rate": 29, "systolic_bp": 90, "diastolic_bp": 61, "age": 64},
            0,
            "hand calculation from the published score (Lim 2003)",
            note="every item just below its cut-off",
        ),
        Example(
            {
                "bun": "7.1 mmol/L",
                "respiratory_rate": 30,
                "systolic_bp": 120,
                "diastolic_bp": 60,
                "age": 65,
                "confusion": True,
            },
            5,
            "hand calculation from the published score (Lim 2003)",
            note="every item at its cut-off: 5 × 1",
        ),
        # BUN 19 mg/dL / 2.8014 = 6.78 mmol/L (0); BUN 20 mg/dL = 7.14 mmol/L (1).
        Example(
            {"bun": "19 mg/dL", "respiratory_rate": 18, "systolic_bp": 85, "diastolic_bp": 70, "age": 40},
            1,
            "hand calculation from the published score (Lim 2003)",
            note="0 (urea 6.78) + 1 (SBP 85)",
        ),
        Example(
            {
                "bun": "20 mg/dL",
                "respiratory_rate": 18,
                "systolic_bp": 130,
                "diastolic_bp": 80,
                "age": 77,
                "confusion": True,
            },
            3,
            "hand calculation from the published score (Lim 2003)",
            note="1 + 1 (urea 7.14) + 0 + 0 + 1",
        ),
    ),
)
