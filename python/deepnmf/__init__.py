"""deepnmf: deep nonnegative matrix factorization with β-divergences.

Models and algorithms of Leplat, Hien, Onwunta & Gillis, "Deep Nonnegative Matrix
Factorization with Beta Divergences" (2023), on a C++/Eigen/OpenMP core.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from . import datasets, metrics, special, updates
from ._build_info import VERSION as _VERSION
from ._core import ISA_LEVEL as _ISA_LEVEL
from ._engine.base import ConvergenceWarning, InterruptedFitWarning, NotFittedError
from ._engine.persist import load
from ._engine.persist import locate as _locate
from .divergence import beta_divergence
from .lsq import nnls

if _TYPE_CHECKING:
    from .deep import DeepNMF
    from .minvol import MinVolDeepNMF
    from .multilayer import MultilayerNMF
    from .nmf import BetaNMF

#: The estimators, loaded on first use: they are scikit-learn estimators when it is installed,
#: and importing scikit-learn takes about 1 s, which the kernels, data sets and metrics do not
#: need (PEP 562 module __getattr__).
_ESTIMATORS = {"BetaNMF": "nmf", "MultilayerNMF": "multilayer", "DeepNMF": "deep",
               "MinVolDeepNMF": "minvol", "OrthogonalNMF": "orthogonal",
               "SemiSupervisedNMF": "semisupervised"}
_locate({name: f"{__name__}.{module}" for name, module in _ESTIMATORS.items()})


def __getattr__(name: str) -> _Any:
    if name in _ESTIMATORS:
        cls = getattr(_importlib.import_module(f".{_ESTIMATORS[name]}", __name__), name)
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({n for n in globals() if not n.startswith("_") and n != "annotations"}
                  | set(__all__))


__version__: str = _VERSION  # pyproject.toml's, written into _build_info.py by the build

__all__ = [
    "BetaNMF",
    "DeepNMF",
    "MinVolDeepNMF",
    "MultilayerNMF",
    "OrthogonalNMF",
    "SemiSupervisedNMF",
    "metrics",
    "special",
    "ConvergenceWarning",
    "InterruptedFitWarning",
    "NotFittedError",
    "beta_divergence",
    "build_info",
    "nnls",
    "datasets",
    "load",
    "updates",
    "__version__",
]


def build_info() -> dict[str, object]:
    """Which compiled core is in use.

    Returns
    -------
    info : dict
        ``isa_level`` (x86-64 level of the core chosen at import), ``core`` (its module),
        ``openmp`` (bool) and ``max_threads`` (OpenMP's default thread count).
    """
    from . import _core

    return {
        "isa_level": _ISA_LEVEL,
        "core": _core.CORE_NAME,
        "openmp": _core.OPENMP,
        "max_threads": _core.max_threads(),
    }
