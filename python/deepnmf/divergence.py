"""The β-divergence Dβ(A, B) = Σ_ij dβ(a_ij | b_ij)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._engine.masked import check_mask, check_observed
from ._engine.validation import as_float_array, check_beta, resolve_n_threads


def beta_divergence(A: Any, B: Any, beta: Any, *, mask: Any = None,
                    n_threads: int | None = None) -> float:
    """β-divergence between nonnegative matrices, summed over all entries.

    dβ(x|y) = x^β/(β(β−1)) + y^β/β − x y^(β−1)/(β−1), with the limits
    x log(x/y) − x + y (β = 1, Kullback–Leibler), x/y − log(x/y) − 1 (β = 0,
    Itakura–Saito) and (x − y)²/2 (β = 2). Near x = y, where dβ is O((x − y)²), each term
    keeps the relative accuracy its rounded inputs allow (about an ulp over |y/x − 1|).

    Parameters
    ----------
    A : array of shape (m, n)
        The data (first argument). Exact zeros follow 0·log 0 = 0; with β ≤ 0 they make the
        divergence infinite and raise ``ValueError``.
    B : array of shape (m, n), or a pair (W, H)
        The approximation; a pair is evaluated as W @ H without forming the product.
    beta : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}
    mask : array of shape (m, n), optional
        Weights Ω: Σ Ωᵢⱼ dβ(aᵢⱼ | bᵢⱼ), the masked divergence (True/1 observed, False/0
        missing: A there is never read and may hold NaN).
    n_threads : int, optional

    Returns
    -------
    float
        Dβ(A, B) ≥ 0; ``inf`` where B has a zero that A has not and β ≤ 1, and where B (or
        W @ H) is infinite (for β < 0 the limit x^β/(β(β−1)) instead). Relative accuracy, for β
        other than 0, 1, 2: within 10 ulp for |β| ≤ 4 (21 at β = 10), also near the special
        β and near A = B; for β ∈ {0, 1} an ulp over |y/x − 1| (the rounding of the inputs'
        ratio).
    """
    b = check_beta(beta)
    A = as_float_array(A, "A")
    if mask is not None:
        return _masked(A, B, b, mask, resolve_n_threads(n_threads))
    if np.isinf(A).any():  # NaN and negative entries: the core's message
        raise ValueError("A contains infinity; the divergence of non-finite data is not defined")
    nt = resolve_n_threads(n_threads)
    if isinstance(B, tuple):
        W, H = _factor_pair(B, A.dtype)
        if b <= 0 and (A == 0).any():
            raise ValueError(
                f"A has exact zeros and beta={b:g} <= 0: the beta-divergence is infinite there"
            )
        return float(_core.beta_divergence_wh(A, W, H, b, nt))
    B = as_float_array(B, "B", dtype=A.dtype)
    return float(_core.beta_divergence(A, B, b, nt))


def _masked(A: np.ndarray, B: Any, b: float, mask: Any, nt: int) -> float:
    M = check_mask(mask, A.shape, A.dtype)
    check_observed(A, M > 0, b, "A")
    if isinstance(B, tuple):
        W, H = _factor_pair(B, A.dtype)
        return float(_core.beta_divergence_wh_masked(A, M, W, H, b, nt))
    B = as_float_array(B, "B", dtype=A.dtype)
    if B.shape != A.shape:
        raise ValueError(f"beta_divergence: shapes differ: {A.shape} and {B.shape}")
    if not (B[M > 0] >= 0).all():
        raise ValueError("B must be nonnegative and free of NaN at the observed entries")
    return float(_core.beta_divergence_masked(A, B, M, b, nt))


def _factor_pair(B: tuple, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """B = (W, H) in A's dtype, both nonnegative."""
    if len(B) != 2:
        raise ValueError("B must be an array or a pair (W, H)")
    W = as_float_array(B[0], "W", dtype=dtype)
    H = as_float_array(B[1], "H", dtype=dtype)
    if not (W >= 0).all() or not (H >= 0).all():
        raise ValueError("W and H must be nonnegative and free of NaN")
    return W, H
