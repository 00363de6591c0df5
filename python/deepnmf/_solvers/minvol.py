"""Minimum-volume deep KL-NMF (paper model (7), Algorithm 2, in the consistent form of the
project's derivation docs/minvol-deep-kl.md): the outer sweep over the layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _core
from .._engine.data import DenseData
from .._engine.history import LossHistory
from .._engine.layers import product


def normalize_columns(Ws: list[np.ndarray], Hs: list[np.ndarray]) -> None:
    """In place: columns of every Wℓ sum to one; Hℓ absorbs the scale (rows multiplied) and
    Hℓ+1, whose data Wℓ was rescaled, is divided column-wise — every product is unchanged."""
    for l, (W, H) in enumerate(zip(Ws, Hs)):
        s = W.sum(axis=0)
        W /= s[None, :]
        H *= s[:, None]
        if l + 1 < len(Hs):
            Hs[l + 1] /= s[None, :]
        eps = np.finfo(W.dtype).eps
        np.maximum(W, eps, out=W)
        np.maximum(H, eps, out=H)


def minvol_terms(data: Any, W: list[np.ndarray], H: list[np.ndarray], delta: float,
                 n_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """(D, V): the KL data term D(W_{ℓ−1}, Wℓ Hℓ) and ln det(WℓᵀWℓ + δ I) of every layer."""
    D = np.array([(data if l == 0 else DenseData(W[l - 1])).divergence(W[l], H[l], 1.0, n_threads)
                  for l in range(len(W))])
    return D, np.array([_core.logdet_gram(w, delta) for w in W])


def minvol_history(lam: np.ndarray, alpha: np.ndarray, D0: np.ndarray,
                   V0: np.ndarray) -> LossHistory:
    """The record of min-vol NMF: rows [D1..DL, logdet1..logdetL] every iteration, F = λ·D +
    α·logdet."""
    L = len(lam)
    return LossHistory(lambda row: float(row[:L] @ lam + row[L:] @ alpha), 1, 0,
                       np.concatenate([D0, V0]))


class MinVolSweep:
    """One outer iteration of Algorithm 2: for ℓ = 1..L, Hℓ by plain KL MU (H is free), then
    Wℓ with columns on the simplex by the min-vol W-step (exact per-column solves or ADMM)
    coupled to W̄ = Wℓ+1 Hℓ+1. A row of the record is [D1..DL, logdet1..logdetL]; the ADMM
    iterations per coupled block go to ``admm_iterations``."""

    def __init__(self, data: Any, W: list[np.ndarray], H: list[np.ndarray], lam: np.ndarray,
                 alpha: np.ndarray, *, delta: float, rho: float, admm_tol: float,
                 admm_max_iter: int, adaptive_rho: bool, exact: bool, n_threads: int,
                 history: LossHistory, publish: Callable[[int], None] | None = None) -> None:
        self.data, self.W, self.H, self.lam, self.alpha = data, W, H, lam, alpha
        self.delta, self.rho, self.admm_tol, self.admm_max_iter = delta, rho, admm_tol, admm_max_iter
        self.adaptive_rho, self.exact, self.nt = adaptive_rho, exact, n_threads
        self.history = history  # rows [D1..DL, logdet1..logdetL] (see minvol_history)
        self.admm_iterations: list[list[int]] = []
        self.admm_rejected = 0
        self.on_publish = publish

    def layer(self, l: int) -> Any:
        return self.data if l == 0 else DenseData(self.W[l - 1])

    def data_terms(self) -> np.ndarray:
        return minvol_terms(self.data, self.W, self.H, self.delta, self.nt)[0]

    def terms(self) -> np.ndarray:
        return np.concatenate(minvol_terms(self.data, self.W, self.H, self.delta, self.nt))

    def step(self, iteration: int) -> None:
        W, H, lam, alpha, nt = self.W, self.H, self.lam, self.alpha, self.nt
        L = len(W)
        its = []
        for l in range(L):
            Y = self.layer(l)
            Y.mu_h(W[l], H[l], 1.0, False, nt)  # plain KL MU: H is free
            # W̄ in float64, what the min-vol kernel reads (a copy for float32 data only)
            W_bar = np.asarray(product(W[l + 1], H[l + 1], nt), dtype=np.float64) \
                if l < L - 1 else None
            rep = Y.minvol_w(W[l], H[l], W_bar, float(alpha[l] / lam[l]),
                             float(lam[l + 1] / lam[l]) if l < L - 1 else 1.0,
                             delta=self.delta, rho=self.rho, tol=self.admm_tol,
                             max_iter=self.admm_max_iter, n_threads=nt,
                             adaptive_rho=bool(self.adaptive_rho), exact=self.exact)
            if l < L - 1:
                its.append(rep["iterations"])
            self.admm_rejected += not rep["accepted"]
        self.admm_iterations.append(its)
        self.history.append(iteration, self.terms())

    def publish(self, iteration: int) -> None:
        if self.on_publish is not None:
            self.on_publish(iteration)

    def interrupted(self, iteration: int) -> int:
        # Ctrl-C may land between the records of one iteration: the rows before it stay, then
        # the terms of the factors as they are for `iteration` (its ADMM counts when they
        # were recorded, else zeros)
        L = len(self.W)
        its = self.admm_iterations
        its_now = its[iteration - 1] if len(its) >= iteration >= 1 else [0] * (L - 1)
        del its[max(iteration - 1, 0):]
        if iteration >= 1:
            its.append(its_now)
        self.history.interrupted(self.terms(), iteration)
        return iteration

    def finish(self, n_iter: int) -> None:
        self.history.finish(self.terms, lambda: float(self.data_terms()[0]), n_iter)

    def describe(self, iteration: int, row: np.ndarray) -> str:
        L = len(self.W)
        its = self.admm_iterations[iteration - 1] if iteration >= 1 else []
        return "  ".join(f"D{l + 1} {d:.4e} logdet{l + 1} {v:+.4f}"
                         for l, (d, v) in enumerate(zip(row[:L], row[L:]))) + f"  ADMM {its}"
