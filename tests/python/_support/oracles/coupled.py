"""NumPy oracles: the coupled W update of deep β-NMF: the scalar root and its majorizer, written for clarity, not speed."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .beta import beta_divergence_ref


def coupled_root_ref(wt, wb, p, q, lam, beta):
    """The coupled W entry by a bracketing root solve of M(t) + λ g(w̃ t) = 0 (spec §2),
    in u = ln t, with SciPy's brentq: independent of the kernel's closed forms."""
    def F(u):
        t = np.exp(u)
        if beta < 1:
            M = p - q * t ** (beta - 2)
        elif beta <= 2:
            M = p * t ** (beta - 1) - q * t ** (beta - 2)
        else:
            M = p * t ** (beta - 1) - q
        w = wt * t
        g = np.log(w) - np.log(wb) if beta == 1 else (w ** (beta - 1) - wb ** (beta - 1)) / (beta - 1)
        return M + lam * g

    lo, hi = -1.0, 1.0
    while F(lo) > 0:
        lo *= 2
    while F(hi) < 0:
        hi *= 2
    return wt * np.exp(brentq(F, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=500))


def coupled_majorizer_entry(y, h_row, v_tilde, wt_k, wb_k, lam, beta, t):
    """The majorizer of the row's data term in entry k (Jensen on the convex part, tangent of
    the concave part; Févotte & Idier 2011) plus λ dβ(w̃ t | w̄), up to constants in t.
    y, v_tilde: the data row and W̃ H row; h_row: row k of H."""
    from numpy import log

    c = wt_k * h_row  # w̃_k h_kj, the Jensen weights times ṽ_j
    u = v_tilde * t   # ṽ_j t
    if beta == 1:
        data = np.sum(c / v_tilde * (y * log(y / u, where=y > 0, out=np.zeros_like(y)) - y + u))
    elif 1 < beta <= 2:
        d = y**beta / (beta * (beta - 1)) + u**beta / beta - y * u ** (beta - 1) / (beta - 1)
        data = np.sum(c / v_tilde * d)
    elif beta < 1:
        conv = (y / u) if beta == 0 else y * u ** (beta - 1) / (1 - beta)
        tangent = v_tilde ** (beta - 1) * c * (t - 1)
        data = np.sum(c / v_tilde * conv) + np.sum(tangent)
    else:
        conv = u**beta / beta
        tangent = -y * v_tilde ** (beta - 2) * c * (t - 1)
        data = np.sum(c / v_tilde * conv) + np.sum(tangent)
    penalty = lam * beta_divergence_ref(np.array([[wt_k * t]]), np.array([[wb_k]]), beta) \
        if beta not in (0,) else lam * ((wt_k * t) / wb_k - np.log(wt_k * t / wb_k) - 1)
    return data + penalty
