"""The times the README quotes, measured on this machine.

    python tools/readme_times.py            # the README's Python snippets and the demo
    python tools/readme_times.py --install  # and `pip install ".[plot]"` into a fresh environment

Each command runs in a fresh process (wall time, import included); the examples print their
own totals (`examples/paper/reproduce_cbcl.py`, `examples/hyperspectral.py`,
`examples/topics.py`). `--install` builds the package from this checkout in a new virtual
environment under a temporary directory (the build dependencies come from the package index
or the local wheel cache, as for a user).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"model name\s*:\s*(.*)", text)
        model = found.group(1).strip() if found else model
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical cores, Python {platform.python_version()}"


def timed(label: str, argv: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    status = "" if done.returncode == 0 else f"  FAILED (exit {done.returncode}):\n{done.stderr}"
    print(f"{label:<44} {seconds:7.1f} s{status}", flush=True)
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--install", action="store_true", help="also time pip install . (minutes)")
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.install:
            env_dir = work / "venv"
            venv.create(env_dir, with_pip=True)
            python = str(env_dir / "bin" / "python")
            # with the plot extra: the quick start draws a picture
            timed("pip install \".[plot]\" (fresh environment, build)",
                  [python, "-m", "pip", "install", "--quiet", f"{ROOT}[plot]"], work)
        else:
            python = sys.executable
        timed("python -m deepnmf.demo", [python, "-m", "deepnmf.demo"], work)
        blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
        for k, code in enumerate(blocks, start=1):
            first = code.strip().splitlines()[0][:30]
            timed(f"README Python snippet {k} ({first}…)", [python, "-c", code], work)


if __name__ == "__main__":
    main()
