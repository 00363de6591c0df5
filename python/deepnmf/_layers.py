"""Helpers of the layer loop shared by MultilayerNMF and DeepNMF."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core


def check_ranks(ranks: Any, shape: tuple[int, int]) -> list[int]:
    """Ranks r1 > r2 > … > rL ≥ 1, r1 ≤ min(m, n). Non-decreasing ranks are allowed with a
    warning (the paper assumes a strictly decreasing sequence)."""
    import warnings

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
    if any(b >= a for a, b in zip(rs, rs[1:])):
        warnings.warn(
            f"ranks {rs} are not strictly decreasing; the deep model assumes r1 > r2 > ...",
            UserWarning, stacklevel=3)
    return rs


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


def layer_data(X: np.ndarray, W: Sequence[np.ndarray], layer: int) -> np.ndarray:
    """W_{ℓ−1} with W_0 = X (layer counted from 0)."""
    return X if layer == 0 else W[layer - 1]
