"""SIRS criteria (ACCP/SCCM consensus, Bone 1992): the number of criteria met, 0-4.

1. Temperature > 38 °C or < 36 °C.
2. Heart rate > 90/min.
3. Respiratory rate > 20/min or PaCO2 < 32 mm Hg.
4. White cell count > 12 × 10⁹/L, < 4 × 10⁹/L, or > 10 % immature (band) forms.
Two or more = SIRS. The count is what MedCalc-Bench asks. PaCO2 and bands are optional; when not
reported that part of the criterion is not met (the rationale says so).
"""

from calculators import common
from calculators.formula import fmt
from calculators.points import PointScore, rule
from calculators.spec import Calculator, Citation, Example, Input, Output


def _temperature(v: dict) -> int:
    t = round(v["temperature"], 9)  # 96.8 °F converts to 35.99999999999881 °C: still not < 36
    return 1 if t > 38 or t < 36 else 0


def _respiration(v: dict) -> int:
    paco2 = v["paco2"]
    return 1 if round(v["respiratory_rate"], 9) > 20 or (paco2 is not None and round(paco2, 9) < 32) else 0


def _respiration_explain(v: dict) -> str:
    paco2 = "not reported" if v["paco2"] is None else f"{fmt(v['paco2'])} mm Hg"
    return f"RR {fmt(v['respiratory_rate'])}/min, PaCO2 {paco2}"


def _white_cells(v: dict) -> int:
    wbc, band = round(v["wbc"], 9), v["bands"]
    return 1 if wbc > 12 or wbc < 4 or (band is not None and band > 10) else 0


def _white_cells_explain(v: dict) -> str:
    band = "not reported" if v["bands"] is None else f"{fmt(v['bands'])} %"
    return f"WBC {fmt(v['wbc'])} ×10⁹/L, bands {band}"


CALCULATOR = Calculator(
    id="sirs",
    medcalc_id=51,
    name="SIRS criteria",
    category="diagnosis",
    description="Systemic inflammatory response syndrome: number of the four ACCP/SCCM criteria met.",
    inputs=(
        Input(
            "temperature", "Body temperature", unit="Cel", range=(25.0, 45.0), medcalc_keys=("Temperature",)
        ),
        common.heart_rate(),
        Input(
            "respiratory_rate",
            "Respiratory rate",
            unit="/min",
            range=(1, 100),
            medcalc_keys=("respiratory rate",),
        ),
        Input(
            "paco2",
            "PaCO2",
            unit="mm[Hg]",
            range=(5, 150),
            required=False,
            medcalc_keys=("PaCO₂", "PaCO2"),
            help="not reported = criterion part not met",
        ),
        Input(
            "wbc",
            "White blood cell count",
            unit="10*9/L",
            range=(0.05, 1000),
            medcalc_keys=("White blood cell count",),
        ),
        Input(
            "bands",
            "Immature (band) neutrophils",
            unit="%",
            range=(0, 100),
            required=False,
            help="not reported = criterion part not met",
        ),
    ),
    output=Output("integer", "SIRS criteria met"),
    missing_data={
        "paco2": "not reported → that part of the respiratory criterion is not met (RR alone decides)",
        "bands": "not reported → that part of the white-cell criterion is not met (WBC alone decides)",
    },
    citation=Citation(
        "Bone RC, Balk RA, Cerra FB, et al. Definitions for sepsis and organ failure and guidelines for the "
        "use of innovative therapies in sepsis. The ACCP/SCCM Consensus Conference Committee. Chest "
        "1992;101(6):1644-55.",
        doi="10.1378/chest.101.6.1644",
        pmid="1303622",
    ),
    method=PointScore(
        criteria=(
            rule(
                "Temperature",
                ["temperature"],
                _temperature,
                ["> 38 or < 36 °C: +1", "36-38 °C: 0"],
                explain=lambda v: f"{fmt(v['temperature'])} °C",
            ),
            rule(
                "Heart rate",
                ["heart_rate"],
                lambda v: 1 if round(v["heart_rate"], 9) > 90 else 0,
                ["> 90 /min: +1", "≤ 90 /min: 0"],
                explain=lambda v: f"{fmt(v['heart_rate'])} /min",
            ),
            rule(
                "Respiration",
                ["respiratory_rate", "paco2"],
                _respiration,
                ["RR > 20/min or PaCO2 < 32 mm Hg: +1", "otherwise: 0"],
                explain=_respiration_explain,
            ),
            rule(
                "White cells",
                ["wbc", "bands"],
                _white_cells,
                ["WBC > 12 or < 4 ×10⁹/L, or bands > 10 %: +1", "otherwise: 0"],
                explain=_white_cells_explain,
            ),
        ),
        note="≥ 2 criteria met = SIRS.",
    ),
    notes="MedCalc-Bench v1.0: a heart rate ≤ 90/min still adds 1 to the count, and a WBC given per µL is "
    "converted to 'per m³' (× 10⁹), so every such count is > 12000 and meets the criterion; ours: heart "
    "rate counts only when > 90/min and WBC is compared in 10⁹/L (12000/mm³ = 12 × 10⁹/L); source: Bone 1992 "
    "(HR > 90/min; WBC > 12,000/mm³ or < 4,000/mm³).",
    examples=(
        # Hand calculations from the published criteria (Bone 1992).
        Example(
            {"temperature": "37 Cel", "heart_rate": 90, "respiratory_rate": 20, "wbc": "12 10*9/L"},
            0,
            "hand calculation from the published criteria (Bone 1992)",
            note="every value at its cut-off: 0",
        ),
        Example(
            {
                "temperature": "100.4 [degF]",
                "heart_rate": 91,
                "respiratory_rate": 20,
                "paco2": 31,
                "wbc": "4000 /uL",
            },
            2,
            "hand calculation from the published criteria (Bone 1992)",
            note="0 (38.0 °C) + 1 (HR 91) + 1 (PaCO2 31) + 0 (WBC 4.0)",
        ),
        Example(
            {"temperature": "35.9 Cel", "heart_rate": 80, "respiratory_rate": 21, "wbc": "3.9 10*9/L"},
            3,
            "hand calculation from the published criteria (Bone 1992)",
            note="1 + 0 + 1 + 1",
        ),
        Example(
            {
                "temperature": "103 [degF]",
                "heart_rate": 120,
                "respiratory_rate": 32,
                "paco2": 41,
                "wbc": "33000 /uL",
            },
            4,
            "hand calculation from the published criteria (Bone 1992)",
            note="1 (39.4 °C) + 1 + 1 + 1",
        ),
        Example(
            {
                "temperature": "37 Cel",
                "heart_rate": 70,
                "respiratory_rate": 16,
                "wbc": "8 10*9/L",
                "bands": 11,
            },
            1,
            "hand calculation from the published criteria (Bone 1992)",
            note="only bands 11 % > 10 %",
        ),
    ),
)
