"""Multilayer (sequential) β-NMF: X ≈ W1 H1, W1 ≈ W2 H2, …, each layer fit on its own and
its H's rows normalized to sum to one — the default initialization of the deep models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._engine.base import InterruptedFitWarning, warn
from ._engine.data import check_input
from ._engine.driver import deferred_interrupt, warn_unconverged
from ._engine.estimator import EstimatorMixin
from ._engine.layered import (
    Codes,
    LayeredMixin,
    check_history,
    check_layer_ranks,
    new_rows,
)
from ._engine.layers import check_ranks, model_factors, start_model
from ._engine.persist import register
from ._engine.validation import (
    check_beta,
    check_positive_int,
    check_run_params,
    check_solver_params,
    record_feature_names,
    resolve_n_threads,
)
from ._solvers.beta import layer_codes, multilayer_fit
from ._solvers.frobenius import SOLVERS, layer_fit


def _check_saved(values: dict) -> None:
    L = len(values["W_"])
    for name in ("n_iter_per_layer_", "loss_history_", "loss_iterations_", "errors_"):
        if name in values and len(values[name]) != L:
            raise ValueError(f"{name} has {len(values[name])} entries for {L} layers")
    check_layer_ranks(values)
    for h, at in zip(values.get("loss_history_", []), values.get("loss_iterations_", [])):
        check_history({"loss_history_": h, "loss_iterations_": at})


@register(attributes={"W_": "factors", "H_": "factors", "n_iter_": "int",
                      "n_iter_per_layer_": "int_list", "loss_history_": "float_arrays",
                      "loss_iterations_": "int_arrays", "errors_": "floats",
                      "ranks_": "int_list", "beta_": "float", "n_features_in_": "int"},
          check=_check_saved)
class MultilayerNMF(LayeredMixin, EstimatorMixin):
    """Multilayer (sequential) β-NMF: layer ℓ factorizes W_{ℓ−1} ≈ Wℓ Hℓ by :class:`BetaNMF`,
    then the rows of Hℓ are normalized to sum to one (the columns of Wℓ absorb the scale, the
    product is unchanged). The default initialization of :class:`DeepNMF`.

    Parameters
    ----------
    ranks : sequence of int
        r1 > r2 > … > rL.
    solver : str, default 'mu'
        The solver of every layer, as :class:`BetaNMF`'s (anything but 'mu' needs β = 2);
        ``transform`` uses the MU codes of the same objective for every solver.
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
        solver: str = "mu",
    ) -> None:
        self.ranks = ranks
        self.solver = solver
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
            Nonnegative data (sparse input: β = 1, or β = 2 with a Frobenius solver).
        y : ignored

        Returns
        -------
        self : MultilayerNMF
        """
        beta = check_beta(self.beta)
        solver = check_solver_params(self, beta, SOLVERS).solver
        run_params = check_run_params(self)
        max_iter, tol, every, nt = (run_params.max_iter, run_params.tol, run_params.loss_every,
                                    run_params.n_threads)
        verbose, progress, rng = run_params.verbose, run_params.progress, run_params.rng
        with deferred_interrupt() as sigint:  # a Ctrl-C here: every layer starts interrupted
            first, scale = check_input(X, beta, frobenius=solver != "mu")
            ranks = check_ranks(self.ranks, first.shape)
            start = None
            source = start_model(self)
            if source is not None:
                W_start, H_start = model_factors(source)
                if len(W_start) != len(ranks):
                    raise ValueError(f"the initial model has {len(W_start)} layers, ranks has "
                                     f"{len(ranks)}")
                start = ([scale.to_fit(w) for w in W_start], H_start)
        fit = multilayer_fit(first, ranks, beta=beta, init=self.init, start=start, rng=rng,
                             max_iter=max_iter, tol=tol, n_threads=nt, verbose=verbose,
                             progress=progress, loss_every=every, interrupted=sigint.fired,
                             fit_layer=None if solver == "mu" else layer_fit(solver))
        with deferred_interrupt():  # the fitted attributes are set whatever comes now
            for name, value in fit.attributes(scale, beta, ranks, first.shape[1]).items():
                setattr(self, name, value)
        for layer in fit.unconverged:
            warn_unconverged(f"MultilayerNMF layer {layer}", max_iter, tol)
        if fit.interrupted_in:
            k, L = fit.interrupted_in, len(ranks)
            warn(f"MultilayerNMF interrupted (Ctrl-C) in layer {k}; layers {k + 1}..{L} hold "
                 "their initial factors (n_iter_per_layer_ 0)" if k < L else
                 "MultilayerNMF interrupted (Ctrl-C) in its last layer", InterruptedFitWarning)
        record_feature_names(self, X)
        return self

    def _codes(self, X: Any) -> Codes:
        """Layer after layer as in the fit: Wℓ minimizes Dβ(W_{ℓ−1}, Wℓ Hℓ) over Wℓ ≥ ε by
        W-updates (row-separable) with Hℓ fixed, from a constant start, until the loss
        stagnates (``tol``) or ``max_iter``. The codes carry the new rows' scale."""
        data, scale = new_rows(self, X)
        Ws, Hs = layer_codes(data, self.H_, self.beta_, resolve_n_threads(self.n_threads),
                             check_positive_int(self.max_iter, "max_iter"), self.tol,
                             type(self).__name__)
        return Codes(data, scale, Ws, Hs, np.ones(len(Ws)))
