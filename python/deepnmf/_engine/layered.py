"""What the layered models (MultilayerNMF, DeepNMF, MinVolDeepNMF) share: read-outs of the
fitted Wℓ, Hℓ and the transform / score protocol around each model's codes of new rows."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import NotFittedError
from .data import DenseData, check_input
from .estimator import EstimatorMixin
from .layers import product
from .validation import Scale, check_feature_names, resolve_n_threads


@dataclass
class Codes:
    """The codes of new rows: the data (2^k X), the scale that maps the codes W to the
    caller's units, the Hℓ they were fit with (in the kernels' layouts), and the weights of
    the objective they minimize (the score's)."""

    data: Any
    scale: Scale
    W: list[np.ndarray]
    H: list[np.ndarray]
    weights: np.ndarray


class LayeredMixin(EstimatorMixin):
    """Read-outs shared by the layered models (fitted W_ and H_ lists). A model supplies
    ``_codes(X) -> Codes``. An EstimatorMixin itself, so that scikit-learn's set_output wraps
    the transform defined here (it wraps only a class's own methods)."""

    W_: list[np.ndarray]
    H_: list[np.ndarray]
    weights_: np.ndarray  # λℓ (DeepNMF, MinVolDeepNMF)
    n_threads: Any
    beta_: float
    n_features_in_: int
    max_iter: int
    tol: float

    @property
    def components_(self) -> np.ndarray:
        """H1, the first layer's dictionary (scikit-learn's ``components_``: W1 H1 ≈ X)."""
        if not hasattr(self, "H_"):
            raise AttributeError(f"This {type(self).__name__} instance is not fitted yet")
        return self.H_[0]

    @property
    def _n_features_out(self) -> int:
        """The number of columns of ``transform`` (W1): r1."""
        return int(self.components_.shape[0])

    def features(self, layer: int) -> np.ndarray:
        """The features of layer ℓ (1-based): Hℓ ⋯ H1, of shape rℓ×n — e.g. facial features
        as images, or topics over words.

        Parameters
        ----------
        layer : int
            ℓ in 1..L.

        Returns
        -------
        F : ndarray of shape (rℓ, n)
        """
        self._check_layer(layer)
        nt = resolve_n_threads(self.n_threads)
        F = self.H_[0]
        for h in self.H_[1:layer]:
            F = product(h, F, nt)
        return F

    def reconstruction(self, layer: int) -> np.ndarray:
        """X as seen from layer ℓ (1-based): Wℓ Hℓ ⋯ H1 (m×n).

        Parameters
        ----------
        layer : int
            ℓ in 1..L.

        Returns
        -------
        X_hat : ndarray of shape (m, n)
        """
        self._check_layer(layer)
        return product(self.W_[layer - 1], self.features(layer), resolve_n_threads(self.n_threads))

    # ------------------------------------------------------------ new data

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, and return W1.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
        y : ignored

        Returns
        -------
        W1 : ndarray of shape (m, r1)
        """
        return self.fit(X).W_[0]  # type: ignore[attr-defined]

    def transform(self, X: Any) -> np.ndarray:
        """W1 of new rows X (k×n) with the learned Hℓ fixed (see :meth:`transform_layers`).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
            New rows, with the training data's n features.

        Returns
        -------
        W1 : ndarray of shape (k, r1)
        """
        return self.transform_layers(X)[0]

    def inverse_transform(self, W: Any, layer: int = 1) -> np.ndarray:
        """Data rows from their codes: W Hℓ ⋯ H1 for codes W of layer ℓ (by default W1, what
        :meth:`transform` returns).

        Parameters
        ----------
        W : array-like of shape (k, rℓ)
            Codes of k rows at layer ℓ (e.g. ``transform_layers(X)[ℓ - 1]``).
        layer : int, default 1
            ℓ in 1..L.

        Returns
        -------
        X_hat : ndarray of shape (k, n)
        """
        F = self.features(layer)
        W = np.asarray(W, dtype=F.dtype)
        if W.ndim != 2 or W.shape[1] != F.shape[0]:
            raise ValueError(f"W must have shape (k, {F.shape[0]}) for layer {layer}, got {W.shape}")
        return W @ F

    def score(self, X: Any, y: Any = None) -> float:
        """Negative objective on X with the learned Hℓ fixed (higher is better), for model
        selection: −Σℓ λℓ Dβ(W_{ℓ−1}, Wℓ Hℓ) at the Wℓ of :meth:`transform_layers`
        (unweighted sum of the layers' errors for MultilayerNMF).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
        y : ignored

        Returns
        -------
        score : float
        """
        c = self._codes(X)
        nt = resolve_n_threads(self.n_threads)
        # every layer's error in the units the codes were fit in, then the weighted sum
        # mapped back once: no layer over- or underflows on its own
        errs = [c.data.divergence(c.W[0], c.H[0], self.beta_, nt)]
        for l in range(1, len(c.W)):
            errs.append(DenseData(c.W[l - 1]).divergence(c.W[l], c.H[l], self.beta_, nt))
        return -float(c.scale.loss_to_caller(float(np.dot(c.weights, errs)), self.beta_))

    def transform_layers(self, X: Any) -> list[np.ndarray]:
        """[W1, …, WL] of new rows X (k×n) with the learned Hℓ fixed (see the estimator's
        notes for how each layer is encoded).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (k, n)
            New rows, with the training data's n features.

        Returns
        -------
        W_list : list of L ndarrays
            Wℓ of shape (k, rℓ).
        """
        c = self._codes(X)
        return [c.scale.to_caller(w) for w in c.W]

    def _codes(self, X: Any) -> Codes:
        raise NotImplementedError

    def _check_layer(self, layer: int) -> None:
        if not hasattr(self, "H_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
        L = len(self.H_)
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or not 1 <= layer <= L:
            raise ValueError(f"layer must be an integer in 1..{L}, got {layer!r}")


def new_rows(model: Any, X: Any) -> tuple[Any, Scale]:
    """(data, scale) of new rows for a fitted layered `model`: validated, with its features."""
    if not hasattr(model, "H_"):
        raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet; call "
                             "fit first")
    check_feature_names(model, X)
    data, scale = check_input(X, model.beta_)
    if data.shape[1] != model.n_features_in_:
        raise ValueError(f"X has {data.shape[1]} features, but {type(model).__name__} is "
                         f"expecting {model.n_features_in_} features as input")
    return data, scale


def kernel_layouts(Hs: list[np.ndarray], data: Any, H1: Any = None) -> list[np.ndarray]:
    """The fitted Hℓ in the layouts and dtype the kernels read next to `data` (H1 given:
    that one in place of Hs[0])."""
    first = [data.factor_layout(Hs[0] if H1 is None else H1)]
    return first + [np.ascontiguousarray(h, dtype=data.dtype) for h in Hs[1:]]


def check_layer_ranks(values: dict) -> None:
    """A loaded layered model's ranks_ must be its factors' ranks."""
    ranks = [W.shape[1] for W in values["W_"]]
    if "ranks_" in values and values["ranks_"] != ranks:
        raise ValueError(f"ranks_ {values['ranks_']} are not the factors' ranks {ranks}")


def check_layer_weights(values: dict, name: str) -> None:
    """λℓ (or αℓ) of a loaded model: one per layer, finite, positive (αℓ: nonnegative)."""
    w = values.get(name)
    if w is None:
        return
    low_ok = np.all(w >= 0) if name == "alpha_" else np.all(w > 0)
    if w.shape != (len(values["W_"]),) or not np.all(np.isfinite(w)) or not low_ok:
        raise ValueError(f"{name} must hold one finite positive number per layer")


def check_history(values: dict) -> None:
    """A loaded model's loss history and its iterations must have one length."""
    h, at = values.get("loss_history_"), values.get("loss_iterations_")
    if h is not None and at is not None and len(h) != len(at):
        raise ValueError("loss_history_ and loss_iterations_ differ in length")
