"""The one list of estimator configurations the behaviour suites run (scikit-learn
compatibility, persistence, warm start, robustness, reproducibility, threads): a new
estimator adds one entry here and goes through all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF, OrthogonalNMF


@dataclass(frozen=True)
class Config:
    """``make(**overrides)``: a small, fast configuration (tol=0, a fixed seed);
    ``converged()``: one that converges on tiny data, for scikit-learn's check_estimator;
    ``objective(model)``: the recorded objective, non-increasing; ``layered``: W_ and H_ are
    lists; ``continues``: warm_start=True after k iterations and k more is the 2k-iteration
    fit to this relative tolerance (0: bit for bit; min-vol NMF renormalizes the columns of
    its start, sums that are 1 up to rounding), None where it is not (MultilayerNMF refits
    every deeper layer on its moved data)."""

    name: str
    make: Callable[..., Any]
    converged: Callable[[], Any]
    objective: Callable[[Any], np.ndarray]
    layered: bool
    continues: float | None


def _with(cls: type, *args: Any, **defaults: Any) -> Callable[..., Any]:
    return lambda **overrides: cls(*args, **{**defaults, **overrides})


CONFIGS = [
    Config("BetaNMF", _with(BetaNMF, 3, max_iter=20, tol=0, random_state=0),
           lambda: BetaNMF(2, max_iter=2000, tol=1e-12),
           lambda m: m.loss_history_, layered=False, continues=0.0),
    Config("BetaNMF-hals", _with(BetaNMF, 3, beta=2, solver="hals", inner_iter="auto",
                                 alpha_W=0.001, l1_ratio=0.5, max_iter=20, tol=0,
                                 random_state=0),
           lambda: BetaNMF(2, beta=2, solver="hals", max_iter=2000, tol=1e-12),
           lambda m: m.loss_history_, layered=False, continues=0.0),
    Config("MultilayerNMF", _with(MultilayerNMF, [4, 2], max_iter=10, tol=0, random_state=0),
           lambda: MultilayerNMF([2, 1], max_iter=2000, tol=1e-12),
           lambda m: m.loss_history_[0], layered=True, continues=None),
    Config("DeepNMF", _with(DeepNMF, [4, 2], init_iter=10, max_iter=10, tol=0, random_state=0),
           lambda: DeepNMF([2, 1], init_iter=300, max_iter=2000, tol=1e-12),
           lambda m: m.loss_history_[:, -1], layered=True, continues=0.0),
    Config("MinVolDeepNMF", _with(MinVolDeepNMF, [4, 2], alpha_tilde=0.2, init_iter=10,
                                  max_iter=5, random_state=0),
           lambda: MinVolDeepNMF([2, 1], init_iter=300, max_iter=300, tol=1e-10),
           lambda m: m.loss_history_[:, -1], layered=True, continues=1e-9),
    Config("OrthogonalNMF", _with(OrthogonalNMF, 3, init="kmeans++", max_iter=20, tol=0,
                                  random_state=0),
           lambda: OrthogonalNMF(2, max_iter=2000, tol=1e-12),
           lambda m: m.loss_history_, layered=False, continues=0.0),
]

IDS = [c.name for c in CONFIGS]


def factors(model: Any) -> list[np.ndarray]:
    """Every fitted factor of a model, W's then H's."""
    if isinstance(model.W_, list):
        return list(model.W_) + list(model.H_)
    return [model.W_, model.H_]
