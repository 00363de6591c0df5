"""Measures used by the paper's experiments."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["hoyer_sparsity", "top_features"]


def hoyer_sparsity(x: Any, axis: int = -1) -> np.ndarray | float:
    """Hoyer's sparsity (paper Section 4.1): (√n − ‖x‖₁/‖x‖₂) / (√n − 1) ∈ [0, 1].

    1 for a vector with a single nonzero entry, 0 for a constant vector. Computed along
    ``axis`` (default: each row of a matrix, e.g. each feature in the rows of H). A zero vector
    has no defined sparsity: NaN.

    Parameters
    ----------
    x : array-like
    axis : int, default -1

    Returns
    -------
    sparsity : ndarray or float
        One value per vector along ``axis``.
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


def top_features(F: Any, names: Any, n: int = 3, *, sep: str = " ") -> list[str]:
    """A label per component: the names of its ``n`` largest entries, largest first — e.g. the
    top words of each topic, as labels for :func:`deepnmf.plotting.plot_hierarchy`.

    Parameters
    ----------
    F : array-like of shape (r, p)
        One component per row (``model.features(ℓ)``: topics over words).
    names : sequence of str of length p
        The name of each column (the vocabulary).
    n : int, default 3
        Names per label.
    sep : str, default " "
        Joins the names.

    Returns
    -------
    labels : list of str
        ``r`` labels.
    """
    F = np.asarray(F)
    names = list(names)
    if F.ndim != 2 or F.shape[1] != len(names):
        raise ValueError(f"F must be 2-D with one column per name: F has shape {F.shape}, "
                         f"{len(names)} names given")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    order = np.argsort(-F, axis=1, kind="stable")[:, :n]
    return [sep.join(str(names[j]) for j in row) for row in order]
