"""The compiled core, loaded once for the best instruction-set level this CPU runs.

The wheel carries one build of the C++ core per x86-64 micro-architecture level (``v1``
baseline, ``v3`` AVX2/FMA, ``v4`` AVX-512); :mod:`deepnmf._isa` (compiled for the baseline)
asks the CPU which it can run, and the best available build is imported. Set the environment
variable ``DEEPNMF_ISA`` (``v1``, ``v3``, ``v4``, ``native`` or ``generic``) to force one.
"""

from __future__ import annotations

import importlib
import os
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
    return importlib.import_module(f"deepnmf._core_{level}"), level


_module, ISA_LEVEL = _load()

# every kernel of the chosen core under its own name (the list is the stub _core.pyi, which a
# test compares with the loaded module), and the test hooks as _core.testing
globals().update({name: getattr(_module, name) for name in dir(_module)
                  if not name.startswith("_") and name not in ("openmp", "core_name")})
OPENMP: bool = _module.openmp
CORE_NAME: str = _module.core_name
