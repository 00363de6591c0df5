"""Single-layer β-NMF, scikit-learn style: multiplicative updates for any β (Févotte & Idier
2011) and, for β = 2, the Frobenius solvers (HALS, ANLS, ALS, projected gradient, IPG) with
scikit-learn's elastic net."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._engine.base import NotFittedError
from ._engine.data import check_input
from ._engine.driver import deferred_interrupt
from ._engine.estimator import EstimatorMixin
from ._engine.init import single_start
from ._engine.layered import check_history
from ._engine.layers import start_model
from ._engine.masked import masked_input
from ._engine.persist import register
from ._engine.validation import (
    check_beta,
    check_feature_names,
    check_positive_int,
    check_run_params,
    check_solver_params,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.beta import fit_single, mu_codes
from ._solvers.frobenius import SOLVERS, Penalty, fit_frobenius, frobenius_loss, nnls_codes


def rank_message(r: int, m: int, n: int) -> str:
    """The error for a rank the data does not allow (scikit-learn's wording for 1 sample or 1
    feature)."""
    return (f"n_components={r} exceeds min(m, n) = {min(m, n)} of X with {m} sample(s) and "
            f"{n} feature(s) (n_samples = {m}, n_features = {n}): a rank above that is never "
            "needed for an exact factorization")


def _check_saved(values: dict) -> None:
    """What a loaded model's attributes must satisfy beyond their kinds."""
    r = values["H_"].shape[0]
    if values.get("n_components_", r) != r or values["W_"].dtype != values["H_"].dtype:
        raise ValueError("W_, H_ and n_components_ disagree")
    check_history(values)


@register(attributes={"W_": "factor", "H_": "factor", "components_": "factor",
                      "n_components_": "int", "n_features_in_": "int", "sparse_input_": "bool",
                      "n_iter_": "int", "loss_history_": "floats", "loss_iterations_": "ints",
                      "loss_": "float", "beta_": "float", "data_loss_": "float",
                      "n_resets_": "int", "n_inner_": "int_table", "pgrad_history_": "floats"},
          check=_check_saved, aliases={"components_": "H_"})
class BetaNMF(EstimatorMixin):
    """Nonnegative matrix factorization X ≈ W H under the β-divergence: multiplicative
    updates (Févotte & Idier 2011, the paper's floor max(·, ε) after every update) for any β,
    and for β = 2 the Frobenius solvers, with scikit-learn's elastic-net penalties

        F = Dβ(X, W H) + λ₁ᵂ‖W‖₁ + ½λ₂ᵂ‖W‖²_F + λ₁ᴴ‖H‖₁ + ½λ₂ᴴ‖H‖²_F,
        λ₁ᵂ = n·alpha_W·l1_ratio, λ₂ᵂ = n·alpha_W·(1 − l1_ratio), λ₁ᴴ = m·alpha_H·l1_ratio, …

    (n features, m samples: scikit-learn's scaling, so the same parameters give the same
    objective as ``sklearn.decomposition.NMF``).

    Parameters
    ----------
    n_components : int or None
        The rank r (None: as many as X has features, as scikit-learn). A rank above
        min(m, n) needs a random or explicit start (NNDSVD has min(m, n) singular pairs).
    beta : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}, default 1.0
        The divergence: 2 (Frobenius), 1 (KL), 0 (IS) or any real β.
    solver : {'mu', 'hals', 'cd', 'anls', 'als', 'pg', 'ipg'}, default 'mu'
        'mu': multiplicative updates (any β; the default, results unchanged). For β = 2 only
        (another β is a ValueError): 'hals' (HALS, Cichocki & Phan 2009: exact coordinate
        minimization of one component at a time; with ``inner_iter='auto'`` the accelerated
        HALS of Gillis & Glineur 2012), 'cd' (scikit-learn's name for HALS with one sweep:
        the same iterates as ``NMF(solver='cd')`` from the same start), 'anls' (exact
        alternating NNLS by block principal pivoting, Kim & Park 2011), 'als' (the lecture's
        ALS with truncation [W⁺X]₊: a heuristic that can raise the loss; the model keeps the
        best iterate it recorded), 'pg' (projected gradient with the OPL step
        1/rowsum(WᵀW), a diagonal majorization: monotone), 'ipg' (the interior-point
        gradient of Merritt & Zhang, the lecture's steps 1.1–1.7: monotone, strictly
        positive iterates). Every solver but 'als' never increases the objective; they take
        dense or scipy.sparse X and never form W H.
    stop : {'loss', 'pgrad'}, default 'loss'
        'loss': the relative decrease of the objective over 10 iterations below ``tol``.
        'pgrad' (Frobenius solvers): ‖∇ᴾF‖ ≤ tol·‖∇ᴾF‖ at the start (Lin 2007); the ratios
        are kept in ``pgrad_history_``.
    inner_iter : int or 'auto', default 1
        Sweeps (HALS) or steps ('pg', 'ipg', MU with penalties) per block on the same Gram and
        cross products; 'auto' (HALS) allows 1 + ⌈½(nnz + n r)/(m r)⌉ sweeps for W (the
        mirror for H, at most 100) and stops a block once a sweep moves it by less than
        ``inner_tol`` times the first (Gillis & Glineur 2012).
    inner_tol : float, default 0.1
        δ of the inner stop (0: run every allowed sweep).
    alpha_W : float, default 0.0
        Elastic-net weight of W (scikit-learn's ``alpha_W``; β = 2).
    alpha_H : float or 'same', default 'same'
        Elastic-net weight of H ('same': ``alpha_W``).
    l1_ratio : float in [0, 1], default 0.0
        The L1 share ρ of the penalties (1: lasso, 0: ridge).
    ipg_step : {'column', 'global'}, default 'column'
        IPG's step η per column of H (row of W) — each an independent NNLS problem — or one
        scalar for the block, as the lecture writes it.
    ipg_tau : float in (0, 1), default 0.99
        τ of IPG's step to the boundary (step 1.6).
    missing_values : None, np.nan or a number, default None
        The value that marks a missing entry of X (scikit-learn's imputers' spelling):
        ``np.nan`` fits the observed entries only, as ``mask=~np.isnan(X)`` would (the NaN
        are never read). Combines with ``mask``.
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random', 'custom'} or fitted model, default 'nndsvda'
        Initial factors; 'custom' takes ``W`` and ``H`` given to :meth:`fit`; a fitted
        :class:`BetaNMF` (e.g. from :func:`deepnmf.load`) starts from its W and H.
    max_iter : int, default 200
        Iterations (one W and one H update each).
    tol : float, default 1e-4
        Stop when the loss decreased by less than ``tol`` (relative) over the last 10
        iterations; 0 runs all ``max_iter`` iterations.
    random_state : int, numpy Generator or None
        Seed for the random inits (and the SVD start vector).
    n_threads : int or None
        Threads of the compiled core: None = OpenMP's default, -1 = all, k > 0 = k.
        Results are bit-identical for a fixed seed, whatever the thread count (the parallel
        loops' blocks and their order of summation depend on the shapes only).
    verbose : int, default 0
        Print the loss every ``verbose`` iterations (0: silent).
    warm_start : bool, default False
        When True and the model is fitted, ``fit`` continues from the current W and H (the
        data must have the same shape) instead of initializing.
    progress : bool, default False
        Show a tqdm progress bar over the iterations (tqdm is optional).
    loss_every : int, default 10
        Evaluate the loss every ``loss_every`` iterations (and every ``verbose`` ones). It is
        fused into the W-update's pass over X but still costs that pass's logarithms or powers
        (about 15 % of a KL iteration), so the default evaluates it as scikit-learn does. The
        stopping rule compares losses ``max(10, loss_every)`` iterations apart; 1 records every
        iteration.
    callback : callable(model, iteration) -> bool, optional
        Called after every iteration with the model holding the current ``W_`` and ``H_``
        (in the data's units, also when the fit runs on the data rescaled: see the README's
        numerical range); returning True stops the fit.

    Attributes
    ----------
    W_ : ndarray of shape (m, r)
        The fitted W of the training data (what :meth:`fit_transform` returns).
    components_ : ndarray of shape (r, n)
        The fitted H (also ``H_``).
    n_iter_ : int
        Iterations run.
    loss_history_ : ndarray
        The objective F (Dβ(X, W H) plus the penalties) at the iterations
        ``loss_iterations_`` (non-increasing but for ``solver='als'``): the initial factors
        (0), every ``loss_every``-th iteration, and the end (``n_iter_``).
    loss_iterations_ : ndarray of int
        The iteration of each entry of ``loss_history_``.
    loss_ : float
        The final objective.
    data_loss_ : float
        The final Dβ(X, W H) without the penalties (Frobenius solvers).
    n_inner_ : ndarray of shape (n_iter_, 2)
        Sweeps run per iteration in the W- and the H-block (Frobenius solvers).
    n_resets_ : int
        Components that vanished without a penalty and were restarted at ε·max (Frobenius
        solvers: such a component would otherwise stay 0 for good).
    pgrad_history_ : ndarray
        ‖∇ᴾF‖ relative to the start, per iteration (``stop='pgrad'``).
    undetermined_ : tuple of two int arrays
        With a mask: the rows and the columns of X with no observed entry (their factor
        entries have no data and stay at the floor ε; a warning says so).

    Notes
    -----
    The update order is W then H, as scikit-learn's ``NMF(solver="mu")``; from the same initial
    factors both follow the same trajectory (see the tests for the epsilon conventions).
    """

    def __init__(
        self,
        n_components: int | None,
        *,
        beta: Any = 1.0,
        solver: str = "mu",
        init: str = "nndsvda",
        max_iter: int = 200,
        tol: float = 1e-4,
        random_state: Any = None,
        n_threads: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        progress: bool = False,
        loss_every: int = 10,
        callback: Any = None,
        stop: str = "loss",
        inner_iter: int | str = 1,
        inner_tol: float = 0.1,
        alpha_W: float = 0.0,
        alpha_H: Any = "same",
        l1_ratio: float = 0.0,
        ipg_step: str = "column",
        ipg_tau: float = 0.99,
        missing_values: Any = None,
    ) -> None:
        self.n_components = n_components
        self.beta = beta
        self.solver = solver
        self.stop = stop
        self.inner_iter = inner_iter
        self.inner_tol = inner_tol
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.ipg_step = ipg_step
        self.ipg_tau = ipg_tau
        self.missing_values = missing_values
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose
        self.warm_start = warm_start
        self.progress = progress
        self.loss_every = loss_every
        self.callback = callback

    # ---------------------------------------------------------------- fitting
    def fit(self, X: Any, y: Any = None, W: Any = None, H: Any = None, *,
            mask: Any = None) -> BetaNMF:
        """Fit the factorization X ≈ W H.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data (sparse input: β = 1, or β = 2 with a Frobenius solver).
            float32 stays float32.
        y : ignored
            Present for scikit-learn's API.
        W, H : array-like of shapes (m, r) and (r, n), optional
            The initial factors when ``init='custom'``.
        mask : array-like of shape (m, n), optional
            Which entries of X are observed: True/1 observed, False/0 missing (their values
            are never read), or nonnegative weights Ωᵢⱼ (a weighted likelihood). The fit then
            minimizes the masked divergence Σ Ωᵢⱼ dβ(Xᵢⱼ | (WH)ᵢⱼ) by the masked
            multiplicative updates (``solver='mu'``, any β, dense X; each an exact MM step, so
            the loss never increases). A scipy.sparse mask lists the observed entries. A
            mask in X's dtype is used without a copy; a boolean one is converted once.

        Returns
        -------
        self : BetaNMF
            The fitted model.
        """
        self._fit(X, W, H, mask)
        return self

    def fit_transform(self, X: Any, y: Any = None, W: Any = None, H: Any = None, *,
                      mask: Any = None) -> np.ndarray:
        """Fit (as :meth:`fit`) and return W of the training data.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data.
        y : ignored
        W, H : array-like, optional
            The initial factors when ``init='custom'``.
        mask : array-like of shape (m, n), optional
            Observed entries, as in :meth:`fit`.

        Returns
        -------
        W : ndarray of shape (m, r)
        """
        return self._fit(X, W, H, mask)

    def _data(self, X: Any, beta: float, frobenius: bool, mask: Any) -> tuple[Any, Any, Any]:
        """(data, scale, undetermined or None): X validated, masked when a mask or
        ``missing_values`` is given."""
        if mask is None and self.missing_values is None:
            return (*check_input(X, beta, frobenius=frobenius), None)
        if frobenius:
            raise ValueError("a mask (or missing_values) needs solver='mu' without penalties: "
                             "the Frobenius solvers do not take masks")
        return masked_input(X, beta, mask, self.missing_values)

    def _fit(self, X: Any, W0: Any, H0: Any, mask: Any = None) -> np.ndarray:
        beta = check_beta(self.beta)
        sp = check_solver_params(self, beta, SOLVERS)
        # None: as many components as features (scikit-learn's convention)
        r = None if self.n_components is None else check_positive_int(self.n_components,
                                                                       "n_components")
        run_params = check_run_params(self)
        max_iter, tol, every, nt = (run_params.max_iter, run_params.tol, run_params.loss_every,
                                    run_params.n_threads)
        verbose, progress, callback, rng = (run_params.verbose, run_params.progress,
                                            run_params.callback, run_params.rng)
        with deferred_interrupt() as sigint:  # a Ctrl-C in the set-up: 0 iterations
            # dense or scipy.sparse (β = 1); data outside its dtype's band is fit as 2^k X
            # (exact; one copy) and the factors are mapped back
            data, scale, undetermined = self._data(X, beta, sp.frobenius, mask)
            m, n = data.shape
            source = start_model(self)  # a fitted model to continue from, or None
            if r is None:
                r = n
            # a rank above min(m, n) is defined for random and explicit starts, not for NNDSVD
            # (it has min(m, n) singular pairs)
            if r > min(m, n) and isinstance(self.init, str) and self.init.startswith("nndsvd") \
                    and source is None:
                raise ValueError(rank_message(r, m, n) + f"; init={self.init!r} needs that, "
                                 "init='random' does not")
            # MU and IPG need a positive start; the other Frobenius solvers keep exact zeros
            W, H = single_start(data, scale, r, self.init, W0, H0, source, rng,
                                floor=not sp.frobenius or sp.solver in ("mu", "ipg"))

        def publish(W: np.ndarray, H: np.ndarray, n_iter: int) -> None:
            """The model a callback sees: W in the caller's units (a copy when rescaled)."""
            self.W_, self.H_, self.components_, self.n_iter_ = scale.to_caller(W), H, H, n_iter

        for name in ("data_loss_", "n_inner_", "n_resets_", "pgrad_history_",
                     "undetermined_"):  # a refit's
            self.__dict__.pop(name, None)
        if sp.frobenius:
            fit: Any = fit_frobenius(
                data, scale, W, H, solver=sp.solver, penalty=self._penalty(m, n, sp),
                inner_iter=sp.inner_iter, inner_tol=sp.inner_tol, stop=sp.stop,
                ipg_tau=sp.ipg_tau, ipg_step=sp.ipg_step, n_threads=nt, max_iter=max_iter,
                tol=tol, loss_every=every, name="BetaNMF", verbose=verbose, progress=progress,
                callback=callback, model=self, publish=publish, start_interrupted=sigint.fired)
            self.data_loss_ = fit.data_loss
            self.n_inner_ = fit.n_inner
            self.n_resets_ = fit.n_resets
            if fit.pgrad_history is not None:
                self.pgrad_history_ = fit.pgrad_history
        else:
            fit = fit_single(data, scale, W, H, beta=beta, n_threads=nt, max_iter=max_iter,
                             tol=tol, loss_every=every, name="BetaNMF", verbose=verbose,
                             progress=progress, callback=callback, model=self,
                             publish=publish, start_interrupted=sigint.fired)
        self.W_ = fit.W
        self.H_ = fit.H
        self.components_ = fit.H
        self.n_components_ = r
        self.n_features_in_ = n
        if data.sparse:
            self.sparse_input_ = True
        self.n_iter_ = fit.n_iter
        self.loss_history_ = fit.loss_history
        self.loss_iterations_ = fit.loss_iterations
        self.loss_ = fit.loss
        self.beta_ = beta
        if undetermined is not None:
            self.undetermined_ = (undetermined.rows, undetermined.columns)
        record_feature_names(self, X)
        return fit.W

    def _penalty(self, m: int, n: int, sp: Any = None) -> Penalty:
        """The elastic-net terms (F8) for data of m samples and n features, caller's units."""
        sp = sp or check_solver_params(self, self.beta_, SOLVERS)
        return Penalty.sklearn(sp.alpha_W, sp.alpha_H, sp.l1_ratio, m, n)

    def _frobenius(self) -> bool:
        return check_solver_params(self, self.beta_, SOLVERS).frobenius

    # --------------------------------------------------------------- new data
    def transform(self, X: Any, *, mask: Any = None) -> np.ndarray:
        """The codes W of new rows with H fixed: the same W updates, which are row-separable,
        from a constant start (as scikit-learn), until the loss stagnates (``tol``) or
        ``max_iter``; with a Frobenius solver (β = 2) the exact codes, min over W ≥ 0 of
        ½‖X − W H‖² plus the W penalties, by block principal pivoting.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
            New rows, with the training data's n features.
        mask : array-like of shape (k, n), optional
            Observed entries of X (as in :meth:`fit`): the codes fit those only.

        Returns
        -------
        W : ndarray of shape (k, r)
        """
        self._check_fitted()
        check_feature_names(self, X)
        frobenius = self._frobenius()
        data, scale, _ = self._data(X, self.beta_, frobenius, mask)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        if frobenius:
            penalty = self._penalty(data.shape[0], data.shape[1]).to_fit(scale)
            return scale.to_caller(nnls_codes(data, self.components_, penalty,
                                              resolve_n_threads(self.n_threads)))
        W = mu_codes(data, self.components_, self.beta_, resolve_n_threads(self.n_threads),
                     check_positive_int(self.max_iter, "max_iter"), self.tol, type(self).__name__)
        return scale.to_caller(W)

    def score(self, X: Any, y: Any = None, *, mask: Any = None) -> float:
        """The negative loss −Dβ(X, W H) with W = ``transform(X)`` and the learned H (higher
        is better), for model selection; with a mask, the masked loss on the observed
        entries (hold-out: fit with a mask, score the held-out entries with its complement).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
        y : ignored
        mask : array-like of shape (k, n), optional
            Observed entries of X (as in :meth:`fit`).

        Returns
        -------
        score : float
        """
        W = self.transform(X, mask=mask)
        check_feature_names(self, X)
        data, scale, _ = self._data(X, self.beta_, self._frobenius(), mask)
        nt = resolve_n_threads(self.n_threads)
        if data.sparse and self.beta_ == 2.0:
            return -scale.loss_to_caller(frobenius_loss(data, scale.to_fit(W),
                                                        self.components_, nt), 2.0)
        H = data.factor_layout(self.components_)
        W = data.w_layout(scale.to_fit(W))
        return -scale.loss_to_caller(data.divergence(W, H, self.beta_, nt), self.beta_)

    def inverse_transform(self, W: Any) -> np.ndarray:
        """The reconstruction W H.

        Parameters
        ----------
        W : array-like of shape (k, r)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_hat : ndarray of shape (k, n)
        """
        self._check_fitted()
        W = np.asarray(W)
        return W @ self.components_

    @property
    def reconstruction_err_(self) -> float:
        """scikit-learn's name for the fit's error: sqrt(2 Dβ(X, W H)) at the end (for β = 2
        the Frobenius norm ‖X − W H‖, without the penalties; ``loss_`` is the objective)."""
        self._check_fitted()
        return float(np.sqrt(2.0 * getattr(self, "data_loss_", self.loss_)))

    @property
    def _n_features_out(self) -> int:
        """The number of columns of ``transform`` (scikit-learn's set_output reads it)."""
        self._check_fitted()
        return int(self.n_components_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
