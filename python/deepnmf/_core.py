"""The compiled core, loaded once for the best instruction-set level this CPU runs.

The wheel carries one build of the C++ core per x86-64 micro-architecture level (``v1``
baseline, ``v3`` AVX2/FMA, ``v4`` AVX-512); :mod:`deepnmf._isa` (compiled for the baseline)
asks the CPU which it can run, and the best available build is imported. Set the environment
variable ``DEEPNMF_ISA`` (``v1``, ``v3``, ``v4``, ``native`` or ``generic``) to force one.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from types import ModuleType

from . import _isa
from ._build_info import BUILT_LEVELS


def _candidates() -> list[str]:
    forced = os.environ.get("DEEPNMF_ISA")
    if forced:
        if forced not in BUILT_LEVELS:
            raise ImportError(
                f"DEEPNMF_ISA={forced!r} but this build of deepnmf has cores for {BUILT_LEVELS}"
            )
        return [forced]
    supported = list(_isa.supported_levels())
    ordered = [lvl for lvl in ("native",) if lvl in BUILT_LEVELS]
    ordered += [lvl for lvl in supported if lvl in BUILT_LEVELS]
    ordered += [lvl for lvl in ("generic",) if lvl in BUILT_LEVELS]
    if not ordered:
        raise ImportError(
            f"no deepnmf core built for this CPU (built: {BUILT_LEVELS}, CPU runs: {supported})"
        )
    return ordered


def _load() -> tuple[ModuleType, str]:
    level = _candidates()[0]
    with _passive_openmp_wait():
        return importlib.import_module(f"deepnmf._core_{level}"), level


@contextlib.contextmanager
def _passive_openmp_wait() -> Iterator[None]:
    """OpenMP's threads sleep instead of spinning when they wait for work, unless the user set
    ``OMP_WAIT_POLICY``. A spinning worker takes a core from the thread doing the work between
    two parallel regions, and on a machine shared with other processes that made fits several
    times slower (bench/python/bench_shared_machine.py). The runtime reads the variable when it
    is loaded — here, with the core — so it is set for that moment only and the process's
    environment is left as it was. (GNU OpenMP reads it at load; a runtime already loaded by
    another library, or one that reads its settings later, keeps its own.)"""
    if "OMP_WAIT_POLICY" in os.environ:
        yield
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        yield
    finally:
        os.environ.pop("OMP_WAIT_POLICY", None)


_module, ISA_LEVEL = _load()

# every kernel of the chosen core under its own name (the list is the stub _core.pyi, which a
# test compares with the loaded module), and the test hooks as _core.testing
globals().update({name: getattr(_module, name) for name in dir(_module)
                  if not name.startswith("_") and name not in ("openmp", "core_name")})
OPENMP: bool = _module.openmp
CORE_NAME: str = _module.core_name
