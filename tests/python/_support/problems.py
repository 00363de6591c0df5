"""The small problems the tests share."""

from __future__ import annotations

import numpy as np


def positive_problem(rng, m, n, r, dtype=np.float64, zeros=0.0):
    """Y (m×n, optionally with a fraction of exact zeros), W, H positive."""
    Y = rng.gamma(2.0, 1.0, size=(m, n))
    if zeros:
        Y[rng.random((m, n)) < zeros] = 0.0
    W = rng.uniform(0.1, 1.0, size=(m, r))
    H = rng.uniform(0.1, 1.0, size=(r, n))
    return Y.astype(dtype), W.astype(dtype), H.astype(dtype)
