"""The on-disk cache of solved unit conversions: same answers as pint, refusals kept, never a stale file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from calculators import conversion_cache
from calculators.errors import UnitError
from calculators.units import _solve_conversion, conversion

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EHRMIND_CACHE_DIR", str(tmp_path))
    conversion_cache.reset()
    conversion.cache_clear()
    yield tmp_path
    conversion_cache.reset()
    conversion.cache_clear()


def test_solved_and_refused_conversions_come_back_identical_from_disk(cache_dir):
    solved = conversion("mg/dL", "umol/L", "creatinine")
    with pytest.raises(UnitError) as refused:
        conversion("mg/dL", "mmol/L")  # mass to substance without an analyte
    conversion_cache.save()
    files = list(cache_dir.glob("unit-conversions-*.json"))
    assert len(files) == 1
    conversion_cache.reset()
    conversion.cache_clear()
    assert conversion_cache.lookup("mg/dL", "umol/L", "creatinine") == solved
    assert conversion("mg/dL", "umol/L", "creatinine") == solved == _solve_conversion("mg/dL", "umol/L", "creatinine")
    with pytest.raises(UnitError) as again:
        conversion("mg/dL", "mmol/L")
    assert str(again.value) == str(refused.value)


def test_a_file_written_for_other_definitions_is_never_read(cache_dir):
    # A file under another digest (other units.py, other pint) holding a wrong factor is ignored.
    (cache_dir / "unit-conversions-0000000000deadbeef00.json").write_text(
        json.dumps([["mg/dL", "umol/L", "creatinine", [1.0, 0.0]]])
    )
    assert conversion_cache.lookup("mg/dL", "umol/L", "creatinine") is None
    assert conversion("mg/dL", "umol/L", "creatinine")[0] == pytest.approx(88.42, rel=1e-3)  # 1 mg/dL creatinine


def test_a_malformed_file_is_solved_afresh_and_rewritten(cache_dir):
    conversion("kg", "g")
    conversion_cache.save()
    (path,) = cache_dir.glob("unit-conversions-*.json")
    path.write_text("{not json")
    conversion_cache.reset()
    conversion.cache_clear()
    assert conversion("kg", "g") == (1000.0, 0.0)
    conversion_cache.save()
    assert json.loads(path.read_text()) == [["kg", "g", None, [1000.0, 0.0]]]


def test_an_unwritable_cache_directory_is_ignored(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("EHRMIND_CACHE_DIR", str(blocker / "cache"))  # a directory under a file
    conversion_cache.reset()
    conversion.cache_clear()
    try:
        assert conversion("[lb_av]", "kg")[0] == pytest.approx(0.45359237)
        conversion_cache.save()  # no exception, nothing written
        assert blocker.read_text() == ""
    finally:
        conversion_cache.reset()
        conversion.cache_clear()


def test_a_warm_process_converts_without_importing_pint(tmp_path):
    script = (
        "import sys\n"
        "from calculators.units import conversion\n"
        "print(conversion('mg/dL', 'mmol/L', 'glucose'), 'pint' in sys.modules)\n"
    )
    env = {"EHRMIND_CACHE_DIR": str(tmp_path), "PATH": "", "HOME": str(tmp_path)}
    runs = [
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)  # fmt: skip
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    cold, warm = (r.stdout.split(")") for r in runs)
    assert cold[0] == warm[0]  # the same (scale, offset), to the last digit
    assert cold[1].strip() == "True" and warm[1].strip() == "False"


def test_the_file_name_changes_with_any_change_to_the_units_module(tmp_path):
    units = ROOT / "calculators" / "units.py"
    edited = tmp_path / "units.py"
    edited.write_text(units.read_text().replace('Analyte("lactate", 89.07, 1)', 'Analyte("lactate", 90.08, 1)'))
    assert edited.read_text() != units.read_text()
    assert conversion_cache._digest(units) == conversion_cache._digest()
    assert conversion_cache._digest(edited) != conversion_cache._digest(units)
