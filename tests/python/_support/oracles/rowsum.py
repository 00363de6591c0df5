"""NumPy oracles: the sum-to-one H update of one row: the entries t(μ) and the multiplier solve, written for clarity, not speed."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq


def entry_t_ref(p, q, mu, beta):
    """t ≥ 0 minimizing the entry's majorizer minus μ t, i.e. solving M(t) = μ, where
    M(t) = P − Q t^(β−2) (β < 1), P t^(β−1) − Q t^(β−2) (1 ≤ β ≤ 2), P t^(β−1) − Q (β > 2);
    0 where M(t) > μ for every t > 0 (the nonnegativity bound is active)."""
    def M(t):
        try:
            if beta < 1:
                return p - q * t ** (beta - 2)
            if beta <= 2:
                return p * t ** (beta - 1) - q * t ** (beta - 2)
            return p * t ** (beta - 1) - q
        except OverflowError:  # q t^(β−2) for tiny t: M → −∞
            return -np.inf

    if beta >= 2 and (q + mu <= 0):
        return 0.0
    if q == 0:
        if beta <= 1 or mu <= 0:
            return 0.0
    lo, hi = 1e-300, 1.0
    while M(hi) < mu:
        hi *= 2
    if M(lo) >= mu:
        return 0.0
    return brentq(lambda t: M(t) - mu, lo, hi, xtol=1e-300, rtol=1e-15, maxiter=500)


def rowsum_row_ref(h_tilde, p, q, beta, eps):
    """The sum-to-one row update by plain bisection on μ: h = max(h̃ t(μ), ε), Σ h = 1.
    For β < 1, rows with Q > 0 everywhere only: an entry with Q = 0 also bounds μ by its P
    (kernels/test_beta_rowsum.py checks those rows against a direct minimization instead)."""
    def total(mu):
        return sum(max(h * entry_t_ref(pj, qj, mu, beta), eps) for h, pj, qj in zip(h_tilde, p, q)) - 1

    hi_dom = min(pj for pj, qj in zip(p, q) if qj > 0) if beta <= 1 else np.inf
    lo, hi = -1.0, min(1.0, hi_dom) if np.isfinite(hi_dom) else 1.0
    if np.isfinite(hi_dom):
        hi = hi_dom * (1 - 1e-15) if hi_dom > 0 else hi_dom - 1e-15 * abs(hi_dom)
    while total(lo) > 0:
        lo *= 2
    while np.isinf(hi_dom) and total(hi) < 0:
        hi *= 2
    mu = brentq(total, lo, hi, xtol=1e-300, rtol=1e-15, maxiter=1000)
    h = np.array([max(h * entry_t_ref(pj, qj, mu, beta), eps) for h, pj, qj in zip(h_tilde, p, q)])
    return h, mu
