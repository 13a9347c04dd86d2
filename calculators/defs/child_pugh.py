"""Child-Pugh score for the severity of cirrhosis (Pugh 1973 modification of Child-Turcotte), 5-15.

Five items, 1-3 points each:
- total bilirubin: < 2 mg/dL 1, 2-3 mg/dL 2, > 3 mg/dL 3;
- albumin: > 3.5 g/dL 1, 2.8-3.5 g/dL 2, < 2.8 g/dL 3;
- INR: < 1.7 1, 1.7-2.3 2, > 2.3 3;
- ascites: absent 1, slight 2, moderate (or severe) 3;
- hepatic encephalopathy: none 1, grade 1-2 2, grade 3-4 3.
Class A 5-6, B 7-9, C 10-15.

Pugh 1973 graded coagulation by prothrombin-time prolongation (1-4 s, 4-6 s, > 6 s); the INR bands above
are the usual modern substitute (MedCalc-Bench, MDCalc) and the only coagulation input here. The middle
bands include both end points (bilirubin 2 and 3 mg/dL, albumin 2.8 and 3.5 g/dL, INR 1.7 and 2.3 score 2),
as in the table's "2-3" wording. Ascites and encephalopathy not reported default to absent/none, the
benchmark's convention for unreported findings; the default is stated in the input help.
"""

from calculators import common
from calculators.formula import fmt
from calculators.points import Criterion, PointScore, choice, rule
from calculators.spec import Calculator, Citation, Example, Input, Output


def _three_bands(name: str, label: str, unit: str, lo: float, hi: float, below: int, above: int) -> Criterion:
    """`below` points for x < lo, 2 for lo ≤ x ≤ hi (both ends included), `above` for x > hi."""
    shown = f" {unit}" if unit else ""

    def points(v: dict) -> int:
        # Round away unit-conversion noise (35 g/L -> 3.5000000000000004 g/dL) before the cut-offs.
        x = round(v[name], 9)
        return below if x < lo else (above if x > hi else 2)

    def explain(v: dict) -> str:
        return f"{fmt(v[name])}{shown}"

    table = [f"< {fmt(lo)}{shown}: {below}", f"{fmt(lo)}-{fmt(hi)}{shown}: 2", f"> {fmt(hi)}{shown}: {above}"]
    return rule(label, [name], points, table, explain=explain)


CALCULATOR = Calculator(
    id="child_pugh",
    medcalc_id=15,
    name="Child-Pugh score",
    category="severity",
    description="Severity of chronic liver disease (cirrhosis) from bilirubin, albumin, INR, ascites and "
    "encephalopathy.",
    inputs=(
        common.lab("bilirubin", "Total bilirubin", "mg/dL", "bilirubin", (0.05, 60.0), ("Bilirubin",)),
        common.albumin(),
        Input(
            "inr",
            "International normalized ratio",
            range=(0.5, 20.0),
            medcalc_keys=("international normalized ratio",),
        ),
        Input(
            "ascites",
            "Ascites",
            kind="choice",
            choices=("absent", "slight", "moderate"),
            aliases={
                "none": "absent",
                "no ascites": "absent",
                "mild": "slight",
                "moderate or severe": "moderate",
                "severe": "moderate",
                "tense": "moderate",
            },
            required=False,
            default="absent",
            medcalc_keys=("Ascites",),
            help="not reported = absent",
        ),
        Input(
            "encephalopathy",
            "Hepatic encephalopathy (West Haven grade)",
            kind="choice",
            choices=("none", "grade 1-2", "grade 3-4"),
            aliases={
                "no encephalopathy": "none",
                "absent": "none",
                "grade 0": "none",
                "grade 1": "grade 1-2",
                "grade 2": "grade 1-2",
                "grade 3": "grade 3-4",
                "grade 4": "grade 3-4",
                "mild": "grade 1-2",
                "severe": "grade 3-4",
            },
            required=False,
            default="none",
            medcalc_keys=("Encephalopathy",),
            help="not reported = none",
        ),
    ),
    output=Output("integer", "Child-Pugh score"),
    missing_data={
        "ascites": "not reported → absent (1 point), MedCalc-Bench's default for an unreported finding",
        "encephalopathy": "not reported → none (1 point), MedCalc-Bench's default",
    },
    citation=Citation(
        "Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Transection of the oesophagus for "
        "bleeding oesophageal varices. Br J Surg 1973;60(8):646-9.",
        doi="10.1002/bjs.1800600817",
        pmid="4541913",
    ),
    method=PointScore(
        criteria=(
            _three_bands("bilirubin", "Total bilirubin", "mg/dL", 2, 3, below=1, above=3),
            _three_bands("albumin", "Albumin", "g/dL", 2.8, 3.5, below=3, above=1),
            _three_bands("inr", "INR", "", 1.7, 2.3, below=1, above=3),
            choice("ascites", {"absent": 1, "slight": 2, "moderate": 3}, "Ascites"),
            choice("encephalopathy", {"none": 1, "grade 1-2": 2, "grade 3-4": 3}, "Encephalopathy"),
        ),
        note="Class A 5-6, B 7-9, C 10-15.",
    ),
    notes="MedCalc-Bench v1.0: ascites compared with 'Absent'/'Slight'/'Moderate' while the entities say "
    "'absent', so the ascites points are silently dropped; ours: ascites always scores 1-3 (case-insensitive "
    "choices); source: Pugh 1973 (ascites absent 1, slight 2, moderate 3). "
    "MedCalc-Bench v1.0: bilirubin exactly 2 mg/dL scores 0 and exactly 3 scores 3, albumin exactly 2.8 g/dL "
    "scores 3; ours: 2, 2 and 2 (middle bands closed); source: Pugh 1973 ('2-3', '2.8-3.5'). "
    "MedCalc-Bench: bilirubin molar mass 548.66 g/mol for µmol/L conversion; ours: 584.66 g/mol "
    "(C33H36N4O6); source: IUPAC atomic weights.",
    examples=(
        # Hand calculations from the published table (Pugh 1973; INR bands as in the module docstring).
        Example(
            {"bilirubin": "1.0 mg/dL", "albumin": "4.0 g/dL", "inr": 1.0},
            5,
            "hand calculation from the published table (Pugh 1973)",
            note="1 + 1 + 1 + 1 (absent) + 1 (none)",
        ),
        Example(
            {
                "bilirubin": "2.0 mg/dL",
                "albumin": "3.5 g/dL",
                "inr": 1.7,
                "ascites": "slight",
                "encephalopathy": "grade 1-2",
            },
            10,
            "hand calculation from the published table (Pugh 1973)",
            note="lower ends of middle bands: 2+2+2+2+2",
        ),
        Example(
            {"bilirubin": "3.0 mg/dL", "albumin": "2.8 g/dL", "inr": 2.3},
            8,
            "hand calculation from the published table (Pugh 1973)",
            note="upper ends of middle bands: 2+2+2+1+1",
        ),
        Example(
            {
                "bilirubin": "3.1 mg/dL",
                "albumin": "2.7 g/dL",
                "inr": 2.4,
                "ascites": "moderate",
                "encephalopathy": "grade 3-4",
            },
            15,
            "hand calculation from the published table (Pugh 1973)",
            note="3 + 3 + 3 + 3 + 3",
        ),
        # 51.3 µmol/L × 584.66 g/mol / 10 = 2.999 mg/dL -> 2 points; albumin 30 g/L = 3.0 g/dL -> 2.
        Example(
            {"bilirubin": "51.3 umol/L", "albumin": "30 g/L", "inr": 1.2, "ascites": "absent"},
            7,
            "hand calculation from the published table (Pugh 1973)",
            note="2 + 2 + 1 + 1 + 1",
        ),
    ),
)
