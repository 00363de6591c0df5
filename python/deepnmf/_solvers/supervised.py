"""Semi-supervised NMF (Lee, Yoo & Choi 2010; Haddock et al. 2020), docs/masks-semisupervised.md
§3: X ≈ W H under a mask Ω and labels Y ≈ W B under a label mask L share the codes W,

    F(W, H, B) = D_βX^Ω(X, W H) + λ D_βY^L(Y, W B),                                     (M5)

by block MM in the reference's order H, B, W: H and B by the (masked) MU of their own term,
W by the exact root of the summed majorizer's stationarity (M6, ``_core.shared_w_update``).
Every block is an exact MM step floored at ε, so F never increases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from .._engine.driver import RunResult, deferred_interrupt, run
from .._engine.history import LossHistory


class SupervisedSweep:
    """One iteration H, B, W of (M5). ``data`` and ``labels`` are LayerData (masked or not) of
    X (m×n) and Y (m×p); W (m×r), H (r×n), B (r×p) are updated in place. On a recorded
    iteration the row (data term, label term, F) is evaluated at the new iterate."""

    def __init__(self, data: Any, labels: Any, W: np.ndarray, H: np.ndarray, B: np.ndarray, *,
                 beta: float, label_beta: float, lam: float, mediant: bool, n_threads: int,
                 history: LossHistory, publish: Callable[[int], None] | None = None) -> None:
        self.data, self.labels = data, labels
        self.W, self.H, self.B = W, H, B
        self.beta, self.label_beta, self.lam, self.mediant = beta, label_beta, lam, mediant
        self.nt = n_threads
        self.history = history
        self.on_publish = publish

    def step(self, iteration: int) -> None:
        nt = self.nt
        self.data.mu_h(self.W, self.H, self.beta, False, nt)
        self.labels.mu_h(self.W, self.B, self.label_beta, False, nt)
        PX, QX, _ = self.data.majorizer_w(self.W, self.H, self.beta, nt)
        PY, QY, _ = self.labels.majorizer_w(self.W, self.B, self.label_beta, nt)
        _core.shared_w_update(self.W, PX, QX, self.beta, PY, QY, self.label_beta, self.lam,
                              self.mediant, nt)
        if self.history.wants(iteration):
            self.history.append(iteration, self.terms())

    def terms(self) -> np.ndarray:
        """(data term, label term, F) at the current iterate."""
        dx = self.data.divergence(self.W, self.H, self.beta, self.nt)
        dy = self.labels.divergence(self.W, self.B, self.label_beta, self.nt)
        return np.array([dx, dy, dx + self.lam * dy])

    def loss(self) -> float:
        return float(self.terms()[2])

    def publish(self, iteration: int) -> None:
        if self.on_publish is not None:
            self.on_publish(iteration)

    def interrupted(self, iteration: int) -> int:
        return iteration

    def finish(self, n_iter: int) -> None:
        self.history.finish(self.terms, self.loss, n_iter)

    def describe(self, iteration: int, row: np.ndarray) -> str:
        return f" (data {row[0]:.6g}, labels {row[1]:.6g})"


@dataclass
class SupervisedFit:
    table: np.ndarray  # rows (data term, label term, F)
    iterations: np.ndarray
    n_iter: int
    result: RunResult


def fit_supervised(sweep: SupervisedSweep, *, name: str, max_iter: int, tol: float,
                   callback: Any, model: Any, progress: bool, verbose: int,
                   start_interrupted: bool) -> SupervisedFit:
    """Run ``sweep`` through the driver (progress bar, callback, Ctrl-C, stopping rule)."""
    sweep.history.append(0, sweep.terms())
    result = run(sweep, name=name, max_iter=max_iter, tol=tol, callback=callback, model=model,
                 progress=progress, verbose=verbose, start_interrupted=start_interrupted)
    with deferred_interrupt() as late:
        fit = SupervisedFit(sweep.history.table(), sweep.history.iterations(), result.n_iter,
                            result)
    if late.fired:
        result.stopped = "interrupted"
    return fit
