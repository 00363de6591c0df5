"""Deep β-NMF (paper model (6), Algorithm 1) and multilayer (sequential) β-NMF.

X (m×n) ≈ W1 H1, W1 ≈ W2 H2, …, W_{L−1} ≈ W_L H_L with ranks r1 > … > rL, Wℓ of shape
m×rℓ and Hℓ of shape rℓ×r_{ℓ−1} (r0 = n), every row of every Hℓ summing to one.
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from ._engine.data import DenseData, check_input
from ._engine.history import LayerHistory
from ._engine.layers import (
    auto_weights,
    check_ranks,
    explicit_factors,
    explicit_weights,
    model_factors,
    normalize_rows,
    product,
    start_model,
)
from ._engine.validation import (
    Scale,
    check_beta,
    check_positive_int,
    check_tol,
    resolve_n_threads,
)
from .nmf import BetaNMF, check_history, iterate_codes, stagnated


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


class _LayeredMixin:
    """Read-outs shared by the layered models (fitted W_ and H_ lists)."""

    W_: list[np.ndarray]
    H_: list[np.ndarray]
    weights_: np.ndarray  # λℓ (DeepNMF, MinVolDeepNMF)
    n_threads: Any
    beta_: float
    n_features_in_: int
    max_iter: int
    tol: float

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
    def _new_rows(self, X: Any):
        if not hasattr(self, "H_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
        data, scale = check_input(X, self.beta_)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        return data, scale

    @staticmethod
    def _constant_start(mean: float, k: int, r: int, dtype) -> np.ndarray:
        """scikit-learn's start for transform: every entry sqrt(mean / r)."""
        eps = np.finfo(dtype).eps
        return np.full((k, r), np.sqrt(max(mean, eps) / r), dtype=dtype)

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

    def _hs_for(self, data: Any, H1: Any = None) -> list[np.ndarray]:
        """The Hℓ in the layouts and dtype the kernels read next to `data` (H1 given: that)."""
        Hs = [data.factor_layout(self.H_[0] if H1 is None else H1)]
        return Hs + [np.ascontiguousarray(h, dtype=data.dtype) for h in self.H_[1:]]

    def _coupled_codes(self, data: Any, Hs: list[np.ndarray], lam: np.ndarray) -> list[np.ndarray]:
        """Minimize Σℓ λℓ Dβ(W_{ℓ−1}, Wℓ Hℓ) over the Wℓ of new rows (W0 = data), Hℓ and λℓ
        fixed, by the block updates of the W's."""
        nt = resolve_n_threads(self.n_threads)
        L = len(Hs)
        W: list[np.ndarray] = []
        Y = data
        name = type(self).__name__
        stopped = False  # by Ctrl-C: the layers left keep their starts
        for H in Hs:  # multilayer start: a few plain MU steps per layer
            w = self._constant_start(Y.mean(), data.shape[0], H.shape[0], data.dtype)
            stopped = stopped or iterate_codes(lambda: Y.mu_w(w, H, self.beta_, nt), 10, 0.0, name)
            W.append(w)
            Y = DenseData(w)

        def layer(l: int):
            return data if l == 0 else DenseData(W[l - 1])

        def sweep() -> float:
            for l in range(L):
                if l < L - 1:
                    W_bar = product(W[l + 1], Hs[l + 1], nt)
                    layer(l).coupled_w(W[l], Hs[l], W_bar, float(lam[l + 1] / lam[l]), self.beta_, nt)
                else:
                    layer(l).mu_w(W[l], Hs[l], self.beta_, nt)
            return sum(float(lam[l]) * layer(l).divergence(W[l], Hs[l], self.beta_, nt)
                       for l in range(L))

        if not stopped:
            iterate_codes(sweep, check_positive_int(self.max_iter, "max_iter"), self.tol, name)
        return W

    def _check_layer(self, layer: int) -> None:
        if not hasattr(self, "H_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call "
                                 "fit first")
        L = len(self.H_)
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or not 1 <= layer <= L:
            raise ValueError(f"layer must be an integer in 1..{L}, got {layer!r}")


class MultilayerNMF(_LayeredMixin, EstimatorMixin):
    """Multilayer (sequential) β-NMF: layer ℓ factorizes W_{ℓ−1} ≈ Wℓ Hℓ by :class:`BetaNMF`,
    then the rows of Hℓ are normalized to sum to one (the columns of Wℓ absorb the scale, the
    product is unchanged). The default initialization of :class:`DeepNMF`.

    Parameters
    ----------
    ranks : sequence of int
        r1 > r2 > … > rL.
    beta, init, max_iter, tol, random_state, n_threads, verbose, progress, loss_every
        As :class:`BetaNMF`, applied to every layer (``max_iter`` and ``tol`` per layer: each
        layer stops on its own stagnation; one progress bar per layer). ``init`` may also be a
        fitted layered model with the same ranks (e.g. from :func:`deepnmf.load`): every
        layer then starts from its Wℓ and Hℓ.
    warm_start : bool, default False
        When True and the model is fitted, ``fit`` starts every layer from the current Wℓ, Hℓ.

    Attributes
    ----------
    W_, H_ : lists of ndarrays
        Wℓ (m×rℓ) and Hℓ (rℓ×r_{ℓ−1}), rows of every Hℓ summing to one.
    n_iter_ : int
        The largest number of iterations run by a layer.
    n_iter_per_layer_ : list of int
        Iterations run per layer.
    loss_history_ : list of ndarrays
        Per layer, Dβ(W_{ℓ−1}, Wℓ Hℓ) at the iterations ``loss_iterations_[ℓ−1]``.
    loss_iterations_ : list of ndarrays
        Per layer, the iteration of each recorded loss (see ``loss_every``).
    errors_ : ndarray of shape (L,)
        Final Dβ(W_{ℓ−1}, Wℓ Hℓ) per layer.
    """

    _saved_attributes = {"W_": "factors", "H_": "factors", "n_iter_": "int",
                         "n_iter_per_layer_": "int_list", "loss_history_": "float_arrays",
                         "loss_iterations_": "int_arrays", "errors_": "floats", "ranks_": "int_list",
                         "beta_": "float", "n_features_in_": "int"}

    @staticmethod
    def _check_saved(values: dict) -> None:
        L = len(values["W_"])
        for name in ("n_iter_per_layer_", "loss_history_", "loss_iterations_", "errors_"):
            if name in values and len(values[name]) != L:
                raise ValueError(f"{name} has {len(values[name])} entries for {L} layers")
        check_layer_ranks(values)
        for h, at in zip(values.get("loss_history_", []), values.get("loss_iterations_", [])):
            check_history({"loss_history_": h, "loss_iterations_": at})

    def __init__(
        self,
        ranks: Sequence[int],
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
    ) -> None:
        self.ranks = ranks
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

    def fit(self, X: Any, y: Any = None) -> MultilayerNMF:
        """Fit the layers one after the other.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (m, n)
            Nonnegative data (sparse input: β = 1 only).
        y : ignored

        Returns
        -------
        self : MultilayerNMF
        """
        beta = check_beta(self.beta)
        return self._fit_validated(check_input(X, beta), beta)

    def _fit_validated(self, validated: tuple, beta: float) -> MultilayerNMF:
        """The fit on (data, scale) from check_input: X is validated (and, if sparse, converted
        to CSR/CSC) once, by whoever calls — also when DeepNMF uses this as its initialization.
        Every layer runs in the fit's units of X (2^k X ≈ W1 H1, W1 ≈ W2 H2, …: every Wℓ
        carries the scale), mapped back to the caller's at the end."""
        first, scale = validated
        ranks = check_ranks(self.ranks, first.shape)
        rng = np.random.default_rng(self.random_state)
        source = start_model(self)
        if source is not None:
            W_start, H_start = model_factors(source)
            if len(W_start) != len(ranks):
                raise ValueError(f"the initial model has {len(W_start)} layers, ranks has "
                                 f"{len(ranks)}")
            W_start = [scale.to_fit(w) for w in W_start]
        Ws: list[np.ndarray] = []
        Hs: list[np.ndarray] = []
        histories, iters, errors, recorded_at = [], [], [], []
        Y: Any = first
        interrupted_in = 0  # the layer that Ctrl-C stopped (0: none)
        for layer, r in enumerate(ranks, start=1):
            # NNDSVD has only min(shape) singular pairs: a layer wider than its data (ranks
            # that do not decrease, warned about above) starts from random factors instead.
            init = self.init if r <= min(Y.shape) else "random"
            W0 = H0 = None
            if source is not None:
                init, W0, H0 = "custom", W_start[layer - 1], H_start[layer - 1]
            # after Ctrl-C the layers left get their initial factors only (one iteration
            # would be a fit): the model stays complete and usable
            model = BetaNMF(r, beta=beta, init=init, max_iter=self.max_iter, tol=self.tol,
                            random_state=rng, n_threads=self.n_threads, verbose=self.verbose,
                            progress=self.progress, loss_every=self.loss_every)
            model._overcomplete_ok = layer > 1  # increasing ranks: warned about, allowed
            with warnings.catch_warnings():
                # one warning for the whole model, below, names the layer
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", InterruptedFitWarning)
                layer_data = None
                try:
                    layer_data = (first, Scale(0)) if layer == 1 else check_input(Y, beta)
                    if interrupted_in:
                        model._initial_only(layer_data, W0, H0)
                    else:
                        model._fit(None, W0, H0, validated=layer_data)
                except KeyboardInterrupt:
                    if layer == 1:  # in the first layer's initialization: nothing to keep
                        raise
                    interrupted_in = layer
                    if layer_data is None:  # it landed in the check of the layer's data
                        layer_data = check_input(Y, beta)
                    model._initial_only(layer_data, W0, H0)
            if model._interrupted and not interrupted_in:
                interrupted_in = layer
            # rows of H sum to one, in the units of the layer's fit: W's floor is meant there
            layer_scale = layer_data[1]
            W, H = layer_scale.to_fit(model.W_), model.H_
            normalize_rows(W, H)
            W = layer_scale.to_caller(W)
            Ws.append(W)
            Hs.append(H)
            histories.append(model.loss_history_)
            recorded_at.append(model.loss_iterations_)
            iters.append(model.n_iter_)
            errors.append(model.loss_)  # Dβ(Y, W H): the row normalization keeps the product
            if not interrupted_in and self.tol > 0 and model.n_iter_ == model.max_iter and not stagnated(
                    list(model.loss_history_), self.tol, iterations=list(model.loss_iterations_)):
                warnings.warn(f"MultilayerNMF layer {layer} stopped at max_iter={self.max_iter} "
                              f"before stagnating (tol={self.tol:g})", ConvergenceWarning, stacklevel=2)
            Y = W
        self.W_, self.H_ = Ws, Hs
        self.n_iter_ = int(max(iters))  # scikit-learn's convention: one int
        self.n_iter_per_layer_ = iters
        self.loss_history_ = histories
        self.loss_iterations_ = recorded_at
        self.errors_ = np.asarray(errors)
        self._to_caller_units(scale, beta)
        self.ranks_ = ranks
        self.beta_ = beta
        self.n_features_in_ = first.shape[1]
        self._interrupted = bool(interrupted_in)
        if interrupted_in:
            warnings.warn(f"MultilayerNMF interrupted (Ctrl-C) in layer {interrupted_in}; "
                          f"layers {interrupted_in + 1}..{len(ranks)} hold their initial factors "
                          "(n_iter_per_layer_ 0)" if interrupted_in < len(ranks) else
                          "MultilayerNMF interrupted (Ctrl-C) in its last layer",
                          InterruptedFitWarning, stacklevel=3)
        return self

    def _to_caller_units(self, scale: Scale, beta: float) -> None:
        """The factors and losses of a fit of 2^k X in the caller's units (every Wℓ carries
        the scale, every loss 2^(kβ))."""
        if scale.unit:
            return
        self.W_ = [scale.to_caller(w) for w in self.W_]
        self.loss_history_ = [scale.loss_to_caller(h, beta) for h in self.loss_history_]
        self.errors_ = np.asarray(scale.loss_to_caller(self.errors_, beta))

    def _codes(self, X: Any) -> Codes:
        """Layer after layer as in the fit: Wℓ minimizes Dβ(W_{ℓ−1}, Wℓ Hℓ) over Wℓ ≥ ε by
        W-updates (row-separable) with Hℓ fixed, from a constant start, until the loss
        stagnates (``tol``) or ``max_iter``. The codes carry the new rows' scale."""
        data, scale = self._new_rows(X)
        nt = resolve_n_threads(self.n_threads)
        Ws: list[np.ndarray] = []
        Y = data
        stopped = False  # by Ctrl-C: the layers left keep their starts
        Hs = []
        for H in self.H_:
            H = Y.factor_layout(H)
            Hs.append(H)
            W = Y.w_layout(self._constant_start(Y.mean(), data.shape[0], H.shape[0], data.dtype))
            stopped = stopped or iterate_codes(lambda: Y.mu_w(W, H, self.beta_, nt, True),
                                               check_positive_int(self.max_iter, "max_iter"),
                                               self.tol, type(self).__name__)
            Ws.append(W)
            Y = DenseData(W)
        return Codes(data, scale, Ws, Hs, np.ones(len(Ws)))


class DeepNMF(_LayeredMixin, EstimatorMixin):
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

    loss_history_: np.ndarray
    weights_: np.ndarray

    _saved_attributes = {"W_": "factors", "H_": "factors", "weights_": "floats",
                         "ranks_": "int_list", "beta_": "float", "n_features_in_": "int",
                         "loss_history_": "float_table", "loss_iterations_": "ints",
                         "n_iter_": "int"}

    @staticmethod
    def _check_saved(values: dict) -> None:
        check_layer_ranks(values)
        check_layer_weights(values, "weights_")
        h = values.get("loss_history_")
        if h is not None and h.shape[1] != len(values["W_"]) + 1:
            raise ValueError(f"loss_history_ has {h.shape[1]} columns for {len(values['W_'])} "
                             "layers (each layer's error, then F)")
        check_history(values)

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

    # ------------------------------------------------------------ set-up
    def _initial_factors(self, data: Any, ranks: list[int], beta: float, source: Any,
                         scale: Scale):
        if source is not None:
            W_list, H_list = explicit_factors(model_factors(source), ranks, data.shape,
                                              data.dtype, scale)
            return W_list, H_list, None
        if isinstance(self.init, str):
            if self.init != "multilayer":
                raise ValueError(f"init={self.init!r}: use 'multilayer' or a pair (W_list, H_list)")
            ml = MultilayerNMF(ranks, beta=beta, init=self.layer_init,
                               max_iter=check_positive_int(self.init_iter, "init_iter"), tol=0,
                               random_state=self.random_state, n_threads=self.n_threads,
                               progress=self.progress)
            with warnings.catch_warnings():  # a Ctrl-C there is DeepNMF's to report
                warnings.simplefilter("ignore", InterruptedFitWarning)
                ml._fit_validated((data, Scale(0)), beta)  # data is scaled already: so are the factors
            # its deeper layers may have been fit at a scale of their own: floored again here
            eps = np.finfo(data.dtype).eps
            return [np.maximum(w, eps) for w in ml.W_], [h.copy() for h in ml.H_], ml
        W_list, H_list = explicit_factors(self.init, ranks, data.shape, data.dtype, scale)
        return W_list, H_list, None

    def _weights(self, losses: np.ndarray, rounding: Callable[[int], float],
                 source: Any = None) -> tuple[np.ndarray, bool]:
        """(λ, fresh): λℓ, and whether they are 'auto' weights computed from this fit's initial
        errors (in the fit's units: they are mapped to the caller's at the end) rather than
        given or continued from `source` (in the caller's units already)."""
        L = len(losses)
        if isinstance(self.weights, str) and self.weights == "auto" and source is not None \
                and getattr(source, "weights_", None) is not None:
            w = np.array(source.weights_, dtype=np.float64).reshape(-1)  # continue the same F
            if w.shape == (L,):
                return explicit_weights(w, L), False
        if isinstance(self.weights, str):
            if self.weights != "auto":
                raise ValueError(f"weights={self.weights!r}: use 'auto' or {L} positive numbers")
            return auto_weights(losses, rounding), True
        return explicit_weights(self.weights, L), False

    # ------------------------------------------------------------ fitting
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
        # dense or scipy.sparse (β = 1). Data outside its dtype's band is fit as 2^k X
        # (exact; one copy): every Wℓ carries the scale (rows of Hℓ sum to one) and every Dℓ
        # scales by 2^(kβ); mapped back at the end
        data, scale = check_input(X, beta)
        ranks = check_ranks(self.ranks, data.shape)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_tol(self.tol)
        nt = resolve_n_threads(self.n_threads)
        source = start_model(self)  # read before W_ is replaced (warm_start)
        W, H, init_model = self._initial_factors(data, ranks, beta, source, scale)
        H[0] = data.factor_layout(H[0])  # Fortran order for sparse data, C order at the end
        W[0] = data.w_layout(W[0])  # 64-byte aligned (no copy if it is)
        L = len(ranks)

        def layer(l: int):
            return data if l == 0 else DenseData(W[l - 1])

        def layer_loss(l: int) -> float:
            return layer(l).divergence(W[l], H[l], beta, nt)

        losses0 = np.array([layer_loss(l) for l in range(L)])
        lam, fresh = self._weights(losses0, lambda l: layer(l).rounding_level(beta, ranks[l]),
                                   source)
        hist = LayerHistory(losses0, check_positive_int(self.loss_every, "loss_every"),
                            self.verbose)

        self.W_, self.H_, self.weights_ = W, H, lam
        self.init_model_ = init_model

        def publish(n: int) -> None:
            """W_, H_, weights_ and the record after n iterations, in the caller's units:
            Wℓ by 2^-k, Dℓ by 2^(-kβ) (the fit runs on 2^k X)."""
            self._publish_history(hist, lam, n)
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

        self.ranks_, self.beta_, self.n_features_in_ = ranks, beta, data.shape[1]
        start = time.perf_counter()
        n_iter = 0
        stopped = None  # "stagnated", "callback" or "interrupted"
        # Ctrl-C in the multilayer initialization stops the whole fit: no iteration runs
        init_interrupted = init_model is not None and init_model._interrupted
        if init_interrupted:
            stopped = "interrupted"
            warnings.warn("DeepNMF interrupted (Ctrl-C) during its multilayer initialization; "
                          "the model holds the initial factors (n_iter_ = 0)",
                          InterruptedFitWarning, stacklevel=2)
        bar = progress_bar(self.progress, max_iter, "DeepNMF")
        try:
            for n_iter in range(1, 0 if init_interrupted else max_iter + 1):
                stopped = self._iterate(layer, layer_loss, W, H, lam, beta, nt, hist, n_iter,
                                        tol, start, bar, publish)
                if stopped:
                    break
        except KeyboardInterrupt:
            stopped = "interrupted"  # no convergence warning either
            warn_interrupted("DeepNMF", n_iter)
            # the factors are those after the last completed block update: record their losses
            hist.interrupted(np.array([layer_loss(l) for l in range(L)]), n_iter)
            n_iter = hist.at[-1]
        finally:
            bar.close()
        hist.finish(layer_loss, n_iter)
        H[0] = np.ascontiguousarray(H[0])
        publish(n_iter)
        if init_model is not None:
            init_model._to_caller_units(scale, beta)
        # stopped: the rule held on a complete row inside the loop (whose last row, recorded
        # one iteration later, need not pass it again), the callback, or Ctrl-C
        if tol > 0 and stopped is None and n_iter == max_iter and not hist.stagnated(lam, tol):
            warnings.warn(f"DeepNMF stopped at max_iter={max_iter} before the objective "
                          f"stagnated (tol={tol:g}); increase max_iter", ConvergenceWarning,
                          stacklevel=2)
        return self

    def _iterate(self, layer, layer_loss, W, H, lam, beta, nt, hist: LayerHistory, n_iter: int,
                 tol: float, start: float, bar, publish) -> str | None:
        """Outer iteration ``n_iter`` and its record; returns why the fit stops after it
        ("stagnated" or "callback"), or None."""
        self._sweep(layer, W, H, lam, beta, nt, hist)
        if hist.wants(n_iter):
            # layers ≥ 2 are small (m × r_{ℓ−1}): evaluate them now; layer 1 (m × n) comes
            # from the first H-update of the next iteration, or is evaluated at the end
            hist.record(n_iter, [layer_loss(l) for l in range(1, len(W))])
        bar.update()
        stop: str | None = None
        for done, row in hist.newly_complete():  # the initial row, then one per recorded row
            F = float(lam @ row)
            bar.set_postfix_str(f"F {F:.5g}")
            if self.verbose and done % self.verbose == 0:
                errs = "  ".join(f"D{l + 1} {v:.4e}" for l, v in enumerate(row))
                print(f"DeepNMF iter {done:5d}  F {F:.6e}  {errs}  "
                      f"{time.perf_counter() - start:7.2f}s")
            if tol > 0 and hist.stagnated(lam, tol):
                stop = "stagnated"
        if self.callback is not None:
            if hist.pending():  # recorded just now (the sweep filled any older one)
                hist.fill_layer1(layer_loss(0))  # the callback sees this iteration's errors
            publish(n_iter)  # in the caller's units (copies of the factors when rescaled)
            if self.callback(self, n_iter):
                return "callback"
        return stop

    def _publish_history(self, hist: LayerHistory, lam: np.ndarray, n_iter: int) -> None:
        rows, at = hist.complete()
        arr = np.array(rows)
        self.loss_history_ = np.column_stack([arr, arr @ lam])
        self.loss_iterations_ = np.asarray(at, dtype=np.int64)
        self.n_iter_ = n_iter

    @staticmethod
    def _sweep(layer, W, H, lam, beta, nt, hist: LayerHistory) -> None:
        """One outer iteration of Algorithm 1 (Gauss–Seidel over the layers); layer(ℓ) is the
        data of layer ℓ (X, dense or sparse, then W_{ℓ−1})."""
        L = len(W)
        for l in range(L):
            Y = layer(l)
            # Hℓ: MU with a Lagrange multiplier per row (rows sum to one). For ℓ = 1 the
            # update can return D(X, W1 H1) of the incoming iterate: the pending record's.
            wanted = l == 0 and hist.pending()
            d = Y.mu_h(W[l], H[l], beta, True, nt, wanted)
            if wanted:
                hist.fill_layer1(d)
            if l < L - 1:
                W_bar = product(W[l + 1], H[l + 1], nt)
                Y.coupled_w(W[l], H[l], W_bar, float(lam[l + 1] / lam[l]), beta, nt)
            else:
                Y.mu_w(W[l], H[l], beta, nt)

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
        data, scale = self._new_rows(X)
        Hs = self._hs_for(data)
        return Codes(data, scale, self._coupled_codes(data, Hs, self.weights_), Hs,
                     self.weights_)

    @property
    def objective_history_(self) -> np.ndarray:
        """The weighted objective F at the recorded outer iterations ``loss_iterations_`` (the
        last column of loss_history_; every iteration by default)."""
        return self.loss_history_[:, -1]
