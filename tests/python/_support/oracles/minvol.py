"""NumPy oracles: the min-vol W-subproblems (21) and (24) of docs/minvol-deep-kl.md, and
their minimizers by SciPy's constrained solver, written for clarity, not speed."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


def small(seed=0, m=6, n=8, r=3):
    rng = np.random.default_rng(seed)
    Y = rng.uniform(0.1, 1, (m, n))
    W = rng.uniform(0.1, 1, (m, r))
    W /= W.sum(axis=0)
    H = rng.uniform(0.1, 1, (r, n))
    return Y, W, H


def subproblem(Y, W, H, alpha, delta, rho=0.0, V=None, lam=0.0, W_bar=None):
    """Objective of (24) (ρ, V) or (21) (λ, W̄) at W̃ = W, written from the definitions:
    the KL Jensen majorizer, the logdet majorizer (paper (20)), the proximal or coupling term."""
    m, r = W.shape
    R = (Y / (W @ H)) @ H.T
    c = H.sum(axis=1)
    G = W.T @ W + delta * np.eye(r)
    A = np.linalg.inv(G)
    Ap, An = np.maximum(A, 0), np.maximum(-A, 0)
    phi = 2 * (W @ (Ap + An)) / W

    def f(x):
        X = x.reshape(m, r)
        D = X - W
        val = np.sum(c[None, :] * X - W * R * np.log(X))
        val += alpha * (2 * np.sum(D * (W @ A)) + 0.5 * np.sum(D * D * phi))
        if V is not None:
            val += rho / 2 * np.sum((X - V) ** 2)
        if W_bar is not None:
            val += lam * np.sum(X * np.log(X / W_bar) - X + W_bar)
        return val

    def grad(x):
        X = x.reshape(m, r)
        g = c[None, :] - W * R / X + alpha * (2 * (W @ A) + phi * (X - W))
        if V is not None:
            g = g + rho * (X - V)
        if W_bar is not None:
            g = g + lam * np.log(X / W_bar)
        return g.ravel()

    return f, grad


def constrained_min(f, grad, W):
    m, r = W.shape
    cons = [{"type": "eq", "fun": (lambda x, k=k: x.reshape(m, r)[:, k].sum() - 1),
             "jac": (lambda x, k=k: np.eye(r)[k][None, :].repeat(m, 0).ravel())} for k in range(r)]
    res = minimize(f, W.ravel(), jac=grad, method="SLSQP", constraints=cons,
                   bounds=[(1e-12, None)] * W.size, options={"ftol": 1e-16, "maxiter": 2000})
    return res.x.reshape(W.shape)
