"""Minimum-volume deep KL-NMF (paper model (7), Algorithm 2, in the consistent form derived
in docs/minvol-deep-kl.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._engine.data import check_input
from ._engine.driver import deferred_interrupt, run
from ._engine.estimator import EstimatorMixin
from ._engine.layered import (
    Codes,
    LayeredMixin,
    check_layer_ranks,
    check_layer_weights,
    kernel_layouts,
    new_rows,
)
from ._engine.layers import (
    auto_weights,
    check_ranks,
    explicit_factors,
    explicit_weights,
    model_factors,
    start_model,
)
from ._engine.persist import register
from ._engine.validation import (
    Scale,
    check_choice,
    check_flag,
    check_positive_int,
    check_positive_real,
    check_run_params,
    check_tol,
    per_layer,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.beta import coupled_codes, layer_data, multilayer_fit
from ._solvers.minvol import MinVolSweep, minvol_history, minvol_terms, normalize_columns


def _check_saved(values: dict) -> None:
    L = len(values["W_"])
    check_layer_ranks(values)
    check_layer_weights(values, "weights_")
    check_layer_weights(values, "alpha_")
    for name, cols in (("loss_history_", L + 1), ("volume_history_", L),
                       ("admm_iterations_", L - 1)):
        if name in values and values[name].shape[1] != cols:
            raise ValueError(f"{name} has {values[name].shape[1]} columns, expected {cols}")


def minvol_weights(weights: Any, D0: np.ndarray, scale: Scale, source: Any,
                   rounding: Callable[[int], float]) -> np.ndarray:
    """λℓ of min-vol NMF in the fit's units: continued from a fitted MinVolDeepNMF `source`
    ('auto'), 'auto' (1 / Dℓ at the start), or given. D1 of the scaled data is 2^k D1, so a
    λ1 from the caller's units is scaled by 2^-k: the same problem. The ratios λℓ+1/λℓ the
    coupled W-steps take must stay finite in the fit's units."""
    L = len(D0)
    if source is not None and isinstance(weights, str) and weights == "auto":
        lam = explicit_weights(np.array(source.weights_, dtype=np.float64), L)
        lam[0] = scale.to_caller(lam[0])
    elif isinstance(weights, str):
        if weights != "auto":
            raise ValueError(f"weights={weights!r}: use 'auto' or {L} positive numbers")
        lam = auto_weights(D0, rounding)
    else:
        lam = explicit_weights(weights, L)
        lam[0] = scale.to_caller(lam[0])
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        ratios = lam[1:] / lam[:-1]
    if not (np.all(np.isfinite(lam)) and np.all(lam > 0) and np.all(np.isfinite(ratios))
            and np.all(ratios > 0)):
        given = list(source.weights_ if source is not None else weights)
        raise ValueError(f"weights {given!r} with X's scale (2^{-scale.k}) put λ2/λ1 of the fit "
                         "beyond float64: give weights closer to each other, or scale X")
    return lam


@register(attributes={"W_": "factors", "H_": "factors", "weights_": "floats",
                      "alpha_": "floats", "ranks_": "int_list", "n_features_in_": "int",
                      "beta_": "float", "admm_rejected_": "int",
                      "loss_history_": "float_table", "volume_history_": "float_table",
                      "admm_iterations_": "int_table", "n_iter_": "int"},
          check=_check_saved)
class MinVolDeepNMF(LayeredMixin, EstimatorMixin):
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
        Stop when F decreased by less than ``tol`` relative over 10 iterations (0: never,
        and so no ConvergenceWarning: the paper runs min-vol NMF for a fixed number of
        iterations, and its objective, which holds log-determinants, can be negative; the
        relative test is then taken on F − min F + |F₀|).
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
        run_params = check_run_params(self)
        max_iter, tol, nt = run_params.max_iter, run_params.tol, run_params.n_threads
        verbose, progress, callback, rng = (run_params.verbose, run_params.progress,
                                            run_params.callback, run_params.rng)
        admm_max_iter = check_positive_int(self.admm_max_iter, "admm_max_iter")
        init_iter = check_positive_int(self.init_iter, "init_iter")
        admm_tol = check_tol(self.admm_tol)
        delta = check_positive_real(self.delta, "delta")
        rho = check_positive_real(self.rho, "rho")
        exact = check_choice(self.w_solver, "w_solver", ("exact", "admm")) == "exact"
        adaptive_rho = check_flag(self.adaptive_rho, "adaptive_rho")
        if isinstance(self.init, str) and self.init != "multilayer":
            raise ValueError(f"init={self.init!r}: use 'multilayer', a pair (W_list, H_list) or a "
                             "fitted model; the start of each layer of the multilayer "
                             f"initialization is layer_init (e.g. layer_init={self.init!r})")
        with deferred_interrupt() as sigint:  # a Ctrl-C here: the fit starts interrupted
            # dense or scipy.sparse; data outside its dtype's band is fit as 2^k X (exact):
            # with the columns of every Wℓ summing to one, H1 alone carries the scale (and
            # D1 ∝ scale), undone below
            data, scale = check_input(X, 1.0)
            ranks = check_ranks(self.ranks, data.shape)
            source = start_model(self)  # before W_ is replaced (warm_start)
        L = len(ranks)
        init_fit = None
        if source is None and isinstance(self.init, str):
            init_fit = multilayer_fit(data, ranks, beta=1.0, init=self.layer_init, start=None,
                                      rng=rng, max_iter=init_iter, tol=0, n_threads=nt,
                                      progress=progress, interrupted=sigint.fired)
        with deferred_interrupt() as sigint2:
            if init_fit is not None:
                W, H = [w.copy() for w in init_fit.W], [h.copy() for h in init_fit.H]
            else:
                W, H = explicit_factors(model_factors(source) if source is not None else self.init,
                                        ranks, data.shape, data.dtype, scale)
            normalize_columns(W, H)
            self.init_factors_ = ([w.copy() for w in W], [h.copy() for h in H])
            H[0] = data.factor_layout(H[0])  # Fortran order for sparse data, C order at the end
            W[0] = data.w_layout(W[0])  # 64-byte aligned (no copy if it is)
            continued = isinstance(source, MinVolDeepNMF)
            D0, V0 = minvol_terms(data, W, H, delta, nt)
            lam = minvol_weights(self.weights, D0, scale, source if continued else None,
                                 lambda l: layer_data(data, W, l).rounding_level(1.0, ranks[l]))
            if self.alpha is not None:
                alpha = per_layer(self.alpha, L, "alpha", allow_zero=True)
            elif continued:
                alpha = np.array(source.alpha_, dtype=np.float64)
            else:
                at = per_layer(self.alpha_tilde, L, "alpha_tilde", allow_zero=True)
                alpha = at * lam * D0 / np.maximum(np.abs(V0), np.finfo(float).tiny)
            history = minvol_history(lam, alpha, D0, V0)
        interrupted = sigint.fired or sigint2.fired or (
            init_fit is not None and bool(init_fit.interrupted_in))

        def publish(n: int) -> None:
            """The histories as arrays (O(n_iter)), and H_, weights_ in the caller's units:
            after the fit, and before each callback. H1 and D1 carry the data's scale (the
            columns of every Wℓ sum to one; KL is homogeneous of degree one); λ1 D1, and so F,
            is the same number in both units."""
            table = history.table()
            D, V = table[:, :L].copy(), table[:, L:].copy()
            F = D @ lam + V @ alpha
            if not scale.unit:
                D[:, 0] = scale.to_caller(D[:, 0])
                self.H_ = [scale.to_caller(H[0])] + H[1:]  # H, the fit's, goes on in its units
                self.weights_ = lam.copy()
                self.weights_[0] = scale.to_fit(lam[0])
            self.loss_history_ = np.column_stack([D, F])
            self.volume_history_ = V
            its = sweep.admm_iterations
            self.admm_iterations_ = np.array(its, dtype=int).reshape(len(its), L - 1)
            self.admm_rejected_ = sweep.admm_rejected
            self.n_iter_ = n

        sweep = MinVolSweep(data, W, H, lam, alpha, delta=delta, rho=rho, admm_tol=admm_tol,
                            admm_max_iter=admm_max_iter, adaptive_rho=adaptive_rho, exact=exact,
                            n_threads=nt, history=history, publish=publish)
        self.W_, self.H_, self.weights_, self.alpha_ = W, H, lam, alpha
        self.ranks_, self.n_features_in_, self.beta_ = ranks, data.shape[1], 1.0
        self.admm_rejected_ = 0
        result = run(sweep, name="MinVolDeepNMF", max_iter=max_iter, tol=tol, shifted=True,
                     callback=callback, model=self, progress=progress, verbose=verbose,
                     start_interrupted=interrupted,
                     interrupted_message="MinVolDeepNMF interrupted (Ctrl-C) during its set-up or "
                     "multilayer initialization; the model holds the initial factors "
                     "(n_iter_ = 0)")
        with deferred_interrupt():  # the fitted attributes are set whatever comes now
            H[0] = np.ascontiguousarray(H[0])
            publish(result.n_iter)
            if not scale.unit:
                self.init_factors_[1][0] = scale.to_caller(self.init_factors_[1][0])
        record_feature_names(self, X)
        return self

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
        data, scale = new_rows(self, X)
        Hs = kernel_layouts(self.H_, data, scale.to_fit(self.H_[0]))
        lam = np.array(self.weights_, dtype=np.float64)
        lam[0] = scale.to_caller(lam[0])
        W = coupled_codes(data, Hs, lam, 1.0, resolve_n_threads(self.n_threads),
                          check_positive_int(self.max_iter, "max_iter"), self.tol,
                          type(self).__name__)
        return Codes(data, Scale(0), W, Hs, lam)
