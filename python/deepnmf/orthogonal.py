"""Orthogonal NMF, scikit-learn style: X ≈ W H with W ≥ 0 and WᵀW = I (or H ≥ 0 and HHᵀ = I),
a hard clustering of the rows (columns) of X with principal-direction centroids, by EM-ONMF."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ._engine.data import aligned, check_input
from ._engine.driver import deferred_interrupt
from ._engine.estimator import EstimatorMixin, FitFirstError
from ._engine.persist import register
from ._engine.validation import (
    check_choice,
    check_factor,
    check_feature_names,
    check_flag,
    check_positive_int,
    check_run_params,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.frobenius import FrobeniusData, frobenius_loss
from ._solvers.orthogonal import (
    INITS,
    SOLVERS,
    assign,
    fit_em_onmf,
    initial_centroids,
    row_sq_norms,
)


def _check_saved(values: dict) -> None:
    r = values["H_"].shape[0]
    if values["W_"].shape[1] != r or values["W_"].dtype != values["H_"].dtype:
        raise ValueError("W_ and H_ disagree")


@register(attributes={"W_": "factor", "H_": "factor", "components_": "factor",
                      "labels_": "ints", "n_components_": "int", "n_features_in_": "int",
                      "n_iter_": "int", "loss_history_": "floats", "loss_iterations_": "ints",
                      "loss_": "float", "orthogonality_": "float", "n_reseeded_": "int",
                      "sparse_input_": "bool"},
          check=_check_saved, aliases={"components_": "H_"})
class OrthogonalNMF(EstimatorMixin):
    """Orthogonal NMF: min ½‖X − W H‖²_F over W ≥ 0 with WᵀW = I (``orthogonal='W'``) or over
    H ≥ 0 with H Hᵀ = I (``orthogonal='H'``).

    A nonnegative W with orthonormal columns has one nonzero per row: the fit is a partition of
    the rows of X into r clusters, each centroid the leading singular direction of its rows (a
    weighted spherical k-means; Ding, He & Simon 2005). The solver is EM-ONMF (Pompili, Gillis,
    Absil & Glineur 2014): assign each row to the centroid of largest cosine, build the
    orthonormal W of that partition, set H = WᵀX (exact for that W); the error never increases
    and WᵀW = I holds at every iterate (a cluster left empty takes the worst-fitted row).

    Parameters
    ----------
    n_components : int
        The number of clusters r.
    orthogonal : {'W', 'H'}, default 'W'
        'W' clusters the rows (samples) of X; 'H' the columns (features): the same fit on Xᵀ
        (for dense X on a C-ordered copy of Xᵀ; sparse X is transposed to CSR).
    solver : {'em', 'ding', 'choi'}, default 'em'
        'em': EM-ONMF (exact orthogonality, non-increasing error). 'ding' / 'choi': the
        multiplicative ONMF of Ding, Li, Peng & Park (2006) / Choi (2008), baselines: W stays
        positive and only nearly orthogonal (``orthogonality_``), the error is not guaranteed
        to decrease; started, as Ding et al., from the partition of ``init`` plus 0.2.
    init : {'spa', 'kmeans++', 'random', 'custom'}, default 'spa'
        The starting centroids: rows of X chosen by successive projection (deterministic), by
        k-means++ seeding for the cosine distance, r distinct rows at random, or the H given to
        ``fit`` ('custom'; for ``orthogonal='H'`` the W given).
    max_iter : int, default 100
    tol : float, default 1e-6
        Stop when the error ‖X − W H‖_F moves by at most tol·‖X‖_F in an iteration.
    random_state : int, Generator or None
        For 'kmeans++' and 'random'.
    n_threads : int or None
        Threads of the compiled products (None: OpenMP's default).
    verbose, warm_start, progress, loss_every, callback
        As for :class:`deepnmf.BetaNMF` (``callback(model, iteration) -> bool``, True stops;
        ``warm_start=True`` continues from the fitted centroids: k iterations and k more are
        the 2k-iteration fit).

    Attributes
    ----------
    W_ : ndarray (m, r)
        Nonnegative; for 'W' orthonormal columns with one nonzero per row.
    H_, components_ : ndarray (r, n)
        Nonnegative; for 'H' orthonormal rows with one nonzero per column.
    labels_ : ndarray of int64
        The cluster of every row of X ('W') or of every column ('H').
    loss_history_ : ndarray
        ½‖X − W H‖²_F at ``loss_iterations_`` (iteration 0: the start's best partition);
        non-increasing.
    loss_ : float
        Its last value.
    orthogonality_ : float
        ‖WᵀW − I‖_F (or ‖HHᵀ − I‖_F) at the end: rounding, or 1 per cluster that stayed empty.
    n_reseeded_ : int
        Empty clusters reseeded during the fit.
    n_iter_ : int
    """

    def __init__(self, n_components: int, *, orthogonal: str = "W", solver: str = "em",
                 init: str = "spa",
                 max_iter: int = 100, tol: float = 1e-6, random_state: Any = None,
                 n_threads: int | None = None, verbose: int = 0, warm_start: bool = False,
                 progress: bool = False, loss_every: int = 1, callback: Any = None) -> None:
        self.n_components = n_components
        self.orthogonal = orthogonal
        self.solver = solver
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
    def fit(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> OrthogonalNMF:
        """Fit X ≈ W H with the orthogonal factor's partition.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data; float32 stays float32.
        y : ignored
        W, H : array-like, optional
            With ``init='custom'``: the starting centroids, H of shape (r, n) for
            ``orthogonal='W'``, W of shape (m, r) for ``orthogonal='H'``.

        Returns
        -------
        self : OrthogonalNMF
        """
        self._fit(X, W, H)
        return self

    def fit_predict(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> np.ndarray:
        """Fit (as :meth:`fit`) and return the cluster of every row of X (for 'H': the argmax of
        each row's code, as :meth:`predict`).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
        y : ignored
        W, H : array-like, optional
            The start for ``init='custom'``, as in :meth:`fit`.

        Returns
        -------
        labels : ndarray of int64, shape (m,)
        """
        self._fit(X, W, H)
        if self.orthogonal == "W":
            return self.labels_.copy()
        return np.argmax(self.W_, axis=1).astype(np.int64)

    def fit_transform(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> np.ndarray:
        """Fit (as :meth:`fit`) and return W.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
        y : ignored
        W, H : array-like, optional
            The start for ``init='custom'``, as in :meth:`fit`.

        Returns
        -------
        W : ndarray of shape (m, r)
        """
        self._fit(X, W, H)
        return self.W_

    def _fit(self, X: Any, W0: Any, H0: Any) -> None:
        orth = check_choice(self.orthogonal, "orthogonal", ("W", "H"))
        init = check_choice(self.init, "init", INITS)
        solver = check_choice(self.solver, "solver", SOLVERS)
        r = check_positive_int(self.n_components, "n_components")
        rp = check_run_params(self)
        nt = rp.n_threads
        with deferred_interrupt() as sigint:
            Xf = X if orth == "W" else (X.T.tocsr() if sp.issparse(X) else np.asarray(X).T)
            data, scale = check_input(Xf, 2.0, frobenius=True)
            m, n = data.shape
            if r > m:
                side = "rows" if orth == "W" else "columns"
                raise ValueError(f"n_components={r} exceeds the {m} {side} of X to cluster")
            start = H0 if orth == "W" else (None if W0 is None else np.asarray(W0).T)
            if init == "custom":
                if start is None:
                    raise ValueError(f"init='custom' needs {'H' if orth == 'W' else 'W'} given "
                                     "to fit")
                start = scale.to_fit(check_factor(start, "H" if orth == "W" else "W.T", (r, n),
                                                  data.dtype))
            elif (H0 if orth == "W" else W0) is not None:
                raise ValueError(f"a starting factor was given to fit but init={init!r}; pass "
                                 "init='custom' to use it")
            fdata = FrobeniusData(data, nt)
            if check_flag(self.warm_start, "warm_start") and hasattr(self, "components_") \
                    and getattr(self, "n_components_", None) == r:
                # the centroids are the whole state of EM-ONMF: the fit goes on from them
                Ht = aligned(scale.to_fit(self.H_.T if orth == "W" else self.W_), data.dtype,
                             "C", copy=True)
                if Ht.shape[0] != n or len(self.labels_) != m:
                    raise ValueError("warm_start: X does not have the shape of the data the "
                                     "model was fitted to (or orthogonal= changed)")
            else:
                Ht = initial_centroids(data, fdata, row_sq_norms(data), r, init, start,
                                       rp.rng, nt)

        def publish(W: np.ndarray, H: np.ndarray, labels: np.ndarray, n_iter: int) -> None:
            self._set_factors(orth, W, scale.to_caller(H), labels)
            self.n_iter_ = n_iter

        self.__dict__.pop("sparse_input_", None)  # a refit's
        fit = fit_em_onmf(data, scale, Ht, solver=solver, n_threads=nt, max_iter=rp.max_iter,
                          tol=rp.tol, loss_every=rp.loss_every, name="OrthogonalNMF", verbose=rp.verbose,
                          progress=rp.progress, callback=rp.callback, model=self,
                          publish=publish, start_interrupted=sigint.fired)
        self._set_factors(orth, fit.W, fit.H, fit.labels)
        self.n_components_ = r
        self.n_features_in_ = m if orth == "H" else n
        if sp.issparse(X):
            self.sparse_input_ = True
        self.n_iter_ = fit.n_iter
        self.loss_history_ = fit.loss_history
        self.loss_iterations_ = fit.loss_iterations
        self.loss_ = float(fit.loss_history[-1])
        self.orthogonality_ = fit.orthogonality
        self.n_reseeded_ = fit.n_reseeded
        record_feature_names(self, X)

    def _set_factors(self, orth: str, W: np.ndarray, H: np.ndarray, labels: np.ndarray) -> None:
        """The fitted factors of the problem as posed: the fit on Xᵀ for 'H' is transposed back."""
        if orth == "W":
            self.W_, self.H_ = W, H
        else:
            self.W_, self.H_ = np.ascontiguousarray(H.T), np.ascontiguousarray(W.T)
        self.components_ = self.H_
        self.labels_ = labels

    # --------------------------------------------------------------- new data
    def transform(self, X: Any) -> np.ndarray:
        """The codes of new rows with H fixed. 'W': one nonzero per row, at the centroid of
        largest cosine, of value xᵢ·h_b/‖h_b‖² (the row's optimal weight; on the training rows
        at convergence, W_ itself). 'H': the exact least-squares codes X Hᵀ (H has orthonormal
        rows), nonnegative with X.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)

        Returns
        -------
        W : ndarray of shape (k, r)
        """
        data, scale, nt = self._new_data(X)
        fdata = FrobeniusData(data, nt)
        if self.orthogonal == "H":  # H unitless: the codes carry the data's scale
            return scale.to_caller(fdata.x_ht(aligned(self.H_.T, data.dtype, "C")))
        # both sides in the fit's units: the weights are numbers without units
        a = assign(fdata, aligned(scale.to_fit(self.H_).T, data.dtype, "C"), row_sq_norms(data),
                   nt)
        W = np.zeros((data.shape[0], self.n_components_), dtype=data.dtype)
        W[np.arange(data.shape[0]), a.labels] = a.weight
        return W

    def predict(self, X: Any) -> np.ndarray:
        """The cluster of each new row: the argmax of its code (for 'W' the centroid of largest
        cosine; ties: the lowest index).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)

        Returns
        -------
        labels : ndarray of int64, shape (k,)
        """
        return np.argmax(self.transform(X), axis=1).astype(np.int64)

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
        return np.asarray(W) @ self.H_

    def score(self, X: Any, y: Any = None) -> float:
        """−½‖X − W H‖²_F with W = ``transform(X)`` (higher is better).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
        y : ignored

        Returns
        -------
        score : float
        """
        W = self.transform(X)
        data, scale, nt = self._new_data(X)
        if self.orthogonal == "W":
            Wf, Hf = W, scale.to_fit(self.H_)
        else:
            Wf, Hf = scale.to_fit(W), self.H_
        return -float(scale.loss_to_caller(frobenius_loss(data, Wf, Hf, nt), 2.0))

    def _new_data(self, X: Any) -> tuple[Any, Any, int]:
        self._check_fitted()
        check_feature_names(self, X)
        data, scale = check_input(X, 2.0, frobenius=True)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        return data, scale, resolve_n_threads(self.n_threads)

    @property
    def _n_features_out(self) -> int:
        self._check_fitted()
        return int(self.n_components_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise FitFirstError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
