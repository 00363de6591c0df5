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

beta_divergence = _module.beta_divergence
beta_divergence_wh = _module.beta_divergence_wh
mu_h = _module.mu_h
mu_w = _module.mu_w
solve_row_multiplier = _module.solve_row_multiplier
rowsum_kl_transposed = _module.rowsum_kl_transposed
coupled_w = _module.coupled_w
coupled_w_row = _module.coupled_w_row
wright_omega = _module.wright_omega
lambert_w0 = _module.lambert_w0
product = _module.product
minvol_w = _module.minvol_w
minvol_wstep = _module.minvol_wstep
minvol_zstep = _module.minvol_zstep
logdet_gram = _module.logdet_gram
compressed = _module.compressed
mu_h_sparse = _module.mu_h_sparse
mu_w_sparse = _module.mu_w_sparse
coupled_w_sparse = _module.coupled_w_sparse
beta_divergence_wh_sparse = _module.beta_divergence_wh_sparse
minvol_w_sparse = _module.minvol_w_sparse
max_threads = _module.max_threads
OPENMP: bool = _module.openmp
beta_range: dict = _module.beta_range
CORE_NAME: str = _module.core_name
