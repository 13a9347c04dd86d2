"""Morphine milligram equivalents per day (MME/day) with the CDC 2022 conversion factors.

MME/day = Σ over opioids of dose × doses per day × conversion factor, with the factors of the CDC 2022
guideline table: codeine 0.15, hydrocodone 1, hydromorphone 5, methadone 4.7, morphine 1, oxycodone 1.5,
oxymorphone 3, tapentadol 0.4, tramadol 0.2 (per mg); transdermal fentanyl 2.4 per µg/h of patch
delivery rate (a patch is not "doses per day": MME/day = rate × 2.4). Buccal/sublingual fentanyl uses
0.13 per µg, the factor of CDC's MME conversion file (the 2022 table lists no transmucosal fentanyl).

Editions (calculators.editions): `v1.0` and `verified` add buprenorphine at 10 MME per mg, the factor of
MedCalc-Bench's table (the same in both releases). Buprenorphine has no CDC MME factor (a partial agonist; the CDC excludes it from MME totals);
MedCalc-Bench uses 10 per mg. We refuse it with an explicit error rather than invent a number.
MedCalc-Bench also records fentanyl patches as "mg" doses taken N times a day; such rows cannot be
converted (a patch strength is a rate in µg/h) and are reported as unusable (docs/calculators.md, "mme").
"""

from collections.abc import Mapping
from typing import Any

from calculators.editions import Variant
from calculators.errors import InputError, Problem
from calculators.formula import fmt
from calculators.medcalc import EntityError
from calculators.procedure import Procedure
from calculators.spec import Calculator, Citation, Example, Input, Output

ID = "mme"

# name -> (label, dose unit, MME per unit, MedCalc-Bench name lower-cased)
PER_DOSE: dict[str, tuple[str, str, float, str]] = {
    "codeine": ("Codeine", "mg", 0.15, "codeine"),
    "fentanyl_buccal": ("Fentanyl buccal/sublingual", "ug", 0.13, "fentanyl buccal"),
    "hydrocodone": ("Hydrocodone", "mg", 1.0, "hydrocodone"),
    "hydromorphone": ("Hydromorphone", "mg", 5.0, "hydromorphone"),
    "methadone": ("Methadone", "mg", 4.7, "methadone"),
    "morphine": ("Morphine", "mg", 1.0, "morphine"),
    "oxycodone": ("Oxycodone", "mg", 1.5, "oxycodone"),
    "oxymorphone": ("Oxymorphone", "mg", 3.0, "oxymorphone"),
    "tapentadol": ("Tapentadol", "mg", 0.4, "tapentadol"),
    "tramadol": ("Tramadol", "mg", 0.2, "tramadol"),
}
PATCH_FACTOR = 2.4  # MME/day per µg/h of transdermal fentanyl
PATCH_MEDCALC = "fentanyl patch"
_DOSE_RANGE = {"mg": (0.1, 2000.0), "ug": (1.0, 3200.0)}
_MASS_UNITS = frozenset({"mg", "g", "ug", "µg", "mcg"})


# MedCalc-Bench v1.0 and Verified (calculator_implementations/mme.py): the CDC table plus buprenorphine at
# 10 MME per mg, a factor the CDC does not publish (the `v1.0` and `verified` editions' definition).
BENCHMARK_PER_DOSE = {**PER_DOSE, "buprenorphine": ("Buprenorphine", "mg", 10.0, "buprenorphine")}


def _inputs(table: Mapping[str, tuple[str, str, float, str]] = PER_DOSE) -> tuple[Input, ...]:
    inputs: list[Input] = []
    for name, (label, unit, _, _) in table.items():
        inputs.append(
            Input(f"{name}_dose", f"{label} dose", unit=unit, range=_DOSE_RANGE[unit], required=False)
        )
        inputs.append(Input(f"{name}_per_day", f"{label} doses per day", range=(0.1, 48), required=False))
    inputs.append(
        Input(
            "fentanyl_patch_rate",
            "Transdermal fentanyl delivery rate",
            unit="ug/h",
            range=(1.0, 1000.0),
            required=False,
            help="total µg/h of the patches worn",
        )
    )
    return tuple(inputs)


def _mme(values: Mapping[str, Any], table: Mapping[str, tuple[str, str, float, str]] = PER_DOSE):
    lines: list[str] = []
    parts: list[float] = []  # MME/day of each opioid given
    missing: list[Problem] = []
    for name, (label, unit, factor, _) in table.items():
        dose, per_day = values[f"{name}_dose"], values[f"{name}_per_day"]
        if dose is None and per_day is None:
            continue
        if dose is None or per_day is None:
            absent = f"{name}_dose" if dose is None else f"{name}_per_day"
            missing.append(Problem(absent, None, f"{label}: dose and doses per day are both needed"))
            continue
        mme = dose * per_day * factor
        parts.append(mme)
        shown_unit = "µg" if unit == "ug" else unit
        lines.append(
            f"{label}: {fmt(dose)} {shown_unit} × {fmt(per_day)}/day × {fmt(factor)} MME/{shown_unit} "
            f"= {fmt(mme)} MME/day"
        )
    rate = values["fentanyl_patch_rate"]
    if rate is not None:
        mme = rate * PATCH_FACTOR
        parts.append(mme)
        lines.append(f"Fentanyl patch: {fmt(rate)} µg/h × {fmt(PATCH_FACTOR)} = {fmt(mme)} MME/day")
    if missing:
        raise InputError(ID, missing)
    if not lines:
        raise InputError(
            ID,
            [
                Problem(
                    "(inputs)",
                    None,
                    "no opioid given",
                    "give e.g. oxycodone_dose='10 mg' oxycodone_per_day=2",
                )
            ],
        )
    total = sum(parts)
    if len(parts) > 1:
        lines.append(f"Total = {' + '.join(fmt(p) for p in parts)} = {fmt(total)} MME/day")
    return total, lines


def _from_medcalc(
    entities: Mapping[str, Any], table: Mapping[str, tuple[str, str, float, str]] = PER_DOSE
) -> dict[str, Any]:
    """'<Drug> Dose': [v, unit] and '<Drug> Dose Per Day': [n, 'per day'] -> our inputs."""
    by_benchmark_name = {medcalc: name for name, (_, _, _, medcalc) in table.items()}
    values: dict[str, Any] = {}
    for key, raw in entities.items():
        per_day = key.endswith(" Dose Per Day")
        drug = key.removesuffix(" Dose Per Day") if per_day else key.removesuffix(" Dose")
        if drug == key:
            raise EntityError(f"unexpected MME entity {key!r}")
        lowered = drug.lower()
        if lowered == "buprenorphine" and lowered not in by_benchmark_name:
            raise EntityError(
                "buprenorphine has no CDC MME conversion factor (partial agonist, excluded "
                "from MME totals by the CDC)"
            )
        count = raw[0] if isinstance(raw, list | tuple) else raw
        if lowered == PATCH_MEDCALC:
            if per_day and count != 1:
                raise EntityError(
                    f"{key}={raw!r}: a fentanyl patch is dosed as a rate in µg/h, not N doses a day"
                )
            if not per_day:
                unit = str(raw[1]).strip() if isinstance(raw, list | tuple) and len(raw) == 2 else ""
                if unit in _MASS_UNITS:  # MedCalc-Bench's patch "doses" in mg: a documented deviation
                    raise EntityError(
                        f"{key}={raw!r}: a fentanyl patch is dosed as a rate in µg/h (CDC 2022), not a "
                        "mass; see docs/calculators.md#mme"
                    )
                values["fentanyl_patch_rate"] = _pair(raw)
            continue
        if lowered not in by_benchmark_name:
            raise EntityError(f"unknown opioid {drug!r} in MME entities")
        name = by_benchmark_name[lowered]
        if per_day:
            values[f"{name}_per_day"] = count
        else:
            values[f"{name}_dose"] = _pair(raw)
    return values


def _pair(raw: Any) -> Any:
    return (raw[0], str(raw[1])) if isinstance(raw, list | tuple) and len(raw) == 2 else raw


CALCULATOR = Calculator(
    id=ID,
    medcalc_id=49,
    name="Morphine milligram equivalents (MME/day)",
    category="dosage",
    description="Total daily opioid dose expressed as oral morphine milligram equivalents (CDC 2022).",
    inputs=_inputs(),
    output=Output("decimal", "Morphine milligram equivalents (MME/day)"),
    missing_data={
        spec.name: "not reported → that opioid is not taken (0 MME/day); a dose needs its doses per day "
        "and vice versa"
        for spec in _inputs()
    },
    citation=Citation(
        "Dowell D, Ragan KR, Jones CM, Baldwin GT, Chou R. CDC Clinical Practice Guideline for Prescribing "
        "Opioids for Pain - United States, 2022. MMWR Recomm Rep 2022;71(3):1-95 (MME conversion table); "
        "buccal fentanyl factor from CDC's compilation of opioid MME conversion factors.",
        doi="10.15585/mmwr.rr7103a1",
        pmid="36327391",
    ),
    method=Procedure(
        _mme,
        "MME/day = Σ dose × doses per day × factor\n"
        + "factors (MME per mg, fentanyl buccal per µg): "
        + ", ".join(f"{label} {fmt(factor)}" for label, _, factor, _ in PER_DOSE.values())
        + f"\ntransdermal fentanyl: MME/day = µg/h × {fmt(PATCH_FACTOR)}",
    ),
    from_medcalc=_from_medcalc,
    # Every "<Drug> Dose" / "<Drug> Dose Per Day" key _from_medcalc reads (buprenorphine is read to refuse it
    # with its reason rather than as an unmapped key).
    medcalc_keys=tuple(
        f"{drug} Dose{suffix}"
        for drug in [*(medcalc for *_, medcalc in PER_DOSE.values()), PATCH_MEDCALC, "buprenorphine"]
        for suffix in ("", " Per Day")
    ),
    editions=(
        Variant(
            editions=("v1.0", "verified"),
            differs="buprenorphine counted at 10 MME per mg (no CDC factor; refused in source); Verified labels "
            "the output 'integer' (a decimal, graded as one)",
            output_type={"verified": "integer"},
            citation=Citation(
                "MedCalc-Bench v1.0 and Verified, calculator_implementations/mme.py (CDC 2022 table plus "
                "buprenorphine 10 MME/mg)"
            ),
            changes={
                "inputs": _inputs(BENCHMARK_PER_DOSE),
                "method": Procedure(
                    lambda values: _mme(values, BENCHMARK_PER_DOSE),
                    "MME/day = Σ dose × doses per day × factor\n"
                    + "factors (MME per mg, fentanyl buccal per µg): "
                    + ", ".join(f"{label} {fmt(factor)}" for label, _, factor, _ in BENCHMARK_PER_DOSE.values())
                    + f"\ntransdermal fentanyl: MME/day = µg/h × {fmt(PATCH_FACTOR)}",
                ),
                "from_medcalc": lambda entities: _from_medcalc(entities, BENCHMARK_PER_DOSE),
                "examples": (
                    # Hand calculation with mme.py's table: buprenorphine 2 mg × 1 × 10 + morphine 10 mg × 2 × 1.
                    Example(
                        {"buprenorphine_dose": "2 mg", "buprenorphine_per_day": 1, "morphine_dose": "10 mg",
                         "morphine_per_day": 2},
                        40.0,
                        "hand calculation from MedCalc-Bench's conversion table (mme.py)",
                    ),  # fmt: skip
                    # CDC 2022 footnote examples hold in these editions too: 20 + 30 = 50 MME/day.
                    Example(
                        {"hydrocodone_dose": "5 mg", "hydrocodone_per_day": 4, "oxycodone_dose": "10 mg",
                         "oxycodone_per_day": 2},
                        50.0,
                        "CDC 2022 guideline, MME table footnote (worked examples)",
                    ),  # fmt: skip
                ),
            },
        ),
    ),
    notes="MedCalc-Bench: gives buprenorphine a factor of 10 and treats fentanyl patches as mg doses taken "
    "N times a day (× 2.4 per mg); ours: buprenorphine is refused (no CDC factor) and a patch is a rate in "
    "µg/h × 2.4, so benchmark rows with patch doses in mg are reported as unusable; source: CDC 2022 "
    "guideline MME table (fentanyl transdermal in µg/h).",
    examples=(
        # CDC 2022 table footnote worked examples: hydrocodone 5 mg four times a day = 20 MME/day and
        # oxycodone 10 mg twice a day = 30 MME/day; together 50 MME/day.
        Example(
            {
                "hydrocodone_dose": "5 mg",
                "hydrocodone_per_day": 4,
                "oxycodone_dose": "10 mg",
                "oxycodone_per_day": 2,
            },
            50.0,
            "CDC 2022 guideline, MME table footnote (worked examples)",
        ),
        # Hand calculation: oxymorphone 10 mg × 1 × 3 = 30; buccal fentanyl 20 µg × 1 × 0.13 = 2.6;
        # morphine 50 mg × 1 × 1 = 50; total 82.6 MME/day.
        Example(
            {
                "oxymorphone_dose": "10 mg",
                "oxymorphone_per_day": 1,
                "fentanyl_buccal_dose": "20 ug",
                "fentanyl_buccal_per_day": 1,
                "morphine_dose": "50 mg",
                "morphine_per_day": 1,
            },
            82.6,
            "hand calculation from the CDC factors",
        ),
        # Hand calculation: 25 µg/h patch × 2.4 = 60 MME/day (CDC: fentanyl transdermal in µg/h).
        Example({"fentanyl_patch_rate": "25 ug/h"}, 60.0, "hand calculation from the CDC factors"),
        # Hand calculation: methadone 10 mg × 3 × 4.7 = 141; codeine 30 mg × 4 × 0.15 = 18; tramadol
        # 50 mg × 4 × 0.2 = 40; tapentadol 50 mg × 2 × 0.4 = 40; hydromorphone 2 mg × 6 × 5 = 60;
        # total 299 MME/day.
        Example(
            {
                "methadone_dose": "10 mg",
                "methadone_per_day": 3,
                "codeine_dose": "30 mg",
                "codeine_per_day": 4,
                "tramadol_dose": "50 mg",
                "tramadol_per_day": 4,
                "tapentadol_dose": "50 mg",
                "tapentadol_per_day": 2,
                "hydromorphone_dose": "2 mg",
                "hydromorphone_per_day": 6,
            },
            299.0,
            "hand calculation from the CDC factors",
        ),
    ),
)
