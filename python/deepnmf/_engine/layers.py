"""Helpers of the layer loop shared by MultilayerNMF and DeepNMF."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _core
from .base import warn


def check_ranks(ranks: Any, shape: tuple[int, int]) -> list[int]:
    """Ranks r1 ≥ r2 ≥ … ≥ rL ≥ 1 with r1 ≤ min(m, n): layer ℓ factorizes W_{ℓ−1} (m × r_{ℓ−1}),
    so its rank is at most r_{ℓ−1}. Equal consecutive ranks are allowed with a warning (the
    paper assumes a strictly decreasing sequence)."""
    if isinstance(ranks, numbers.Integral) and not isinstance(ranks, bool):
        ranks = [ranks]
    try:
        rs = list(ranks)
    except TypeError:
        raise ValueError(f"ranks must be a sequence of positive integers, got {ranks!r}") from None
    if not rs:
        raise ValueError("ranks is empty: give at least one rank")
    for r in rs:
        if isinstance(r, bool) or not isinstance(r, numbers.Integral) or int(r) < 1:
            raise ValueError(f"ranks must be positive integers, got {ranks!r}")
    rs = [int(r) for r in rs]
    m, n = shape
    if rs[0] > min(m, n):
        raise ValueError(f"the first rank {rs[0]} exceeds min(m, n) = {min(m, n)} of X with {m} "
                         f"sample(s) and {n} feature(s) (n_samples = {m}, n_features = {n})")
    for l in range(1, len(rs)):
        if rs[l] > rs[l - 1]:
            raise ValueError(f"ranks {rs}: layer {l + 1} (rank {rs[l]}) factorizes W{l}, which "
                             f"has only {rs[l - 1]} columns; a layer's rank cannot exceed the "
                             "rank of the layer before it")
    if any(b >= a for a, b in zip(rs, rs[1:])):
        warn(f"ranks {rs} are not strictly decreasing; the deep model assumes r1 > r2 > ...",
             UserWarning)
    return rs


def explicit_weights(weights: Any, L: int) -> np.ndarray:
    """Given λℓ: L positive finite numbers whose ratios λℓ+1/λℓ (what the coupled updates
    use) are finite and nonzero too — [5e-324, 1] has the ratio 2e323 = inf."""
    problem = ValueError(f"weights must be 'auto' or {L} positive finite numbers, got {weights!r}")
    items = [weights] if np.ndim(weights) == 0 else list(np.asarray(weights, dtype=object).reshape(-1))
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) for v in items):
        raise problem  # strings, None, booleans: not NumPy's conversion message
    w = np.array([float(v) for v in items], dtype=np.float64)
    if w.shape != (L,) or not np.all(np.isfinite(w)) or not np.all(w > 0):
        raise problem
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        ratios = w[1:] / w[:-1]
    if not (np.all(np.isfinite(ratios)) and np.all(ratios > 0)):
        raise ValueError(f"weights {weights!r} span more than float64's range: the updates use "
                         "the ratios of consecutive weights, which must be finite and nonzero")
    return w


def auto_weights(losses: np.ndarray, rounding: Callable[[int], float]) -> np.ndarray:
    """'auto' λℓ = 1 / Dℓ at the initial factors (paper Section 4.1). An initial error at the
    rounding level of its layer (`rounding(ℓ)`, see DenseData.rounding_level) is refused: λℓ
    would weigh rounding noise by 1e30 and more (a 3 × 1 matrix fit exactly by its
    initialization had λ = 5e31 and F went 1, 0, 2.79, …)."""
    for l, d in enumerate(losses):
        level = rounding(l)
        if not d > level:
            raise ValueError(
                f"weights='auto' needs an initial error above rounding at every layer; layer "
                f"{l + 1}'s is {d:.3g} (its rounding level {level:.3g}): the initial factors "
                "reproduce it exactly, and 1/D would weigh noise; give explicit weights")
    return 1.0 / np.asarray(losses, dtype=np.float64)


def product(A: np.ndarray, B: np.ndarray, n_threads: int) -> np.ndarray:
    C = np.empty((A.shape[0], B.shape[1]), dtype=A.dtype)
    _core.product(A, B, C, n_threads)
    return C


def normalize_rows(W: np.ndarray, H: np.ndarray) -> None:
    """In place: rows of H sum to one, columns of W absorb the scale (W H unchanged up to
    rounding); both stay ≥ ε (entries at the floor are not rescaled)."""
    eps = np.finfo(H.dtype).eps
    s = H.sum(axis=1)
    H /= s[:, None]
    W *= s[None, :]
    np.maximum(H, eps, out=H)
    np.maximum(W, eps, out=W)
    # the floor may add up to n·ε to a row: rescale the entries above it to sum to one exactly
    for k in range(H.shape[0]):
        row = H[k]
        free = row > eps
        floored = float(row[~free].sum())
        total = float(row[free].sum())
        if total > 0:
            row[free] *= (1.0 - floored) / total
            np.maximum(row, eps, out=row)


def explicit_factors(init: Any, ranks: list[int], shape: tuple[int, int], dtype: Any,
                     scale: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Validated copies of explicit initial factors ``init = (W_list, H_list)``: Wℓ of shape
    m×rℓ, Hℓ of shape rℓ×r_{ℓ−1} (r0 = n), nonnegative, in the data's dtype, in the fit's
    units (X ≈ W1 H1, W1 ≈ W2 H2, …: scaling X by 2^k scales every Wℓ by it, see
    validation.Scale), then floored at ε — in those units, where the floor is meant."""
    from .validation import check_factor

    try:
        Ws, Hs = init
    except (TypeError, ValueError):
        raise ValueError("init must be 'multilayer' or a pair (W_list, H_list)") from None
    if len(Ws) != len(ranks) or len(Hs) != len(ranks):
        raise ValueError(f"init has {len(Ws)} W and {len(Hs)} H factors for {len(ranks)} layers")
    m, prev = shape
    eps = np.finfo(dtype).eps
    W_list, H_list = [], []
    for layer, (r, W, H) in enumerate(zip(ranks, Ws, Hs), start=1):
        W_list.append(np.maximum(scale.to_fit(check_factor(W, f"init W{layer}", (m, r), dtype)),
                                 eps))
        H_list.append(np.maximum(check_factor(H, f"init H{layer}", (r, prev), dtype), eps))
        prev = r
    return W_list, H_list


def start_model(estimator: Any) -> Any:
    """The fitted model a fit starts from, or None: the estimator itself when
    ``warm_start=True`` and it has been fitted, else ``init`` when it is a fitted model (an
    estimator of this library, e.g. from :func:`deepnmf.load`). An unfitted model as ``init``
    is an error (note that scikit-learn's ``clone`` unfits estimators given as parameters:
    under ``GridSearchCV`` pass ``warm_start`` or explicit factors instead)."""
    if getattr(estimator, "warm_start", False) and hasattr(estimator, "H_"):
        return estimator
    init = estimator.init
    if isinstance(init, (str, tuple, list)) or init is None:
        return None
    if hasattr(init, "H_"):
        return init
    if hasattr(init, "get_params"):
        raise ValueError(f"init is a {type(init).__name__} that is not fitted: fit it first, or "
                         "load a saved model with deepnmf.load(path)")
    return None


def model_factors(model: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(W_list, H_list) of a fitted model: the layers of a layered model, or the one layer of a
    single-layer one."""
    W, H = model.W_, model.H_
    if isinstance(W, np.ndarray):
        return [W], [H]
    return list(W), list(H)
