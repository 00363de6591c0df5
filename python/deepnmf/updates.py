"""Single block updates, public because they are useful on their own (the paper's Remark 1):
each is one majorization-minimization step that never increases its block objective.

All functions take the data ``Y`` (m×n) ≈ ``W`` (m×r) ``H`` (r×n), keep ``Y``'s dtype
(float32 or float64; factors of another dtype are converted), and return the updated factor —
a new array, or ``out`` when given (``out=H`` updates ``H`` in place, without a copy; an
``out`` that shares memory with any other argument is a ValueError). β must lie in the range
the updates support for the dtype (see the README's numerical range). An update that raises
because its intermediates would overflow may leave an in-place ``out`` partly updated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._engine.masked import check_mask, check_observed
from ._engine.validation import (
    as_float_array,
    check_beta,
    check_beta_range,
    check_data,
    check_factor,
    resolve_n_threads,
)

__all__ = ["mu_h", "mu_w", "coupled_w"]


def _prepare(Y: Any, W: Any, H: Any, beta: Any,
             mask: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    b = check_beta(beta)
    if mask is None:
        Y = check_data(Y, b, "Y")
    else:  # only the observed entries are data
        Y = as_float_array(Y, "Y")
        check_observed(Y, check_mask(mask, Y.shape, Y.dtype) > 0, b, "Y")
    check_beta_range(b, Y.dtype, "the update")
    m, n = Y.shape
    r = np.shape(W)[1] if np.ndim(W) == 2 else -1
    W = check_factor(W, "W", (m, r), Y.dtype)
    H = check_factor(H, "H", (r, n), Y.dtype)
    return Y, W, H, b


def _output(F: np.ndarray, out: np.ndarray | None, name: str,
            read: dict[str, np.ndarray]) -> np.ndarray:
    """The array the kernel writes into: a copy of F, or `out` holding F's values. `read` are
    the other arrays the kernel reads while it writes (by name): `out` may be F itself (an
    update in place, no copy) but must not share memory with any of them."""
    if out is None:
        return F.copy()
    if not isinstance(out, np.ndarray) or out.shape != F.shape or out.dtype != F.dtype:
        raise ValueError(f"out must be a {F.dtype} array of shape {F.shape} (like {name})")
    if not (out.flags.c_contiguous and out.flags.writeable):
        raise ValueError("out must be C-contiguous and writeable")
    for other, arr in read.items():
        if np.shares_memory(out, arr):  # exact: quick for two strided 2-D views
            raise ValueError(f"out shares memory with {other}, which the update of {name} reads "
                             f"while it writes out; pass out={name} (in place) or a new array")
    if not np.shares_memory(out, F) or out.ctypes.data != F.ctypes.data:
        np.copyto(out, F)
    return out



def mu_h(
    Y: Any,
    W: Any,
    H: Any,
    beta: Any,
    *,
    row_sums_one: bool = False,
    mask: Any = None,
    out: np.ndarray | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """One multiplicative update of H for Y ≈ W H under the β-divergence.

    Parameters
    ----------
    Y : array of shape (m, n)
        Nonnegative data.
    W : array of shape (m, r)
        The fixed factor.
    H : array of shape (r, n)
        The factor to update (not modified unless ``out is H``).
    beta : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}
        The β of the divergence.
    row_sums_one : bool, default False
        Impose ``H e = e`` (every row sums to one), as in deep β-NMF: the exact minimizer of
        the majorizer over ``{H ≥ ε, H e = e}`` with one Lagrange multiplier per row (not
        with a mask).
    mask : array of shape (m, n), optional
        Weights Ω of the entries of Y (True/1 observed, False/0 missing: never read): the
        exact MM step of the masked divergence Σ Ωᵢⱼ dβ(Yᵢⱼ | (WH)ᵢⱼ), Ω inside both products.
    out : ndarray, optional
        Where to write the result (``out=H`` updates in place).
    n_threads : int, optional
        Threads of the compiled core (None: OpenMP's default; -1: all).

    Returns
    -------
    H_new : ndarray of shape (r, n)
        ``max(H ⊙ (Wᵀ(Y ⊙ V^(β−2)) ⊘ Wᵀ V^(β−1))^γ(β), ε)`` with V = W H, or its
        row-sum-constrained counterpart. Entries are ≥ ε (machine epsilon of the dtype).
    """
    Y, W, H_in, b = _prepare(Y, W, H, beta, mask)
    if mask is not None:
        if row_sums_one:
            raise ValueError("mu_h: a mask with row_sums_one=True is not supported")
        M = check_mask(mask, Y.shape, Y.dtype)
        H_new = _output(H_in, out, "H", {"Y": Y, "W": W, "mask": M})
        _core.mu_h_masked(Y, M, W, H_new, b, resolve_n_threads(n_threads), False)
        return H_new
    H_new = _output(H_in, out, "H", {"Y": Y, "W": W})
    _core.mu_h(Y, W, H_new, b, bool(row_sums_one), resolve_n_threads(n_threads), False)
    return H_new


def mu_w(
    Y: Any,
    W: Any,
    H: Any,
    beta: Any,
    *,
    mask: Any = None,
    out: np.ndarray | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """One multiplicative update of W for Y ≈ W H under the β-divergence.

    Parameters
    ----------
    Y : array of shape (m, n)
        Nonnegative data.
    W : array of shape (m, r)
        The factor to update (not modified unless ``out is W``).
    H : array of shape (r, n)
        The fixed factor.
    beta : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}
        The β of the divergence.
    mask : array of shape (m, n), optional
        Weights Ω of the entries of Y (True/1 observed, False/0 missing: never read): the
        exact MM step of the masked divergence Σ Ωᵢⱼ dβ(Yᵢⱼ | (WH)ᵢⱼ), Ω inside both products.
    out : ndarray, optional
        Where to write the result (``out=W`` updates in place).
    n_threads : int, optional
        Threads of the compiled core (None: OpenMP's default; -1: all).

    Returns
    -------
    W_new : ndarray of shape (m, r)
        ``max(W ⊙ ((Y ⊙ V^(β−2)) Hᵀ ⊘ V^(β−1) Hᵀ)^γ(β), ε)`` with V = W H.
    """
    Y, W_in, H, b = _prepare(Y, W, H, beta, mask)
    if mask is not None:
        M = check_mask(mask, Y.shape, Y.dtype)
        W_new = _output(W_in, out, "W", {"Y": Y, "H": H, "mask": M})
        _core.mu_w_masked(Y, M, W_new, H, b, resolve_n_threads(n_threads), False)
        return W_new
    W_new = _output(W_in, out, "W", {"Y": Y, "H": H})
    _core.mu_w(Y, W_new, H, b, resolve_n_threads(n_threads), False)
    return W_new


def coupled_w(
    Y: Any,
    W: Any,
    H: Any,
    W_bar: Any,
    lam: float,
    beta: Any,
    *,
    out: np.ndarray | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """The W-update of a deep layer ℓ < L (paper problem (13)): one majorization-minimization
    step for ``Dβ(Y, W H) + lam · Dβ(W, W_bar)`` over W ≥ ε.

    Parameters
    ----------
    Y : array of shape (m, n)
        The layer's data (X for layer 1, W_{ℓ−1} below).
    W : array of shape (m, r)
        The factor to update; must be positive.
    H : array of shape (r, n)
    W_bar : array of shape (m, r)
        The next layer's approximation W_{ℓ+1} H_{ℓ+1} of W; must be positive.
    lam : float > 0
        λ_{ℓ+1} / λ_ℓ, the weight of the coupling term.
    beta : float or divergence name
        β = 1 uses the Lambert-W closed form (paper eq. (18)) evaluated through the Wright
        omega function, so e^(a/λ) never overflows; β ∈ {0, 1/2, 3/2, 2} use closed forms; any
        other β a safeguarded Newton solve per entry.
    out : ndarray, optional
        Where to write the result (``out=W`` updates in place).
    n_threads : int, optional
        Threads of the compiled core (None: OpenMP's default; -1: all).

    Returns
    -------
    W_new : ndarray of shape (m, r), entries ≥ ε.
    """
    Y, W_in, H, b = _prepare(Y, W, H, beta)
    W_bar = check_factor(W_bar, "W_bar", W_in.shape, Y.dtype)
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a positive finite number, got {lam!r}")
    if (W_in <= 0).any() or (W_bar <= 0).any():
        raise ValueError("W and W_bar must be positive (floor them at machine epsilon)")
    W_new = _output(W_in, out, "W", {"Y": Y, "H": H, "W_bar": W_bar})
    _core.coupled_w(Y, W_new, H, W_bar, float(lam), b, resolve_n_threads(n_threads), False)
    return W_new
