"""The README's Python snippets run as written (in a fresh process, in an empty directory),
and say what the README says they say."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_its_snippets():
    assert len(snippets()) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(snippets())))
def test_readme_snippet_runs(index, tmp_path):
    pytest.importorskip("matplotlib")
    out = subprocess.run([sys.executable, "-c", snippets()[index]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    # the only warnings are the ConvergenceWarnings the README announces
    warnings = [ln for ln in out.stderr.splitlines() if "Warning" in ln]
    assert all("ConvergenceWarning" in ln for ln in warnings), out.stderr
    assert all(ln.startswith("<string>:") for ln in warnings), out.stderr  # the user's line
