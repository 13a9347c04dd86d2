"""Glasgow Coma Scale total, E + V + M, 3-15.

Eye opening: spontaneous 4, to speech 3, to pain 2, none 1. Best verbal response: oriented 5, confused 4,
inappropriate words 3, incomprehensible sounds 2, none 1. Best motor response: obeys commands 6, localises
pain 5, withdraws from pain (normal flexion) 4, abnormal flexion 3, extension 2, none 1.

Teasdale & Jennett introduced the scale in 1974 with five motor levels (no split of flexion); the
six-level motor response that makes the familiar 3-15 total was added by the same authors in 1976 and is
the one used here. A component that cannot be tested (intubated, eyes swollen shut) has no score: the
total is then undefined, so "not testable" is rejected rather than replaced by a guess. All three
components are required for the same reason.
"""

from calculators.points import PointScore, choice
from calculators.spec import Calculator, Citation, Example, Input, Output

_EYE = {"spontaneous": 4, "to speech": 3, "to pain": 2, "none": 1}
_VERBAL = {"oriented": 5, "confused": 4, "inappropriate words": 3, "incomprehensible sounds": 2, "none": 1}
_MOTOR = {
    "obeys commands": 6,
    "localizes pain": 5,
    "withdraws from pain": 4,
    "abnormal flexion": 3,
    "extension": 2,
    "none": 1,
}

_NOT_TESTABLE_HELP = "a component that is not testable has no score; the total cannot be computed"
# MDCalc (GCS, updated May 2019): "The Score cannot be calculated if one or other of the component criteria
# is not testable"; glasgowcomascale.org FAQ: record "NT", do not use 1, do not report a total score.
_NOT_TESTABLE = {
    "not testable": "a component that is not testable has no score, so the GCS total is undefined "
    "(Teasdale et al., glasgowcomascale.org FAQ; MDCalc GCS); MedCalc-Bench scores it 4",
}
# MDCalc (GCS, updated May 2019): "The Score cannot be calculated if one or other of the component criteria
# is not testable"; glasgowcomascale.org FAQ: record "NT", do not use 1, do not report a total score.
_NOT_TESTABLE = {
    "not testable": "a component that is not testable has no score, so the GCS total is undefined "
    "(Teasdale et al., glasgowcomascale.org FAQ; MDCalc GCS); MedCalc-Bench scores it 4",
}

CALCULATOR = Calculator(
    id="glasgow_coma_scale",
    medcalc_id=21,
    name="Glasgow Coma Scale",
    category="severity",
    description="Level of consciousness from best eye, verbal and motor responses.",
    inputs=(
        Input(
            "eye",
            "Best eye response",
            kind="choice",
            choices=tuple(_EYE),
            aliases={
                "eyes open spontaneously": "spontaneous",
                "eye opening to verbal command": "to speech",
                "to sound": "to speech",
                "to verbal command": "to speech",
                "eye opening to pain": "to pain",
                "no eye opening": "none",
                "E4": "spontaneous",
                "E3": "to speech",
                "E2": "to pain",
                "E1": "none",
            },
            medcalc_keys=("Best eye response",),
            help=_NOT_TESTABLE_HELP,
            rejects=_NOT_TESTABLE,
        ),
        Input(
            "verbal",
            "Best verbal response",
            kind="choice",
            choices=tuple(_VERBAL),
            aliases={
                "orientated": "oriented",
                "confused conversation": "confused",
                "no verbal response": "none",
                "V5": "oriented",
                "V4": "confused",
                "V3": "inappropriate words",
                "V2": "incomprehensible sounds",
                "V1": "none",
            },
            medcalc_keys=("Best verbal response",),
            help=_NOT_TESTABLE_HELP,
            rejects=_NOT_TESTABLE,
        ),
        Input(
            "motor",
            "Best motor response",
            kind="choice",
            choices=tuple(_MOTOR),
            aliases={
                "obeys": "obeys commands",
                "localises pain": "localizes pain",
                "withdrawal from pain": "withdraws from pain",
                "normal flexion": "withdraws from pain",
                "flexion to pain": "abnormal flexion",
                "decorticate": "abnormal flexion",
                "extension to pain": "extension",
                "decerebrate": "extension",
                "no motor response": "none",
                "M6": "obeys commands",
                "M5": "localizes pain",
                "M4": "withdraws from pain",
                "M3": "abnormal flexion",
                "M2": "extension",
                "M1": "none",
            },
            medcalc_keys=("Best motor response",),
            help=_NOT_TESTABLE_HELP,
            rejects=_NOT_TESTABLE,
        ),
    ),
    output=Output("integer", "Glasgow Coma Scale"),
    missing_data={
        name: "required; 'not testable' is refused because the total is then undefined (MDCalc GCS: 'The "
        "Score cannot be calculated if one or other of the component criteria is not testable'; "
        "glasgowcomascale.org FAQ: record NT, do not report a total). MedCalc-Bench scores a not-testable "
        "eye or verbal response 4."
        for name in ("eye", "verbal", "motor")
    },
    citation=Citation(
        "Teasdale G, Jennett B. Assessment of coma and impaired consciousness. A practical scale. "
        "Lancet 1974;2(7872):81-4. Six-level motor response: Teasdale G, Jennett B. Assessment and "
        "prognosis of coma after head injury. Acta Neurochir (Wien) 1976;34(1-4):45-55.",
        doi="10.1016/S0140-6736(74)91639-0",
        pmid="4136544",
    ),
    method=PointScore(
        criteria=(
            choice("eye", _EYE, "Eye opening (E)"),
            choice("verbal", _VERBAL, "Verbal response (V)"),
            choice("motor", _MOTOR, "Motor response (M)"),
        ),
        note="13-15 mild, 9-12 moderate, 3-8 severe impairment.",
    ),
    notes="MedCalc-Bench v1.0: explanations that count the verbal score twice (reported in "
    "shared/data/README.md), and a 'not testable' eye or verbal response scored 4; ours: total = E + V + M once each, and 'not testable' is "
    "rejected because the total is then undefined; source: Teasdale & Jennett 1974/1976 (sum of the three "
    "responses; untestable components are recorded, not scored).",
    examples=(
        # Hand calculations from the published scale (Teasdale & Jennett 1974/1976).
        Example(
            {"eye": "spontaneous", "verbal": "oriented", "motor": "obeys commands"},
            15,
            "hand calculation from the published scale",
            note="4 + 5 + 6",
        ),
        Example(
            {"eye": "none", "verbal": "none", "motor": "none"},
            3,
            "hand calculation from the published scale",
            note="1 + 1 + 1",
        ),
        Example(
            {"eye": "eyes open spontaneously", "verbal": "no verbal response", "motor": "flexion to pain"},
            8,
            "hand calculation from the published scale (MedCalc-Bench Verified one-shot phrasing)",
            note="4 + 1 + 3",
        ),
        Example(
            {"eye": "to speech", "verbal": "confused", "motor": "localizes pain"},
            12,
            "hand calculation from the published scale",
            note="3 + 4 + 5",
        ),
        Example(
            {"eye": "to pain", "verbal": "inappropriate words", "motor": "withdraws from pain"},
            9,
            "hand calculation from the published scale",
            note="2 + 3 + 4",
        ),
        Example(
            {"eye": "E2", "verbal": "incomprehensible sounds", "motor": "extension"},
            6,
            "hand calculation from the published scale",
            note="2 + 2 + 2",
        ),
    ),
)
