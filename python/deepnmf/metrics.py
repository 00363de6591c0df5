"""Measures used by the paper's experiments."""

from __future__ import annotations

from typing import Any

import numpy as np


def hoyer_sparsity(x: Any, axis: int = -1) -> np.ndarray | float:
    """Hoyer's sparsity (paper Section 4.1): (√n − ‖x‖₁/‖x‖₂) / (√n − 1) ∈ [0, 1].

    1 for a vector with a single nonzero entry, 0 for a constant vector. Computed along
    ``axis`` (default: each row of a matrix, e.g. each feature in the rows of H). A zero vector
    has no defined sparsity: NaN.
    """
    a = np.asarray(x, dtype=np.float64)
    n = a.shape[axis]
    if n < 2:
        raise ValueError("hoyer_sparsity needs vectors of length >= 2")
    l1 = np.abs(a).sum(axis=axis)
    l2 = np.sqrt((a * a).sum(axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(l2 > 0, l1 / np.where(l2 > 0, l2, 1.0), np.nan)
    s = (np.sqrt(n) - ratio) / (np.sqrt(n) - 1)
    return s if np.ndim(s) else float(s)
