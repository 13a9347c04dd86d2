"""Shared inputs and steps for the anion-gap family (anion gap, delta gap, delta ratio, and their
albumin-corrected versions, MedCalc-Bench 39 and 63-67). This is a helper, not a calculator.

The six calculators build on one another: anion gap AG = Na − (Cl + HCO3); delta gap = AG − 12;
delta ratio = delta gap / (24 − HCO3); albumin-corrected AG = AG + 2.5 × (4 − albumin [g/dL]); and the
albumin-corrected delta gap and ratio use the corrected AG. Declaring each step once keeps the inputs,
ranges, constants and MedCalc-Bench keys identical across the family.

Constants and why:
- 12 mEq/L is the normal anion gap and 24 mEq/L the normal bicarbonate that Wrenn's delta gap is measured
  from (Wrenn 1990); MedCalc-Bench uses the same values.
- 2.5 mEq/L per g/dL of albumin is Figge's correction factor (0.25 per g/L, Figge 1998). Figge leaves the
  "normal albumin" to the laboratory; we use 4.0 g/dL, MedCalc-Bench's (and MDCalc's) choice.
"""

from __future__ import annotations

import sympy as sp

from calculators import common
from calculators.formula import Step, symbols_for
from calculators.spec import Citation, Input, Output

sodium, chloride, bicarbonate, albumin = symbols_for("sodium", "chloride", "bicarbonate", "albumin")
anion_gap, delta_gap, corrected_ag, corrected_dg = symbols_for(
    "anion_gap", "delta_gap", "albumin_corrected_anion_gap", "albumin_corrected_delta_gap"
)

NORMAL_ANION_GAP = 12  # mEq/L (Wrenn 1990)
NORMAL_BICARBONATE = 24  # mEq/L (Wrenn 1990)
NORMAL_ALBUMIN = 4  # g/dL (laboratory reference value; MedCalc-Bench and MDCalc use 4.0)
ALBUMIN_FACTOR = sp.Float(2.5)  # mEq/L per g/dL (Figge 1998: 0.25 per g/L)


def electrolytes() -> tuple[Input, ...]:
    """Sodium, chloride and bicarbonate, in mmol/L (= mEq/L for these monovalent ions)."""
    return (common.sodium(), common.chloride(), common.bicarbonate())


def albumin_input() -> Input:
    return common.albumin()


ANION_GAP = Step(
    "anion_gap", sodium - sp.UnevaluatedExpr(chloride + bicarbonate), "Anion gap = Na − (Cl + HCO3)"
)
DELTA_GAP = Step("delta_gap", anion_gap - NORMAL_ANION_GAP, "Delta gap = anion gap − 12")
DELTA_RATIO = Step(
    "delta_ratio",
    delta_gap / (NORMAL_BICARBONATE - bicarbonate),
    "Delta ratio = delta gap / (24 − HCO3)",
)
CORRECTED_AG = Step(
    "albumin_corrected_anion_gap",
    anion_gap + ALBUMIN_FACTOR * sp.UnevaluatedExpr(NORMAL_ALBUMIN - albumin),
    "Albumin-corrected anion gap = anion gap + 2.5 × (4 − albumin)",
)
CORRECTED_DG = Step(
    "albumin_corrected_delta_gap",
    corrected_ag - NORMAL_ANION_GAP,
    "Albumin-corrected delta gap = corrected anion gap − 12",
)
CORRECTED_DR = Step(
    "albumin_corrected_delta_ratio",
    corrected_dg / (NORMAL_BICARBONATE - bicarbonate),
    "Albumin-corrected delta ratio = corrected delta gap / (24 − HCO3)",
)

GAP_OUTPUT_UNIT = "mEq/L"


def gap_output(label: str) -> Output:
    return Output("decimal", label, unit=GAP_OUTPUT_UNIT, abs_tol=1.0, analyte="monovalent_ions")


def ratio_output(label: str) -> Output:
    return Output("decimal", label)


# Primary publications, verified on PubMed.
EMMETT_1977 = Citation(
    "Emmett M, Narins RG. Clinical use of the anion gap. Medicine (Baltimore) 1977;56(1):38-54.",
    pmid="401925",
)
# The PMID of Wrenn 1990 could not be verified (two different numbers circulate); the DOI was.
WRENN_1990 = Citation(
    "Wrenn K. The delta (delta) gap: an approach to mixed acid-base disorders. "
    "Ann Emerg Med 1990;19(11):1310-3.",
    doi="10.1016/S0196-0644(05)82292-9",
)
FIGGE_1998 = Citation(
    "Figge J, Jabor A, Kazda A, Fencl V. Anion gap and hypoalbuminemia. Crit Care Med 1998;26(11):1807-10.",
    doi="10.1097/00003246-199811000-00019",
    pmid="9824071",
)
# The albumin-corrected delta gap/ratio combine Figge's correction with Wrenn's delta gap.
FIGGE_WRENN = Citation(
    FIGGE_1998.text + " Delta gap: Wrenn K. Ann Emerg Med 1990;19(11):1310-3 "
    "(doi:10.1016/S0196-0644(05)82292-9).",
    doi=FIGGE_1998.doi,
    pmid=FIGGE_1998.pmid,
)
