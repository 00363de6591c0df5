"""The β-divergence family: multiplicative updates (Févotte & Idier 2011), the single-layer
fit, the multilayer (sequential) fit, Algorithm 1 of deep β-NMF (Leplat, Hien, Onwunta &
Gillis), and the codes of new rows for each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._engine.data import DenseData, check_input
from .._engine.driver import RunResult, deferred_interrupt, run, run_codes
from .._engine.history import LossHistory
from .._engine.init import single_start
from .._engine.layers import normalize_rows, product
from .._engine.validation import Scale


def constant_start(mean: float, k: int, r: int, dtype: Any) -> np.ndarray:
    """scikit-learn's start for transform: every entry sqrt(mean / r)."""
    eps = np.finfo(dtype).eps
    return np.full((k, r), np.sqrt(max(mean, eps) / r), dtype=dtype)


# ------------------------------------------------------------------ single layer
class MuSweep:
    """One MU iteration of X ≈ W H (W then H, as scikit-learn's ``NMF(solver="mu")``). The W
    update forms W H anyway: on a recorded iteration it returns the loss of the factors it
    starts from, recorded for the previous iteration."""

    def __init__(self, data: Any, W: np.ndarray, H: np.ndarray, beta: float, n_threads: int,
                 history: LossHistory, publish: Callable[[int], None] | None = None) -> None:
        self.data, self.W, self.H, self.beta, self.nt = data, W, H, beta, n_threads
        self.history = history
        self.on_publish = publish  # the model's attributes at iteration n (a callback's view)

    def step(self, iteration: int) -> None:
        done = iteration - 1  # iterations completed before this one
        want = self.history.wants(done)
        loss = self.data.mu_w(self.W, self.H, self.beta, self.nt, want)
        self.data.mu_h(self.W, self.H, self.beta, False, self.nt)
        if want:
            self.history.append(done, [loss])

    def loss(self) -> float:
        return self.data.divergence(self.W, self.H, self.beta, self.nt)

    def publish(self, iteration: int) -> None:
        if self.on_publish is not None:
            self.on_publish(iteration)

    def interrupted(self, iteration: int) -> int:
        # the factors as they are, labelled with the iteration in progress (its W update may
        # have run); the record of iteration − 1's factors stays
        return iteration

    def finish(self, n_iter: int) -> None:
        self.history.finish(lambda: np.array([self.loss()]), self.loss, n_iter)

    def describe(self, iteration: int, row: np.ndarray) -> str:
        return ""


@dataclass
class SingleFit:
    """A single-layer fit in the caller's units: W, H (C order), the loss record."""

    W: np.ndarray
    H: np.ndarray
    n_iter: int
    loss_history: np.ndarray
    loss_iterations: np.ndarray
    result: RunResult

    @property
    def loss(self) -> float:
        return float(self.loss_history[-1])


def fit_single(data: Any, scale: Scale, W: np.ndarray, H: np.ndarray, *, beta: float,
               n_threads: int, max_iter: int, tol: float, loss_every: int, name: str,
               verbose: int = 0, progress: bool = False, callback: Any = None,
               model: Any = None, publish: Callable[[np.ndarray, np.ndarray, int], None] | None = None,
               start_interrupted: bool = False, quiet: bool = False) -> SingleFit:
    """MU on validated ``data`` (2^k X, ``scale``) from (W, H) in the kernels' layouts,
    through the driver; the factors and losses mapped back to the caller's units.
    ``publish(W, H, n)``: the model's attributes before a callback (W, H in the fit's units)."""
    history = LossHistory(lambda row: float(row[0]), loss_every, verbose)
    sweep = MuSweep(data, W, H, beta, n_threads, history,
                    None if publish is None else lambda n: publish(W, H, n))
    result = run(sweep, name=name, max_iter=max_iter, tol=tol, callback=callback, model=model,
                 progress=progress, verbose=verbose, start_interrupted=start_interrupted,
                 quiet=quiet)
    with deferred_interrupt() as late:  # the result is put together whatever comes now
        losses = scale.loss_to_caller(np.asarray(history.objectives(), dtype=np.float64), beta)
        fit = SingleFit(scale.to_caller(W), np.ascontiguousarray(H), result.n_iter,
                        np.asarray(losses), history.iterations(), result)
    if late.fired:
        result.stopped = "interrupted"
    return fit


def mu_codes(data: Any, H: np.ndarray, beta: float, n_threads: int, max_iter: int, tol: float,
             name: str) -> np.ndarray:
    """W of new rows with H fixed: the W updates (row-separable) from a constant start until
    the loss stagnates or ``max_iter``; in the fit's units of ``data``."""
    H = data.factor_layout(H)
    W = data.w_layout(constant_start(data.mean(), data.shape[0], H.shape[0], data.dtype))
    run_codes(lambda: data.mu_w(W, H, beta, n_threads, True), max_iter, tol, name)
    return W


# ------------------------------------------------------------------ multilayer
@dataclass
class MultilayerFit:
    """The layers of a sequential fit, in the fit's units of the first layer's data."""

    W: list[np.ndarray]
    H: list[np.ndarray]
    n_iter: list[int]
    histories: list[np.ndarray]
    iterations: list[np.ndarray]
    errors: np.ndarray
    interrupted_in: int  # the layer a Ctrl-C stopped (0: none)
    unconverged: list[int]  # layers that hit max_iter before stagnating

    def attributes(self, scale: Scale, beta: float, ranks: list[int],
                   n_features: int) -> dict[str, Any]:
        """The fitted attributes of MultilayerNMF in the caller's units (every Wℓ carries the
        data's scale, every loss 2^(kβ))."""
        return {"W_": [scale.to_caller(w) for w in self.W], "H_": list(self.H),
                "n_iter_": int(max(self.n_iter)),  # scikit-learn's convention: one int
                "n_iter_per_layer_": list(self.n_iter),
                "loss_history_": [scale.loss_to_caller(h, beta) for h in self.histories],
                "loss_iterations_": list(self.iterations),
                "errors_": np.asarray(scale.loss_to_caller(self.errors, beta)),
                "ranks_": ranks, "beta_": beta, "n_features_in_": n_features}


def multilayer_fit(first: Any, ranks: list[int], *, beta: float, init: str,
                   start: tuple[list[np.ndarray], list[np.ndarray]] | None,
                   rng: np.random.Generator, max_iter: int, tol: float, n_threads: int,
                   verbose: int = 0, progress: bool = False, loss_every: int = 10,
                   name: str = "MultilayerNMF", interrupted: bool = False,
                   fit_layer: Callable[..., SingleFit] | None = None) -> MultilayerFit:
    """Layer ℓ factorizes W_{ℓ−1} ≈ Wℓ Hℓ by MU (W0 = ``first``, validated and in the fit's
    units), then the rows of Hℓ are normalized to sum to one (the columns of Wℓ absorb the
    scale, the product is unchanged). ``start``: explicit (W_list, H_list) in the fit's units.
    Every layer runs in the units of ``first``: a deeper layer whose data leaves the band is
    fit at a scale of its own and mapped back. After a Ctrl-C the layers left get their
    initial factors only (one iteration would be a fit): the model stays complete;
    ``interrupted``: a Ctrl-C came before (in the caller's set-up), every layer gets that.
    ``fit_layer``: the single-layer fit (``fit_single``'s signature; default MU)."""
    fit_layer = fit_layer or fit_single
    Ws: list[np.ndarray] = []
    Hs: list[np.ndarray] = []
    iters, histories, recorded_at, errors, unconverged = [], [], [], [], []
    Y: Any = first
    interrupted_in = 1 if interrupted else 0
    for layer, r in enumerate(ranks, start=1):
        with deferred_interrupt() as sigint:
            layer_data, layer_scale = (first, Scale(0)) if layer == 1 else check_input(Y, beta)
            layer_init = init  # r ≤ min(shape) of every layer's data (check_ranks)
            W0 = H0 = None
            if start is not None:
                layer_init, W0, H0 = "custom", start[0][layer - 1], start[1][layer - 1]
            W, H = single_start(layer_data, layer_scale, r, layer_init, W0, H0, None, rng)
        stopped_before = bool(interrupted_in) or sigint.fired
        fit = fit_layer(layer_data, layer_scale, W, H, beta=beta, n_threads=n_threads,
                         max_iter=max_iter, tol=tol, loss_every=loss_every,
                         name=f"{name} layer {layer}", verbose=verbose, progress=progress,
                         start_interrupted=stopped_before, quiet=True)
        if not interrupted_in and fit.result.stopped == "interrupted":
            interrupted_in = layer
        with deferred_interrupt() as sigint:
            # rows of H sum to one, in the units of the layer's fit: W's floor is meant there
            W, H = layer_scale.to_fit(fit.W), fit.H
            normalize_rows(W, H)
            W = layer_scale.to_caller(W)
            Ws.append(W)
            Hs.append(H)
            histories.append(fit.loss_history)
            recorded_at.append(fit.loss_iterations)
            iters.append(fit.n_iter)
            errors.append(fit.loss)  # Dβ(Y, W H): the row normalization keeps the product
            if not interrupted_in and tol > 0 and fit.n_iter == max_iter and \
                    not fit.result.converged:
                unconverged.append(layer)
            Y = W
        if sigint.fired and not interrupted_in:
            interrupted_in = layer
    return MultilayerFit(Ws, Hs, iters, histories, recorded_at, np.asarray(errors),
                         interrupted_in, unconverged)


def layer_codes(data: Any, Hs: list[np.ndarray], beta: float, n_threads: int, max_iter: int,
                tol: float, name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Layer after layer as in the multilayer fit: Wℓ minimizes Dβ(W_{ℓ−1}, Wℓ Hℓ) over
    Wℓ ≥ ε with Hℓ fixed (W0 = data), from a constant start, until the loss stagnates or
    ``max_iter``. Returns the codes and the Hℓ in the layouts they were used in."""
    Ws: list[np.ndarray] = []
    used: list[np.ndarray] = []
    Y = data
    stopped = False  # by Ctrl-C: the layers left keep their starts
    for H in Hs:
        H = Y.factor_layout(H)
        used.append(H)
        W = Y.w_layout(constant_start(Y.mean(), data.shape[0], H.shape[0], data.dtype))
        stopped = stopped or run_codes(lambda: Y.mu_w(W, H, beta, n_threads, True),
                                       max_iter, tol, name)
        Ws.append(W)
        Y = DenseData(W)
    return Ws, used


# ------------------------------------------------------------------ deep (Algorithm 1)
def layer_data(data: Any, W: list[np.ndarray], l: int) -> Any:
    """The data of layer ℓ (0-based): X (dense or sparse), then W_{ℓ−1}."""
    return data if l == 0 else DenseData(W[l - 1])


def layer_losses(data: Any, W: list[np.ndarray], H: list[np.ndarray], beta: float,
                 n_threads: int) -> np.ndarray:
    """Dβ(W_{ℓ−1}, Wℓ Hℓ) of every layer."""
    return np.array([layer_data(data, W, l).divergence(W[l], H[l], beta, n_threads)
                     for l in range(len(W))])


class DeepSweep:
    """One outer iteration of Algorithm 1 (Gauss–Seidel over the layers): for ℓ = 1..L, Hℓ by
    MU with one Lagrange multiplier per row (rows sum to one), then Wℓ by the coupled update
    with W̄ = Wℓ+1 Hℓ+1 and weight λℓ+1/λℓ (ℓ < L) or plain MU (ℓ = L). Layer 1's error of a
    recorded iteration comes out of the next iteration's first H-update."""

    def __init__(self, data: Any, W: list[np.ndarray], H: list[np.ndarray], lam: np.ndarray,
                 beta: float, n_threads: int, history: LossHistory,
                 publish: Callable[[int], None] | None = None) -> None:
        self.data, self.W, self.H, self.lam = data, W, H, lam
        self.beta, self.nt = beta, n_threads
        self.history = history
        self.on_publish = publish

    def layer(self, l: int) -> Any:
        return layer_data(self.data, self.W, l)

    def layer_loss(self, l: int) -> float:
        return self.layer(l).divergence(self.W[l], self.H[l], self.beta, self.nt)

    def losses(self) -> np.ndarray:
        return layer_losses(self.data, self.W, self.H, self.beta, self.nt)

    def step(self, iteration: int) -> None:
        W, H, lam, beta, nt, hist = self.W, self.H, self.lam, self.beta, self.nt, self.history
        L = len(W)
        for l in range(L):
            Y = self.layer(l)
            # Hℓ: for ℓ = 1 the update can return D(X, W1 H1) of the incoming iterate: the
            # pending record's
            wanted = l == 0 and hist.pending()
            d = Y.mu_h(W[l], H[l], beta, True, nt, wanted)
            if wanted:
                hist.fill_first(d)
            if l < L - 1:
                W_bar = product(W[l + 1], H[l + 1], nt)
                Y.coupled_w(W[l], H[l], W_bar, float(lam[l + 1] / lam[l]), beta, nt)
            else:
                Y.mu_w(W[l], H[l], beta, nt)
        if hist.wants(iteration):
            # layers ≥ 2 are small (m × r_{ℓ−1}): evaluated now; layer 1 (m × n) comes from
            # the first H-update of the next iteration, or is evaluated at the end
            hist.record(iteration, [self.layer_loss(l) for l in range(1, L)])

    def publish(self, iteration: int) -> None:
        if self.history.pending():  # recorded just now: the callback sees its errors
            self.history.fill_first(self.layer_loss(0))
        if self.on_publish is not None:
            self.on_publish(iteration)

    def interrupted(self, iteration: int) -> int:
        # the factors are those after the last completed block update: their losses
        self.history.interrupted(self.losses(), iteration)
        return self.history.at[-1]

    def finish(self, n_iter: int) -> None:
        self.history.finish(self.losses, lambda: self.layer_loss(0), n_iter)

    def describe(self, iteration: int, row: np.ndarray) -> str:
        return "  ".join(f"D{l + 1} {v:.4e}" for l, v in enumerate(row))


def coupled_codes(data: Any, Hs: list[np.ndarray], lam: np.ndarray, beta: float,
                  n_threads: int, max_iter: int, tol: float, name: str) -> list[np.ndarray]:
    """Minimize Σℓ λℓ Dβ(W_{ℓ−1}, Wℓ Hℓ) over the Wℓ of new rows (W0 = data), Hℓ and λℓ
    fixed, by the block updates of the W's (row-separable), from the multilayer encoding
    (a few plain MU steps per layer)."""
    nt = n_threads
    L = len(Hs)
    W: list[np.ndarray] = []
    Y = data
    stopped = False  # by Ctrl-C: the layers left keep their starts
    for H in Hs:
        w = constant_start(Y.mean(), data.shape[0], H.shape[0], data.dtype)
        stopped = stopped or run_codes(lambda: Y.mu_w(w, H, beta, nt), 10, 0.0, name)
        W.append(w)
        Y = DenseData(w)

    def layer(l: int) -> Any:
        return data if l == 0 else DenseData(W[l - 1])

    def sweep() -> float:
        for l in range(L):
            if l < L - 1:
                W_bar = product(W[l + 1], Hs[l + 1], nt)
                layer(l).coupled_w(W[l], Hs[l], W_bar, float(lam[l + 1] / lam[l]), beta, nt)
            else:
                layer(l).mu_w(W[l], Hs[l], beta, nt)
        return sum(float(lam[l]) * layer(l).divergence(W[l], Hs[l], beta, nt)
                   for l in range(L))

    if not stopped:
        run_codes(sweep, max_iter, tol, name)
    return W
