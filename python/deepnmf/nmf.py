"""Single-layer β-NMF by multiplicative updates (Févotte & Idier 2011), scikit-learn style."""

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
from ._engine.persist import register
from ._engine.validation import (
    check_beta,
    check_feature_names,
    check_positive_int,
    check_run_params,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.beta import fit_single, mu_codes


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
                      "loss_": "float", "beta_": "float"},
          check=_check_saved, aliases={"components_": "H_"})
class BetaNMF(EstimatorMixin):
    """Nonnegative matrix factorization X ≈ W H under the β-divergence, by multiplicative
    updates (Févotte & Idier 2011), with the paper's floor max(·, ε) after every update.

    Parameters
    ----------
    n_components : int or None
        The rank r (None: as many as X has features, as scikit-learn). A rank above
        min(m, n) needs a random or explicit start (NNDSVD has min(m, n) singular pairs).
    beta : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}, default 1.0
        The divergence: 2 (Frobenius), 1 (KL), 0 (IS) or any real β.
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
        Dβ(X, W H) at the iterations ``loss_iterations_`` (non-increasing): the initial
        factors (0), every ``loss_every``-th iteration, and the end (``n_iter_``).
    loss_iterations_ : ndarray of int
        The iteration of each entry of ``loss_history_``.
    loss_ : float
        The final loss.

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
    ) -> None:
        self.n_components = n_components
        self.beta = beta
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
    def fit(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> BetaNMF:
        """Fit the factorization X ≈ W H.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data (sparse input: β = 1 only). float32 stays float32.
        y : ignored
            Present for scikit-learn's API.
        W, H : array-like of shapes (m, r) and (r, n), optional
            The initial factors when ``init='custom'``.

        Returns
        -------
        self : BetaNMF
            The fitted model.
        """
        self._fit(X, W, H)
        return self

    def fit_transform(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> np.ndarray:
        """Fit (as :meth:`fit`) and return W of the training data.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data.
        y : ignored
        W, H : array-like, optional
            The initial factors when ``init='custom'``.

        Returns
        -------
        W : ndarray of shape (m, r)
        """
        return self._fit(X, W, H)

    def _fit(self, X: Any, W0: Any, H0: Any) -> np.ndarray:
        beta = check_beta(self.beta)
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
            data, scale = check_input(X, beta)
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
            W, H = single_start(data, scale, r, self.init, W0, H0, source, rng)

        def publish(W: np.ndarray, H: np.ndarray, n_iter: int) -> None:
            """The model a callback sees: W in the caller's units (a copy when rescaled)."""
            self.W_, self.H_, self.components_, self.n_iter_ = scale.to_caller(W), H, H, n_iter

        fit = fit_single(data, scale, W, H, beta=beta, n_threads=nt, max_iter=max_iter, tol=tol,
                         loss_every=every, name="BetaNMF", verbose=verbose,
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
        record_feature_names(self, X)
        return fit.W

    # --------------------------------------------------------------- new data
    def transform(self, X: Any) -> np.ndarray:
        """The codes W of new rows with H fixed: the same W updates, which are row-separable,
        from a constant start (as scikit-learn), until the loss stagnates (``tol``) or
        ``max_iter``.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
            New rows, with the training data's n features.

        Returns
        -------
        W : ndarray of shape (k, r)
        """
        self._check_fitted()
        check_feature_names(self, X)
        data, scale = check_input(X, self.beta_)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        W = mu_codes(data, self.components_, self.beta_, resolve_n_threads(self.n_threads),
                     check_positive_int(self.max_iter, "max_iter"), self.tol, type(self).__name__)
        return scale.to_caller(W)

    def score(self, X: Any, y: Any = None) -> float:
        """The negative loss −Dβ(X, W H) with W = ``transform(X)`` and the learned H (higher
        is better), for model selection.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
        y : ignored

        Returns
        -------
        score : float
        """
        W = self.transform(X)
        check_feature_names(self, X)
        data, scale = check_input(X, self.beta_)
        H = data.factor_layout(self.components_)
        nt = resolve_n_threads(self.n_threads)
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
        the Frobenius norm ‖X − W H‖; ``loss_`` is Dβ itself)."""
        self._check_fitted()
        return float(np.sqrt(2.0 * self.loss_))

    @property
    def _n_features_out(self) -> int:
        """The number of columns of ``transform`` (scikit-learn's set_output reads it)."""
        self._check_fitted()
        return int(self.n_components_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
