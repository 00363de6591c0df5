"""Frobenius NMF (β = 2) beside the multiplicative updates: HALS and its accelerated form, ANLS
by block principal pivoting, the lecture's ALS, projected gradient with OPL steps and IPG
(spec ``frobenius-solvers.md``), each with scikit-learn's elastic net (F8).

Every solver is a block update on the triple (G, C, U) of the compiled core: the Gram of the
fixed factor, the cross products with X and the updated factor, its r-vectors as rows — W for
the W-block, Hᵀ for the H-block (Xᵀ ≈ Hᵀ Wᵀ). The only passes over X are X Hᵀ and Xᵀ W; the loss
comes from the trace identity (F3), never from W H.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from .._engine.base import warn
from .._engine.data import aligned
from .._engine.driver import deferred_interrupt, run
from .._engine.history import LossHistory
from .._engine.validation import Scale
from .beta import SingleFit

#: The solvers of ``BetaNMF(solver=...)``; all but "mu" need β = 2. "cd" is scikit-learn's
#: name for HALS with one sweep per block.
SOLVERS = ("mu", "hals", "cd", "anls", "als", "pg", "ipg")


@dataclass(frozen=True)
class Penalty:
    """The elastic-net terms of (F8) in the fit's units: λ₁‖W‖₁ + ½λ₂‖W‖² + the same for H."""

    l1_W: float = 0.0
    l2_W: float = 0.0
    l1_H: float = 0.0
    l2_H: float = 0.0

    @staticmethod
    def sklearn(alpha_W: float, alpha_H: float, l1_ratio: float, m: int, n: int) -> Penalty:
        """scikit-learn's scaling (``_compute_regularization``): the W terms times n_features,
        the H terms times n_samples."""
        return Penalty(n * alpha_W * l1_ratio, n * alpha_W * (1.0 - l1_ratio),
                       m * alpha_H * l1_ratio, m * alpha_H * (1.0 - l1_ratio))

    def to_fit(self, scale: Scale) -> Penalty:
        """The same problem for the data 2^k X the fit sees (W carries 2^k, H none, the data
        term 2^2k): λ₁ᵂ·2^k, λ₂ᵂ, λ₁ᴴ·2^2k, λ₂ᴴ·2^2k give 2^2k times the objective."""
        if scale.unit:
            return self
        k = scale.k
        return Penalty(float(np.ldexp(self.l1_W, k)), self.l2_W,
                       float(np.ldexp(self.l1_H, 2 * k)), float(np.ldexp(self.l2_H, 2 * k)))

    @property
    def any(self) -> bool:
        return any((self.l1_W, self.l2_W, self.l1_H, self.l2_H))

    def value(self, W: np.ndarray, Ht: np.ndarray, G_W: np.ndarray, G_H: np.ndarray) -> float:
        """The penalty terms at (W, H): ‖U‖² = tr(UᵀU) from the Grams at hand."""
        if not self.any:
            return 0.0
        return (self.l1_W * float(W.sum(dtype=np.float64)) + 0.5 * self.l2_W * float(np.trace(G_W))
                + self.l1_H * float(Ht.sum(dtype=np.float64)) + 0.5 * self.l2_H * float(np.trace(G_H)))


def inner_sweeps(inner_iter: int | str, block: str, shape: tuple[int, int], nnz: int,
                 r: int) -> int:
    """Sweeps allowed per block: an integer as given, or (F7) for "auto" (Gillis & Glineur 2012:
    as many sweeps as cost about half the block's products), capped at 100."""
    if inner_iter != "auto":
        return int(inner_iter)
    m, n = shape
    if block == "W":
        s = 1 + int(np.ceil(0.5 * (nnz + n * r) / (m * r)))
    else:
        s = 1 + int(np.ceil(0.5 * (nnz + m * r) / (n * r)))
    return min(s, 100)


class FrobeniusData:
    """The two products the solvers need of the layer data: C_H = X Hᵀ (m×r) and C_W = Xᵀ W
    (n×r), both in the factors' dtype and C order, and ‖X‖²_F."""

    def __init__(self, data: Any, n_threads: int) -> None:
        self.data, self.nt = data, n_threads
        self.shape, self.dtype, self.sparse = data.shape, data.dtype, data.sparse
        self.nnz = data.csr.nnz if data.sparse else data.shape[0] * data.shape[1]
        self.sq_norm = data.sq_norm()

    def x_ht(self, Ht: np.ndarray) -> np.ndarray:
        """X Hᵀ with Hᵀ given (n×r, C order): the layer data's ``cross_w``."""
        return self.data.cross_w(Ht, self.nt)

    def xt_w(self, W: np.ndarray) -> np.ndarray:
        """Xᵀ W (n×r): the layer data's ``cross_h``."""
        return self.data.cross_h(W, self.nt)

    def residual_sq(self, W: np.ndarray, Ht: np.ndarray) -> float:
        """‖X − W H‖²_F directly, in row chunks (dense only): where (F3) cancels."""
        X = self.data.X
        total = 0.0
        step = max(1, (1 << 22) // max(1, self.shape[1]))
        for i in range(0, self.shape[0], step):
            R = X[i:i + step].astype(np.float64) - W[i:i + step].astype(np.float64) @ Ht.T
            total += float(np.einsum("ij,ij->", R, R))
        return total


def gram(U: np.ndarray, n_threads: int) -> np.ndarray:
    G = np.empty((U.shape[1], U.shape[1]), dtype=np.float64)
    _core.gram(U, G, n_threads)
    return G


@dataclass
class BlockSolver:
    """One block update by name on (G, C, U): the kernel and its knobs."""

    solver: str
    inner_tol: float = 0.1
    ipg_tau: float = 0.99
    ipg_global: bool = False

    def __call__(self, G: np.ndarray, C: np.ndarray, U: np.ndarray, l1: float, l2: float,
                 sweeps: int, nt: int) -> int:
        """Updates U in place; returns the sweeps (or steps) run."""
        s = self.solver
        if s in ("hals", "cd"):
            return int(_core.hals_update(G, C, U, l1, l2, sweeps, self.inner_tol, nt)["sweeps"])
        if s == "anls":
            rep = _core.nnls_bpp(G, C, U, l1, l2, True, nt)
            if rep["failed"]:
                warn(f"NNLS: {rep['failed']} problem(s) did not terminate within the pivoting "
                     "bound; their projected iterate is kept", RuntimeWarning)
            return 1
        if s == "als":
            _core.als_update(G, C, U, l1, l2, nt)
            return 1
        if s == "pg":
            return int(_core.opl_update(G, C, U, l1, l2, sweeps, nt)["sweeps"])
        if s == "ipg":
            return int(_core.ipg_update(G, C, U, l1, l2, sweeps, self.ipg_tau, self.ipg_global,
                                        False, nt)["sweeps"])
        if s == "mu":  # Lee–Seung with the penalties in the denominator (§3.2), floored at ε
            steps = int(_core.ipg_update(G, C, U, l1, l2, sweeps, 0.5, False, True, nt)["sweeps"])
            np.maximum(U, np.finfo(U.dtype).eps, out=U)
            return steps
        raise ValueError(f"unknown solver {s!r}")


class FrobeniusSweep:
    """One outer iteration: the W-block on (G_H, X Hᵀ, W), then the H-block on (G_W, Xᵀ W, Hᵀ);
    rows [F, ½‖X − W H‖²] recorded after an iteration (F the penalized objective, (F8))."""

    def __init__(self, fdata: FrobeniusData, W: np.ndarray, Ht: np.ndarray, block: BlockSolver,
                 penalty: Penalty, inner_iter: int | str, stop: str, tol: float, n_threads: int,
                 history: LossHistory, publish: Callable[[int], None] | None = None) -> None:
        self.X, self.W, self.Ht, self.block, self.pen = fdata, W, Ht, block, penalty
        self.nt, self.history, self.on_publish = n_threads, history, publish
        r = W.shape[1]
        self.sweeps_W = inner_sweeps(inner_iter, "W", fdata.shape, fdata.nnz, r)
        self.sweeps_H = inner_sweeps(inner_iter, "H", fdata.shape, fdata.nnz, r)
        self.n_inner: list[tuple[int, int]] = []
        self.n_resets = 0
        self.best: tuple[float, np.ndarray, np.ndarray] | None = None  # ALS keeps its best
        self.G_H = gram(Ht, n_threads)
        G_W, C_W = gram(W, n_threads), fdata.xt_w(W)
        self.stop, self.tol = stop, tol
        self.pgrad: list[float] = []
        if stop == "pgrad":
            C_H = fdata.x_ht(Ht)
            self.pgrad.append(self._pgrad(self.G_H, C_H, W, penalty.l1_W, penalty.l2_W)
                              + self._pgrad(G_W, C_W, Ht, penalty.l1_H, penalty.l2_H))
        history.append(0, self._terms(G_W, C_W))

    def _pgrad(self, G: np.ndarray, C: np.ndarray, U: np.ndarray, l1: float, l2: float) -> float:
        return float(_core.projected_gradient_sq(G, C, U, l1, l2, self.nt))

    def _terms(self, G_W: np.ndarray, C_W: np.ndarray) -> list[float]:
        """[F, ½‖X − W H‖²] by (F3) with G_H of the current H: ‖X‖² − 2⟨Xᵀ W, Hᵀ⟩ + ⟨G_W, G_H⟩,
        accumulated in float64; where it cancels (below 1e3·u·‖X‖²) the residual directly."""
        Ht = self.Ht
        cross = float(np.einsum("ij,ij->", C_W, Ht, dtype=np.float64))
        sq = self.X.sq_norm - 2.0 * cross + float(np.einsum("ij,ij->", G_W, self.G_H))
        if sq < 1e3 * np.finfo(self.X.dtype).eps * self.X.sq_norm and not self.X.sparse:
            sq = self.X.residual_sq(self.W, Ht)
        data_term = 0.5 * max(sq, 0.0)
        return [data_term + self.pen.value(self.W, Ht, G_W, self.G_H), data_term]

    def _revive(self, U: np.ndarray, l1: float) -> None:
        """A component left identically 0 (its Gram entry then vanishes and HALS, BPP and OPL
        cannot move it) restarts at ε·max(U) (§1); not when an L1 term drove it there."""
        if l1 > 0:
            return
        dead = np.flatnonzero(~U.any(axis=0))
        if dead.size and U.size:
            U[:, dead] = np.finfo(U.dtype).eps * max(float(U.max()), 1.0)
            self.n_resets += int(dead.size)

    def step(self, iteration: int) -> None:
        X, W, Ht, pen, nt = self.X, self.W, self.Ht, self.pen, self.nt
        C_H = X.x_ht(Ht)
        pg = self._pgrad(self.G_H, C_H, W, pen.l1_W, pen.l2_W) if self.stop == "pgrad" else 0.0
        sW = self.block(self.G_H, C_H, W, pen.l1_W, pen.l2_W, self.sweeps_W, nt)
        self._revive(W, pen.l1_W)
        G_W, C_W = gram(W, nt), X.xt_w(W)
        if self.stop == "pgrad":
            self.pgrad.append(pg + self._pgrad(G_W, C_W, Ht, pen.l1_H, pen.l2_H))
        sH = self.block(G_W, C_W, Ht, pen.l1_H, pen.l2_H, self.sweeps_H, nt)
        self._revive(Ht, pen.l1_H)
        self.G_H = gram(Ht, nt)
        self.n_inner.append((sW, sH))
        if self.history.wants(iteration) or self.block.solver == "als":
            terms = self._terms(G_W, C_W)
            if self.history.wants(iteration):
                self.history.append(iteration, terms)
            if self.block.solver == "als" and (self.best is None or terms[0] < self.best[0]):
                self.best = (terms[0], W.copy(), Ht.copy())

    def converged(self) -> bool:
        """stop="pgrad": ‖∇ᴾ f‖ ≤ tol·‖∇ᴾ f‖ at the start (Lin 2007)."""
        return len(self.pgrad) > 1 and self.pgrad[-1] <= self.tol**2 * self.pgrad[0]

    def publish(self, iteration: int) -> None:
        if self.on_publish is not None:
            self.on_publish(iteration)

    def interrupted(self, iteration: int) -> int:
        # the H-block of `iteration` may not have run: its G_H is stale, so the record is
        # recomputed from the factors as they are
        self.G_H = gram(self.Ht, self.nt)
        self.history.interrupted(np.asarray(self._current()), iteration)
        return iteration

    def _current(self) -> list[float]:
        return self._terms(gram(self.W, self.nt), self.X.xt_w(self.W))

    def finish(self, n_iter: int) -> None:
        if self.best is not None:  # ALS: the best iterate it visited, which the record ends on
            current = self._current()[0]
            if self.best[0] < current:
                self.W[...] = self.best[1]
                self.Ht[...] = self.best[2]
                self.G_H = gram(self.Ht, self.nt)
                if self.history.at and self.history.at[-1] == n_iter:
                    self.history.replace_last(self._current())
        self.history.finish(lambda: np.asarray(self._current()), lambda: self._current()[0],
                            n_iter)

    def describe(self, iteration: int, row: np.ndarray) -> str:
        return f"data {row[1]:.4e}" if self.pen.any else ""


@dataclass
class FrobeniusFit(SingleFit):
    """A single-layer Frobenius fit: SingleFit's record (the penalized objective) and the
    solvers' counters."""

    data_loss: float = 0.0
    n_inner: np.ndarray | None = None
    n_resets: int = 0
    pgrad_history: np.ndarray | None = None


def fit_frobenius(data: Any, scale: Scale, W: np.ndarray, H: np.ndarray, *, solver: str,
                  penalty: Penalty, inner_iter: int | str, inner_tol: float, stop: str,
                  ipg_tau: float, ipg_step: str, n_threads: int, max_iter: int, tol: float,
                  loss_every: int, name: str, verbose: int = 0, progress: bool = False,
                  callback: Any = None, model: Any = None,
                  publish: Callable[[np.ndarray, np.ndarray, int], None] | None = None,
                  start_interrupted: bool = False, quiet: bool = False) -> FrobeniusFit:
    """The Frobenius solvers on validated ``data`` (2^k X, ``scale``) from (W, H), through the
    driver; penalties in the caller's units (mapped here). The factors and losses come back in
    the caller's units."""
    fdata = FrobeniusData(data, n_threads)
    # the working factors on 64-byte boundaries, as every fit's (Eigen's small products and
    # reductions peel to an aligned address: the results would depend on where NumPy put them)
    W = aligned(W, data.dtype, "C")
    Ht = aligned(H.T, data.dtype, "C")  # the Fortran-ordered H of sparse data: often a view
    history = LossHistory(lambda row: float(row[0]), loss_every, verbose)
    block = BlockSolver(solver, inner_tol, ipg_tau, ipg_step == "global")
    sweep = FrobeniusSweep(fdata, W, Ht, block, penalty.to_fit(scale), inner_iter, stop, tol,
                           n_threads, history,
                           None if publish is None else lambda n: publish(W, Ht.T, n))
    result = run(sweep, name=name, max_iter=max_iter, tol=tol, callback=callback, model=model,
                 progress=progress, verbose=verbose, start_interrupted=start_interrupted,
                 quiet=quiet, stop_rule=sweep.converged if stop == "pgrad" else None)
    with deferred_interrupt() as late:
        table = history.table()
        losses = scale.loss_to_caller(np.asarray(history.objectives(), dtype=np.float64), 2.0)
        fit = FrobeniusFit(scale.to_caller(W), np.ascontiguousarray(Ht.T), result.n_iter,
                           np.asarray(losses), history.iterations(), result,
                           data_loss=float(scale.loss_to_caller(table[-1, 1], 2.0)),
                           n_inner=np.asarray(sweep.n_inner, dtype=np.int64).reshape(-1, 2),
                           n_resets=sweep.n_resets,
                           pgrad_history=None if stop != "pgrad" else np.sqrt(
                               np.asarray(sweep.pgrad) / max(sweep.pgrad[0], 1e-300)))
    if late.fired:
        result.stopped = "interrupted"
    if penalty.any and not quiet:
        dead = [k for k in range(W.shape[1]) if not W[:, k].any() or not Ht[:, k].any()]
        if dead:
            warn(f"{name}: component(s) {dead} were driven to zero by the L1 penalty (they "
                 "stay zero); lower alpha_W / alpha_H or n_components", RuntimeWarning)
    return fit


def nnls_codes(data: Any, H: np.ndarray, penalty: Penalty, n_threads: int) -> np.ndarray:
    """The exact codes W of new rows for H fixed (β = 2): min ½‖X − W H‖² + the W penalties,
    row by row, by block principal pivoting; in the fit's units of ``data``."""
    fdata = FrobeniusData(data, n_threads)
    Ht = aligned(np.asarray(H).T, data.dtype, "C")
    C = fdata.x_ht(Ht)
    W = aligned(np.zeros((data.shape[0], Ht.shape[1])), data.dtype, "C")
    _core.nnls_bpp(gram(Ht, n_threads), C, W, penalty.l1_W, penalty.l2_W, False, n_threads)
    return W


def frobenius_loss(data: Any, W: np.ndarray, H: np.ndarray, n_threads: int) -> float:
    """½‖X − W H‖²_F of the layer data by (F3) (sparse X: no m×n product)."""
    fdata = FrobeniusData(data, n_threads)
    W = aligned(W, data.dtype, "C")
    Ht = aligned(np.asarray(H).T, data.dtype, "C")
    cross = float(np.einsum("ij,ij->", fdata.xt_w(W), Ht, dtype=np.float64))
    sq = fdata.sq_norm - 2.0 * cross + float(np.einsum("ij,ij->", gram(W, n_threads),
                                                       gram(Ht, n_threads)))
    if sq < 1e3 * np.finfo(data.dtype).eps * fdata.sq_norm and not data.sparse:
        sq = fdata.residual_sq(W, Ht)
    return 0.5 * max(sq, 0.0)


def layer_fit(solver: str) -> Callable[..., SingleFit]:
    """``fit_single``'s signature for one layer of a multilayer fit by ``solver`` (no
    penalties, one sweep per block, the loss rule)."""

    def fit(data: Any, scale: Scale, W: np.ndarray, H: np.ndarray, *, beta: float,
            **kw: Any) -> SingleFit:
        return fit_frobenius(data, scale, W, H, solver=solver, penalty=Penalty(), inner_iter=1,
                             inner_tol=0.1, stop="loss", ipg_tau=0.99, ipg_step="column", **kw)

    return fit
