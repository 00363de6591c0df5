"""Plain NumPy (and SciPy) implementations of the formulas the compiled kernels implement,
written for clarity, not speed: the oracles of the tests."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq


def beta_divergence_ref(X, V, beta):
    """Σ dβ(x|v) with the textbook formulas; 0·log 0 = 0."""
    X = np.asarray(X, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if beta == 2:
        return 0.5 * np.sum((X - V) ** 2)
    if beta == 1:
        pos = X > 0
        return np.sum(X[pos] * np.log(X[pos] / V[pos])) - X.sum() + V.sum()
    if beta == 0:
        Q = X / V
        return np.sum(Q - np.log(Q) - 1)
    return np.sum(X**beta / (beta * (beta - 1)) + V**beta / beta - X * V ** (beta - 1) / (beta - 1))


def gamma(beta):
    if beta < 1:
        return 1 / (2 - beta)
    if beta > 2:
        return 1 / (beta - 1)
    return 1.0


def majorizer_PQ_h(Y, W, H, beta):
    """P = Wᵀ V^(β−1), Q = Wᵀ (Y ⊙ V^(β−2)), V = W H."""
    V = W @ H
    return W.T @ V ** (beta - 1), W.T @ (Y * V ** (beta - 2))


def majorizer_PQ_w(Y, W, H, beta):
    """P = V^(β−1) Hᵀ, Q = (Y ⊙ V^(β−2)) Hᵀ, V = W H."""
    V = W @ H
    return V ** (beta - 1) @ H.T, (Y * V ** (beta - 2)) @ H.T


def mu_h_ref(Y, W, H, beta):
    eps = np.finfo(H.dtype).eps
    P, Q = majorizer_PQ_h(Y.astype(float), W.astype(float), H.astype(float), beta)
    return np.maximum(H * (Q / P) ** gamma(beta), eps)


def mu_w_ref(Y, W, H, beta):
    eps = np.finfo(W.dtype).eps
    P, Q = majorizer_PQ_w(Y.astype(float), W.astype(float), H.astype(float), beta)
    return np.maximum(W * (Q / P) ** gamma(beta), eps)


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
    (test_rowsum checks those rows against a direct minimization instead)."""
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


def wright_omega_ref(y, mpmath):
    """ω(y) to 120 bits: W0(e^y) for moderate y; Newton on z + ln z = y for large y."""
    mpmath.mp.prec = 120
    y = mpmath.mpf(float(y))
    if y > 700:
        z = y - mpmath.log(y)
        for _ in range(10):
            z = z - (z + mpmath.log(z) - y) / (1 + 1 / z)
        return float(z)
    return float(mpmath.re(mpmath.lambertw(mpmath.exp(y))))


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
