"""Wells' criteria for deep vein thrombosis, modified 2003 version (with previously documented DVT), -2 to 9.

One point each: active cancer (treatment within 6 months or palliative); paralysis, paresis or recent
plaster immobilisation of the lower extremity; recently bedridden ≥ 3 days or major surgery within 12 weeks
(general or regional anaesthesia); localised tenderness along the deep venous system; entire leg swollen;
calf swelling > 3 cm versus the other leg (10 cm below the tibial tuberosity); pitting oedema confined to
the symptomatic leg; collateral (non-varicose) superficial veins; previously documented DVT.
Minus two when an alternative diagnosis is at least as likely as DVT.
Wells 2003 reads ≥ 2 "DVT likely", < 2 "DVT unlikely".
"""

from calculators import common
from calculators.editions import Variant
from calculators.points import PointScore, flag
from calculators.spec import Calculator, Citation, Example, Output

CALCULATOR = Calculator(
    id="wells_dvt",
    medcalc_id=16,
    name="Wells' criteria for DVT",
    category="risk",
    description="Pre-test probability of lower-limb deep vein thrombosis (Wells 2003, modified score).",
    inputs=(
        common.yes_no(
            "active_cancer", "Active cancer (treatment within 6 months or palliative)", ("Active cancer",)
        ),
        common.yes_no(
            "paralysis_or_cast",
            "Paralysis, paresis or recent plaster immobilisation of the leg",
            ("Paralysis, paresis, or recent plaster immobilization of the lower extremity",),
        ),
        common.yes_no(
            "bedridden_or_surgery",
            "Bedridden ≥ 3 days or major surgery within 12 weeks",
            (
                "Bedridden recently >3 days",
                "Major surgery within 12 weeks",
                "Bedridden recently >3 days or major surgery within 12 weeks",  # v1.0 test spelling
            ),
        ),
        common.yes_no(
            "deep_vein_tenderness",
            "Localised tenderness along the deep venous system",
            ("Localized tenderness along the deep venous system",),
        ),
        common.yes_no("entire_leg_swollen", "Entire leg swollen", ("Entire Leg Swollen",)),
        common.yes_no(
            "calf_swelling_3cm",
            "Calf swelling > 3 cm compared with the other leg",
            ("Calf swelling >3 centimeters compared to the other leg",),
        ),
        common.yes_no(
            "pitting_edema",
            "Pitting oedema confined to the symptomatic leg",
            ("Pitting edema, confined to symptomatic leg",),
        ),
        common.yes_no(
            "collateral_veins",
            "Collateral (non-varicose) superficial veins",
            ("Collateral (nonvaricose) superficial veins present",),
        ),
        common.yes_no(
            "previous_dvt", "Previously documented DVT", ("Previously documented Deep Vein Thrombosis",)
        ),
        common.yes_no(
            "alternative_diagnosis",
            "Alternative diagnosis at least as likely as DVT",
            ("Alternative diagnosis to Deep Vein Thrombosis as likely or more likely",),
        ),
    ),
    output=Output("integer", "Wells DVT score"),
    citation=Citation(
        "Wells PS, Anderson DR, Rodger M, et al. Evaluation of D-dimer in the diagnosis of suspected "
        "deep-vein thrombosis. N Engl J Med 2003;349(13):1227-35.",
        doi="10.1056/NEJMoa023153",
        pmid="14507948",
    ),
    method=PointScore(
        criteria=(
            flag("active_cancer", 1, "Active cancer"),
            flag("paralysis_or_cast", 1, "Paralysis, paresis or recent plaster cast"),
            flag("bedridden_or_surgery", 1, "Bedridden ≥ 3 days or major surgery ≤ 12 weeks"),
            flag("deep_vein_tenderness", 1, "Tenderness along the deep venous system"),
            flag("entire_leg_swollen", 1, "Entire leg swollen"),
            flag("calf_swelling_3cm", 1, "Calf swelling > 3 cm"),
            flag("pitting_edema", 1, "Pitting oedema (symptomatic leg)"),
            flag("collateral_veins", 1, "Collateral superficial veins"),
            flag("previous_dvt", 1, "Previously documented DVT"),
            flag("alternative_diagnosis", -2, "Alternative diagnosis at least as likely"),
        ),
        note="≥ 2: DVT likely; < 2: DVT unlikely (Wells 2003).",
    ),
    editions=(
        Variant(
            editions=("verified",),
            differs="Output Type labelled 'decimal' (v1.0: 'integer'); same whole-point score",
            citation=Citation("MedCalc-Bench Verified (Dec 2025), Output Type column of its test and one-shot rows"),
            output_type={"verified": "decimal"},
        ),
    ),
    notes="MedCalc-Bench: Output Type 'decimal' in the Verified release; ours: integer (all weights are "
    "whole points); source: Wells 2003 (weights 1 and -2).",
    examples=(
        # Hand calculations from the published table (Wells 2003, Table 1).
        Example({}, 0, "hand calculation from the published table (Wells 2003)", note="no finding: 0"),
        Example(
            {"alternative_diagnosis": True},
            -2,
            "hand calculation from the published table (Wells 2003)",
            note="0 - 2 = -2",
        ),
        Example(
            {
                "active_cancer": True,
                "bedridden_or_surgery": True,
                "deep_vein_tenderness": True,
                "collateral_veins": True,
            },
            4,
            "hand calculation from the published table (Wells 2003)",
            note="1 + 1 + 1 + 1 = 4",
        ),
        Example(
            {
                "active_cancer": True,
                "paralysis_or_cast": True,
                "bedridden_or_surgery": True,
                "deep_vein_tenderness": True,
                "entire_leg_swollen": True,
                "calf_swelling_3cm": True,
                "pitting_edema": True,
                "collateral_veins": True,
                "previous_dvt": True,
            },
            9,
            "hand calculation from the published table (Wells 2003): every positive item",
            note="9 × 1 = 9",
        ),
        Example(
            {"previous_dvt": True, "pitting_edema": True, "alternative_diagnosis": True},
            0,
            "hand calculation from the published table (Wells 2003)",
            note="1 + 1 - 2 = 0",
        ),
    ),
)
