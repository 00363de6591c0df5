"""Code run in a fresh interpreter under a wall-clock limit: for calls into the compiled core,
which releases the GIL — a kernel that loops forever there ignores Ctrl-C and would freeze the
whole test run — and for faults that end the process (a crash is a failed test, not a dead
run). The child inherits the environment, so it imports the same core (sanitized or not)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_bounded(code: str, timeout: float = 60.0) -> str:
    """Run `code` with this interpreter; its stdout. Fails the test when the child runs past
    `timeout` seconds (it is killed) or exits with a nonzero status (a crash included)."""
    try:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not return within {timeout:g} s:\n{textwrap.dedent(code)}")
    if proc.returncode != 0:
        pytest.fail(f"exited with status {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout
