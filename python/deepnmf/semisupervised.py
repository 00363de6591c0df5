"""Semi-supervised NMF as a scikit-learn classifier: codes W shared by the data X ≈ W H and
the labels Y ≈ W B, with missing data and missing labels (docs/masks-semisupervised.md §3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ._engine.base import warn
from ._engine.data import DenseData, aligned, check_input
from ._engine.driver import deferred_interrupt
from ._engine.estimator import EstimatorMixin, FitFirstError
from ._engine.history import LossHistory
from ._engine.init import single_start
from ._engine.masked import MaskedData, Undetermined, check_mask, masked_input
from ._engine.persist import register
from ._engine.validation import (
    as_float_array,
    check_beta,
    check_choice,
    check_factor,
    check_feature_names,
    check_positive_int,
    check_run_params,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.beta import mu_codes
from ._solvers.supervised import SupervisedSweep, fit_supervised

try:  # a genuine scikit-learn classifier when scikit-learn is installed
    from sklearn.base import ClassifierMixin as _ClassifierBase
except ImportError:  # pragma: no cover - exercised without scikit-learn
    _ClassifierBase = object  # type: ignore[misc,assignment]

UPDATES = ("mm", "ssnmf")


def _check_saved(values: dict) -> None:
    r = values["H_"].shape[0]
    if values["W_"].shape[1] != r or values["B_"].shape[0] != r \
            or values["B_"].shape[1] != values["classes_"].shape[0]:
        raise ValueError("W_, H_, B_ and classes_ disagree")


def label_matrix(y: Any, m: int, label_mask: Any,
                 dtype: Any) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(Y, L or None, classes): y of shape (m,) with classes as integers ≥ 0 and −1 for an
    unlabeled row (scikit-learn's semi-supervised convention) becomes one-hot Y with L marking
    the labeled rows; y of shape (m, p) is a nonnegative indicator matrix taken as it is, with
    ``label_mask`` (m, p) or (m,) marking the labeled entries (rows)."""
    if y is None:
        raise ValueError("SemiSupervisedNMF needs y: the class of each row, -1 for unlabeled")
    arr = np.asarray(y)
    if arr.ndim == 1:
        if arr.shape[0] != m:
            raise ValueError(f"y has {arr.shape[0]} entries for {m} rows of X")
        if label_mask is not None:
            raise ValueError("label_mask is for an indicator matrix y of shape (m, p); with "
                             "y of shape (m,), mark unlabeled rows by -1")
        if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iub":
            raise ValueError(f"y must hold integer classes (-1: unlabeled), got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        if (arr < -1).any():
            raise ValueError("y holds negative classes other than -1 (the unlabeled marker)")
        labeled = arr >= 0
        if not labeled.any():
            raise ValueError("every row of y is unlabeled (-1): nothing supervises the fit; "
                             "use BetaNMF for an unsupervised factorization")
        classes = np.unique(arr[labeled])
        Y = np.zeros((m, classes.size), dtype=dtype)
        Y[np.flatnonzero(labeled), np.searchsorted(classes, arr[labeled])] = 1
        L = None if labeled.all() else np.repeat(labeled[:, None], classes.size, 1).astype(dtype)
        return Y, L, classes
    if arr.ndim != 2 or arr.shape[0] != m:
        raise ValueError(f"y must have shape ({m},) or ({m}, p), got {arr.shape}")
    Y = as_float_array(arr, "y", dtype=dtype)
    L = None
    if label_mask is not None:
        lm = np.asarray(label_mask)
        if lm.shape == (m,):
            lm = np.repeat(lm[:, None], Y.shape[1], 1)
        L = check_mask(lm, Y.shape, dtype, "label_mask")
    seen = slice(None) if L is None else L > 0
    if not np.isfinite(Y[seen]).all() or (Y[seen] < 0).any():
        raise ValueError("y must be a nonnegative, finite indicator matrix at its labeled entries")
    if L is not None and not (L > 0).any():
        raise ValueError("label_mask hides every label: nothing supervises the fit")
    return np.ascontiguousarray(Y), L, np.arange(Y.shape[1])


@register(attributes={"W_": "factor", "H_": "factor", "components_": "factor", "B_": "factor",
                      "classes_": "ints", "n_components_": "int", "n_features_in_": "int",
                      "n_iter_": "int", "loss_history_": "floats",
                      "loss_terms_": "float_table", "loss_iterations_": "ints",
                      "loss_": "float", "beta_": "float", "label_beta_": "float"},
          check=_check_saved, aliases={"components_": "H_"})
class SemiSupervisedNMF(_ClassifierBase, EstimatorMixin):  # type: ignore[misc,valid-type]
    """Semi-supervised NMF: codes W ≥ 0 shared by the data and the labels,

        F(W, H, B) = Σ Ωᵢⱼ dβ(Xᵢⱼ | (WH)ᵢⱼ) + λ Σ Lᵢc dβ_Y(Yᵢc | (WB)ᵢc),

    X ≈ W H (m samples × n features), Y ≈ W B (one-hot classes of the labeled rows), Ω the
    observed entries of X (``mask``) and L the labeled rows (Lee, Yoo & Choi 2010; the four
    data/label divergence pairs of Haddock et al. 2020). Block MM in the order H, B, W: H and B
    by their term's multiplicative update, W by the exact root of the summed majorizer's
    stationarity — the published ratio for equal divergences, the positive root of a quadratic
    for Frobenius/KL pairs, a safeguarded Newton solve otherwise — so F never increases (the
    ssnmf package's ratio for mixed pairs can raise it: ``update='ssnmf'`` reproduces that).

    New rows are classified from their data alone: their codes W minimize the data term with H
    fixed (converged, from a deterministic start), and the class is argmax of W B.

    Parameters
    ----------
    n_components : int
        The rank r.
    beta : float or divergence name, default 1.0
        β of the data term (any β; 1: KL, 2: Frobenius).
    label_beta : float, divergence name or None, default None
        β of the label term (None: ``beta``).
    label_weight : float ≥ 0, default 1.0
        λ. With raw counts the rows of W carry the documents' lengths: normalize the rows of X
        (l1 for KL, l2 / TF-IDF for Frobenius), or no single B maps codes to one-hot rows.
    update : {'mm', 'ssnmf'}, default 'mm'
        'mm': the exact W-step. 'ssnmf': the package's ratio (Q^X + λQ^Y)/(P^X + λP^Y) for
        every pair — identical for equal divergences, not a minimizer for mixed ones.
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random', 'custom'}, default 'nndsvda'
        W and H from X (B then starts at a constant level); 'custom' takes W, H, B from fit.
    max_iter : int, default 200
        Iterations (H, B, W each). Early stopping regularizes a large λ (the reference
        experiments stop at 50 or fewer).
    tol : float, default 1e-4
        Relative decrease of F over 10 iterations that stops the fit (0: run max_iter).
    random_state, n_threads, verbose, progress, loss_every, callback
        As :class:`BetaNMF`.
    missing_values : None, np.nan or a number, default None
        The value that marks a missing entry of X (as :class:`BetaNMF`).

    Attributes
    ----------
    W_ : ndarray (m, r)
        The codes of the training rows.
    components_ : ndarray (r, n)
        H (also ``H_``).
    B_ : ndarray (r, p)
        The classifier of the codes: class scores W B.
    classes_ : ndarray (p,)
        The classes (the distinct labels of y ≥ 0; 0 … p−1 for an indicator y).
    loss_history_ : ndarray
        F at ``loss_iterations_`` (non-increasing); ``loss_terms_`` has the rows (data term,
        label term, F).
    undetermined_ : tuple of two int arrays
        With a mask: the rows and columns of X with no observed entry.
    """

    def __init__(self, n_components: int, *, beta: Any = 1.0, label_beta: Any = None,
                 label_weight: float = 1.0, update: str = "mm", init: str = "nndsvda",
                 max_iter: int = 200, tol: float = 1e-4, random_state: Any = None,
                 n_threads: int | None = None, verbose: int = 0, progress: bool = False,
                 loss_every: int = 10, callback: Any = None, missing_values: Any = None) -> None:
        self.n_components = n_components
        self.beta = beta
        self.label_beta = label_beta
        self.label_weight = label_weight
        self.update = update
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose
        self.progress = progress
        self.loss_every = loss_every
        self.callback = callback
        self.missing_values = missing_values

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    # ---------------------------------------------------------------- fitting
    def fit(self, X: Any, y: Any, *, label_mask: Any = None, mask: Any = None, W: Any = None,
            H: Any = None, B: Any = None) -> SemiSupervisedNMF:
        """Fit on X with the labels y.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data; float32 stays float32. Sparse X: β = 1, no mask (the sparse KL
            passes, O(nnz·r) per update).
        y : array-like of shape (m,) or (m, p)
            The class of each row (integers ≥ 0; -1: unlabeled), or an indicator matrix.
        label_mask : array-like of shape (m, p) or (m,), optional
            With an indicator y: which labels (rows) are known.
        mask : array-like of shape (m, n), optional
            Observed entries of X (as :meth:`BetaNMF.fit`).
        W, H, B : arrays, optional
            The initial factors when ``init='custom'``.

        Returns
        -------
        self
        """
        beta = check_beta(self.beta)
        label_beta = beta if self.label_beta is None else check_beta(self.label_beta)
        if label_beta <= 0:
            raise ValueError(f"label_beta={label_beta:g}: the one-hot labels have zeros, whose "
                             "divergence is infinite for beta <= 0; use label_beta > 0")
        try:
            lam = float(self.label_weight)
        except (TypeError, ValueError):
            lam = np.nan
        if not (np.isfinite(lam) and lam >= 0):
            raise ValueError(f"label_weight must be a nonnegative number, got "
                             f"{self.label_weight!r}")
        update = check_choice(self.update, "update", UPDATES)
        r = check_positive_int(self.n_components, "n_components")
        params = check_run_params(self)
        nt = params.n_threads
        with deferred_interrupt() as sigint:
            if sp.issparse(X) and mask is None and self.missing_values is None:
                data, scale = check_input(X, beta)  # β = 1: the sparse KL passes
                undetermined = Undetermined()
            else:
                data, scale, undetermined = masked_input(X, beta, mask, self.missing_values)
            if not scale.unit:
                raise ValueError("X lies outside the range its dtype fits without rescaling "
                                 "(entries near 2^±300, or 2^±60 for float32): the label term "
                                 "is not invariant to a scale of X; rescale X to O(1)")
            m, n = data.shape
            Y, L, classes = label_matrix(y, m, label_mask, data.dtype)
            labels = DenseData(Y) if L is None else MaskedData(Y, L, L > 0)
            if r > min(m, n) and isinstance(self.init, str) and self.init.startswith("nndsvd"):
                raise ValueError(f"n_components={r} exceeds min(m, n) = {min(m, n)}; "
                                 f"init={self.init!r} needs that, init='random' does not")
            W0, H0 = single_start(data, scale, r, self.init, W, H, None, params.rng)
            B0 = self._start_B(B, W0, Y, L, r, data.dtype)

        def publish(n_iter: int) -> None:
            self.W_, self.H_, self.components_, self.B_ = W0, H0, H0, B0
            self.n_iter_ = n_iter

        history = LossHistory(lambda row: float(row[2]), params.loss_every, params.verbose)
        sweep = SupervisedSweep(data, labels, W0, H0, B0, beta=beta, label_beta=label_beta,
                                lam=lam, mediant=update == "ssnmf", n_threads=nt,
                                history=history, publish=publish)
        fit = fit_supervised(sweep, name="SemiSupervisedNMF", max_iter=params.max_iter,
                             tol=params.tol, callback=params.callback, model=self,
                             progress=params.progress, verbose=params.verbose,
                             start_interrupted=sigint.fired)
        self.__dict__.pop("undetermined_", None)
        self.W_, self.H_, self.components_, self.B_ = W0, H0, H0, B0
        self.classes_ = classes
        self.n_components_ = r
        self.n_features_in_ = n
        self.n_iter_ = fit.n_iter
        self.loss_terms_ = fit.table
        self.loss_history_ = np.ascontiguousarray(fit.table[:, 2])
        self.loss_iterations_ = fit.iterations
        self.loss_ = float(fit.table[-1, 2])
        self.beta_, self.label_beta_ = beta, label_beta
        if undetermined.rows.size or undetermined.columns.size:
            self.undetermined_ = (undetermined.rows, undetermined.columns)
        self._warn_unlabeled_classes(L, Y)
        record_feature_names(self, X)
        return self

    def _start_B(self, B: Any, W: np.ndarray, Y: np.ndarray, L: np.ndarray | None, r: int,
                 dtype: Any) -> np.ndarray:
        """B explicit (init='custom'), else constant at the level that makes W B match the
        labels' mean on the labeled rows."""
        p = Y.shape[1]
        if self.init == "custom":
            if B is None:
                raise ValueError("init='custom' needs W, H and B passed to fit()")
            B0 = check_factor(B, "B", (r, p), dtype).copy()
            return aligned(np.maximum(B0, np.finfo(dtype).eps), dtype, "C")
        seen = np.ones(Y.shape, bool) if L is None else L > 0
        level = float(Y[seen].mean()) / max(float(W.sum(axis=1).mean()), np.finfo(dtype).tiny)
        return aligned(np.full((r, p), max(level, np.finfo(dtype).eps), dtype=dtype), dtype, "C")

    def _warn_unlabeled_classes(self, L: np.ndarray | None, Y: np.ndarray) -> None:
        if L is None:
            return
        seen = ((L > 0) & (Y > 0)).any(axis=0)
        if not seen.all():
            warn(f"classes {self.classes_[~seen].tolist()} have no labeled row: their column "
                 "of B has no data and they are never predicted", RuntimeWarning)

    # --------------------------------------------------------------- new data
    def transform(self, X: Any, *, mask: Any = None) -> np.ndarray:
        """The codes of new rows from their data alone: W minimizing the data term with H
        fixed, by the (masked) W-updates from scikit-learn's constant start until the loss
        stagnates (``tol``) or ``max_iter`` sweeps, as :meth:`BetaNMF.transform`.

        Parameters
        ----------
        X : array-like of shape (k, n)
        mask : array-like of shape (k, n), optional

        Returns
        -------
        W : ndarray of shape (k, r)
        """
        self._check_fitted()
        check_feature_names(self, X)
        if mask is None and self.missing_values is None:
            data, scale = check_input(X, self.beta_)
        else:
            data, scale, _ = masked_input(X, self.beta_, mask, self.missing_values)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but SemiSupervisedNMF is "
                             f"expecting {self.n_features_in_} features as input")
        W = mu_codes(data, self.components_, self.beta_, resolve_n_threads(self.n_threads),
                     check_positive_int(self.max_iter, "max_iter"), self.tol,
                     "SemiSupervisedNMF")
        return scale.to_caller(W)

    def decision_function(self, X: Any, *, mask: Any = None) -> np.ndarray:
        """The class scores W B of the rows of X (W = :meth:`transform`), shape (k, p)."""
        return self.transform(X, mask=mask) @ self.B_

    def predict(self, X: Any, *, mask: Any = None) -> np.ndarray:
        """The class of largest score per row."""
        self._check_fitted()
        return self.classes_[np.argmax(self.decision_function(X, mask=mask), axis=1)]

    def predict_proba(self, X: Any, *, mask: Any = None) -> np.ndarray:
        """The scores W B clipped at 0 and normalized per row (scores, not calibrated
        probabilities; a row of zeros gives the uniform distribution)."""
        S = np.maximum(self.decision_function(X, mask=mask), 0.0)
        total = S.sum(axis=1, keepdims=True)
        p = S.shape[1]
        return np.where(total > 0, S / np.where(total > 0, total, 1.0), 1.0 / p)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` on the labeled rows of y (y ≥ 0).

        Parameters
        ----------
        X : array-like of shape (k, n)
        y : array-like of shape (k,)
            The true classes (-1: not counted).
        sample_weight : array-like of shape (k,), optional

        Returns
        -------
        accuracy : float
        """
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError("score needs y of shape (k,): the class of each row")
        pred = self.predict(X)
        keep = y >= 0 if y.dtype.kind in "iuf" else np.ones(y.shape, bool)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[keep]
        return float(np.average(pred[keep] == y[keep], weights=w))

    def inverse_transform(self, W: Any) -> np.ndarray:
        """The reconstruction W H of codes W (the imputation of missing entries).

        Parameters
        ----------
        W : array-like of shape (k, r)

        Returns
        -------
        X_hat : ndarray of shape (k, n)
        """
        self._check_fitted()
        return np.asarray(W) @ self.components_

    @property
    def _n_features_out(self) -> int:
        self._check_fitted()
        return int(self.n_components_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise FitFirstError("This SemiSupervisedNMF instance is not fitted yet; call fit "
                                "first")

