"""Single-layer β-NMF by multiplicative updates (Févotte & Idier 2011), scikit-learn style."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from ._engine.base import (
    ConvergenceWarning,
    EstimatorMixin,
    InterruptedFitWarning,
    NotFittedError,
    progress_bar,
    warn_interrupted,
)
from ._engine.data import check_input
from ._engine.init import INITS, initialize
from ._engine.layers import model_factors, start_model
from ._engine.validation import (
    check_beta,
    check_factor,
    check_positive_int,
    check_rank,
    check_tol,
    resolve_n_threads,
)

#: Window (in iterations) over which the stopping rule measures the relative decrease.
STAGNATION_WINDOW = 10


def rank_message(r: int, m: int, n: int) -> str:
    """The error for a rank the data does not allow (scikit-learn's wording for 1 sample or 1
    feature)."""
    return (f"n_components={r} exceeds min(m, n) = {min(m, n)} of X with {m} sample(s) and "
            f"{n} feature(s) (n_samples = {m}, n_features = {n}): a rank above that is never "
            "needed for an exact factorization")


def stagnated(losses: list[float], tol: float, window: int = STAGNATION_WINDOW,
              iterations: list[int] | None = None) -> bool:
    """True when the loss fell by less than ``tol`` (relative) over the last ``window``
    iterations: the last loss against the latest one recorded at least ``window`` iterations
    before it. ``iterations[k]`` is when ``losses[k]`` was recorded (default: one per
    iteration). MU never increases the loss between two recorded iterations, so this is a
    sound stagnation test."""
    if iterations is None:
        if len(losses) <= window:
            return False
        j = len(losses) - 1 - window
    else:
        j = next((k for k in range(len(iterations) - 2, -1, -1)
                  if iterations[k] <= iterations[-1] - window), -1)
        if j < 0:
            return False
    return (losses[j] - losses[-1]) <= tol * abs(losses[j])


def check_history(values: dict) -> None:
    """A loaded model's loss history and its iterations must have one length."""
    h, at = values.get("loss_history_"), values.get("loss_iterations_")
    if h is not None and at is not None and len(h) != len(at):
        raise ValueError("loss_history_ and loss_iterations_ differ in length")


def iterate_codes(sweep: Any, max_iter: int, tol: float, name: str) -> bool:
    """The loop of every ``transform``: ``sweep()`` (one pass of W-updates of the new rows,
    returning the loss before it) until the loss stagnates (``tol``) or ``max_iter`` sweeps.
    Ctrl-C ends it between two sweeps (each completes in C++) with an InterruptedFitWarning;
    returns whether it did."""
    losses: list[float] = []
    try:
        for _ in range(max_iter):
            losses.append(sweep())
            if tol > 0 and stagnated(losses, tol):
                break
    except KeyboardInterrupt:
        warnings.warn(f"{name}.transform interrupted (Ctrl-C) after {len(losses)} sweeps; the "
                      "codes returned are that iterate, not converged", InterruptedFitWarning,
                      stacklevel=3)
        return True
    return False


class BetaNMF(EstimatorMixin):
    """Nonnegative matrix factorization X ≈ W H under the β-divergence, by multiplicative
    updates (Févotte & Idier 2011), with the paper's floor max(·, ε) after every update.

    Parameters
    ----------
    n_components : int
        The rank r.
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
        Results do not depend on it.
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

    #: Set by MultilayerNMF for layers whose rank exceeds their data's (warned about there).
    _overcomplete_ok: bool = False

    #: The fitted attributes a saved model holds, by kind (deepnmf._engine.persist).
    _saved_attributes = {"W_": "factor", "H_": "factor", "components_": "factor",
                         "n_components_": "int", "n_features_in_": "int", "sparse_input_": "bool",
                         "n_iter_": "int", "loss_history_": "floats", "loss_iterations_": "ints",
                         "loss_": "float", "beta_": "float"}

    @staticmethod
    def _check_saved(values: dict) -> None:
        """What a loaded model's attributes must satisfy beyond their kinds."""
        r = values["H_"].shape[0]
        if values.get("n_components_", r) != r or values["W_"].dtype != values["H_"].dtype:
            raise ValueError("W_, H_ and n_components_ disagree")
        check_history(values)

    def __init__(
        self,
        n_components: int,
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

    def _fit(self, X: Any, W0: Any, H0: Any, validated: Any = None,
             iterate: bool = True) -> np.ndarray:
        """Fit; `validated` = (data, scale) from check_input when the caller (a layered model)
        has validated X already — X is then not read, validated or copied again. With
        `iterate` False the model gets its initial factors only (0 iterations)."""
        beta = check_beta(self.beta)
        # dense or scipy.sparse (β = 1); data outside its dtype's band is fit as 2^k X
        # (exact; one copy) and the factors are mapped back below
        data, scale = validated if validated is not None else check_input(X, beta)
        r = check_rank(self.n_components)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_tol(self.tol)
        nt = resolve_n_threads(self.n_threads)
        m, n = data.shape
        if r > min(m, n) and not self._overcomplete_ok:
            raise ValueError(rank_message(r, m, n))
        source = start_model(self)
        if source is not None:
            Ws, Hs = model_factors(source)
            if len(Ws) != 1:
                raise ValueError(f"init is a {len(Ws)}-layer model; BetaNMF starts from one layer")
            W0, H0 = Ws[0], Hs[0]
        if source is not None or self.init == "custom":
            if W0 is None or H0 is None:
                raise ValueError("init='custom' needs W and H passed to fit()")
            what = "" if source is None else "the initial model's "
            W = check_factor(W0, what + "W", (m, r), data.dtype)
            W = W.copy() if scale.unit else scale.to_fit(W)  # W carries the data's scale
            # one copy, in the layout the kernels read (Fortran order next to sparse data)
            H = data.factor_layout(check_factor(H0, what + "H", (r, n), data.dtype), copy=True)
            eps = np.finfo(data.dtype).eps
            np.maximum(W, eps, out=W)
            np.maximum(H, eps, out=H)
        elif self.init in INITS:
            W, H = initialize(data.matrix, r, self.init,
                              np.random.default_rng(self.random_state))
        else:
            raise ValueError(f"init={self.init!r} is not one of {INITS + ('custom',)} or a "
                             "fitted BetaNMF")

        H = data.factor_layout(H)  # Fortran order next to sparse data (no copy if it is)
        W = data.w_layout(W)  # 64-byte aligned rows start (no copy if it is)
        every = check_positive_int(self.loss_every, "loss_every")
        window = max(STAGNATION_WINDOW, every)
        losses: list[float] = []
        at: list[int] = []  # the iteration of each recorded loss
        start = time.perf_counter()
        n_iter = 0
        interrupted = stopped = False
        bar = progress_bar(self.progress, max_iter, "BetaNMF")
        try:
            for n_iter in range(1, (max_iter if iterate else 0) + 1):
                done = n_iter - 1  # iterations completed before this one
                record = done % every == 0 or bool(self.verbose and done % self.verbose == 0)
                # The W update computes W H anyway: on request it returns the current loss.
                loss = data.mu_w(W, H, beta, nt, record)
                data.mu_h(W, H, beta, False, nt)
                bar.update()
                if self.callback is not None:  # W in the caller's units (a copy if rescaled)
                    self.W_, self.H_, self.components_, self.n_iter_ = (
                        scale.to_caller(W), H, H, n_iter)
                    if self.callback(self, n_iter):
                        stopped = True
                        if record:
                            losses.append(loss)
                            at.append(done)
                        break
                if not record:
                    continue
                losses.append(loss)
                at.append(done)
                if self.verbose and done % self.verbose == 0:
                    print(f"BetaNMF iter {done:5d}  loss {loss:.6e}  "
                          f"{time.perf_counter() - start:7.2f}s")
                if tol > 0 and stagnated(losses, tol, window, at):
                    break
        except KeyboardInterrupt:
            interrupted = True
            warn_interrupted("BetaNMF", n_iter)
        finally:
            bar.close()
        self._interrupted = interrupted  # read by MultilayerNMF: one Ctrl-C stops every layer
        # the loss of the factors as they are, labelled with the iteration that reached them
        # (after Ctrl-C, the one in progress: its W update may have run, as DeepNMF labels it);
        # the record before it, of iteration n_iter − 1's factors, stays
        losses.append(data.divergence(W, H, beta, nt))
        at.append(n_iter)
        converged = tol > 0 and stagnated(losses, tol, window, at)
        if tol > 0 and not converged and not interrupted and not stopped and n_iter == max_iter:
            warnings.warn(
                f"BetaNMF stopped at max_iter={max_iter} before the loss stagnated "
                f"(tol={tol:g}); increase max_iter", ConvergenceWarning, stacklevel=3)

        W = scale.to_caller(W)
        losses = list(scale.loss_to_caller(np.asarray(losses, dtype=np.float64), beta))
        H = np.ascontiguousarray(H)
        self.W_ = W
        self.H_ = H
        self.components_ = H
        self.n_components_ = r
        self.n_features_in_ = n
        if data.sparse:
            self.sparse_input_ = True
        self.n_iter_ = n_iter
        self.loss_history_ = np.asarray(losses)
        self.loss_iterations_ = np.asarray(at, dtype=np.int64)
        self.loss_ = float(losses[-1])
        self.beta_ = beta
        return W

    def _initial_only(self, validated: Any, W0: Any, H0: Any) -> None:
        """The initial factors of a fit on validated data, 0 iterations (the layers that a
        Ctrl-C in MultilayerNMF left)."""
        self._fit(None, W0, H0, validated=validated, iterate=False)

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
        data, scale = check_input(X, self.beta_)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        H = data.factor_layout(self.components_)
        nt = resolve_n_threads(self.n_threads)
        avg = np.sqrt(max(data.mean(), np.finfo(data.dtype).eps) / self.n_components_)
        W = data.w_layout(np.full((data.shape[0], self.n_components_), avg, dtype=data.dtype))
        iterate_codes(lambda: data.mu_w(W, H, self.beta_, nt, True),
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

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
