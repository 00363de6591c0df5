"""Data with missing entries (docs/masks-semisupervised.md §1): a weight Ω on the entries of
dense X, 1 (or any positive weight) observed, 0 missing. The fit minimizes the masked
divergence D_β^Ω(X, W H) = Σ Ωᵢⱼ dβ(Xᵢⱼ | (WH)ᵢⱼ) by the masked MU, each an exact MM step
(monotone for every β). ``MaskedData`` is the first layer's data behind the LayerData
interface, so the β family's sweeps run on it unchanged; the values of X at the holes are
never read into a result (NaN there is fine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .. import _core
from .base import warn
from .data import DenseData, aligned, rounding_level
from .validation import Scale, as_float_array, check_beta_range, check_data_range


@dataclass
class Undetermined:
    """Samples (rows) and features (columns) of X with no observed entry: the fit has no data
    for their factor entries, which then stay at the floor ε."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))


def check_mask(mask: Any, shape: tuple[int, int], dtype: Any, name: str = "mask") -> np.ndarray:
    """Ω as an array of X's dtype and shape (C order, 64-byte aligned): a boolean or 0/1 array,
    or nonnegative weights; a scipy.sparse mask lists the observed entries (stored entries,
    their values the weights). A boolean mask is converted once per call (m×n of X's dtype);
    pass it in X's dtype to avoid that copy."""
    if sp.issparse(mask):
        mask = mask.toarray()
    M = np.asarray(mask)
    if M.dtype == object or M.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a boolean or numeric array, got dtype {M.dtype}")
    if M.shape != tuple(shape):
        raise ValueError(f"{name} has shape {M.shape}; it must have X's shape {tuple(shape)}")
    if M.dtype.kind == "f":
        if not np.isfinite(M).all():
            raise ValueError(f"{name} contains NaN or infinity; its entries are weights ≥ 0 "
                             "(1 or True: observed, 0 or False: missing)")
    if M.dtype.kind != "b" and (M < 0).any():
        raise ValueError(f"{name} has negative entries; its entries are weights ≥ 0 (1 or "
                         "True: observed, 0 or False: missing)")
    return aligned(M, dtype, "C")


def missing_mask(X: np.ndarray, missing_values: Any) -> np.ndarray | None:
    """Ω = X ≠ missing_values (np.nan: ¬isnan(X)) as booleans, None when nothing is missing."""
    if missing_values is None:
        return None
    if isinstance(missing_values, float) and np.isnan(missing_values):
        seen = ~np.isnan(X)
    else:
        try:
            seen = X != float(missing_values)
        except (TypeError, ValueError):
            raise ValueError(f"missing_values must be None, np.nan or a number, got "
                             f"{missing_values!r}") from None
    return None if seen.all() else seen


def check_observed(X: np.ndarray, observed_at: np.ndarray | None, beta: float,
                   name: str = "X") -> np.ndarray:
    """The observed entries of X (all of X without a mask), checked: finite, nonnegative, no
    zeros for β ≤ 0 (the holes may hold anything: they are never read)."""
    observed = X if observed_at is None else X[observed_at]
    if observed.size == 0:
        raise ValueError(f"the mask hides every entry of {name}: nothing to fit")
    if not np.isfinite(observed).all():
        raise ValueError(f"{name} contains NaN or infinity at observed entries; mark them "
                         "missing (mask=..., or missing_values=np.nan for NaN)")
    if (observed < 0).any():
        raise ValueError(f"{name} has negative observed entries (min {observed.min():.3g}); "
                         "NMF needs nonnegative data")
    if beta <= 0 and (observed == 0).any():
        raise ValueError(f"{name} has exact zeros at observed entries and beta={beta:g} <= 0: "
                         "the beta-divergence is infinite there; mark them missing, add a "
                         "small positive offset or use beta > 0")
    return observed


def masked_input(X: Any, beta: float, mask: Any, missing_values: Any,
                 name: str = "X") -> tuple[Any, Scale, Undetermined]:
    """Validate dense X with a mask and/or ``missing_values``: (data, scale, undetermined).
    Only the observed entries are checked (finite, nonnegative; no zeros for β ≤ 0) and set
    the scale; a mask that hides nothing gives the unmasked data (the same results bit for
    bit, at no cost)."""
    if sp.issparse(X):
        raise ValueError(f"a mask (or missing_values) with sparse {name} is not supported: a "
                         "dense mask would densify the data; pass "
                         f"{name}.toarray() with the mask, or fit without one")
    X = as_float_array(X, name)
    if X.size == 0:
        raise ValueError(f"Found array with 0 sample(s) or 0 feature(s) (shape={X.shape}) "
                         f"while a minimum of 1 is required: {name} is empty")
    M = None if mask is None else check_mask(mask, X.shape, X.dtype)
    seen = missing_mask(X, missing_values)
    if seen is not None:
        M = seen.astype(X.dtype) if M is None else M * seen  # a new array either way
        M = aligned(M, X.dtype, "C")
    observed_at = None if M is None else M > 0
    observed = check_observed(X, observed_at, beta, name)
    check_beta_range(beta, X.dtype)
    largest = float(observed.max())
    positive = observed[observed > 0]
    check_data_range(largest, float(positive.min()) if beta < 1.0 and positive.size else None,
                     beta, X.dtype, name)
    scale = Scale.of(largest, beta, X.dtype)
    Xs = X if scale.unit else np.ascontiguousarray(scale.to_fit(X))
    if M is None or observed_at is None or bool((M == 1).all()):
        return DenseData(Xs), scale, Undetermined()
    undetermined = Undetermined(np.flatnonzero(~observed_at.any(axis=1)),
                                np.flatnonzero(~observed_at.any(axis=0)))
    if undetermined.rows.size or undetermined.columns.size:
        warn(f"{undetermined.rows.size} row(s) and {undetermined.columns.size} column(s) of "
             f"{name} have no observed entry: their factor entries have no data and stay at "
             "the floor ε (listed in undetermined_)", RuntimeWarning)
    return MaskedData(Xs, M, observed_at), scale, undetermined


class MaskedData(DenseData):
    """Dense X with weights Ω (same shape, X's dtype; 0 = missing): the β family's fused MU,
    its majorizer pieces and the divergence, each one masked ``_core`` call. The Frobenius
    family's products and the deep model's constrained updates are not masked here."""

    def __init__(self, X: np.ndarray, M: np.ndarray, observed_at: np.ndarray) -> None:
        super().__init__(X)
        self.M = M
        self._observed = observed_at

    @property
    def matrix(self) -> np.ndarray:
        """X with the holes at the mean of the observed entries (a new array, for the
        initializations, which need a complete matrix)."""
        return np.where(self._observed, self.X, self.X.dtype.type(self.mean()))

    def mean(self) -> float:
        return float(np.mean(self.X[self._observed]))

    def rounding_level(self, beta: float, r: int) -> float:
        return rounding_level(self.X[self._observed], beta, r)

    def mu_w(self, W, H, beta, nt, want_loss=False) -> float:
        return _core.mu_w_masked(self.X, self.M, W, H, beta, nt, want_loss)

    def mu_h(self, W, H, beta, row_sums_one, nt, want_loss=False) -> float:
        if row_sums_one:
            raise ValueError("masks are not supported with rows of H summing to one (the deep "
                             "models' first layer) yet")
        return _core.mu_h_masked(self.X, self.M, W, H, beta, nt, want_loss)

    def divergence(self, W, H, beta, nt) -> float:
        return _core.beta_divergence_wh_masked(self.X, self.M, W, H, beta, nt)

    def majorizer_w(self, W, H, beta, nt, want_loss=False) -> tuple[np.ndarray, np.ndarray, float]:
        P, Q = (np.empty(W.shape, dtype=self.dtype) for _ in range(2))
        loss = _core.majorizer_w_masked(self.X, self.M, W, H, beta, P, Q, nt, want_loss)
        return P, Q, loss

    def majorizer_h(self, W, H, beta, nt, want_loss=False) -> tuple[np.ndarray, np.ndarray, float]:
        P, Q = (np.empty(H.shape, dtype=self.dtype) for _ in range(2))
        loss = _core.majorizer_h_masked(self.X, self.M, W, H, beta, P, Q, nt, want_loss)
        return P, Q, loss

    def _unmasked(self, what: str) -> Any:
        raise ValueError(f"{what} does not take a mask: masks are supported by the "
                         "multiplicative updates (solver='mu') of BetaNMF, MultilayerNMF and "
                         "SemiSupervisedNMF")

    def coupled_w(self, W, H, W_bar, lam, beta, nt, want_loss=False) -> float:
        return self._unmasked("the deep models' coupled W-update")

    def minvol_w(self, *args, **kwargs) -> dict:
        return self._unmasked("MinVolDeepNMF")

    def cross_w(self, Ht, nt) -> np.ndarray:
        return self._unmasked("the Frobenius solvers")

    def cross_h(self, W, nt) -> np.ndarray:
        return self._unmasked("the Frobenius solvers")

    def sq_norm(self) -> float:
        return self._unmasked("the Frobenius solvers")
