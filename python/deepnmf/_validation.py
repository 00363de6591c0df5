"""Input validation, in one place: every public entry point normalizes its arrays here once,
so the compiled kernels receive exactly-typed, C-ordered arrays and never copy."""

from __future__ import annotations

import numbers
import os
import warnings
from typing import Any

import numpy as np

from . import _core

FLOAT_DTYPES = (np.float64, np.float32)

_BETA_ALIASES = {
    "frobenius": 2.0,
    "euclidean": 2.0,
    "kullback-leibler": 1.0,
    "kl": 1.0,
    "itakura-saito": 0.0,
    "is": 0.0,
}


def check_beta(beta: Any) -> float:
    """β as a float: a real number or one of 'frobenius', 'kullback-leibler', 'itakura-saito'."""
    if isinstance(beta, str):
        key = beta.lower()
        if key not in _BETA_ALIASES:
            raise ValueError(
                f"beta={beta!r} is not understood: give a real number or one of "
                "'frobenius', 'kullback-leibler', 'itakura-saito'"
            )
        return _BETA_ALIASES[key]
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise ValueError(f"beta must be a real number or a divergence name, got {beta!r}")
    value = float(beta)
    if not np.isfinite(value):
        raise ValueError(f"beta must be finite, got {beta!r}")
    return value


def resolve_n_threads(n_threads: Any) -> int:
    """scikit-learn's meaning: None = OpenMP's default, -1 = all CPUs, -2 = all but one, …;
    k > 0 = k threads; 0 is an error."""
    if n_threads is None:
        return max(1, int(_core.max_threads()))
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
        raise ValueError(f"n_threads must be an integer or None, got {n_threads!r}")
    n = int(n_threads)
    if n == 0:
        raise ValueError("n_threads=0 is not allowed: use None (OpenMP default), -1 (all) or k > 0")
    if n < 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        n = max(1, (cpus or 1) + 1 + n)
    return n


def as_float_array(a: Any, name: str, *, dtype: Any = None) -> np.ndarray:
    """`a` as a 2-D C-ordered float32/float64 array, copying only when it must (another dtype,
    another layout). float32 stays float32; integers, booleans and object arrays of numbers
    become float64. Messages follow scikit-learn's wording where it has one."""
    if hasattr(a, "toarray") and not isinstance(a, np.ndarray):
        raise TypeError(f"{name}: sparse input is not supported here; pass a dense array")
    arr = np.asarray(a)
    if np.iscomplexobj(arr):
        raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}; NMF needs "
                         "real nonnegative data")
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except ValueError as exc:  # e.g. a string that is not a number
            raise ValueError(f"{name} must hold real numbers: {exc}") from None
        except TypeError as exc:  # e.g. a dict: NumPy's own wording, as scikit-learn
            raise TypeError(f"{name} must hold real numbers: {exc}") from None
    if dtype is None:
        dtype = arr.dtype if arr.dtype in FLOAT_DTYPES else np.float64
    if arr.ndim != 2:
        raise ValueError(f"Expected a 2-D array for {name}, got {arr.ndim} dimension(s) "
                         f"{arr.shape}. Reshape your data either using array.reshape(-1, 1) if "
                         "it has a single feature or array.reshape(1, -1) if it is a single sample.")
    out = np.ascontiguousarray(arr, dtype=dtype)
    # an array at an odd byte offset (np.frombuffer with an offset) is not aligned to its
    # dtype: the kernels refuse it (misaligned loads are undefined behaviour); one copy
    return out if out.flags.aligned else out.copy()


def check_nonnegative(a: np.ndarray, name: str) -> None:
    if a.size == 0:
        raise ValueError(f"Found array with 0 sample(s) or 0 feature(s) (shape={a.shape}) while "
                         f"a minimum of 1 is required: {name} is empty; nothing to factorize")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity; clean the data first")
    if (a < 0).any():
        raise ValueError(
            f"Negative values in data passed to deepnmf: {name} has negative entries "
            f"(min {a.min():.3g}); NMF needs nonnegative data"
        )


def check_data(X: Any, beta: float, name: str = "X") -> np.ndarray:
    """The data matrix: 2-D, finite, nonnegative, not empty; zeros rejected when β ≤ 0."""
    X = as_float_array(X, name)
    check_nonnegative(X, name)
    if beta <= 0 and (X == 0).any():
        raise ValueError(
            f"{name} has exact zeros and beta={beta:g} <= 0: the beta-divergence is infinite "
            "there; add a small positive offset to the data or use beta > 0"
        )
    if not X.any():
        warnings.warn(f"{name} is all zeros: every factorization fits it", RuntimeWarning,
                      stacklevel=3)
    return X


def check_factor(F: Any, name: str, shape: tuple[int, int], dtype: Any) -> np.ndarray:
    """An explicit factor: the expected shape, nonnegative, finite; raised to the floor ε."""
    F = as_float_array(F, name, dtype=dtype)
    if F.shape != shape:
        raise ValueError(f"{name} has shape {F.shape}, expected {shape}")
    check_nonnegative(F, name)
    return F


def check_rank(r: Any, name: str = "n_components") -> int:
    if isinstance(r, bool) or not isinstance(r, numbers.Integral) or int(r) < 1:
        raise ValueError(f"{name} must be a positive integer, got {r!r}")
    return int(r)


def check_positive_int(v: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def check_tol(tol: Any) -> float:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not (float(tol) >= 0):
        raise ValueError(f"tol must be a nonnegative number, got {tol!r}")
    return float(tol)


#: Data whose largest entry lies outside [2^-300, 2^300] is rescaled before fitting.
SAFE_MAX_LOG2 = 300


def unit_scale(X: Any) -> float:
    """A power of two s with s·max(X) in [0.5, 1) when max(X) lies outside
    [2^-300, 2^300] (about 1e±90), else 1.

    Multiplicative updates form Y ⊙ (WH)^(β−2) and (WH)^(β−1): with data near 1e300 (or
    1e-300) these overflow (underflow) long before the data does. Every β-divergence is
    homogeneous, Dβ(sX | sV) = s^β Dβ(X | V), so fitting sX and mapping the factors back is
    the same problem; a power of two makes the scaling exact. Entries below 2^-1074 after
    scaling become 0 (data spanning more than ~600 orders of magnitude).
    """
    mx = float(X.max())
    if mx == 0.0 or (2.0 ** -SAFE_MAX_LOG2 <= mx <= 2.0 ** SAFE_MAX_LOG2):
        return 1.0
    return float(2.0 ** (-np.frexp(mx)[1]))


def scaled_data(X: np.ndarray, beta: float, name: str = "X") -> tuple[np.ndarray, float]:
    """(s·X, s) with s = unit_scale(X): X itself when s = 1, a scaled copy otherwise."""
    s = unit_scale(X)
    if s == 1.0:
        return X, 1.0
    Xs = X * s
    if beta <= 0 and (Xs == 0).any():
        raise ValueError(
            f"{name} spans more orders of magnitude than float64 holds once scaled to O(1) "
            f"(max {X.max():.3g}); with beta={beta:g} <= 0 the entries that underflow to 0 make "
            "the divergence infinite"
        )
    return Xs, s
