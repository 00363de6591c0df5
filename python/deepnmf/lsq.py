"""Nonnegative least squares for many right-hand sides at once (``deepnmf.nnls``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _core
from ._engine.validation import as_float_array, resolve_n_threads

__all__ = ["nnls"]


def nnls(A: Any, B: Any, *, n_threads: int | None = None) -> np.ndarray:
    """X ≥ 0 minimizing ‖A X − B‖_F, every column of B at once: SciPy's ``nnls(A, b)``
    convention for a matrix B, solved exactly by block principal pivoting (Kim & Park 2011)
    from AᵀA and AᵀB, columns whose passive sets agree sharing one Cholesky factor.

    Parameters
    ----------
    A : array-like of shape (m, k)
        The system, finite (any sign, any rank: a rank-deficient A gives one of the
        minimizers).
    B : array-like or scipy.sparse matrix of shape (m, p) or (m,)
        Right-hand sides, finite.
    n_threads : int or None
        Threads of the compiled core (as the estimators' ``n_threads``).

    Returns
    -------
    X : ndarray of shape (k, p) (or (k,) for a vector B)
        float64, or float32 when A and B are both float32.

    Notes
    -----
    The solution is certified by the KKT conditions of every column: x ≥ 0, Aᵀ(A x − b) ≥ 0
    and xᵀAᵀ(A x − b) = 0 to rounding (the pivoting ends only there). Forming AᵀA squares the
    condition number of A: for an ill-conditioned A (cond ≳ 1e7) SciPy's ``nnls``, which works
    on A itself, is more accurate.
    """
    nt = resolve_n_threads(n_threads)
    A_arr = np.asarray(A)
    dtype = np.float32 if (A_arr.dtype == np.float32 and getattr(B, "dtype", None) == np.float32) \
        else np.float64
    A_arr = as_float_array(A_arr, "A", dtype=dtype)
    if A_arr.ndim != 2:
        raise ValueError(f"A must be a 2-D array, got shape {A_arr.shape}")
    if not np.isfinite(A_arr).all():
        raise ValueError("A contains NaN or infinity")
    vector = not sp.issparse(B) and np.ndim(B) == 1
    m, k = A_arr.shape
    if sp.issparse(B):
        Bs = sp.csc_matrix(B, dtype=dtype)
        if Bs.ndim != 2 or Bs.shape[0] != m:
            raise ValueError(f"B has shape {Bs.shape}; A {A_arr.shape} needs {m} rows")
        if not np.isfinite(Bs.data).all():
            raise ValueError("B contains NaN or infinity")
        C = np.ascontiguousarray(Bs.T @ A_arr, dtype=dtype)  # Bᵀ A (p×k)
    else:
        B_np = np.asarray(B)
        B2 = as_float_array(B_np.reshape(-1, 1) if vector else B_np, "B", dtype=dtype)
        if B2.shape[0] != m:
            raise ValueError(f"B has shape {B_np.shape}; A {A_arr.shape} needs {m} rows")
        if not np.isfinite(B2).all():
            raise ValueError("B contains NaN or infinity")
        B2 = np.ascontiguousarray(B2)
        C = np.empty((B2.shape[1], k), dtype=dtype)
        if m == 0:
            C[...] = 0
        else:
            _core.cross_t(B2, np.ascontiguousarray(A_arr), C, nt)
    G = np.zeros((k, k), dtype=np.float64)
    if m:
        _core.gram(np.ascontiguousarray(A_arr), G, nt)
    U = np.zeros((C.shape[0], k), dtype=dtype)
    if k and C.shape[0]:
        _core.nnls_bpp(G, C, U, 0.0, 0.0, False, nt)
    X = np.ascontiguousarray(U.T)
    return X[:, 0] if vector else X
