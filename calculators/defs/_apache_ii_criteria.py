"""APACHE II point table (Knaus 1985, table 1) as score criteria. A helper of `apache_ii`, not a calculator.

Kept apart from the declaration so each file stays readable: this module holds the band tables and the
criteria that combine inputs (oxygenation by FiO2, pH or HCO3, creatinine doubled in acute renal failure,
MAP from SBP/DBP, 15 − GCS, chronic health by admission type). See `apache_ii` for the conventions.
"""

from calculators.defs._optional import MISSING_TEXT, band_points, band_rows, optional_bands
from calculators.errors import InputError, Problem
from calculators.points import bands, rule

TEMP = [
    (None, 30, 4),
    (30, 32, 3),
    (32, 34, 2),
    (34, 36, 1),
    (36, 38.5, 0),
    (38.5, 39, 1),
    (39, 41, 3),
    (41, None, 4),
]
MAP = [(None, 50, 4), (50, 70, 2), (70, 110, 0), (110, 130, 2), (130, 160, 3), (160, None, 4)]
HR = [(None, 40, 4), (40, 55, 3), (55, 70, 2), (70, 110, 0), (110, 140, 2), (140, 180, 3), (180, None, 4)]
RR = [(None, 6, 4), (6, 10, 2), (10, 12, 1), (12, 25, 0), (25, 35, 1), (35, 50, 3), (50, None, 4)]
AA = [(None, 200, 0), (200, 350, 2), (350, 500, 3), (500, None, 4)]
PH = [
    (None, 7.15, 4),
    (7.15, 7.25, 3),
    (7.25, 7.33, 2),
    (7.33, 7.5, 0),
    (7.5, 7.6, 1),
    (7.6, 7.7, 3),
    (7.7, None, 4),
]
HCO3 = [(None, 15, 4), (15, 18, 3), (18, 22, 2), (22, 32, 0), (32, 41, 1), (41, 52, 3), (52, None, 4)]
NA = [
    (None, 111, 4),
    (111, 120, 3),
    (120, 130, 2),
    (130, 150, 0),
    (150, 155, 1),
    (155, 160, 2),
    (160, 180, 3),
    (180, None, 4),
]
K = [
    (None, 2.5, 4),
    (2.5, 3.0, 2),
    (3.0, 3.5, 1),
    (3.5, 5.5, 0),
    (5.5, 6.0, 1),
    (6.0, 7.0, 3),
    (7.0, None, 4),
]
CREAT = [(None, 0.6, 2), (0.6, 1.5, 0), (1.5, 2.0, 2), (2.0, 3.5, 3), (3.5, None, 4)]
HCT = [(None, 20, 4), (20, 30, 2), (30, 46, 0), (46, 50, 1), (50, 60, 2), (60, None, 4)]
WBC = [(None, 1, 4), (1, 3, 2), (3, 15, 0), (15, 20, 1), (20, 40, 2), (40, None, 4)]
AGE = [(None, 45, 0), (45, 55, 2), (55, 65, 3), (65, 75, 5), (75, None, 6)]
CHRONIC = {"nonoperative": 5, "emergency_postoperative": 5, "elective_postoperative": 2}


def _mean_arterial_pressure(v):
    if v["map"] is not None:
        return v["map"], "MAP"
    if v["systolic_bp"] is not None and v["diastolic_bp"] is not None:
        return (v["systolic_bp"] + 2 * v["diastolic_bp"]) / 3, "MAP = (SBP + 2 × DBP) / 3"
    return None, ""


def _map_points(v):
    value, _ = _mean_arterial_pressure(v)
    return 0 if value is None else band_points(value, MAP)


def _map_explain(v):
    value, how = _mean_arterial_pressure(v)
    return MISSING_TEXT if value is None else f"{how} = {value:.4g} mm Hg"


def _aa_gradient(v):
    """(A-a gradient, how it was obtained), or raise when FiO2 ≥ 50 % and it cannot be had."""
    if v["a_a_gradient"] is not None:
        return v["a_a_gradient"], "A-a gradient"
    if v["pao2"] is not None and v["paco2"] is not None:
        value = v["fio2"] / 100 * (760 - 47) - v["paco2"] / 0.8 - v["pao2"]
        return value, "A-a gradient = FiO2 × 713 − PaCO2/0.8 − PaO2"
    raise InputError(
        "apache_ii",
        [
            Problem(
                "a_a_gradient",
                None,
                "needed when FiO2 ≥ 50 % (APACHE II scores the A-a gradient, not PaO2)",
                "give a_a_gradient in mm Hg, or pao2 and paco2 so it can be computed",
            )
        ],
    )


def _pao2_points(pao2):
    # Published bands: > 70: 0; 61-70: 1; 55-60: 3; < 55: 4 (decimals between 60 and 61 → 1).
    if pao2 > 70:
        return 0
    if pao2 > 60:
        return 1
    if pao2 >= 55:
        return 3
    return 4


def _oxygenation_points(v):
    if v["fio2"] is not None and v["fio2"] >= 50:
        return band_points(_aa_gradient(v)[0], AA)
    return 0 if v["pao2"] is None else _pao2_points(v["pao2"])


def _oxygenation_explain(v):
    if v["fio2"] is not None and v["fio2"] >= 50:
        value, how = _aa_gradient(v)
        return f"FiO2 {v['fio2']:g} % ≥ 50 %: {how} = {value:.4g} mm Hg"
    fio2 = "not recorded (scored as < 50 %)" if v["fio2"] is None else f"{v['fio2']:g} % < 50 %"
    pao2 = MISSING_TEXT if v["pao2"] is None else f"PaO2 {v['pao2']:g} mm Hg"
    return f"FiO2 {fio2}: {pao2}"


def _acid_base_points(v):
    if v["ph"] is not None:
        return band_points(v["ph"], PH)
    return 0 if v["bicarbonate"] is None else band_points(v["bicarbonate"], HCO3)


def _acid_base_explain(v):
    if v["ph"] is not None:
        return f"arterial pH {v['ph']:g}"
    if v["bicarbonate"] is not None:
        return f"no arterial pH: serum HCO3 {v['bicarbonate']:g} mmol/L"
    return MISSING_TEXT


def _creatinine_points(v):
    if v["creatinine"] is None:
        return 0
    return band_points(v["creatinine"], CREAT) * (2 if v["acute_renal_failure"] else 1)


def _creatinine_explain(v):
    if v["creatinine"] is None:
        return MISSING_TEXT
    arf = "acute renal failure: points doubled" if v["acute_renal_failure"] else "no acute renal failure"
    return f"{v['creatinine']:g} mg/dL, {arf}"


def _gcs_points(v):
    if v["gcs"] is None:
        return 0
    if not float(v["gcs"]).is_integer():
        raise InputError(
            "apache_ii",
            [
                Problem(
                    "gcs",
                    v["gcs"],
                    "the Glasgow Coma Scale is a whole number",
                    "give the total of eye, verbal and motor scores (3-15)",
                )
            ],
        )
    return 15 - v["gcs"]


def _chronic_points(v):
    if not v["chronic_health"]:
        return 0
    if v["admission_type"] is None:
        raise InputError(
            "apache_ii",
            [
                Problem(
                    "admission_type",
                    None,
                    "needed when chronic_health is yes (it decides 5 or 2 points)",
                    "one of: " + ", ".join(CHRONIC),
                )
            ],
        )
    return CHRONIC[v["admission_type"]]


CRITERIA = (
    optional_bands("temperature", TEMP, "Temperature", unit="Cel"),
    rule(
        "Mean arterial pressure",
        ("map", "systolic_bp", "diastolic_bp"),
        _map_points,
        band_rows(MAP, "mm Hg"),
        explain=_map_explain,
    ),
    optional_bands("heart_rate", HR, "Heart rate", unit="/min"),
    optional_bands("respiratory_rate", RR, "Respiratory rate", unit="/min"),
    rule(
        "Oxygenation",
        ("fio2", "pao2", "paco2", "a_a_gradient"),
        _oxygenation_points,
        (
            "FiO2 ≥ 50 %, A-a gradient: " + "; ".join(band_rows(AA, "mm Hg")),
            "FiO2 < 50 %, PaO2: > 70: 0; 61-70: 1; 55-60: 3; < 55: 4",
        ),
        explain=_oxygenation_explain,
    ),
    rule(
        "Arterial pH (serum HCO3 if no blood gas)",
        ("ph", "bicarbonate"),
        _acid_base_points,
        ("pH: " + "; ".join(band_rows(PH)), "HCO3: " + "; ".join(band_rows(HCO3, "mmol/L"))),
        explain=_acid_base_explain,
    ),
    optional_bands("sodium", NA, "Serum sodium", unit="mmol/L"),
    optional_bands("potassium", K, "Serum potassium", unit="mmol/L"),
    rule(
        "Serum creatinine (double in acute renal failure)",
        ("creatinine", "acute_renal_failure"),
        _creatinine_points,
        (*band_rows(CREAT, "mg/dL"), "× 2 with acute renal failure"),
        explain=_creatinine_explain,
    ),
    optional_bands("hematocrit", HCT, "Haematocrit", unit="%"),
    optional_bands("wbc", WBC, "White blood cell count", unit="10*9/L"),
    rule(
        "Glasgow Coma Scale",
        ("gcs",),
        _gcs_points,
        ("15 − GCS",),
        explain=lambda v: MISSING_TEXT if v["gcs"] is None else f"15 − {v['gcs']:g}",
    ),
    bands("age", AGE, "Age", unit="year"),
    rule(
        "Chronic health",
        ("chronic_health", "admission_type"),
        _chronic_points,
        ("none: 0", "nonoperative or emergency postoperative: 5", "elective postoperative: 2"),
        explain=lambda v: f"{'yes' if v['chronic_health'] else 'no'}, {v['admission_type'] or '-'}",
    ),
)
