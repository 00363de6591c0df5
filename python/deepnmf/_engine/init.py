"""Initial factors for X ≈ W H: scaled random, and NNDSVD (Boutsidis & Gallopoulos 2008)
with its variants 'nndsvda' (zeros filled with the mean of X) and 'nndsvdar' (small random).
Every init ends floored at ε, the paper's floor, so multiplicative updates can move every entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse.linalg

from .layers import model_factors

INITS = ("random", "nndsvd", "nndsvda", "nndsvdar")


def _leading_svd(X, r: int, rng: np.random.Generator):
    """The r leading singular triplets, largest first (X dense or scipy.sparse)."""
    m, n = X.shape
    small = r >= min(m, n) // 2 or min(m, n) <= 500
    if small and (not scipy.sparse.issparse(X) or m * n <= 10_000_000):
        dense = X.toarray() if scipy.sparse.issparse(X) else X
        U, S, Vt = np.linalg.svd(dense.astype(np.float64, copy=False), full_matrices=False)
        return U[:, :r], S[:r], Vt[:r]
    v0 = rng.uniform(-1.0, 1.0, size=min(m, n))
    U, S, Vt = scipy.sparse.linalg.svds(X.astype(np.float64, copy=False), k=r, v0=v0)
    order = np.argsort(S)[::-1]
    return U[:, order], S[order], Vt[order]


def initialize(X, r: int, init: str, rng: np.random.Generator):
    """(W, H) of shapes (m, r), (r, n) in X's dtype, all entries ≥ ε (X dense or sparse)."""
    m, n = X.shape
    dtype = X.dtype
    eps = np.finfo(dtype).eps
    if init == "random":
        avg = np.sqrt(max(float(X.mean()), eps) / r)
        W = avg * np.abs(rng.standard_normal((m, r)))
        H = avg * np.abs(rng.standard_normal((r, n)))
    elif init in ("nndsvd", "nndsvda", "nndsvdar"):
        if r > min(m, n):
            raise ValueError(f"init={init!r} needs n_components <= min(m, n) = {min(m, n)} "
                             f"(got {r}); use init='random'")
        W, H = _nndsvd(X, r, rng)
        avg = float(X.mean())
        if init == "nndsvda":
            W[W == 0] = avg
            H[H == 0] = avg
        elif init == "nndsvdar":
            W[W == 0] = abs(avg * rng.standard_normal(int((W == 0).sum())) / 100)
            H[H == 0] = abs(avg * rng.standard_normal(int((H == 0).sum())) / 100)
    else:
        raise ValueError(f"init={init!r} is not one of {INITS} (or explicit factors)")
    W = np.maximum(np.ascontiguousarray(W, dtype=dtype), eps)
    H = np.maximum(np.ascontiguousarray(H, dtype=dtype), eps)
    return W, H


def _nndsvd(X: np.ndarray, r: int, rng: np.random.Generator):
    """NNDSVD: each singular pair (u, v) is split into its positive and negative parts and the
    pair with the larger product of norms is kept (the leading pair is nonnegative up to sign)."""
    U, S, Vt = _leading_svd(X, r, rng)
    m, n = X.shape
    W = np.zeros((m, r))
    H = np.zeros((r, n))
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0, :] = np.sqrt(S[0]) * np.abs(Vt[0, :])
    for j in range(1, r):
        x, y = U[:, j], Vt[j, :]
        xp, xn = np.maximum(x, 0), np.maximum(-x, 0)
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        nxp, nyp = np.linalg.norm(xp), np.linalg.norm(yp)
        nxn, nyn = np.linalg.norm(xn), np.linalg.norm(yn)
        if nxp * nyp >= nxn * nyn:
            u, v, sigma = xp / max(nxp, 1e-300), yp / max(nyp, 1e-300), nxp * nyp
        else:
            u, v, sigma = xn / max(nxn, 1e-300), yn / max(nyn, 1e-300), nxn * nyn
        scale = np.sqrt(S[j] * sigma)
        W[:, j] = scale * u
        H[j, :] = scale * v
    W[W < 1e-12 * W.max()] = 0.0
    H[H < 1e-12 * H.max()] = 0.0
    return W, H


def single_start(data: Any, scale: Any, r: int, init: Any, W0: Any, H0: Any, source: Any,
                 rng: np.random.Generator, floor: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The starting (W, H) of a single-layer fit on validated ``data`` (2^k X, ``scale``),
    in the layouts the kernels read: the factors of a fitted one-layer ``source``, explicit
    ``W0``, ``H0`` (``init='custom'``), or ``init`` from INITS. Explicit factors are copied,
    mapped into the fit's units (W carries the data's scale) and floored at ε there (not with
    ``floor=False``: the Frobenius solvers keep exact zeros, and a warm start continues from
    the very iterate)."""
    from .validation import check_factor

    m, n = data.shape
    if source is not None:
        Ws, Hs = model_factors(source)
        if len(Ws) != 1:
            raise ValueError(f"init is a {len(Ws)}-layer model; BetaNMF starts from one layer")
        W0, H0 = Ws[0], Hs[0]
    if source is not None or init == "custom":
        if W0 is None or H0 is None:
            raise ValueError("init='custom' needs W and H passed to fit()")
        what = "" if source is None else "the initial model's "
        W = check_factor(W0, what + "W", (m, r), data.dtype)
        W = W.copy() if scale.unit else scale.to_fit(W)  # W carries the data's scale
        # one copy, in the layout the kernels read (Fortran order next to sparse data)
        H = data.factor_layout(check_factor(H0, what + "H", (r, n), data.dtype), copy=True)
        if floor:
            eps = np.finfo(data.dtype).eps
            np.maximum(W, eps, out=W)
            np.maximum(H, eps, out=H)
    elif init in INITS:
        W, H = initialize(data.matrix, r, init, rng)
    else:
        raise ValueError(f"init={init!r} is not one of {INITS + ('custom',)} or a fitted BetaNMF")
    # Fortran order next to sparse data, 64-byte aligned rows (no copy when they are)
    return data.w_layout(W), data.factor_layout(H)
