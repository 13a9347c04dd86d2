"""FeverPAIN score for streptococcal sore throat (Little 2013), 0-5.

One point each: Fever in the past 24 hours; Purulence (pharyngeal or tonsillar exudate); Attend rapidly
(symptom onset ≤ 3 days); severely Inflamed tonsils; No cough or coryza. 0-1 → 13-18 % streptococci,
2-3 → 34-40 %, ≥ 4 → 62-65 % in the derivation cohorts.

As in the Centor score, the input is the finding ("cough or coryza present"); unreported findings are
absent, so an unreported cough/coryza earns the "no cough or coryza" point. MedCalc-Bench's entity is the
criterion ("Absence of cough or coryza") and is inverted on import.
"""

from typing import Any

from calculators import common
from calculators.medcalc import inputs_from_keys
from calculators.points import PointScore, flag, rule
from calculators.spec import Calculator, Citation, Example, Output

_ABSENCE_KEY = "Absence of cough or coryza"


def _from_medcalc(entities: dict[str, Any]) -> dict[str, Any]:
    """Benchmark entities carry the criterion; our input is the finding."""
    values = inputs_from_keys(CALCULATOR, entities)
    if _ABSENCE_KEY in entities:
        values["cough_or_coryza"] = not bool(entities[_ABSENCE_KEY])
    return values


CALCULATOR = Calculator(
    id="feverpain",
    medcalc_id=33,
    name="FeverPAIN score",
    category="diagnosis",
    description="Likelihood of streptococcal infection in acute sore throat (primary care).",
    inputs=(
        common.yes_no("fever_24h", "Fever in the past 24 hours", ("Fever in past 24 hours",)),
        common.yes_no("purulence", "Purulent tonsils (pharyngeal/tonsillar exudate)", ("Purulent tonsils",)),
        common.yes_no(
            "rapid_attendance",
            "Symptom onset ≤ 3 days before attending",
            ("Symptom onset <=3 days", "Symptom onset ≤3 days"),
        ),
        common.yes_no("severe_inflammation", "Severely inflamed tonsils", ("Severe tonsil inflammation",)),
        common.yes_no("cough_or_coryza", "Cough or coryza present", help="not reported = absent (+1)"),
    ),
    output=Output("integer", "FeverPAIN score"),
    citation=Citation(
        "Little P, Moore M, Hobbs FDR, et al. PRImary care Streptococcal Management (PRISM) study: identifying "
        "clinical variables associated with Lancefield group A β-haemolytic streptococci and Lancefield "
        "non-Group A streptococcal throat infections from two cohorts of patients presenting with an acute "
        "sore throat. BMJ Open 2013;3(10):e003943.",
        doi="10.1136/bmjopen-2013-003943",
        pmid="24163209",
    ),
    method=PointScore(
        criteria=(
            flag("fever_24h", 1, "Fever in past 24 h"),
            flag("purulence", 1, "Purulence"),
            flag("rapid_attendance", 1, "Attend rapidly (≤ 3 days)"),
            flag("severe_inflammation", 1, "Severely inflamed tonsils"),
            rule(
                "Cough or coryza",
                ["cough_or_coryza"],
                lambda v: 0 if v["cough_or_coryza"] else 1,
                ["no cough or coryza: +1", "cough or coryza: 0"],
                explain=lambda v: "cough or coryza present" if v["cough_or_coryza"] else "no cough or coryza",
            ),
        ),
        note="0-1: low likelihood (no antibiotic); 2-3: delayed prescription; ≥ 4: immediate antibiotic "
        "or rapid test (Little 2013 BMJ 347:f5806).",
    ),
    from_medcalc=_from_medcalc,
    medcalc_keys=(_ABSENCE_KEY,),
    medcalc_ignore={
        "Occipital, parietal or temporal scalp hematoma; history of level of conciousness (LOC) ≥5 sec; not "
        "acting normally per parent or severe mechanism of injury?": "a PECARN head-injury criterion that "
        "leaks into FeverPAIN rows; FeverPAIN (Little 2013) has no such item.",
        "Altered mental status for PECARN head injury criteria": "a PECARN head-injury criterion that leaks "
        "into FeverPAIN rows; FeverPAIN (Little 2013) has no such item.",
    },
    notes="MedCalc-Bench (v1.0 and Verified): an unreported 'Absence of cough or coryza' earns no point; "
    "ours: an unreported cough/coryza is absent, so the point is given, consistent with every other "
    "unreported finding (and with the benchmark's own Centor convention); source: Little 2013 item 'No "
    "cough or coryza'.",
    examples=(
        # Hand calculations from the published score (Little 2013).
        Example(
            {"cough_or_coryza": True},
            0,
            "hand calculation from the published score (Little 2013)",
            note="nothing present, cough reported",
        ),
        Example(
            {},
            1,
            "hand calculation from the published score (Little 2013)",
            note="only the no-cough/coryza point (cough not reported = absent)",
        ),
        Example(
            {"fever_24h": True, "cough_or_coryza": True, "rapid_attendance": False},
            1,
            "hand calculation from the published score (Little 2013)",
            note="1 + 0 + 0 + 0 + 0",
        ),
        Example(
            {"fever_24h": True, "purulence": True, "rapid_attendance": True, "severe_inflammation": True},
            5,
            "hand calculation from the published score (Little 2013): every item",
            note="5 × 1",
        ),
    ),
)
