"""Shared inputs and steps for the five QTc (heart-rate corrected QT interval) calculators.

Bazett, Fridericia, Framingham, Hodges and Rautaharju all take the measured QT interval and the heart
rate; the first three use the RR interval in seconds, RR = 60 / heart rate. Declaring them once keeps the
inputs, ranges and MedCalc-Bench keys identical across the five. This is a helper, not a calculator.

MedCalc-Bench spells the QT key two ways: 'QT interval' (v1.0 training rows) and 'QT Interval'
(Verified rows); both are listed.
"""

from __future__ import annotations

from calculators import common
from calculators.formula import Step, symbols_for
from calculators.spec import Input, Output

qt, heart_rate, rr = symbols_for("qt_interval", "heart_rate", "rr")

# 150-800 ms covers recorded adult and paediatric QT intervals; a QT written in seconds (0.4) falls
# outside it and is rejected instead of being corrected as if it were milliseconds.
QT_RANGE = (150.0, 800.0)


def qt_interval() -> Input:
    return Input(
        "qt_interval",
        "Measured QT interval",
        unit="ms",
        range=QT_RANGE,
        medcalc_keys=("QT interval", "QT Interval"),
    )


def heart_rate_input() -> Input:
    return common.heart_rate()


RR = Step("rr", 60 / heart_rate, "RR interval in seconds (60 / heart rate)")

QTC_OUTPUT = Output("decimal", "Corrected QT interval (QTc)", unit="ms", abs_tol=10.0)
