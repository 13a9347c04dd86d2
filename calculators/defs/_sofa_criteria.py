"""SOFA criteria (Vincent 1996, table 1) and the missing-data rule, for calculators/defs/sofa.py.

A helper, not a calculator: kept apart so the declaration stays short. Each organ system that was not
measured scores 0 with "not recorded" in the rationale (the convention is documented in sofa.py).
"""

from calculators.defs._optional import band_points, band_rows, optional_bands
from calculators.errors import InputError, Problem
from calculators.points import rule

PLATELETS = [(None, 20, 4), (20, 50, 3), (50, 100, 2), (100, 150, 1), (150, None, 0)]
BILIRUBIN = [(None, 1.2, 0), (1.2, 2.0, 1), (2.0, 6.0, 2), (6.0, 12.0, 3), (12.0, None, 4)]
GCS = [(None, 6, 4), (6, 10, 3), (10, 13, 2), (13, 15, 1), (15, None, 0)]
CREATININE = [(None, 1.2, 0), (1.2, 2.0, 1), (2.0, 3.5, 2), (3.5, 5.0, 3), (5.0, None, 4)]
DRUGS = ("dopamine", "dobutamine", "epinephrine", "norepinephrine")
# Inputs that are a measurement of some organ system (vasopressor doses default to 0 = not given).
_MEASURED = ("pao2", "fio2", "platelets", "bilirubin", "gcs", "map", "systolic_bp", "diastolic_bp",
             "hypotension", "creatinine", "urine_output")  # fmt: skip
_NORMAL = "not recorded: 0 (unmeasured system scored normal)"


def _ratio(v):
    return v["pao2"] / (v["fio2"] / 100)


def _respiration_points(v):
    if not any(v[name] is not None for name in _MEASURED):
        raise InputError(
            "sofa",
            [Problem("(all)", None, "no organ system recorded", "give at least one SOFA measurement")],
        )
    if v["pao2"] is None or v["fio2"] is None:
        return 0  # not measured: scored normal (module docstring)
    ratio = _ratio(v)
    if ratio >= 400:
        return 0
    if ratio >= 300:
        return 1
    if ratio >= 200 or not v["respiratory_support"]:
        return 2
    return 3 if ratio >= 100 else 4


def _mean_arterial_pressure(v):
    if v["map"] is not None:
        return v["map"]
    if v["systolic_bp"] is not None and v["diastolic_bp"] is not None:
        return (v["systolic_bp"] + 2 * v["diastolic_bp"]) / 3
    return None


def _cardiovascular_points(v):
    dopa, dobu, epi, norepi = (v[d] for d in DRUGS)
    if dopa > 15 or epi > 0.1 or norepi > 0.1:
        return 4
    if dopa > 5 or epi > 0 or norepi > 0:
        return 3
    if dopa > 0 or dobu > 0:
        return 2
    pressure = _mean_arterial_pressure(v)
    if pressure is not None:
        return 1 if pressure < 70 else 0
    if v["hypotension"] is not None:
        return 1 if v["hypotension"] else 0
    return 0  # no pressure and no vasopressor recorded: scored normal (module docstring)


def _cardiovascular_explain(v):
    given = [f"{d} {v[d]:g} µg/kg/min" for d in DRUGS if v[d] > 0]
    if given:
        return ", ".join(given)
    pressure = _mean_arterial_pressure(v)
    if pressure is not None:
        return f"no vasopressors, MAP {pressure:.4g} mm Hg"
    if v["hypotension"] is None:
        return f"no vasopressors, blood pressure {_NORMAL}"
    return f"no vasopressors, hypotension (MAP < 70) {'yes' if v['hypotension'] else 'no'}"


def _renal_points(v):
    if v["creatinine"] is None and v["urine_output"] is None:
        return 0  # not measured: scored normal (module docstring)
    by_creatinine = 0 if v["creatinine"] is None else band_points(v["creatinine"], CREATININE)
    urine = v["urine_output"]
    by_urine = 0 if urine is None else (4 if urine < 200 else 3 if urine < 500 else 0)
    return max(by_creatinine, by_urine)


def _renal_explain(v):
    if v["creatinine"] is None and v["urine_output"] is None:
        return f"creatinine and urine output {_NORMAL}"
    parts = []
    if v["creatinine"] is not None:
        parts.append(f"creatinine {v['creatinine']:g} mg/dL")
    if v["urine_output"] is not None:
        parts.append(f"urine output {v['urine_output']:g} mL/day")
    return ", ".join(parts) + " (worse of the two)"


def _gcs_points(v):
    if v["gcs"] is None:
        return 0  # not assessed: GCS 15 assumed, as MedCalc-Bench does (module docstring)
    if not float(v["gcs"]).is_integer():
        raise InputError(
            "sofa",
            [
                Problem(
                    "gcs",
                    v["gcs"],
                    "the Glasgow Coma Scale is a whole number",
                    "give the total of eye, verbal and motor scores (3-15)",
                )
            ],
        )
    return band_points(v["gcs"], GCS)



CRITERIA = (
    rule(
        "Respiration",
        ("pao2", "fio2", "respiratory_support"),
        _respiration_points,
        (
            "PaO2/FiO2 ≥ 400: 0",
            "300 to < 400: 1",
            "200 to < 300 (or < 200 without support): 2",
            "100 to < 200 with support: 3",
            "< 100 with support: 4",
        ),
        explain=lambda v: (
            f"PaO2/FiO2 {_NORMAL}"
            if v["pao2"] is None or v["fio2"] is None
            else f"PaO2/FiO2 = {v['pao2']:g} / {v['fio2'] / 100:g} = {_ratio(v):.4g} mm Hg, "
            f"respiratory support {'yes' if v['respiratory_support'] else 'no'}"
        ),
    ),
    optional_bands("platelets", PLATELETS, "Coagulation (platelets)", unit="10*3/uL"),
    optional_bands("bilirubin", BILIRUBIN, "Liver (bilirubin)", unit="mg/dL"),
    rule(
        "Cardiovascular",
        ("map", "systolic_bp", "diastolic_bp", "hypotension", *DRUGS),
        _cardiovascular_points,
        (
            "no hypotension: 0",
            "MAP < 70 mm Hg: 1",
            "dopamine ≤ 5 or dobutamine (any): 2",
            "dopamine > 5, epinephrine ≤ 0.1 or norepinephrine ≤ 0.1: 3",
            "dopamine > 15, epinephrine > 0.1 or norepinephrine > 0.1: 4",
        ),
        explain=_cardiovascular_explain,
    ),
    rule(
        "Central nervous system (GCS)",
        ("gcs",),
        _gcs_points,
        band_rows(GCS),
        explain=lambda v: f"GCS {_NORMAL}" if v["gcs"] is None else f"GCS {v['gcs']:g}",
    ),
    rule(
        "Renal (creatinine or urine output)",
        ("creatinine", "urine_output"),
        _renal_points,
        (*band_rows(CREATININE, "mg/dL"), "urine output < 500 mL/day: 3", "< 200 mL/day: 4"),
        explain=_renal_explain,
    ),
)
