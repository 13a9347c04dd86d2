"""HEART score for major adverse cardiac events in emergency-department chest pain (Six 2008), 0-10.

Five items, 0-2 points each:
- History: slightly 0, moderately 1, highly suspicious 2;
- ECG: normal 0, non-specific repolarisation disturbance (incl. LBBB, paced rhythm) 1, significant ST
  deviation 2;
- Age: < 45 0, 45-64 1, ≥ 65 2;
- Risk factors (hypercholesterolaemia, hypertension, diabetes, smoking, family history of premature
  cardiovascular disease, obesity): none 0, 1-2 → 1, ≥ 3 or known atherosclerotic disease (prior MI,
  PCI/CABG, stroke/TIA, peripheral arterial disease) 2;
- Initial troponin: ≤ normal limit 0, 1-3× normal limit 1, ≥ 3× normal limit 2.
0-3 low, 4-6 intermediate, 7-10 high risk.

Six 2008 prints the age bands as "≤ 45 / 45-65 / ≥ 65", which overlap at 45 and 65; we read them as
< 45, 45-64, ≥ 65, the reading MedCalc-Bench (and the later validation papers) use. History, ECG and
troponin not reported default to the lowest category, the benchmark's convention; the defaults are stated
in the input help.
"""

from calculators import common
from calculators.points import PointScore, bands, choice, rule
from calculators.spec import Calculator, Citation, Example, Input, Output

_RISK_FACTORS = ("hypertension", "hypercholesterolemia", "diabetes", "obesity", "smoking", "family_history")


def _risk_points(v: dict) -> int:
    count = sum(bool(v[name]) for name in _RISK_FACTORS)
    if v["atherosclerotic_disease"] or count >= 3:
        return 2
    return 1 if count >= 1 else 0


def _risk_explain(v: dict) -> str:
    present = [name.replace("_", " ") for name in _RISK_FACTORS if v[name]]
    text = f"{len(present)} risk factor(s)" + (f" ({', '.join(present)})" if present else "")
    return text + ("; known atherosclerotic disease" if v["atherosclerotic_disease"] else "")


CALCULATOR = Calculator(
    id="heart_score",
    medcalc_id=18,
    name="HEART score",
    category="risk",
    description="6-week risk of major adverse cardiac events in patients with chest pain in the emergency "
    "department.",
    inputs=(
        Input(
            "history",
            "Clinical history (suspicion of acute coronary syndrome)",
            kind="choice",
            choices=("slightly suspicious", "moderately suspicious", "highly suspicious"),
            aliases={
                "slightly": "slightly suspicious",
                "not suspicious": "slightly suspicious",
                "moderately": "moderately suspicious",
                "highly": "highly suspicious",
            },
            required=False,
            default="slightly suspicious",
            medcalc_keys=("Suspicion History",),
            help="not reported = slightly suspicious",
        ),
        Input(
            "ecg",
            "ECG",
            kind="choice",
            choices=("normal", "non-specific repolarization disturbance", "significant ST deviation"),
            aliases={
                "non-specific repolarisation disturbance": "non-specific repolarization disturbance",
                "nonspecific repolarization disturbance": "non-specific repolarization disturbance",
                "LBBB": "non-specific repolarization disturbance",
                "paced rhythm": "non-specific repolarization disturbance",
                "significant ST depression": "significant ST deviation",
                "ST deviation": "significant ST deviation",
            },
            required=False,
            default="normal",
            medcalc_keys=("Electrocardiogram Test",),
            help="not reported = normal",
        ),
        common.age(range=(18, 120)),
        common.yes_no("hypertension", "Hypertension", ("Hypertension history",)),
        common.yes_no("hypercholesterolemia", "Hypercholesterolaemia", ("hypercholesterolemia",)),
        common.yes_no(
            "diabetes", "Diabetes mellitus", ("Diabetes mellitus", "Diabetes mellitus criteria for CCI rule")
        ),
        common.yes_no("obesity", "Obesity (BMI > 30 kg/m²)", ("obesity",)),
        common.yes_no("smoking", "Smoking (current or quit ≤ 3 months)", ("smoking",)),
        common.yes_no(
            "family_history",
            "Parent or sibling with cardiovascular disease before 65",
            ("parent or sibling with Cardiovascular disease before age 65",),
        ),
        # TIA is cerebrovascular atherosclerotic disease (the benchmark lists CVA/TIA under it but never reads
        # its own TIA entity); both keys feed the same input.
        common.yes_no(
            "atherosclerotic_disease",
            "Known atherosclerotic disease (MI, PCI/CABG, stroke/TIA, PAD)",
            ("atherosclerotic disease", "Transient Ischemic Attacks History"),
        ),
        Input(
            "troponin",
            "Initial troponin",
            kind="choice",
            choices=("<= normal limit", "1-3x normal limit", ">= 3x normal limit"),
            aliases={
                "normal": "<= normal limit",
                "less than or equal to normal limit": "<= normal limit",
                "between the normal limit or up to three times the normal limit": "1-3x normal limit",
                "1-3x": "1-3x normal limit",
                "greater than three times normal limit": ">= 3x normal limit",
                ">3x normal limit": ">= 3x normal limit",
                ">= 3x": ">= 3x normal limit",
            },
            required=False,
            default="<= normal limit",
            medcalc_keys=("Initial troponin",),
            help="not reported = <= normal limit",
        ),
    ),
    output=Output("integer", "HEART score"),
    notes="MedCalc-Bench: lists CVA/TIA under atherosclerotic disease but never reads its 'Transient "
    "Ischemic Attacks History' entity; ours: a TIA counts as atherosclerotic disease (2 points); source: the "
    "HEART risk-factor item ('known atherosclerotic disease: prior MI, PCI/CABG, CVA/TIA, PAD') as the "
    "benchmark itself prints it.",
    missing_data={
        "history": "not reported → slightly suspicious (0), the lowest category (MedCalc-Bench's default)",
        "ecg": "not reported → normal (0), the lowest category (MedCalc-Bench's default)",
        "troponin": "not reported → ≤ normal limit (0), the lowest category (MedCalc-Bench's default)",
    },
    citation=Citation(
        "Six AJ, Backus BE, Kelder JC. Chest pain in the emergency room: value of the HEART score. "
        "Neth Heart J 2008;16(6):191-6.",
        doi="10.1007/BF03086144",
        pmid="18665203",
    ),
    method=PointScore(
        criteria=(
            choice(
                "history",
                {"slightly suspicious": 0, "moderately suspicious": 1, "highly suspicious": 2},
                "History",
            ),
            choice(
                "ecg",
                {"normal": 0, "non-specific repolarization disturbance": 1, "significant ST deviation": 2},
                "ECG",
            ),
            bands("age", [(None, 45, 0), (45, 65, 1), (65, None, 2)], "Age", unit="year"),
            rule(
                "Risk factors",
                [*_RISK_FACTORS, "atherosclerotic_disease"],
                _risk_points,
                ["none: 0", "1-2 risk factors: 1", "≥ 3 risk factors or known atherosclerotic disease: 2"],
                explain=_risk_explain,
            ),
            choice(
                "troponin",
                {"<= normal limit": 0, "1-3x normal limit": 1, ">= 3x normal limit": 2},
                "Initial troponin",
            ),
        ),
        note="0-3 low, 4-6 intermediate, 7-10 high risk (Six 2008).",
    ),
    examples=(
        # Hand calculations from the published table (Six 2008, Table 1).
        Example({"age": 30}, 0, "hand calculation from the published table (Six 2008)", note="0+0+0+0+0"),
        Example(
            {"age": 45, "smoking": True, "history": "moderately suspicious"},
            3,
            "hand calculation from the published table (Six 2008)",
            note="1 (history) + 0 + 1 (age 45) + 1",
        ),
        Example(
            {
                "age": 64,
                "hypertension": True,
                "diabetes": True,
                "obesity": True,
                "ecg": "non-specific repolarization disturbance",
            },
            4,
            "hand calculation from the published table (Six 2008)",
            note="0 + 1 + 1 (age 64) + 2 (3 factors)",
        ),
        Example(
            {
                "age": 65,
                "atherosclerotic_disease": True,
                "history": "highly suspicious",
                "ecg": "significant ST deviation",
                "troponin": ">= 3x normal limit",
            },
            10,
            "hand calculation from the published table (Six 2008)",
            note="2 + 2 + 2 + 2 + 2 = 10",
        ),
        Example(
            {
                "age": 50,
                "hypercholesterolemia": True,
                "family_history": True,
                "troponin": "1-3x normal limit",
            },
            3,
            "hand calculation from the published table (Six 2008)",
            note="0 + 0 + 1 + 1 (2 factors) + 1",
        ),
    ),
)
