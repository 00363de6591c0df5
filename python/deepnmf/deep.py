"""Deep β-NMF (paper model (6), Algorithm 1).

X (m×n) ≈ W1 H1, W1 ≈ W2 H2, …, W_{L−1} ≈ W_L H_L with ranks r1 > … > rL, Wℓ of shape
m×rℓ and Hℓ of shape rℓ×r_{ℓ−1} (r0 = n), every row of every Hℓ summing to one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._engine.data import check_input
from ._engine.driver import deferred_interrupt, run
from ._engine.estimator import EstimatorMixin
from ._engine.history import LossHistory
from ._engine.layered import (
    Codes,
    LayeredMixin,
    check_history,
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
from ._engine.persist import register, restore
from ._engine.validation import (
    check_beta,
    check_positive_int,
    check_run_params,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.beta import DeepSweep, coupled_codes, layer_data, layer_losses, multilayer_fit


def _check_saved(values: dict) -> None:
    check_layer_ranks(values)
    check_layer_weights(values, "weights_")
    h = values.get("loss_history_")
    if h is not None and h.shape[1] != len(values["W_"]) + 1:
        raise ValueError(f"loss_history_ has {h.shape[1]} columns for {len(values['W_'])} "
                         "layers (each layer's error, then F)")
    check_history(values)


def deep_weights(weights: Any, losses: np.ndarray, rounding: Callable[[int], float],
                 source: Any = None) -> tuple[np.ndarray, bool]:
    """(λ, fresh): λℓ, and whether they are 'auto' weights computed from this fit's initial
    errors (in the fit's units: they are mapped to the caller's at the end) rather than
    given or continued from `source` (in the caller's units already)."""
    L = len(losses)
    if isinstance(weights, str) and weights == "auto" and source is not None \
            and getattr(source, "weights_", None) is not None:
        w = np.array(source.weights_, dtype=np.float64).reshape(-1)  # continue the same F
        if w.shape == (L,):
            return explicit_weights(w, L), False
    if isinstance(weights, str):
        if weights != "auto":
            raise ValueError(f"weights={weights!r}: use 'auto' or {L} positive numbers")
        return auto_weights(losses, rounding), True
    return explicit_weights(weights, L), False


@register(attributes={"W_": "factors", "H_": "factors", "weights_": "floats",
                      "ranks_": "int_list", "beta_": "float", "n_features_in_": "int",
                      "loss_history_": "float_table", "loss_iterations_": "ints",
                      "n_iter_": "int"},
          check=_check_saved)
class DeepNMF(LayeredMixin, EstimatorMixin):
    """Deep β-NMF with the layer-centric loss (paper model (6)), solved by block
    majorization-minimization (Algorithm 1):

        minimize  F = Σℓ λℓ Dβ(W_{ℓ−1}, Wℓ Hℓ)   s.t.  Wℓ ≥ ε, Hℓ ≥ ε, Hℓ e = e,   W0 = X.

    Each outer iteration updates, for ℓ = 1..L, Hℓ (multiplicative update with one Lagrange
    multiplier per row, :func:`deepnmf.updates.mu_h` with ``row_sums_one``) then Wℓ (for ℓ < L
    the coupled update :func:`deepnmf.updates.coupled_w` with W̄ = W_{ℓ+1} H_{ℓ+1} and weight
    λ_{ℓ+1}/λℓ; for ℓ = L plain MU). Every block update minimizes a majorizer of F, so F never
    increases.

    Parameters
    ----------
    ranks : sequence of int
        r1 > r2 > … > rL.
    beta : float or divergence name, default 1.0 (KL)
    weights : 'auto' or sequence of L positive floats
        λℓ. 'auto': λℓ = 1 / Dβ(W_{ℓ−1}⁽⁰⁾, Wℓ⁽⁰⁾ Hℓ⁽⁰⁾) at the initial factors, so every
        term of F starts at one (paper Section 4.1).
    init : 'multilayer', (W_list, H_list) or a fitted model
        'multilayer': :class:`MultilayerNMF` with ``init_iter`` iterations per layer (the paper
        uses 500 for CBCL). Explicit factors are used as given (floored at ε); rows of Hℓ that
        do not sum to one are brought onto the constraint by the first H-update. A fitted
        layered model with the same ranks (e.g. ``deepnmf.load(path)``) gives its Wℓ, Hℓ —
        and, when ``weights='auto'`` and it has them, its λℓ, so that fitting k iterations
        and then k more from the saved model is the same as fitting 2k.
    layer_init : str, default 'nndsvda'
        Initialization of each layer of the multilayer init (see :class:`BetaNMF`).
    init_iter : int, default 200
        Iterations per layer of the multilayer init.
    max_iter : int, default 500
        Outer iterations.
    tol : float, default 1e-6
        Stop when F decreased by less than ``tol`` (relative) over the last
        ``max(10, loss_every)`` iterations.
    random_state, n_threads, verbose
        As :class:`BetaNMF`; ``verbose=k`` prints every k iterations each layer's error.
    callback : callable(model, iteration) -> bool, optional
        Called after every outer iteration with the model holding the current iterate
        (``W_``, ``H_``, ``loss_history_`` so far, which holds this iteration's errors when
        it is a recorded one); returning True stops the fit.
    progress : bool, default False
        Show a tqdm progress bar over the outer iterations (tqdm is optional).
    warm_start : bool, default False
        When True and the model is fitted, ``fit`` continues from the current factors (and λℓ)
        instead of initializing, as ``init=self`` would.
    loss_every : int, default 1
        Record the layers' errors after every ``loss_every``-th outer iteration (and every
        ``verbose``-th), the initial factors and the last iteration. Layer 1's error comes
        out of the next H-update's pass over X, but its logarithms (KL) or powers still cost,
        and layers ≥ 2 need their own products: on CBCL (KL, ranks [80, 40, 20])
        ``loss_every=10`` takes 0.84 – 0.89 of the time per outer iteration
        (bench/python/bench_deep.py). The iterates do not depend on it.

    Attributes
    ----------
    W_, H_ : lists of ndarrays
        Wℓ (m×rℓ) and Hℓ (rℓ×r_{ℓ−1}).
    weights_ : ndarray of shape (L,)
        The λℓ used.
    loss_history_ : ndarray of shape (len(loss_iterations_), L + 1)
        Row k: Dβ(W_{ℓ−1}, Wℓ Hℓ) for ℓ = 1..L after ``loss_iterations_[k]`` outer
        iterations (row 0: the initial factors), then the weighted objective F in the last
        column. With the default ``loss_every=1``: one row per iteration, n_iter_ + 1 rows.
    loss_iterations_ : ndarray of int
        The outer iteration of each row of ``loss_history_``.
    n_iter_ : int
        Outer iterations run.
    init_model_ : MultilayerNMF or None
        The fitted initialization, when ``init='multilayer'``.
    """

    def __init__(
        self,
        ranks: Sequence[int],
        *,
        beta: Any = 1.0,
        weights: Any = "auto",
        init: Any = "multilayer",
        layer_init: str = "nndsvda",
        init_iter: int = 200,
        max_iter: int = 500,
        tol: float = 1e-6,
        random_state: Any = None,
        n_threads: int | None = None,
        verbose: int = 0,
        callback: Callable[[DeepNMF, int], Any] | None = None,
        progress: bool = False,
        warm_start: bool = False,
        loss_every: int = 1,
    ) -> None:
        self.ranks = ranks
        self.beta = beta
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
        self.loss_every = loss_every

    def fit(self, X: Any, y: Any = None) -> DeepNMF:
        """Fit the deep factorization of X (m×n).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data (sparse input: β = 1 only). float32 stays float32.
        y : ignored

        Returns
        -------
        self : DeepNMF
        """
        beta = check_beta(self.beta)
        run_params = check_run_params(self)
        max_iter, tol, every, nt = (run_params.max_iter, run_params.tol, run_params.loss_every,
                                    run_params.n_threads)
        verbose, progress, callback, rng = (run_params.verbose, run_params.progress,
                                            run_params.callback, run_params.rng)
        init_iter = check_positive_int(self.init_iter, "init_iter")
        if isinstance(self.init, str) and self.init != "multilayer":
            raise ValueError(f"init={self.init!r}: use 'multilayer', a pair (W_list, H_list) or a "
                             "fitted model; the start of each layer of the multilayer "
                             f"initialization is layer_init (e.g. layer_init={self.init!r})")
        with deferred_interrupt() as sigint:  # a Ctrl-C here: the fit starts interrupted
            # dense or scipy.sparse (β = 1). Data outside its dtype's band is fit as 2^k X
            # (exact; one copy): every Wℓ carries the scale (rows of Hℓ sum to one) and every
            # Dℓ scales by 2^(kβ); mapped back at the end
            data, scale = check_input(X, beta)
            ranks = check_ranks(self.ranks, data.shape)
            source = start_model(self)  # read before W_ is replaced (warm_start)
        init_fit = None
        if source is None and isinstance(self.init, str):
            # data is validated and scaled already: so are the layers' factors (their own
            # driver runs: Ctrl-C stops them)
            init_fit = multilayer_fit(data, ranks, beta=beta, init=self.layer_init, start=None,
                                      rng=rng, max_iter=init_iter, tol=0, n_threads=nt,
                                      progress=progress, interrupted=sigint.fired)
        with deferred_interrupt() as sigint2:
            if init_fit is not None:
                # its deeper layers may have been fit at a scale of their own: floored again
                eps = np.finfo(data.dtype).eps
                W = [np.maximum(w, eps) for w in init_fit.W]
                H = [h.copy() for h in init_fit.H]
            else:
                W, H = explicit_factors(model_factors(source) if source is not None else self.init,
                                        ranks, data.shape, data.dtype, scale)
            H[0] = data.factor_layout(H[0])  # Fortran order for sparse data, C order at the end
            W[0] = data.w_layout(W[0])  # 64-byte aligned (no copy if it is)
            losses0 = layer_losses(data, W, H, beta, nt)
            lam, fresh = deep_weights(
                self.weights, losses0,
                lambda l: layer_data(data, W, l).rounding_level(beta, ranks[l]), source)
            history = LossHistory(lambda row: float(lam @ row), every, verbose, losses0)
        interrupted = sigint.fired or sigint2.fired or (
            init_fit is not None and bool(init_fit.interrupted_in))

        def publish(n: int) -> None:
            """W_, H_, weights_ and the record after n iterations, in the caller's units:
            Wℓ by 2^-k, Dℓ by 2^(-kβ) (the fit runs on 2^k X)."""
            arr = history.table()
            self.loss_history_ = np.column_stack([arr, arr @ lam])
            self.loss_iterations_ = history.iterations()
            self.n_iter_ = n
            if scale.unit:
                return
            self.W_ = [scale.to_caller(w) for w in W]
            D = scale.loss_to_caller(self.loss_history_[:, :-1], beta)
            F = self.loss_history_[:, -1]
            if fresh:  # λℓ = 1/Dℓ: F = Σ λℓ Dℓ is the same number in both units
                self.weights_ = scale.weight_to_caller(lam, beta)
            else:  # given λℓ: F scales as the Dℓ
                F = scale.loss_to_caller(F, beta)
            self.loss_history_ = np.column_stack([D, F])

        sweep = DeepSweep(data, W, H, lam, beta, nt, history, publish)
        self.W_, self.H_, self.weights_ = W, H, lam
        self.ranks_, self.beta_, self.n_features_in_ = ranks, beta, data.shape[1]
        self.init_model_ = None if init_fit is None else restore(
            "MultilayerNMF",
            {"ranks": ranks, "beta": beta, "init": self.layer_init, "max_iter": init_iter,
             "tol": 0, "random_state": self.random_state, "n_threads": self.n_threads,
             "progress": self.progress},
            init_fit.attributes(scale, beta, ranks, data.shape[1]))
        result = run(sweep, name="DeepNMF", max_iter=max_iter, tol=tol, callback=callback,
                     model=self, progress=progress, verbose=verbose, start_interrupted=interrupted,
                     interrupted_message="DeepNMF interrupted (Ctrl-C) during its set-up or "
                     "multilayer initialization; the model holds the initial factors (n_iter_ = 0)")
        with deferred_interrupt():  # the fitted attributes are set whatever comes now
            H[0] = np.ascontiguousarray(H[0])
            publish(result.n_iter)
        record_feature_names(self, X)
        return self

    def transform_layers(self, X: Any) -> list[np.ndarray]:
        """[W1, …, WL] of new rows X (k×n) with the learned Hℓ fixed: Algorithm 1 restricted to
        the W blocks (coupled updates for ℓ < L, MU for WL), which are row-separable, so the
        rows of X are encoded independently of each other. Starts from the multilayer encoding
        (each Wℓ fit to W_{ℓ−1} alone), then runs ``max_iter`` sweeps or until the objective
        stagnates (``tol``). For β ∈ [1, 2] the problem in the W's is convex: the training
        rows get back the fitted Wℓ (to the fit's convergence).

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
        """Every Wℓ carries the new rows' scale: all the terms scale by the same 2^(kβ) and
        the updates see only the ratios of the λℓ."""
        data, scale = new_rows(self, X)
        Hs = kernel_layouts(self.H_, data)
        W = coupled_codes(data, Hs, self.weights_, self.beta_, resolve_n_threads(self.n_threads),
                          check_positive_int(self.max_iter, "max_iter"), self.tol,
                          type(self).__name__)
        return Codes(data, scale, W, Hs, self.weights_)

    @property
    def objective_history_(self) -> np.ndarray:
        """The weighted objective F at the recorded outer iterations ``loss_iterations_`` (the
        last column of loss_history_; every iteration by default)."""
        return self.loss_history_[:, -1]
