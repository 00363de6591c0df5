"""NumPy oracles of the Frobenius family, written as literally as the lecture and the spec state
them (``frobenius-solvers.md``), in the spec's H-block form: G = WᵀW (r×r), C = WᵀX (r×n) and
H (r×n). The kernels take the transposed layout (C and U as n×r); the tests transpose."""

from __future__ import annotations

import numpy as np


def hals_ref(G, C, H, l1=0.0, l2=0.0, sweeps=1):
    """(F6) with §3.2's penalties: rows k = 1..r of H in order, one after the other."""
    H = np.array(H, dtype=np.float64)
    r = H.shape[0]
    for _ in range(sweeps):
        for k in range(r):
            if G[k, k] + l2 == 0:
                continue
            rest = G[k] @ H - G[k, k] * H[k]  # Σ_{l≠k} G_kl h_l
            H[k] = np.maximum(0.0, (C[k] - l1 - rest) / (G[k, k] + l2))
    return H


def opl_ref(G, C, H, l1=0.0, l2=0.0, steps=1):
    """The lecture's OPL (steps 1–2.2): η = diag(1/rowsums(G)); H ← [H − η ∇]₊ (F5)."""
    H = np.array(H, dtype=np.float64)
    eta = 1.0 / (G.sum(axis=1) + l2)
    for _ in range(steps):
        grad = G @ H - C + l1 + l2 * H
        H = np.maximum(H - eta[:, None] * grad, 0.0)
    return H


def ipg_ref(G, C, H, l1=0.0, l2=0.0, tau=0.99, steps=1, per_column=True):
    """Merritt & Zhang's interior-point gradient, the lecture's steps 1.1–1.7 (global step), or
    the same per column."""
    H = np.array(H, dtype=np.float64)
    for _ in range(steps):
        pos = G @ H + l1 + l2 * H
        grad = pos - C                                   # 1.1
        D = H / pos                                      # 1.2
        P = -D * grad                                    # 1.3
        if per_column:
            for j in range(H.shape[1]):
                p, g = P[:, j], grad[:, j]
                den = p @ G @ p + l2 * p @ p
                if den <= 0 or -(p @ g) <= 0:
                    continue
                eta_star = -(p @ g) / den                # 1.4
                neg = p < 0
                eta_max = np.min(-H[neg, j] / p[neg]) if neg.any() else np.inf  # 1.5
                H[:, j] += min(tau * eta_max, eta_star) * p  # 1.6–1.7
        else:
            eta_star = -np.sum(P * grad) / (np.sum(P * (G @ P)) + l2 * np.sum(P * P))
            neg = P < 0
            eta_max = np.min(-H[neg] / P[neg]) if neg.any() else np.inf
            H = H + min(tau * eta_max, eta_star) * P
    return H


def als_ref(G, C, l1=0.0, l2=0.0):
    """The lecture's ALS step: H = [(G + λ₂I)⁻¹(C − λ₁)]₊ (when well conditioned)."""
    return np.maximum(np.linalg.solve(G + l2 * np.eye(len(G)), C - l1), 0.0)


def mu_ref(G, C, H, l1=0.0, l2=0.0):
    """Lee–Seung with the penalties in the denominator (§3.2), unfloored."""
    return H * C / (G @ H + l1 + l2 * H)


def objective_ref(X, W, H, l1_W=0.0, l2_W=0.0, l1_H=0.0, l2_H=0.0):
    """(F8), directly."""
    return (0.5 * np.sum((X - W @ H) ** 2) + l1_W * W.sum() + 0.5 * l2_W * np.sum(W * W)
            + l1_H * H.sum() + 0.5 * l2_H * np.sum(H * H))


def kkt_residual(A, X, B):
    """The largest violation of the NNLS optimality conditions of min ‖A X − B‖ over X ≥ 0:
    X ≥ 0, Y = Aᵀ(A X − B) ≥ 0, X ⊙ Y = 0 (relative to ‖AᵀB‖∞)."""
    Y = A.T @ (A @ X - B)
    scale = max(np.abs(A.T @ B).max(), 1e-300)
    return max(-X.min(initial=0.0), -Y.min(initial=0.0) / scale,
               np.abs(X * Y).max(initial=0.0) / (scale * max(np.abs(X).max(initial=0.0), 1e-300)))
