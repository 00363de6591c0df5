"""Bit-identity across restructurings: the fitted arrays of every estimator (dense and CSR,
float32 and float64, 1 and 2 threads, several β) hash to the digests recorded at the base
commit of the last restructuring (tools/golden.py, tests/python/_support/golden/base.json).
The digests hold for the runner that recorded them (ISA level, NumPy's SVD, Python): on
another the test is skipped; `python tools/golden.py record FILE` at a base commit, then
`check FILE` at every later one, gives the same check anywhere."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RECORD = Path(__file__).resolve().parents[1] / "_support" / "golden" / "base.json"


def golden_tool():
    spec = importlib.util.spec_from_file_location("golden", ROOT / "tools" / "golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fitted_arrays_are_bit_identical_to_the_base_commit():
    golden = golden_tool()
    saved = json.loads(RECORD.read_text())
    if saved["fingerprint"] != golden.fingerprint():
        pytest.skip(f"digests recorded on {saved['fingerprint']}, this is {golden.fingerprint()}")
    now = golden.run()
    differ = [(case, key) for case, values in saved["cases"].items() for key in values
              if now.get(case, {}).get(key) != values[key]]
    assert not differ, differ[:10]
