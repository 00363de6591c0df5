"""NumPy oracles: the β-divergence, the majorizer pieces P, Q and the multiplicative updates, written for clarity, not speed."""

from __future__ import annotations

import numpy as np


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
