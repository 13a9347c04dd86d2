"""EHRSHOT's 15 tasks, each declared once: codes (with provenance), thresholds, prediction time, window,
censoring and exclusions. The labelers (`ehr_adapters.ehrshot`) and the prompt question both read these
declarations, so a threshold or a window is never written twice.

Source of every definition: the EHRSHOT labelers in som-shahlab/femr, `src/femr/labelers/ehrshot.py`
(task classes named in `source`), `omop_labs.py` (`InstantLabValueLabeler`), `core.py`
(`TimeHorizonEventLabeler`: window and censoring), and Wornow et al., "EHRSHOT", NeurIPS 2023
(arXiv:2307.02028). Deliberate deviations are listed in `DEVIATIONS` and in docs/ehrshot.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

YES_NO = ("no", "yes")
SEVERITY = ("normal", "mild", "moderate", "severe")
CHEXPERT_FINDINGS = (
    "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Lesion", "Lung Opacity", "Edema",
    "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other",
    "Fracture", "Support Devices",
)  # fmt: skip
_FEMR = "som-shahlab/femr src/femr/labelers/ehrshot.py"


@dataclass(frozen=True)
class Cut:
    """One severity boundary: the value is `label` when `value <op> bound` (checked severe first)."""

    label: str
    op: str  # "<", "<=", ">"
    bound: float

    def holds(self, value: float) -> bool:
        return {"<": value < self.bound, "<=": value <= self.bound, ">": value > self.bound}[self.op]


@dataclass(frozen=True)
class LabItem:
    """A lab code a task reads, or deliberately does not read, and why (MIMIC-IV `hosp.d_labitems`)."""

    item: str  # MIMIC-IV itemid as in `LAB//<itemid>//<unit>`
    name: str  # d_labitems label, fluid, category
    loinc: str  # the LOINC MIMIC-IV maps it to
    used: bool
    why: str = ""


@dataclass(frozen=True)
class EhrshotTask:
    """One EHRSHOT task. `question` (the prompt) is derived from the fields, never written by hand."""

    name: str
    kind: str  # "binary" | "multiclass" | "multilabel"
    choices: tuple[str, ...]
    ehrshot_name: str  # EHRSHOT's folder / label name
    group: str  # "operational" | "lab" | "new_diagnosis" | "imaging"
    source: str  # femr labeler class the definition is taken from
    prediction: str  # when the prediction is made, in words
    window: tuple[timedelta, timedelta] | None = None  # outcome window after the prediction time
    censored_dropped: bool = False  # drop "no" labels whose record ends inside the window
    exclusions: tuple[str, ...] = ()
    # the clinical question (operational / diagnosis tasks); "{window}" and "{stay}" are filled in from
    # `window` and `long_stay`, the values the labeler reads
    ask: str = ""
    long_stay: timedelta | None = None  # long_los: a stay at least this long is "yes"
    # lab tasks
    concept: str | None = None
    what: str = ""  # "sodium", "platelet count"
    unit: str = ""  # EHRSHOT's unit for the thresholds
    cuts: tuple[Cut, ...] = ()  # severe, moderate, mild
    # source UCUM unit -> ("*" or "/", k) to reach `unit` (EHRSHOT divides glucose mg/dL by 18)
    units: dict[str, tuple[str, float]] = field(default_factory=dict)
    ehrshot_codes: tuple[str, ...] = ()  # EHRSHOT's own root codes (vocabulary-coded MEDS, e.g. EHRSHOT)
    mimic_items: tuple[LabItem, ...] = ()
    # new-diagnosis tasks
    icd9: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()

    @property
    def question(self) -> str:
        if self.group != "lab":
            return self.ask.format(window=_window_text(self.window), stay=_days_text(self.long_stay))
        severe, moderate, mild = self.cuts
        # the labeler's own unit conversions, so a record in another unit (glucose in mg/dL) is read as it is
        converted = [
            f"a result in {unit} is {'multiplied' if op == '*' else 'divided'} by {k:g} first"
            for unit, (op, k) in self.units.items()
            if k != 1
        ]
        return (
            f"Anticipate the next {self.what} result, {_minutes_text(LAB_LEAD)} before it is reported: normal, "
            f"mild, moderate or severe? Severe if {severe.op} {severe.bound:g} {self.unit}, moderate if "
            f"{moderate.op} {moderate.bound:g}, mild if {mild.op} {mild.bound:g}, otherwise normal"
            + (f" ({'; '.join(converted)})." if converted else ".")
        )

    @property
    def description(self) -> str:  # older callers (warm-up data, synthetic rows) read `description`
        return self.question

    @property
    def thresholds(self) -> tuple[float, float, float] | None:
        """(mild, moderate, severe) bounds, for callers that only need the numbers."""
        if not self.cuts:
            return None
        severe, moderate, mild = self.cuts
        return (mild.bound, moderate.bound, severe.bound)

    @property
    def unit_factors(self) -> dict[str, float]:
        """Multiplicative factors per source unit (for callers that convert one value at a time)."""
        return {u: (k if op == "*" else 1 / k) for u, (op, k) in self.units.items()}

    def convert(self, value: float, unit: str) -> float:
        """`value` in `unit` -> the task's unit, at the precision the labeler compares (9 digits)."""
        op, k = self.units[unit]
        out = value * k if op == "*" else value / k
        return float(f"{out:.9g}")

    @property
    def low_is_bad(self) -> bool:
        return bool(self.cuts) and self.cuts[0].op.startswith("<")

    def severity(self, value: float) -> str:
        """The label of a value already in `unit` (the one rule the labeler's polars expression mirrors)."""
        return next((c.label for c in self.cuts if c.holds(value)), "normal")

    def used_items(self) -> tuple[str, ...]:
        return tuple(i.item for i in self.mimic_items if i.used)


# Prediction times, read by the labelers and stated by the questions. femr's
# `move_datetime_to_end_of_day` sets 23:59 (operational and diagnosis tasks); `InstantLabValueLabeler`
# predicts 1 minute before the result.
END_OF_DAY = timedelta(hours=23, minutes=59)
LAB_LEAD = timedelta(minutes=1)


def clock_text(time_of_day: timedelta) -> str:
    """A time of day as the questions write it: timedelta(hours=23, minutes=59) -> "11:59 pm"."""
    hours, minutes = divmod(int(time_of_day / timedelta(minutes=1)), 60)
    return f"{(hours - 1) % 12 + 1}:{minutes:02d} {'am' if hours < 12 else 'pm'}"


def _minutes_text(span: timedelta) -> str:
    n = int(span / timedelta(minutes=1))
    return f"{n} minute{'' if n == 1 else 's'}"


_AT_DAY_END = f"at {clock_text(END_OF_DAY)} on the day of"


def _days_text(span: timedelta | None) -> str:
    return f"{span / timedelta(days=1):g} days" if span is not None else ""


def _window_text(window: tuple[timedelta, timedelta] | None) -> str:
    """The outcome window as the question states it: "within the next 30 days" (counted from the prediction
    time, which the question names; the window's 1-minute start only leaves out the prediction instant,
    whose events the prompt already shows)."""
    return f"within the next {_days_text(window[1])}" if window is not None else ""


def _op(name, ehr, source, ask, prediction, exclusions, window=None, censored=False, long_stay=None) -> EhrshotTask:
    return EhrshotTask(name, "binary", YES_NO, ehr, "operational", f"{_FEMR} {source}", prediction, window,
                       censored, exclusions, f"{ask} (predicted {prediction})", long_stay=long_stay)  # fmt: skip


def _lab(name, source, concept, what, unit, cuts, factors, codes, items) -> EhrshotTask:
    return EhrshotTask(
        name, "multiclass", SEVERITY, name, "lab", f"{_FEMR} {source}",
        f"{_minutes_text(LAB_LEAD)} before the result",
        exclusions=(
            "results at the patient's first clinical event time (EHRSHOT: first event)",
            "results in a unit with no declared conversion (counted in the read report)",
        ),
        concept=concept, what=what, unit=unit, cuts=cuts, units=factors, ehrshot_codes=codes,
        mimic_items=items,
    )  # fmt: skip


def _dx(name, ehr, what, icd9, icd10, snomed, source) -> EhrshotTask:
    return EhrshotTask(
        name, "binary", YES_NO, ehr, "new_diagnosis", f"{_FEMR} {source}",
        f"{_AT_DAY_END} each hospital discharge", (timedelta(minutes=1), timedelta(days=365)), True,
        ("prediction times at or after the patient's first diagnosis (the answer is already known)",
         "'no' labels whose record ends less than 365 days after the prediction time (censored)"),
        f"Will the patient receive a first diagnosis of {what} {{window}}? (predicted {_AT_DAY_END} discharge)",
        icd9=icd9, icd10=icd10, snomed=snomed,
    )  # fmt: skip


def _item(item, name, loinc, used, why="") -> LabItem:
    return LabItem(item, name, loinc, used, why)


_BLOOD_GAS = "blood-gas analyser (whole blood): not the serum/plasma chemistry EHRSHOT's task reads"
_MMOL = {"mmol/L": ("*", 1), "meq/L": ("*", 1)}
# fmt: off
TASKS: dict[str, EhrshotTask] = {t.name: t for t in (
    _op("long_los", "guo_los", "Guo_LongLOSLabeler", "Will this hospital stay last {stay} or longer?",
        f"{_AT_DAY_END} admission", ("visits discharged on their admission day",), long_stay=timedelta(days=7)),
    _op("readmission_30d", "guo_readmission", "Guo_30DayReadmissionLabeler",
        "Will the patient be readmitted to hospital {window}?", f"{_AT_DAY_END} discharge",
        ("discharges followed by a readmission on the discharge day",
         "'no' labels whose record ends less than 30 days after the prediction time (censored)"),
        (timedelta(minutes=1), timedelta(days=30)), True),
    _op("icu_transfer", "guo_icu", "Guo_ICUAdmissionLabeler",
        "Will the patient be transferred to an ICU during this hospital stay?", f"{_AT_DAY_END} admission",
        ("visits discharged on their admission day",
         "visits with an ICU stay starting on the admission day (or already running at admission)")),
    _lab("lab_thrombocytopenia", "ThrombocytopeniaInstantLabValueLabeler", "platelets", "platelet count",
         "x10^9/L", (Cut("severe", "<", 50), Cut("moderate", "<", 100), Cut("mild", "<", 150)),
         {"10*3/uL": ("*", 1), "10*9/L": ("*", 1)}, ("LOINC/LP393218-5", "LOINC/LG32892-8", "LOINC/777-3"),
         (_item("51265", "Platelet Count; Blood; Hematology", "777-3", True),)),
    _lab("lab_hyperkalemia", "HyperkalemiaInstantLabValueLabeler", "potassium", "potassium", "mmol/L",
         (Cut("severe", ">", 7), Cut("moderate", ">", 6), Cut("mild", ">", 5.5)), _MMOL,
         ("LOINC/LG7931-1", "LOINC/LP386618-5", "LOINC/LG10990-6", "LOINC/6298-4", "LOINC/2823-3"),
         (_item("50971", "Potassium; Blood; Chemistry", "2823-3", True),
          _item("50822", "Potassium, Whole Blood; Blood; Blood Gas", "6298-4", False, _BLOOD_GAS))),
    # EHRSHOT converts glucose mg/dL -> mmol/L by dividing by 18; kept so labels match theirs
    _lab("lab_hypoglycemia", "HypoglycemiaInstantLabValueLabeler", "glucose", "glucose", "mmol/L",
         (Cut("severe", "<", 3), Cut("moderate", "<", 3.5), Cut("mild", "<=", 3.9)),
         {"mmol/L": ("*", 1), "mg/dL": ("/", 18)}, ("SNOMED/33747003", "LOINC/LP416145-3", "LOINC/14749-6"),
         (_item("50931", "Glucose; Blood; Chemistry", "2345-7", True),
          _item("50809", "Glucose; Blood; Blood Gas", "2339-0", False, _BLOOD_GAS))),
    _lab("lab_hyponatremia", "HyponatremiaInstantLabValueLabeler", "sodium", "sodium", "mmol/L",
         (Cut("severe", "<", 125), Cut("moderate", "<", 130), Cut("mild", "<=", 135)), _MMOL,
         ("LOINC/LG11363-5", "LOINC/2951-2", "LOINC/2947-0"),
         (_item("50983", "Sodium; Blood; Chemistry", "2951-2", True),
          _item("50824", "Sodium, Whole Blood; Blood; Blood Gas", "2947-0", False, _BLOOD_GAS))),
    # EHRSHOT multiplies g/dL by 10 to get g/L
    _lab("lab_anemia", "AnemiaInstantLabValueLabeler", "hemoglobin", "hemoglobin", "g/L",
         (Cut("severe", "<", 70), Cut("moderate", "<", 110), Cut("mild", "<", 120)),
         {"g/dL": ("*", 10), "g/L": ("*", 1)}, ("LOINC/LP392452-1",),
         (_item("51222", "Hemoglobin; Blood; Hematology", "718-7", True),
          _item("50811", "Hemoglobin; Blood; Blood Gas", "718-7", False, _BLOOD_GAS))),
    _dx("new_hypertension", "new_hypertension", "essential hypertension", ("401",), ("I10",), ("59621000",),
        "EssentialHypertensionCodeLabeler"),
    _dx("new_hyperlipidemia", "new_hyperlipidemia", "hyperlipidemia", ("2720", "2721", "2722", "2723", "2724"),
        ("E780", "E781", "E782", "E783", "E784", "E785"), ("55822004",), "HyperlipidemiaCodeLabeler"),
    _dx("new_pancreatic_cancer", "new_pancan", "pancreatic cancer", ("157",), ("C25",), ("372003004",),
        "PancreaticCancerCodeLabeler"),
    _dx("new_celiac", "new_celiac", "celiac disease", ("5790",), ("K900",), ("396331005",),
        "CeliacDiseaseCodeLabeler"),
    _dx("new_lupus", "new_lupus", "systemic lupus erythematosus", ("7100",), ("M32",), ("55464009",),
        "LupusCodeLabeler"),
    _dx("new_acute_mi", "new_acutemi", "acute myocardial infarction", ("410",), ("I21", "I22"), ("57054005",),
        "AcuteMyocardialInfarctionCodeLabeler"),
    EhrshotTask("chest_xray", "multilabel", CHEXPERT_FINDINGS, "chexpert", "imaging", f"{_FEMR} ChexpertLabeler",
                "24 hours before the radiology report",
                ask="Which findings will the next chest X-ray report show? (predicted 24 hours before the "
                "report)"),
)}
# fmt: on

# Where ehrmind differs from EHRSHOT's code on purpose (also in docs/ehrshot.md, with the counts).
DEVIATIONS: dict[str, str] = {
    "blood_gas": "MIMIC blood-gas (whole-blood) items are not read by the lab tasks; `include_blood_gas=True` "
    "reads them too. EHRSHOT's sodium and potassium roots do name the 'in Blood' LOINC codes.",
    "first_event": "the 'first timestamp' lab exclusion uses the first clinical event, not MEDS_BIRTH "
    "(in a MEDS timeline birth comes first, so EHRSHOT's rule would never fire).",
    "same_day_readmission": "a discharge followed by an admission later the same day is excluded "
    "(EHRSHOT's docstring; its code compares against earlier admission days).",
    "icu_before_admission": "an ICU stay that starts before the admission record and overlaps the visit "
    "counts as an ICU transfer at admission (visit excluded).",
    "float_boundary": "converted values are rounded to 9 significant digits before the cuts: EHRSHOT's "
    "70.2 mg/dL / 18 is 3.9000000000000004 (normal), which contradicts 'mild if <= 3.9 mmol/L'.",
    "units": "EHRSHOT's potassium mg/dL / 18 and hemoglobin mg/dL / 100 conversions are not used: "
    "results in those units are skipped and counted.",
}
