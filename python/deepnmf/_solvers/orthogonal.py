"""Orthogonal NMF, min ‖X − W H‖²_F over W ≥ 0 with WᵀW = I (spec ``frobenius-solvers.md`` §4):
W has one nonzero per row, so a fit is a partition of the rows of X into r clusters, each with
its principal direction as centroid — a weighted spherical k-means (Pompili, Gillis, Absil &
Glineur 2014). EM-ONMF alternates the assignment (argmax cosine, the compiled ``onmf_assign``)
and the exact H = WᵀX for the orthonormal W it builds (one power step per cluster); it never
increases the error (§4.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from .._engine.data import aligned
from .._engine.driver import RunResult, deferred_interrupt, run
from .._engine.history import LossHistory
from .._engine.validation import Scale
from .frobenius import FrobeniusData, gram

#: ``OrthogonalNMF(init=...)``: successive projection (deterministic), k-means++ seeding, r
#: distinct random rows, or H given to ``fit``.
INITS = ("spa", "kmeans++", "random", "custom")


def row_sq_norms(data: Any) -> np.ndarray:
    """‖xᵢ‖² of every row in float64 (dense: row chunks, no m×n temporary)."""
    if data.sparse:
        csr = data.csr
        rows = np.repeat(np.arange(data.shape[0]), np.diff(csr.indptr))
        return np.bincount(rows, weights=np.square(csr.data, dtype=np.float64),
                           minlength=data.shape[0])
    X = data.X
    out = np.empty(X.shape[0])
    step = max(1, (1 << 20) // max(1, X.shape[1]))
    for i in range(0, X.shape[0], step):
        block = X[i:i + step].astype(np.float64)
        out[i:i + step] = np.einsum("ij,ij->i", block, block)
    return out


def data_rows(data: Any, rows: np.ndarray) -> np.ndarray:
    """Rows of X as a dense (k×n) float64 array."""
    if data.sparse:
        return data.csr[rows].toarray().astype(np.float64)
    return data.X[rows].astype(np.float64)


@dataclass
class Assignment:
    """Each row's cluster, its optimal weight for the centroid of that cluster and its residual
    ‖xᵢ‖²(1 − cos²) at that weight (``onmf_assign``)."""

    labels: np.ndarray
    weight: np.ndarray
    residual: np.ndarray


def assign(fdata: FrobeniusData, Ht: np.ndarray, x_sq: np.ndarray, nt: int) -> Assignment:
    """The assignment step against the centroids Hᵀ (n×r): C = X Hᵀ, then argmax of the
    cosines row by row."""
    m = fdata.shape[0]
    C = fdata.x_ht(Ht)
    h_sq = np.einsum("ij,ij->j", Ht, Ht, dtype=np.float64)
    out = Assignment(np.empty(m, dtype=np.int64), np.empty(m), np.empty(m))
    _core.onmf_assign(C, h_sq, x_sq, out.labels, out.weight, out.residual, nt)
    return out


def reseed_empty(a: Assignment, r: int) -> int:
    """A cluster with no weight (no row, or rows orthogonal to its centroid) takes the
    worst-fitted row (largest residual, lowest index on ties) of a cluster that keeps another
    weighted row: that row is then fit exactly and the other cluster loses only its residual, so
    the error does not rise (§4.2). Returns the clusters reseeded."""
    reseeded = 0
    mass = np.bincount(a.labels, weights=a.weight**2, minlength=r)
    for k in np.flatnonzero(mass == 0):
        counts = np.bincount(a.labels, weights=(a.weight > 0).astype(np.float64), minlength=r)
        movable = (counts[a.labels] >= 2) & (a.weight > 0)
        if not movable.any():
            break  # fewer distinct rows than clusters: nothing to split off
        i = int(np.argmax(np.where(movable, a.residual, -1.0)))
        a.labels[i], a.weight[i], a.residual[i] = k, 1.0, 0.0
        reseeded += 1
    return reseeded


def orthonormal_w(a: Assignment, m: int, r: int, dtype: Any) -> np.ndarray:
    """W (m×r) with W[i, b(i)] = wᵢ/‖w_b‖: unit columns, one nonzero per row, so WᵀW = I
    (a column with no weight stays zero)."""
    norms = np.sqrt(np.bincount(a.labels, weights=a.weight**2, minlength=r))
    W = aligned(np.zeros((m, r)), dtype, "C")
    safe = np.where(norms > 0, norms, 1.0)
    W[np.arange(m), a.labels] = a.weight / safe[a.labels]
    return W


def spa_rows(data: Any, x_sq: np.ndarray, r: int) -> np.ndarray:
    """Successive projection on the rows of X (Gillis & Vavasis 2014): the row of largest
    residual norm, then the residuals projected off its direction, r times (lowest index on
    ties; when the rows span fewer than r directions, the largest rows not yet taken)."""
    m, n = data.shape
    R = x_sq.copy()
    Q = np.zeros((r, n))
    chosen: list[int] = []
    for j in range(r):
        floor = 1e-12 * max(float(x_sq.max()), 0.0)
        candidates = np.where(np.isin(np.arange(m), chosen), -np.inf, R)
        i = int(np.argmax(candidates))
        if candidates[i] <= floor:  # no new direction left: the largest unused row
            i = int(np.argmax(np.where(np.isin(np.arange(m), chosen), -np.inf, x_sq)))
        chosen.append(i)
        v = data_rows(data, np.array([i]))[0]
        v -= Q[:j].T @ (Q[:j] @ v)
        norm = float(np.linalg.norm(v))
        if norm <= 0:
            continue
        Q[j] = v / norm
        proj = data.csr @ Q[j] if data.sparse else data.X @ Q[j].astype(data.dtype)
        R -= np.square(np.asarray(proj, dtype=np.float64))
    return np.asarray(chosen)


def kmeanspp_rows(fdata: FrobeniusData, data: Any, x_sq: np.ndarray, r: int,
                  rng: np.random.Generator, nt: int) -> np.ndarray:
    """k-means++ seeding for the cosine objective: the first row with probability ∝ ‖xᵢ‖², each
    next with probability ∝ its residual ‖xᵢ‖²(1 − max cos²) to the rows chosen (Arthur &
    Vassilvitskii 2007, the distance of §4.1)."""
    m = data.shape[0]
    total = float(x_sq.sum())
    if total <= 0:
        return rng.choice(m, size=r, replace=False)
    chosen = [int(rng.choice(m, p=x_sq / total))]
    for _ in range(1, r):
        Ht = aligned(data_rows(data, np.asarray(chosen)).T, data.dtype, "C")
        res = assign(fdata, Ht, x_sq, nt).residual
        res[chosen] = 0.0
        s = float(res.sum())
        if s <= 0:  # every row already on a chosen direction
            rest = np.setdiff1d(np.arange(m), chosen)
            chosen.append(int(rng.choice(rest)))
        else:
            chosen.append(int(rng.choice(m, p=res / s)))
    return np.asarray(chosen)


def initial_centroids(data: Any, fdata: FrobeniusData, x_sq: np.ndarray, r: int, init: str,
                      H0: np.ndarray | None, rng: np.random.Generator, nt: int) -> np.ndarray:
    """Hᵀ (n×r, C order, the data's dtype) of the start."""
    if init == "custom":
        assert H0 is not None
        return aligned(np.asarray(H0).T, data.dtype, "C", copy=True)
    if init == "spa":
        rows = spa_rows(data, x_sq, r)
    elif init == "kmeans++":
        rows = kmeanspp_rows(fdata, data, x_sq, r, rng, nt)
    else:
        rows = np.sort(rng.choice(data.shape[0], size=r, replace=False))
    return aligned(data_rows(data, rows).T, data.dtype, "C", copy=True)


class EmOnmfSweep:
    """One EM-ONMF iteration (§4.2): assignment at the current centroids (empty clusters
    reseeded), the orthonormal W of that partition, H = WᵀX; rows [½e², ‖WᵀW − I‖_F] with
    e² = ‖X‖² − ‖H‖² (F10), the residual directly where that cancels (dense X)."""

    def __init__(self, fdata: FrobeniusData, Ht: np.ndarray, x_sq: np.ndarray, tol: float,
                 n_threads: int, history: LossHistory,
                 publish: Callable[[int], None] | None = None) -> None:
        self.X, self.Ht, self.x_sq, self.nt = fdata, Ht, x_sq, n_threads
        self.tol, self.history, self.on_publish = tol, history, publish
        m, r = fdata.shape[0], Ht.shape[1]
        self.r = r
        self.n_reseeded = 0
        # the start's error: its best one-nonzero-per-row W (the assignment weights), which with
        # columns normalized and H's rows scaled back is a feasible orthogonal point
        a = assign(fdata, Ht, x_sq, n_threads)
        self.labels = a.labels
        self.W = orthonormal_w(a, m, r, fdata.dtype)
        history.append(0, [0.5 * float(a.residual.sum()), 0.0])
        self.errors = [float(np.sqrt(a.residual.sum()))]

    def _error_sq(self) -> float:
        sq = self.X.sq_norm - float(np.einsum("ij,ij->", self.Ht, self.Ht, dtype=np.float64))
        if sq < 1e3 * np.finfo(self.X.dtype).eps * self.X.sq_norm and not self.X.sparse:
            sq = self.X.residual_sq(self.W, self.Ht)
        return max(sq, 0.0)

    def orthogonality(self) -> float:
        """‖WᵀW − I‖_F: with one nonzero per row WᵀW is diagonal, its entries the column norms²
        (O(mr), no Gram)."""
        d = np.einsum("ij,ij->j", self.W, self.W, dtype=np.float64)
        return float(np.sqrt(np.sum((d - 1.0) ** 2)))

    def step(self, iteration: int) -> None:
        a = assign(self.X, self.Ht, self.x_sq, self.nt)
        self.n_reseeded += reseed_empty(a, self.r)
        W = orthonormal_w(a, self.X.shape[0], self.r, self.X.dtype)
        Ht = self.X.xt_w(W)  # H = WᵀX: the exact H for the orthonormal W
        self.W, self.Ht, self.labels = W, Ht, a.labels
        e_sq = self._error_sq()
        self.errors.append(float(np.sqrt(e_sq)))
        if self.history.wants(iteration):
            self.history.append(iteration, [0.5 * e_sq, self.orthogonality()])

    def converged(self) -> bool:
        """|e_prev − e| ≤ tol·‖X‖_F (§4.2)."""
        e = self.errors
        return len(e) > 1 and abs(e[-2] - e[-1]) <= self.tol * np.sqrt(self.X.sq_norm)

    def publish(self, iteration: int) -> None:
        if self.on_publish is not None:
            self.on_publish(iteration)

    def _current(self) -> np.ndarray:
        return np.asarray([0.5 * self._error_sq(), self.orthogonality()])

    def interrupted(self, iteration: int) -> int:
        self.history.interrupted(self._current(), iteration)
        return iteration

    def finish(self, n_iter: int) -> None:
        self.history.finish(self._current, lambda: float(self._current()[0]), n_iter)

    def describe(self, iteration: int, row: np.ndarray) -> str:
        return f"|WtW - I| {row[1]:.1e}"


@dataclass
class OrthogonalFit:
    """An EM-ONMF fit in the caller's units."""

    W: np.ndarray
    H: np.ndarray
    labels: np.ndarray
    n_iter: int
    loss_history: np.ndarray
    loss_iterations: np.ndarray
    orthogonality: float
    n_reseeded: int
    result: RunResult


def fit_em_onmf(data: Any, scale: Scale, Ht: np.ndarray, *, solver: str = "em",
                n_threads: int, max_iter: int,
                tol: float, loss_every: int, name: str, verbose: int = 0, progress: bool = False,
                callback: Any = None, model: Any = None,
                publish: Callable[[np.ndarray, np.ndarray, np.ndarray, int], None] | None = None,
                start_interrupted: bool = False) -> OrthogonalFit:
    """Orthogonal NMF by ``solver`` on validated ``data`` (2^k X, ``scale``) from the centroids
    Hᵀ, through the driver. W carries no scale (unit columns for EM); H and the losses come
    back in the caller's units."""
    fdata = FrobeniusData(data, n_threads)
    x_sq = row_sq_norms(data)
    history = LossHistory(lambda row: float(row[0]), loss_every, verbose)
    holder: dict[str, EmOnmfSweep] = {}
    on_publish = None if publish is None else lambda n: publish(
        holder["s"].W, holder["s"].Ht.T, holder["s"].labels, n)
    sweep = EmOnmfSweep(fdata, Ht, x_sq, tol, n_threads, history, on_publish) \
        if solver == "em" else \
        MultiplicativeOnmfSweep(fdata, Ht, x_sq, tol, n_threads, history, solver, on_publish)
    holder["s"] = sweep
    result = run(sweep, name=name, max_iter=max_iter, tol=tol, callback=callback, model=model,
                 progress=progress, verbose=verbose, start_interrupted=start_interrupted,
                 stop_rule=sweep.converged)
    with deferred_interrupt():
        losses = scale.loss_to_caller(np.asarray(history.objectives(), dtype=np.float64), 2.0)
        return OrthogonalFit(sweep.W, np.ascontiguousarray(scale.to_caller(sweep.Ht).T),
                             sweep.labels.copy(), result.n_iter, np.asarray(losses),
                             history.iterations(), sweep.orthogonality(), sweep.n_reseeded,
                             result)


# ----------------------------------------------------------- multiplicative baselines (§4.4)
#: ``OrthogonalNMF(solver=...)``: EM-ONMF (exact orthogonality, monotone) or the multiplicative
#: ONMF of Ding, Li, Peng & Park (2006) or of Choi (2008) (approximate orthogonality, no
#: monotonicity: baselines).
SOLVERS = ("em", "ding", "choi")


def multiplicative_w(W: np.ndarray, C_H: np.ndarray, solver: str) -> None:
    """The W-update of §4.4 in place, with r×r middles (never W Wᵀ):
    Ding W ⊙ √(X Hᵀ ⊘ (W (Wᵀ X Hᵀ))), Choi W ⊙ X Hᵀ ⊘ (W ((X Hᵀ)ᵀ W)); floored at ε as every
    multiplicative update here."""
    W64, C64 = W.astype(np.float64), C_H.astype(np.float64)
    middle = W64.T @ C64 if solver == "ding" else C64.T @ W64
    ratio = C64 / np.maximum(W64 @ middle, np.finfo(np.float64).tiny)
    W[...] = np.maximum(W64 * (np.sqrt(ratio) if solver == "ding" else ratio),
                        np.finfo(W.dtype).eps)


class MultiplicativeOnmfSweep(EmOnmfSweep):
    """One iteration of Ding's or Choi's ONMF: H ← H ⊙ WᵀX ⊘ (WᵀW H) (the Lee–Seung H-update),
    then the W-update of ``multiplicative_w``; rows [½‖X − W H‖², ‖WᵀW − I‖_F]."""

    def __init__(self, fdata: FrobeniusData, Ht: np.ndarray, x_sq: np.ndarray, tol: float,
                 n_threads: int, history: LossHistory, solver: str,
                 publish: Callable[[int], None] | None = None) -> None:
        self.X, self.x_sq, self.nt, self.solver = fdata, x_sq, n_threads, solver
        self.tol, self.history, self.on_publish = tol, history, publish
        m, r = fdata.shape[0], Ht.shape[1]
        self.r, self.n_reseeded = r, 0
        # the start of Ding et al.: the hard partition of the centroids plus 0.2, then H = WᵀX
        a = assign(fdata, Ht, x_sq, n_threads)
        self.W = aligned(orthonormal_w(a, m, r, fdata.dtype) + 0.2, fdata.dtype, "C")
        self.Ht = aligned(fdata.xt_w(self.W), fdata.dtype, "C")
        self.labels = np.argmax(self.W, axis=1).astype(np.int64)
        self.C_H: np.ndarray | None = None
        e_sq = self._error_sq()
        history.append(0, [0.5 * e_sq, self.orthogonality()])
        self.errors = [float(np.sqrt(e_sq))]

    def orthogonality(self) -> float:
        """‖WᵀW − I‖_F from the Gram (W is not one-nonzero-per-row here)."""
        return float(np.linalg.norm(gram(self.W, self.nt) - np.eye(self.r)))

    def _error_sq(self) -> float:
        """(F3): ‖X‖² − 2⟨W, X Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩ (W is not orthonormal here), with the X Hᵀ the
        W-update used (H has not moved since): no pass over X of its own."""
        C_H = self.X.x_ht(self.Ht) if self.C_H is None else self.C_H
        cross = float(np.einsum("ij,ij->", self.W, C_H, dtype=np.float64))
        sq = self.X.sq_norm - 2.0 * cross + float(np.einsum(
            "ij,ij->", gram(self.W, self.nt), gram(self.Ht, self.nt)))
        if sq < 1e3 * np.finfo(self.X.dtype).eps * self.X.sq_norm and not self.X.sparse:
            sq = self.X.residual_sq(self.W, self.Ht)
        return max(sq, 0.0)

    def step(self, iteration: int) -> None:
        X, W, Ht, nt = self.X, self.W, self.Ht, self.nt
        self.C_H = None  # stale until the W-update below
        G_W, C_W = gram(W, nt), X.xt_w(W)
        _core.ipg_update(G_W, C_W, Ht, 0.0, 0.0, 1, 0.5, False, True, nt)  # η = 1: Lee–Seung
        np.maximum(Ht, np.finfo(Ht.dtype).eps, out=Ht)
        C_H = X.x_ht(Ht)
        multiplicative_w(W, C_H, self.solver)
        self.C_H = C_H
        self.labels = np.argmax(W, axis=1).astype(np.int64)
        e_sq = self._error_sq()
        self.errors.append(float(np.sqrt(e_sq)))
        if self.history.wants(iteration):
            self.history.append(iteration, [0.5 * e_sq, self.orthogonality()])
