"""The core libraries install and import without torch (ARCHITECTURE: dependencies point one way)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["calculators", "rewards", "ehr_adapters"])
def test_core_package_imports_without_torch(package):
    code = (
        f"import sys, {package}\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_calculators_and_adapters_do_not_import_each_other():
    code = (
        "import sys, calculators\n"
        "assert 'ehr_adapters' not in sys.modules\n"
        "import ehr_adapters.record\n"
        "assert not [m for m in sys.modules if m.startswith('rewards')]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
