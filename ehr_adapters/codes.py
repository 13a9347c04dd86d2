"""Code → concept and code → display text, from small shipped tables (units: `ehr_adapters.ucum`).

Task builders fill calculator inputs by *concept* ("creatinine", "heart_rate", ...) so they never depend on
a source's code system. This module maps the two systems our sources use:

- LOINC (FHIR Observations; Synthea writes LOINC), matched with or without the system URL;
- MIMIC-IV item ids as they appear in MEDS codes (`LAB//50912//mg/dL`: lab item 50912 = creatinine;
  chart items such as `LAB//220045//bpm` = heart rate). Item meanings are MIMIC-IV's public `d_labitems` /
  `d_items` dictionaries; only the items calculators and prompts need are listed.

The concept's value stays in the unit the source gives; conversion is the calculators' job.
"""

from __future__ import annotations

LOINC_SYSTEM = "http://loinc.org"

# concept -> LOINC codes (serum/plasma and blood variants measure the same quantity for our purposes).
# 2028-9 is "carbon dioxide, total" in serum: the usual stand-in for bicarbonate in anion-gap arithmetic.
_LOINC_BY_CONCEPT: dict[str, tuple[str, ...]] = {
    "creatinine": ("2160-0", "38483-4", "14682-9"),
    "sodium": ("2951-2", "2947-0"),
    "potassium": ("2823-3", "6298-4"),
    "chloride": ("2075-0", "2069-3"),
    "bicarbonate": ("1963-8", "2028-9", "20565-8", "1959-6"),
    "bun": ("3094-0", "6299-2"),
    "glucose": ("2345-7", "2339-0", "41653-7"),
    "albumin": ("1751-7", "61151-7"),
    "bilirubin": ("1975-2", "42719-5"),
    "inr": ("6301-6", "34714-6", "46418-0"),
    "platelets": ("777-3", "26515-7"),
    "wbc": ("6690-2", "26464-8"),
    "hemoglobin": ("718-7", "20509-6"),
    "hematocrit": ("4544-3", "20570-8"),
    "calcium": ("17861-6", "49765-1"),
    "lactate": ("2524-7", "32693-4"),
    "heart_rate": ("8867-4",),
    "respiratory_rate": ("9279-1",),
    "temperature": ("8310-5", "8331-1", "8332-9"),
    "systolic_bp": ("8480-6",),
    "diastolic_bp": ("8462-4",),
    "mean_bp": ("8478-0",),
    "spo2": ("59408-5", "2708-6", "59417-6"),
    "pao2": ("2703-7",),
    "paco2": ("2019-8",),
    "ph": ("2744-1", "11558-4"),
    "fio2": ("3150-0", "19996-8"),
    "weight": ("29463-7", "3141-9"),
    "height": ("8302-2", "8306-3"),
    "bmi": ("39156-5",),
    "gcs": ("9269-2",),
    "gcs_eye": ("9267-6",),
    "gcs_verbal": ("9270-0",),
    "gcs_motor": ("9268-4",),
}

# MIMIC-IV item id -> (concept or None, display, UCUM unit to use when the code says UNK or nothing).
_MIMIC_ITEMS: dict[str, tuple[str | None, str, str | None]] = {
    # hosp.d_labitems
    "50912": ("creatinine", "Creatinine", "mg/dL"),
    "50983": ("sodium", "Sodium", "meq/L"),
    "50824": ("sodium", "Sodium, whole blood", "meq/L"),
    "50971": ("potassium", "Potassium", "meq/L"),
    "50822": ("potassium", "Potassium, whole blood", "meq/L"),
    "50902": ("chloride", "Chloride", "meq/L"),
    "50806": ("chloride", "Chloride, whole blood", "meq/L"),
    "50882": ("bicarbonate", "Bicarbonate", "meq/L"),
    "50803": ("bicarbonate", "Calculated bicarbonate, whole blood", "meq/L"),
    "51006": ("bun", "Urea nitrogen", "mg/dL"),
    "50931": ("glucose", "Glucose", "mg/dL"),
    "50809": ("glucose", "Glucose, blood gas", "mg/dL"),
    "50862": ("albumin", "Albumin", "g/dL"),
    "50885": ("bilirubin", "Bilirubin, total", "mg/dL"),
    "51237": ("inr", "INR(PT)", "1"),
    "51274": (None, "Prothrombin time", "s"),
    "51275": (None, "Partial thromboplastin time", "s"),
    "51265": ("platelets", "Platelet count", "10*3/uL"),
    "51301": ("wbc", "White blood cells", "10*3/uL"),
    "51300": ("wbc", "WBC count", "10*3/uL"),
    "51222": ("hemoglobin", "Hemoglobin", "g/dL"),
    "50811": ("hemoglobin", "Hemoglobin, blood gas", "g/dL"),
    "51221": ("hematocrit", "Hematocrit", "%"),
    "50868": (None, "Anion gap", "meq/L"),
    "50813": ("lactate", "Lactate", "mmol/L"),
    "50820": ("ph", "pH, blood gas", "[pH]"),
    "50821": ("pao2", "pO2, blood gas", "mm[Hg]"),
    "50818": ("paco2", "pCO2, blood gas", "mm[Hg]"),
    "50893": ("calcium", "Calcium, total", "mg/dL"),
    "50960": (None, "Magnesium", "mg/dL"),
    "50970": (None, "Phosphate", "mg/dL"),
    "50861": (None, "Alanine aminotransferase (ALT)", "[IU]/L"),
    "50878": (None, "Aspartate aminotransferase (AST)", "[IU]/L"),
    "50863": (None, "Alkaline phosphatase", "[IU]/L"),
    "51003": (None, "Troponin T", "ng/mL"),
    "50963": (None, "NT-proBNP", "pg/mL"),
    "51279": (None, "Red blood cells", "10*6/uL"),
    "51250": (None, "MCV", "fL"),
    "51248": (None, "MCH", "pg"),
    "51249": (None, "MCHC", "g/dL"),
    "51277": (None, "RDW", "%"),
    "50852": (None, "Hemoglobin A1c", "%"),
    "50853": (None, "25-OH vitamin D", "ng/mL"),
    "50910": (None, "Creatine kinase (CK)", "[IU]/L"),
    "50954": (None, "Lactate dehydrogenase (LD)", "[IU]/L"),
    "50956": (None, "Lipase", "[IU]/L"),
    "50802": (None, "Base excess, blood gas", "meq/L"),
    "50804": (None, "Calculated total CO2, blood gas", "meq/L"),
    "51146": (None, "Basophils", "%"),
    "51200": (None, "Eosinophils", "%"),
    "51244": (None, "Lymphocytes", "%"),
    "51254": (None, "Monocytes", "%"),
    "51256": (None, "Neutrophils", "%"),
    # icu.d_items (charted)
    "220045": ("heart_rate", "Heart rate", "/min"),
    "220210": ("respiratory_rate", "Respiratory rate", "/min"),
    "224690": ("respiratory_rate", "Respiratory rate (total)", "/min"),
    "220277": ("spo2", "SpO2 (pulse oximetry)", "%"),
    "220179": ("systolic_bp", "Non-invasive BP systolic", "mm[Hg]"),
    "220180": ("diastolic_bp", "Non-invasive BP diastolic", "mm[Hg]"),
    "220181": ("mean_bp", "Non-invasive BP mean", "mm[Hg]"),
    "220050": ("systolic_bp", "Arterial BP systolic", "mm[Hg]"),
    "220051": ("diastolic_bp", "Arterial BP diastolic", "mm[Hg]"),
    "220052": ("mean_bp", "Arterial BP mean", "mm[Hg]"),
    "223761": ("temperature", "Temperature (Fahrenheit)", "[degF]"),
    "223762": ("temperature", "Temperature (Celsius)", "Cel"),
    "226512": ("weight", "Admission weight", "kg"),
    "224639": ("weight", "Daily weight", "kg"),
    "226531": ("weight", "Admission weight (lbs)", "[lb_av]"),
    "226730": ("height", "Height (cm)", "cm"),
    "226707": ("height", "Height (inches)", "[in_i]"),
    "220739": ("gcs_eye", "GCS eye opening", "{score}"),
    "223900": ("gcs_verbal", "GCS verbal response", "{score}"),
    "223901": ("gcs_motor", "GCS motor response", "{score}"),
    "220621": ("glucose", "Glucose (serum)", "mg/dL"),
    "225664": ("glucose", "Glucose (finger stick)", "mg/dL"),
    "220615": ("creatinine", "Creatinine (serum)", "mg/dL"),
    "220645": ("sodium", "Sodium (serum)", "meq/L"),
    "227442": ("potassium", "Potassium (serum)", "meq/L"),
    "220602": ("chloride", "Chloride (serum)", "meq/L"),
    "227443": ("bicarbonate", "HCO3 (serum)", "meq/L"),
    "225624": ("bun", "BUN", "mg/dL"),
    "227456": ("albumin", "Albumin", "g/dL"),
    "225690": ("bilirubin", "Total bilirubin", "mg/dL"),
    "227467": ("inr", "INR", "1"),
    "227457": ("platelets", "Platelet count", "10*3/uL"),
    "220546": ("wbc", "WBC", "10*3/uL"),
    "220228": ("hemoglobin", "Hemoglobin", "g/dL"),
    "223835": ("fio2", "Inspired O2 fraction", "%"),
    "220224": ("pao2", "Arterial O2 pressure", "mm[Hg]"),
    "225677": (None, "Phosphorous", "mg/dL"),
}

# Non-LAB MEDS codes from MIMIC's outpatient measurements (OMR), which carry the unit in the name.
_MEDS_NAMED: dict[str, tuple[str, str]] = {
    "BMI (kg/m2)": ("bmi", "kg/m2"),
    "Weight (Lbs)": ("weight", "[lb_av]"),
    "Height (Inches)": ("height", "[in_i]"),
    "SUBJECT_WEIGHT_AT_INFUSION//KG": ("weight", "kg"),
}

# Names of the diagnoses most frequent in the MIMIC-IV demo (ICD-9-CM / ICD-10-CM, dots removed), so that
# prompts read "Essential (primary) hypertension (ICD-10 I10)" when no codes.parquet is shipped.
# fmt: off
_ICD_DISPLAY: dict[tuple[str, str], str] = {
    ("10", "I10"): "Essential (primary) hypertension", ("10", "E785"): "Hyperlipidemia, unspecified",
    ("10", "E039"): "Hypothyroidism, unspecified", ("10", "Z794"): "Long term (current) use of insulin",
    ("10", "Z87891"): "Personal history of nicotine dependence",
    ("10", "E119"): "Type 2 diabetes mellitus without complications",
    ("10", "I2510"): "Atherosclerotic heart disease of native coronary artery without angina pectoris",
    ("10", "I480"): "Paroxysmal atrial fibrillation", ("10", "I4891"): "Unspecified atrial fibrillation",
    ("10", "E669"): "Obesity, unspecified", ("10", "G4733"): "Obstructive sleep apnea",
    ("10", "Z7901"): "Long term (current) use of anticoagulants", ("10", "N179"): "Acute kidney failure, unspecified",
    ("10", "E871"): "Hypo-osmolality and hyponatremia", ("10", "E875"): "Hyperkalemia", ("10", "E876"): "Hypokalemia",
    ("10", "I5032"): "Chronic diastolic (congestive) heart failure",
    ("10", "K219"): "Gastro-esophageal reflux disease without esophagitis",
    ("10", "F329"): "Major depressive disorder, single episode, unspecified", ("10", "D649"): "Anemia, unspecified",
    ("10", "J449"): "Chronic obstructive pulmonary disease, unspecified",
    ("10", "N189"): "Chronic kidney disease, unspecified", ("10", "F419"): "Anxiety disorder, unspecified",
    ("10", "N390"): "Urinary tract infection, site not specified", ("10", "A419"): "Sepsis, unspecified organism",
    ("10", "J189"): "Pneumonia, unspecified organism", ("10", "Z66"): "Do not resuscitate",
    ("10", "Z951"): "Presence of aortocoronary bypass graft",
    ("10", "Z955"): "Presence of coronary angioplasty implant and graft",
    ("10", "F17210"): "Nicotine dependence, cigarettes, uncomplicated", ("10", "D62"): "Acute posthemorrhagic anemia",
    ("10", "M109"): "Gout, unspecified", ("10", "Z7902"): "Long term (current) use of antithrombotics/antiplatelets",
    ("9", "4019"): "Unspecified essential hypertension", ("9", "2724"): "Other and unspecified hyperlipidemia",
    ("9", "2720"): "Pure hypercholesterolemia", ("9", "42731"): "Atrial fibrillation",
    ("9", "25000"): "Diabetes mellitus type II or unspecified, without complication",
    ("9", "41401"): "Coronary atherosclerosis of native coronary artery",
    ("9", "5849"): "Acute kidney failure, unspecified", ("9", "53081"): "Esophageal reflux",
    ("9", "2449"): "Unspecified acquired hypothyroidism", ("9", "311"): "Depressive disorder, not elsewhere classified",
    ("9", "3051"): "Tobacco use disorder", ("9", "V1582"): "Personal history of tobacco use",
    ("9", "2859"): "Anemia, unspecified", ("9", "496"): "Chronic airway obstruction, not elsewhere classified",
    ("9", "5990"): "Urinary tract infection, site not specified", ("9", "0389"): "Unspecified septicemia",
    ("9", "486"): "Pneumonia, organism unspecified", ("9", "V5861"): "Long-term (current) use of anticoagulants",
    ("9", "V5867"): "Long-term (current) use of insulin", ("9", "V4581"): "Aortocoronary bypass status",
    ("9", "4280"): "Congestive heart failure, unspecified", ("9", "27800"): "Obesity, unspecified",
    ("9", "40390"): "Hypertensive chronic kidney disease, unspecified, with CKD stage I-IV or unspecified",
}
# fmt: on

_CONCEPT_BY_LOINC = {code: concept for concept, codes in _LOINC_BY_CONCEPT.items() for code in codes}
CONCEPTS: tuple[str, ...] = tuple(_LOINC_BY_CONCEPT)

# Display names for the LOINC codes above (Synthea gives its own displays; these cover bare codes).
# fmt: off
_LOINC_DISPLAY: dict[str, str] = {
    "2160-0": "Creatinine", "2951-2": "Sodium", "2823-3": "Potassium", "2075-0": "Chloride",
    "2028-9": "Carbon dioxide, total", "1963-8": "Bicarbonate", "6299-2": "Urea nitrogen",
    "3094-0": "Urea nitrogen", "2339-0": "Glucose", "2345-7": "Glucose", "1751-7": "Albumin",
    "1975-2": "Bilirubin, total", "6301-6": "INR", "777-3": "Platelets", "6690-2": "Leukocytes",
    "718-7": "Hemoglobin", "4544-3": "Hematocrit", "17861-6": "Calcium", "8867-4": "Heart rate",
    "9279-1": "Respiratory rate", "8310-5": "Body temperature", "8480-6": "Systolic blood pressure",
    "8462-4": "Diastolic blood pressure", "8478-0": "Mean blood pressure", "59408-5": "SpO2",
    "2708-6": "Oxygen saturation", "29463-7": "Body weight", "8302-2": "Body height",
    "39156-5": "Body mass index", "9269-2": "Glasgow coma score total", "85354-9": "Blood pressure panel",
}
# fmt: on


def _split_system(code: str, system: str) -> tuple[str, str]:
    """Accept "http://loinc.org|2160-0", "LOINC/2160-0" or (code, system) pairs."""
    if "|" in code and not system:
        system, code = code.rsplit("|", 1)
    elif code.upper().startswith("LOINC/"):
        system, code = LOINC_SYSTEM, code[6:]
    return code.strip(), system.strip()


def _mimic_item(code: str) -> tuple[str | None, str, str | None] | None:
    # MEDS MIMIC codes: LAB//<itemid>//<unit>; the id is the second part.
    if code.startswith("LAB//"):
        parts = code.split("//")
        if len(parts) >= 2:
            return _MIMIC_ITEMS.get(parts[1])
    return None


def concept_of(code: str, system: str = "") -> str | None:
    """Canonical concept name for a LOINC code or a MIMIC MEDS code, or None when not a known concept."""
    code, system = _split_system(code, system)
    if not system or "loinc" in system.lower():
        concept = _CONCEPT_BY_LOINC.get(code)
        if concept is not None:
            return concept
    item = _mimic_item(code)
    if item is not None:
        return item[0]
    named = _MEDS_NAMED.get(code)
    return named[0] if named else None


def display_of(code: str, system: str = "") -> str | None:
    """Readable name for a code from the shipped tables (LOINC, MIMIC items, MEDS code shapes), or None."""
    code, system = _split_system(code, system)
    if (not system or "loinc" in system.lower()) and code in _LOINC_DISPLAY:
        return _LOINC_DISPLAY[code]
    item = _mimic_item(code)
    if item is not None:
        return item[1]
    return _display_from_meds_shape(code)


def default_unit(code: str, system: str = "") -> str | None:
    """UCUM unit to assume for a MIMIC item whose code carries no usable unit (`UNK`), else None."""
    code, _ = _split_system(code, system)
    item = _mimic_item(code)
    if item is not None:
        return item[2]
    named = _MEDS_NAMED.get(code)
    return named[1] if named else None


_ENCOUNTER_LABELS = {
    "HOSPITAL_ADMISSION": "Hospital admission",
    "HOSPITAL_DISCHARGE": "Hospital discharge",
    "ICU_ADMISSION": "ICU admission",
    "ICU_DISCHARGE": "ICU discharge",
    "TRANSFER_TO": "Transfer to",
}


def _icd_display(version: str, code: str) -> str:
    name = _ICD_DISPLAY.get((version, code))
    return f"{name} (ICD-{version} {code})" if name else f"ICD-{version} {code}"


def _display_from_meds_shape(code: str) -> str | None:
    """Readable text for the structured MIMIC MEDS codes (DIAGNOSIS//ICD//10//E785, MEDICATION//START//X)."""
    if code == "SUBJECT_WEIGHT_AT_INFUSION//KG":
        return "Weight (recorded at infusion)"
    if code in _MEDS_NAMED:
        return code
    parts = code.split("//")
    head = parts[0]
    if head == "DIAGNOSIS" and len(parts) >= 4:
        return _icd_display(parts[2], parts[3])
    if code.startswith(("ICD9CM/", "ICD10CM/")):
        version, _, rest = code.partition("/")
        return _icd_display(version[3:-2], rest.replace(".", ""))
    if head == "PROCEDURE" and len(parts) >= 4 and parts[1] == "ICD":
        return f"ICD-{parts[2]} procedure {parts[3]}"
    if head == "PROCEDURE" and len(parts) == 3:  # ICU procedure events: START/END of a d_items id
        return f"ICU procedure item {parts[2]} ({parts[1].lower()})"
    if head in ("INFUSION_START", "INFUSION_END") and len(parts) == 2:
        return f"ICU infusion item {parts[1]} ({head[9:].lower()})"
    if head == "MEDICATION" and len(parts) >= 3:
        if parts[1] in ("START", "STOP"):
            return f"{parts[2]} ({parts[1].lower()})"
        return f"{parts[1]} ({parts[2].lower()})"
    if head in _ENCOUNTER_LABELS:
        label = _ENCOUNTER_LABELS[head]
        rest = ", ".join(p for p in parts[1:] if p and p != "UNK")
        return f"{label}{' (' + rest + ')' if rest else ''}"
    if head == "DRG" and len(parts) >= 4:
        return f"DRG {parts[2]}: {parts[3].capitalize()}"
    if head == "LAB" and len(parts) >= 2:
        return f"MIMIC item {parts[1]}"  # not in the shipped table: say what it is rather than guess a name
    if head == "HCPCS" and len(parts) >= 2:
        return f"HCPCS {parts[1]}"
    named = {
        "MEDS_BIRTH": "Birth",
        "MEDS_DEATH": "Death",
        "ED_REGISTRATION": "ED registration",
        "ED_OUT": "ED departure",
    }
    return named.get(code)
