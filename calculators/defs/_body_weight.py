"""Shared body-weight steps: height in inches, Devine ideal body weight, adjusted body weight.

Three calculators need the same intermediate weights (ideal_body_weight, adjusted_body_weight and
cockcroft_gault's dosing weight). Declaring the steps once here keeps them identical, so a fix to one
is a fix to all. This is a helper, not a calculator: it defines no `CALCULATOR` and is not registered.

Devine (1974): IBW = 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch of height over 5 feet (60 in).
Adjusted body weight (Bauer 1983): ABW = IBW + 0.4 × (actual weight − IBW).
"""

from __future__ import annotations

import sympy as sp

from calculators import common
from calculators.formula import Step, symbols_for
from calculators.spec import Citation, Input

height, weight, female, height_in, ibw, cm_per_in = symbols_for(
    "height", "weight", "sex_female", "height_in", "ibw", "cm_per_in"
)


class _Grouped(sp.UnevaluatedExpr):
    """Keeps a published grouping such as 2.3 × (height − 60) in the rationale, and is declared real.

    A plain UnevaluatedExpr has no assumptions, so a Piecewise containing it reports is_extended_real
    False and sympy's Min (cockcroft_gault's min(IBW, weight)) then refuses it when the steps are composed
    for batch evaluation. Everything wrapped here is a real body measurement (validated, finite inputs
    divided by a non-zero constant), so declaring it real is true, not a workaround of the check.
    """

    is_extended_real = True
    is_real = True
    is_finite = True


_U = _Grouped

# Devine's equation is written per inch; heights arrive in cm (canonical), 1 in = 2.54 cm exactly. The
# constant is a named step so the rationale reads "height/cm_per_in" rather than "0.393700787*height".
CM_PER_IN = Step("cm_per_in", sp.Float(2.54), "Centimetres per inch")
HEIGHT_IN = Step("height_in", height / cm_per_in, "Height in inches")

IBW = Step(
    "ibw",
    sp.Piecewise(
        (sp.Float(45.5) + sp.Float(2.3) * _U(height_in - 60), sp.Eq(female, 1)),
        (50 + sp.Float(2.3) * _U(height_in - 60), True),
    ),
    "Ideal body weight (Devine)",
)

ABW = Step("abw", ibw + sp.Float(0.4) * _U(weight - ibw), "Adjusted body weight")

# The Devine IBW as a sequence of steps (ending with `ibw`), for calculators to splice into their own.
DEVINE_STEPS = (CM_PER_IN, HEIGHT_IN, IBW)

DEVINE_CITATION = Citation(
    "Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-655 (Clinical Pharmacy Case Studies, "
    "case number 25, with McCarron MM).",
    doi="10.1177/106002807400801104",
)

BAUER_CITATION = Citation(
    "Bauer LA, Edwards WA, Dellinger EP, Simonowitz DA. Influence of weight on aminoglycoside "
    "pharmacokinetics in normal weight and morbidly obese patients. Eur J Clin Pharmacol 1983;24:643-647.",
    doi="10.1007/BF00542215",
)

DEVINE_NOTE = (
    "Devine's equation is defined for heights of 5 ft (152.4 cm) and above; below that it is extrapolated "
    "linearly, as MedCalc-Bench and most bedside calculators do. Heights under 120 cm are rejected because "
    "the extrapolation then approaches zero."
)


def adult_height(**kw) -> Input:
    """Height input for Devine-based calculators: adult range, so IBW stays meaningful."""
    kw.setdefault("range", (120, 250))
    return common.height(**kw)
