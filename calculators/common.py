"""Input declarations shared by many calculators (age, sex, weight, common labs).

Factories rather than constants so a calculator can narrow a range or change the label while keeping the
unit, analyte and MedCalc-Bench keys consistent everywhere.
"""

from __future__ import annotations

from typing import Any

from calculators.spec import Input

SEX_ALIASES = {"f": "female", "m": "male", "woman": "female", "man": "male"}


def age(range: tuple[float, float] = (0, 120), **kw: Any) -> Input:
    return Input("age", "Age", unit="year", range=range, medcalc_keys=("age",), **kw)


def sex(**kw: Any) -> Input:
    return Input("sex", "Sex", kind="choice", choices=("female", "male"), aliases=SEX_ALIASES,
                 medcalc_keys=("sex",), **kw)


def weight(**kw: Any) -> Input:
    kw.setdefault("range", (0.3, 400))
    return Input("weight", "Body weight", unit="kg", medcalc_keys=("weight",), **kw)


def height(**kw: Any) -> Input:
    kw.setdefault("range", (30, 250))
    return Input("height", "Height", unit="cm", medcalc_keys=("height",), **kw)


def lab(name: str, label: str, unit: str, analyte: str | None, range: tuple[float, float],
        keys: tuple[str, ...], **kw: Any) -> Input:
    return Input(name, label, unit=unit, analyte=analyte, range=range, medcalc_keys=keys, **kw)


def creatinine(**kw: Any) -> Input:
    return lab("creatinine", "Serum creatinine", "mg/dL", "creatinine", (0.1, 25.0), ("creatinine",), **kw)


def sodium(**kw: Any) -> Input:
    return lab("sodium", "Serum sodium", "mmol/L", "sodium", (90, 200), ("Sodium",), **kw)


def chloride(**kw: Any) -> Input:
    return lab("chloride", "Serum chloride", "mmol/L", "chloride", (50, 150), ("Chloride",), **kw)


def bicarbonate(**kw: Any) -> Input:
    return lab("bicarbonate", "Serum bicarbonate", "mmol/L", "bicarbonate", (1, 60), ("Bicarbonate",), **kw)


def albumin(**kw: Any) -> Input:
    return lab("albumin", "Serum albumin", "g/dL", "albumin", (0.5, 7.0), ("Albumin",), **kw)


def glucose(**kw: Any) -> Input:
    return lab("glucose", "Blood glucose", "mg/dL", "glucose", (5, 3000), ("Glucose",), **kw)


def bun(**kw: Any) -> Input:
    return lab("bun", "Blood urea nitrogen", "mg/dL", "bun", (1, 300), ("Blood Urea Nitrogen (BUN)",), **kw)


def heart_rate(**kw: Any) -> Input:
    return Input("heart_rate", "Heart rate", unit="/min", range=(10, 300),
                 medcalc_keys=("Heart Rate or Pulse",), **kw)


def systolic_bp(**kw: Any) -> Input:
    return Input("systolic_bp", "Systolic blood pressure", unit="mm[Hg]", range=(30, 300),
                 medcalc_keys=("Systolic Blood Pressure",), **kw)


def diastolic_bp(**kw: Any) -> Input:
    return Input("diastolic_bp", "Diastolic blood pressure", unit="mm[Hg]", range=(10, 200),
                 medcalc_keys=("Diastolic Blood Pressure",), **kw)


def yes_no(name: str, label: str, keys: tuple[str, ...] = (), **kw: Any) -> Input:
    """An optional yes/no finding; absent means no (MedCalc-Bench's convention for missing findings)."""
    kw.setdefault("required", False)
    kw.setdefault("default", False)
    return Input(name, label, kind="bool", medcalc_keys=keys, **kw)
