"""Realistic notes for synthetic patients: varied phrasing and units, values written as the calculator reads them.

`ehrmind.tasks.synthetic_patients.render_note` states every input the same way in its canonical unit, which a model can learn
to pattern-match. `ehrmind synthesize` uses this module instead: each numeric input is sometimes written in
another common unit (creatinine in µmol/L, weight in lb, temperature in °F, ...) and each sentence is drawn
from a few phrasings. Why the "as written" form matters: the gold answer is computed by the calculator from
exactly the strings the note shows (`write_values`), so a value rounded for display can never make the note
and the gold disagree.
"""

from __future__ import annotations

import random
from typing import Any

from calculators.formula import fmt
from calculators.spec import Calculator, Input
from calculators.units import conversion, display_unit

# Other units a clinician writes an input in: (canonical unit, analyte) -> (UCUM code, display decimals).
ALT_UNITS: dict[tuple[str, str | None], tuple[str, int]] = {
    ("mg/dL", "creatinine"): ("umol/L", 0),
    ("mg/dL", "glucose"): ("mmol/L", 1),
    ("mg/dL", "bun"): ("mmol/L", 1),
    ("mg/dL", "bilirubin"): ("umol/L", 0),
    ("mg/dL", "calcium"): ("mmol/L", 2),
    ("mg/dL", "cholesterol"): ("mmol/L", 2),
    ("g/dL", "albumin"): ("g/L", 0),
    ("kg", None): ("[lb_av]", 1),
    ("cm", None): ("[in_i]", 1),
    ("Cel", None): ("[degF]", 1),
}
# How a few UCUM codes read in a note (the rest use calculators.units.display_unit).
NOTE_UNITS = {"[lb_av]": "lb", "[in_i]": "in", "[degF]": "°F", "Cel": "°C"}

_NUMBER_PHRASES = ("{label}: {value}.", "{label} was {value}.", "{label} measured {value}.",
                   "Recorded {lower}: {value}.")  # fmt: skip
_BOOL_PHRASES = (("{label}: yes.", "{label}: no."), ("{label}: present.", "{label}: absent."),
                 ("{label} documented.", "{label} not documented."))  # fmt: skip
_OPENERS = ("{who} is seen today.", "{who} presents to the clinic.", "{who} is admitted for evaluation.",
            "Patient: {who}.")  # fmt: skip


def note_unit(unit: str | None) -> str:
    """The unit as a clinician writes it in a note."""
    if not unit:
        return ""
    return NOTE_UNITS.get(unit, display_unit(unit))


def _written_number(spec: Input, value: float, decimals: int, rng: random.Random, unit_variation: float):
    """(value for the calculator, text for the note) of one numeric input, maybe in another unit."""
    alt = ALT_UNITS.get((spec.unit, spec.analyte)) if spec.unit else None
    if alt is not None and rng.random() < unit_variation:
        code, places = alt
        scale, offset = conversion(spec.unit, code, spec.analyte)
        shown = f"{value * scale + offset:.{places}f}"
        return f"{shown} {code}", f"{shown} {note_unit(code)}"
    shown = fmt(float(value)) if decimals else str(int(round(value)))
    if spec.unit is None or spec.accepts_bare_number:
        number = float(shown) if "." in shown else int(shown)
        unit = note_unit(spec.unit)
        return number, f"{shown}{' ' + unit if unit else ''}"
    return f"{shown} {spec.unit}", f"{shown} {note_unit(spec.unit)}"


def write_values(
    calc: Calculator,
    values: dict[str, Any],
    rng: random.Random,
    *,
    unit_variation: float = 0.3,
    decimals: dict[str, int] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Canonical `values` -> (inputs as written for the calculator, text of each input for the note).

    Numbers in a non-canonical unit are strings with a UCUM code ("108 umol/L"); the calculator converts
    them. `decimals` gives the display precision per input (default 1)."""
    written: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for spec in calc.inputs:
        if spec.name not in values:
            continue
        value = values[spec.name]
        if spec.kind == "number":
            written[spec.name], texts[spec.name] = _written_number(
                spec, float(value), (decimals or {}).get(spec.name, 1), rng, unit_variation
            )
        elif spec.kind == "date":
            written[spec.name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
            texts[spec.name] = value.strftime("%m/%d/%Y") if hasattr(value, "strftime") else str(value)
        else:
            written[spec.name] = value
            texts[spec.name] = str(value)
    return written, texts


def _lower_first(label: str) -> str:
    """ "Serum sodium" -> "serum sodium", but "ECG" and "INR" keep their capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[0].lower() + label[1:]


def _who(values: dict[str, Any], texts: dict[str, str]) -> str | None:
    age, sex = values.get("age"), values.get("sex")
    if age is None and sex is None:
        return None
    child = age is not None and float(age) < 18
    noun = {"female": "girl" if child else "woman", "male": "boy" if child else "man"}.get(
        str(sex), "patient"
    )
    return f"a {texts['age']}-year-old {noun}" if age is not None else f"a {noun}"


def render_varied_note(
    calc: Calculator, values: dict[str, Any], texts: dict[str, str], rng: random.Random
) -> str:
    """A short note stating every input, with phrasing drawn per sentence (seeded by `rng`)."""
    texts = dict(texts)
    if "age" in texts:
        texts["age"] = texts["age"].split()[0]  # "67" rather than "67 years" inside "67-year-old"
    sentences = []
    who = _who(values, texts)
    if who:
        opener = rng.choice(_OPENERS).format(who=who)
        sentences.append(opener[0].upper() + opener[1:])
    for spec in calc.inputs:
        if spec.name in ("age", "sex") and who or spec.name not in values:
            continue
        if spec.kind == "bool":
            yes, no = rng.choice(_BOOL_PHRASES)
            sentences.append((yes if values[spec.name] else no).format(label=spec.label))
        else:
            phrase = rng.choice(_NUMBER_PHRASES) if spec.kind == "number" else "{label}: {value}."
            sentences.append(
                phrase.format(label=spec.label, lower=_lower_first(spec.label), value=texts[spec.name])
            )
    return " ".join(sentences)
