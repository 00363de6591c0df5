"""Minimum-volume deep KL-NMF (paper model (7), Algorithm 2, in the consistent form of the
project's spec minvol-deep-kl.md)."""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _core
from ._engine.base import (
    ConvergenceWarning,
    EstimatorMixin,
    InterruptedFitWarning,
    progress_bar,
    warn_interrupted,
)
from ._engine.data import DenseData, check_input
from ._engine.layers import (
    auto_weights,
    check_ranks,
    explicit_factors,
    explicit_weights,
    model_factors,
    product,
    start_model,
)
from ._engine.validation import Scale, check_positive_int, check_tol, resolve_n_threads
from .deep import Codes, MultilayerNMF, _LayeredMixin, check_layer_ranks, check_layer_weights
from .nmf import STAGNATION_WINDOW, stagnated


def _per_layer(value: Any, L: int, name: str, *, allow_zero: bool = False) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (L,)).copy() \
        if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64).reshape(-1)
    ok = np.all(np.isfinite(arr)) and (np.all(arr >= 0) if allow_zero else np.all(arr > 0))
    if arr.shape != (L,) or not ok:
        kind = "nonnegative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind} number or {L} of them, got {value!r}")
    return arr


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


def _stagnated_shifted(F: list[float], F_min: float, tol: float) -> bool:
    """The stagnation test on F − min F + |F₀| (the log-determinants can make F negative, and
    a relative test needs a positive scale), given min F; only the last window of F is
    shifted, so the test costs O(1) per iteration."""
    return stagnated([f - F_min + abs(F[0]) for f in F[-(STAGNATION_WINDOW + 1):]], tol)


class MinVolDeepNMF(_LayeredMixin, EstimatorMixin):
    """Minimum-volume deep KL-NMF (paper model (7), Algorithm 2):

        minimize  Σℓ λℓ D(W_{ℓ−1}, Wℓ Hℓ) + αℓ ln det(WℓᵀWℓ + δ I)
        s.t.      Wℓ ≥ ε, Hℓ ≥ ε, Wℓᵀ e = e (columns of every Wℓ sum to one),  W0 = X,

    with D the KL divergence. Per outer iteration and layer: Hℓ by one KL MU step; Wℓ by the
    minimizer of the logdet-majorized subproblem (21) under Wℓᵀe = e, Wℓ ≥ ε:

    - ``w_solver='exact'`` (default): (21) is entrywise separable but for one multiplier per
      column, so it is solved exactly by a Newton solve on each column's multiplier with a
      safeguarded scalar Newton per entry inside — an exact BSUM step, so F never increases.
    - ``w_solver='admm'``: the paper's ADMM (W-step with a Newton multiplier per column, Z-step
      through the Wright omega function, dual step), entirely in C++, with ``rho``,
      ``admm_tol`` and ``admm_max_iter``. Being inexact, each ADMM result is kept only if it
      decreases the subproblem's objective (else Wℓ stays: ``admm_rejected_`` counts it), so
      F never increases either. With the paper's ρ = 100 the ADMM makes little progress per
      call on the hyperspectral data (its ρ is orders of magnitude below the curvature of the
      subproblem); see the README.

    WL (no coupling term) takes one exact multiplicative step with multipliers either way.

    Parameters
    ----------
    ranks : sequence of int
    alpha : float or sequence, optional
        αℓ directly. When None (default), αℓ comes from ``alpha_tilde``.
    alpha_tilde : float or sequence, default 0.1
        The initial ratio of each layer's volume term to its data term:
        αℓ = α̃ℓ λℓ D(W_{ℓ−1}⁽⁰⁾, Wℓ⁽⁰⁾Hℓ⁽⁰⁾) / |ln det(Wℓ⁽⁰⁾ᵀWℓ⁽⁰⁾ + δ I)|. The paper uses
        [4, 1] (Moffett), [2.5e-5, 1e-2] (Tumor), [0.45, 0.45] (Samson).
    delta : float, default 1.0
        δ of the logdet.
    w_solver : {'exact', 'admm'}, default 'exact'
        How the W-subproblems are solved (above).
    rho : float, default 100
        ADMM penalty parameter ρ (w_solver='admm').
    adaptive_rho : bool, default False
        Residual balancing of ρ (Boyd et al. 2011, §3.4.1) in the ADMM, starting at ``rho``.
    admm_tol : float, default 1e-6
        ADMM stops when ‖W − Z‖_F ≤ admm_tol ...
    admm_max_iter : int, default 200
        ... or after this many iterations.
    weights : 'auto' or sequence
        λℓ; 'auto' is 1 / D(W_{ℓ−1}⁽⁰⁾, Wℓ⁽⁰⁾ Hℓ⁽⁰⁾).
    init : 'multilayer', (W_list, H_list) or a fitted model
        Multilayer KL-NMF (``init_iter`` iterations per layer, ``layer_init`` start), then each
        layer rescaled so the columns of Wℓ sum to one (products unchanged). Explicit factors
        are rescaled the same way. A fitted layered model with the same ranks (e.g.
        ``deepnmf.load(path)``) gives its Wℓ, Hℓ and, when it is a MinVolDeepNMF and
        ``weights='auto'`` / ``alpha=None``, its λℓ and αℓ (the same objective continues).
    layer_init : str, default 'nndsvda'
        Initialization of each layer of the multilayer init (see :class:`BetaNMF`).
    init_iter : int, default 200
        Iterations per layer of the multilayer init.
    max_iter : int, default 300
    tol : float, default 0
        Stop when F decreased by less than ``tol`` relative over 10 iterations (0: never).
    random_state, n_threads, verbose, callback, progress, warm_start
        As :class:`DeepNMF`.

    Attributes
    ----------
    W_, H_ : lists of ndarrays
        Columns of every Wℓ sum to one.
    weights_, alpha_ : ndarrays of shape (L,)
    loss_history_ : ndarray of shape (n_iter_ + 1, L + 1)
        Per iteration: D(W_{ℓ−1}, Wℓ Hℓ) for each layer, then the objective F of model (7)
        (natural logarithms).
    volume_history_ : ndarray of shape (n_iter_ + 1, L)
        ln det(WℓᵀWℓ + δ I) per layer (F = Σ λℓ Dℓ + αℓ · volume).
    admm_iterations_ : ndarray of shape (n_iter_, L − 1)
        Iterations used by each W-update of the layers ℓ < L (ADMM iterations, or the exact
        solver's Newton iterations on the multipliers).
    admm_rejected_ : int
        W-updates where the safeguard kept the previous Wℓ.
    init_factors_ : (list, list)
        The column-normalized initial (W, H) factors the iterations started from.
    """

    loss_history_: np.ndarray
    volume_history_: np.ndarray

    _saved_attributes = {"W_": "factors", "H_": "factors", "weights_": "floats",
                         "alpha_": "floats", "ranks_": "int_list", "n_features_in_": "int",
                         "beta_": "float", "admm_rejected_": "int", "loss_history_": "float_table",
                         "volume_history_": "float_table", "admm_iterations_": "int_table",
                         "n_iter_": "int"}

    @staticmethod
    def _check_saved(values: dict) -> None:
        L = len(values["W_"])
        check_layer_ranks(values)
        check_layer_weights(values, "weights_")
        check_layer_weights(values, "alpha_")
        for name, cols in (("loss_history_", L + 1), ("volume_history_", L),
                           ("admm_iterations_", L - 1)):
            if name in values and values[name].shape[1] != cols:
                raise ValueError(f"{name} has {values[name].shape[1]} columns, expected {cols}")

    def __init__(
        self,
        ranks: Sequence[int],
        *,
        alpha: Any = None,
        alpha_tilde: Any = 0.1,
        delta: float = 1.0,
        w_solver: str = "exact",
        rho: float = 100.0,
        adaptive_rho: bool = False,
        admm_tol: float = 1e-6,
        admm_max_iter: int = 200,
        weights: Any = "auto",
        init: Any = "multilayer",
        layer_init: str = "nndsvda",
        init_iter: int = 200,
        max_iter: int = 300,
        tol: float = 0.0,
        random_state: Any = None,
        n_threads: int | None = None,
        verbose: int = 0,
        callback: Callable[[MinVolDeepNMF, int], Any] | None = None,
        progress: bool = False,
        warm_start: bool = False,
    ) -> None:
        self.ranks = ranks
        self.alpha = alpha
        self.alpha_tilde = alpha_tilde
        self.delta = delta
        self.w_solver = w_solver
        self.rho = rho
        self.adaptive_rho = adaptive_rho
        self.admm_tol = admm_tol
        self.admm_max_iter = admm_max_iter
        self.weights = weights
        self.init = init
        self.layer_init = layer_init
        self.init_iter = init_iter
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose
        self.callback = callback
        self.progress = progress
        self.warm_start = warm_start

    def _initial_factors(self, data: Any, ranks: list[int], source: Any, scale: Scale):
        self._init_interrupted = False
        if source is not None:
            Ws, Hs = explicit_factors(model_factors(source), ranks, data.shape, data.dtype,
                                      scale)
        elif isinstance(self.init, str):
            if self.init != "multilayer":
                raise ValueError(f"init={self.init!r}: use 'multilayer' or a pair (W_list, H_list)")
            ml = MultilayerNMF(ranks, beta=1.0, init=self.layer_init,
                               max_iter=check_positive_int(self.init_iter, "init_iter"), tol=0,
                               random_state=self.random_state, n_threads=self.n_threads,
                               progress=self.progress)
            with warnings.catch_warnings():  # a Ctrl-C there is MinVolDeepNMF's to report
                warnings.simplefilter("ignore", InterruptedFitWarning)
                ml._fit_validated((data, Scale(0)), 1.0)  # data is validated and scaled already
            self._init_interrupted = ml._interrupted
            Ws, Hs = [w.copy() for w in ml.W_], [h.copy() for h in ml.H_]
        else:
            Ws, Hs = explicit_factors(self.init, ranks, data.shape, data.dtype, scale)
        normalize_columns(Ws, Hs)
        self.init_factors_ = ([w.copy() for w in Ws], [h.copy() for h in Hs])
        return Ws, Hs

    def fit(self, X: Any, y: Any = None) -> MinVolDeepNMF:
        """Fit the min-vol deep KL factorization of X (m×n).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data.
        y : ignored

        Returns
        -------
        self : MinVolDeepNMF
        """
        # dense or scipy.sparse; data outside its dtype's band is fit as 2^k X (exact): with the columns
        # of every Wℓ summing to one, H1 alone carries the scale (and D1 ∝ scale), undone below
        data, scale = check_input(X, 1.0)
        ranks = check_ranks(self.ranks, data.shape)
        L = len(ranks)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        admm_max_iter = check_positive_int(self.admm_max_iter, "admm_max_iter")
        tol = check_tol(self.tol)
        admm_tol = check_tol(self.admm_tol)
        for name in ("delta", "rho"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (
                    np.isfinite(float(v)) and float(v) > 0):
                raise ValueError(f"{name} must be a positive finite number, got {v!r}")
        delta, rho = float(self.delta), float(self.rho)
        if self.w_solver not in ("exact", "admm"):
            raise ValueError(f"w_solver={self.w_solver!r}: use 'exact' or 'admm'")
        exact = self.w_solver == "exact"
        nt = resolve_n_threads(self.n_threads)
        source = start_model(self)  # before W_ is replaced (warm_start)
        W, H = self._initial_factors(data, ranks, source, scale)
        H[0] = data.factor_layout(H[0])  # Fortran order for sparse data, C order at the end
        W[0] = data.w_layout(W[0])  # 64-byte aligned (no copy if it is)
        continued = isinstance(source, MinVolDeepNMF)

        def layer(l: int):
            return data if l == 0 else DenseData(W[l - 1])

        def data_terms() -> np.ndarray:
            return np.array([layer(l).divergence(W[l], H[l], 1.0, nt) for l in range(L)])

        def volumes() -> np.ndarray:
            return np.array([_core.logdet_gram(w, delta) for w in W])

        D0, V0 = data_terms(), volumes()
        if continued and isinstance(self.weights, str) and self.weights == "auto":
            # continue the same objective
            lam = explicit_weights(np.array(source.weights_, dtype=np.float64), L)
            lam[0] = scale.to_caller(lam[0])  # D1 of the scaled data is 2^k D1: same problem
        elif isinstance(self.weights, str):
            if self.weights != "auto":
                raise ValueError(f"weights={self.weights!r}: use 'auto' or {L} positive numbers")
            lam = auto_weights(D0, lambda l: layer(l).rounding_level(1.0, ranks[l]))
        else:
            lam = explicit_weights(self.weights, L)
            lam[0] = scale.to_caller(lam[0])  # D1 of the scaled data is 2^k D1: same problem
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            ratios = lam[1:] / lam[:-1]  # what the coupled W-steps take, in the fit's units
        if not (np.all(np.isfinite(lam)) and np.all(lam > 0) and np.all(np.isfinite(ratios))
                and np.all(ratios > 0)):
            raise ValueError(f"weights {list(self.weights_ if continued else self.weights)!r} "
                             f"with X's scale (2^{-scale.k}) put λ2/λ1 of the fit beyond float64: "
                             "give weights closer to each other, or scale X")
        if self.alpha is not None:
            alpha = _per_layer(self.alpha, L, "alpha", allow_zero=True)
        elif continued:
            alpha = np.array(source.alpha_, dtype=np.float64)
        else:
            at = _per_layer(self.alpha_tilde, L, "alpha_tilde", allow_zero=True)
            alpha = at * lam * D0 / np.maximum(np.abs(V0), np.finfo(float).tiny)

        data_hist, vol_hist, admm_iters = [D0], [V0], []
        F_hist = [float(D0 @ lam + V0 @ alpha)]  # the objective, for the progress and stop
        F_min = F_hist[0]
        self.W_, self.H_, self.weights_, self.alpha_ = W, H, lam, alpha
        self.ranks_, self.n_features_in_, self.beta_ = ranks, data.shape[1], 1.0
        self.admm_rejected_ = 0
        start = time.perf_counter()
        n_iter, stopped = 0, self._init_interrupted
        if stopped:  # Ctrl-C in the multilayer initialization stops the whole fit
            warnings.warn("MinVolDeepNMF interrupted (Ctrl-C) during its multilayer "
                          "initialization; the model holds the initial factors (n_iter_ = 0)",
                          InterruptedFitWarning, stacklevel=2)
        bar = progress_bar(self.progress, max_iter, "MinVolDeepNMF")
        try:
            for n_iter in range(1, 0 if stopped else max_iter + 1):
                its = []
                for l in range(L):
                    Y = layer(l)
                    Y.mu_h(W[l], H[l], 1.0, False, nt)  # plain KL MU: H is free
                    W_bar = product(W[l + 1], H[l + 1], nt).astype(np.float64) if l < L - 1 else None
                    rep = Y.minvol_w(W[l], H[l], W_bar, float(alpha[l] / lam[l]),
                                         float(lam[l + 1] / lam[l]) if l < L - 1 else 1.0, delta, rho,
                                         admm_tol, admm_max_iter, nt, bool(self.adaptive_rho), exact)
                    if l < L - 1:
                        its.append(rep["iterations"])
                    self.admm_rejected_ += not rep["accepted"]
                admm_iters.append(its)
                data_hist.append(data_terms())
                vol_hist.append(volumes())
                F_hist.append(float(data_hist[-1] @ lam + vol_hist[-1] @ alpha))
                bar.update()
                bar.set_postfix_str(f"F {F_hist[-1]:+.5g}")
                if self.verbose and (n_iter - 1) % self.verbose == 0:
                    errs = "  ".join(f"D{l + 1} {d:.4e} logdet{l + 1} {v:+.4f}"
                                     for l, (d, v) in enumerate(zip(data_hist[-1], vol_hist[-1])))
                    print(f"MinVolDeepNMF iter {n_iter:5d}  F {F_hist[-1]:+.6e}  {errs}  "
                          f"ADMM {its}  {time.perf_counter() - start:7.2f}s")
                if self.callback is not None:
                    self._record(data_hist, vol_hist, admm_iters, lam, alpha, n_iter, scale, H)
                    if self.callback(self, n_iter):
                        stopped = True
                        break
                F_min = min(F_min, F_hist[-1])
                if tol > 0 and _stagnated_shifted(F_hist, F_min, tol):
                    break
            self._record(data_hist, vol_hist, admm_iters, lam, alpha, n_iter, scale, H)
        except KeyboardInterrupt:
            stopped = True
            warn_interrupted("MinVolDeepNMF", n_iter)
            # Ctrl-C may land between the appends of one iteration: keep the rows before
            # iteration n_iter, then the errors of the factors as they are, for n_iter (its
            # ADMM counts when they were all recorded, else zeros)
            its_now = admm_iters[n_iter - 1] if len(admm_iters) >= n_iter >= 1 else [0] * (L - 1)
            del data_hist[n_iter:], vol_hist[n_iter:], admm_iters[max(n_iter - 1, 0):]
            data_hist.append(data_terms())
            vol_hist.append(volumes())
            if n_iter >= 1:
                admm_iters.append(its_now)
            self._record(data_hist, vol_hist, admm_iters, lam, alpha, n_iter, scale, H)
        finally:
            bar.close()
        H[0] = np.ascontiguousarray(H[0])
        self._record(data_hist, vol_hist, admm_iters, lam, alpha, n_iter, scale, H)
        if not scale.unit:
            self.init_factors_[1][0] = scale.to_caller(self.init_factors_[1][0])
        if tol > 0 and not stopped and n_iter == max_iter:
            warnings.warn(f"MinVolDeepNMF stopped at max_iter={max_iter} before stagnating",
                          ConvergenceWarning, stacklevel=2)
        return self

    def _record(self, data_hist, vol_hist, admm_iters, lam, alpha, n_iter, scale: Scale,
                H: list[np.ndarray]) -> None:
        """The histories as arrays (O(n_iter)), and H_, weights_ in the caller's units: after
        the fit, and before each callback. H1 and D1 carry the data's scale (the columns of
        every Wℓ sum to one; KL is homogeneous of degree one); λ1 D1, and so F, is the same
        number in both units."""
        D = np.array(data_hist)
        V = np.array(vol_hist)
        F = D @ lam + V @ alpha
        if not scale.unit:
            D[:, 0] = scale.to_caller(D[:, 0])
            self.H_ = [scale.to_caller(H[0])] + H[1:]  # H, the fit's, goes on in its units
            self.weights_ = lam.copy()
            self.weights_[0] = scale.to_fit(lam[0])
        self.loss_history_ = np.column_stack([D, F])
        self.volume_history_ = V
        self.admm_iterations_ = np.array(admm_iters, dtype=int).reshape(
            len(admm_iters), len(self.W_) - 1)
        self.n_iter_ = n_iter

    def transform_layers(self, X: Any) -> list[np.ndarray]:
        """[W1, …, WL] of new rows X (k×n) with the learned Hℓ fixed: the minimizer of the data
        terms Σℓ λℓ D(W_{ℓ−1}, Wℓ Hℓ) over Wℓ ≥ ε (jointly convex for KL, solved by the
        coupled W-updates of :class:`DeepNMF`, row by row). The volume penalty and the
        column normalization are properties of the basis learned on the training rows — they
        couple all rows, so they do not apply to the codes of new ones; for the training rows
        the codes therefore reach a data objective no larger than the fitted Wℓ's.
        ``max_iter`` and ``tol`` bound the sweeps (``tol=0``: all ``max_iter``).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
            New rows, with the training data's n features.

        Returns
        -------
        W_list : list of L ndarrays
            Wℓ of shape (k, rℓ).
        """
        return super().transform_layers(X)

    def _codes(self, X: Any) -> Codes:
        """H1 carries the training data's scale (the columns of every Wℓ sum to one): it is
        brought into the new rows' units, 2^k X ≈ W1 (2^k H1), so that the codes are the
        caller's own numbers, and λ1 by 2^-k with it (D1 is 2^k times the caller's, KL being
        homogeneous of degree one) — the objective is the caller's."""
        data, scale = self._new_rows(X)
        Hs = self._hs_for(data, scale.to_fit(self.H_[0]))
        lam = np.array(self.weights_, dtype=np.float64)
        lam[0] = scale.to_caller(lam[0])
        return Codes(data, Scale(0), self._coupled_codes(data, Hs, lam), Hs, lam)
