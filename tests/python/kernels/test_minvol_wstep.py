"""The min-vol W-step kernels (docs/minvol-deep-kl.md): the ADMM W-step is the minimizer of
(24), the Z-step the scalar root, the exact solver the minimizer of (21), the column
multipliers those of a bisection; ln det of the Gram."""

import numpy as np
import pytest
from _support.oracles.minvol import constrained_min, small, subproblem
from scipy.optimize import brentq

from deepnmf import _core

EPS = np.finfo(float).eps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_admm_wstep_is_the_minimizer_of_24(seed):
    Y, W, H = small(seed)
    rng = np.random.default_rng(seed + 10)
    V = rng.uniform(0.0, 0.4, W.shape)
    alpha, delta, rho = 0.3, 1.0, 2.0
    W_new, mu, _ = _core.testing.minvol_wstep(Y, W, H, V, alpha, delta, rho)
    f, g = subproblem(Y, W, H, alpha, delta, rho=rho, V=V)
    ref = constrained_min(f, g, W)
    np.testing.assert_allclose(W_new, ref, atol=1e-8, rtol=0)
    assert f(W_new.ravel()) <= f(ref.ravel()) + 1e-12
    np.testing.assert_allclose(W_new.sum(axis=0), 1.0, atol=1e-14)


def test_paper_formula_27_is_not_the_minimizer():
    """Without the W̃ factor on the ρ terms of T and S (the published (27)), the step misses
    the minimizer of (24) by far more than the solver tolerance."""
    Y, W, H = small(3)
    V = np.random.default_rng(4).uniform(0.0, 0.4, W.shape)
    alpha, delta, rho = 0.3, 1.0, 2.0
    f, g = subproblem(Y, W, H, alpha, delta, rho=rho, V=V)
    ref = constrained_min(f, g, W)
    R = (Y / (W @ H)) @ H.T
    A = np.linalg.inv(W.T @ W + delta * np.eye(3))
    Ap, An = np.maximum(A, 0), np.maximum(-A, 0)
    T = 4 * alpha * W @ (Ap + An) + 2 * rho            # as published
    S = (8 * alpha * W @ (Ap + An) + 4 * rho) * R
    C = H.sum(axis=1)[None, :] - 4 * alpha * W @ An - rho * V

    def paper(mu):
        B = C + mu[None, :]
        return W * (np.sqrt(B**2 + S) - B) / T

    mu = np.zeros(3)
    for k in range(3):
        mu[k] = brentq(lambda t, k=k: paper(np.full(3, t))[:, k].sum() - 1, -1e6, 1e6, xtol=1e-14)
    assert np.max(np.abs(paper(mu) - ref)) > 1e-3


def test_zstep_equals_scalar_root_and_does_not_overflow():
    rng = np.random.default_rng(5)
    V = np.concatenate([rng.uniform(-1, 1, (5, 2)), [[1e6, 3.0], [2.0, -5.0]]])
    W_bar = np.concatenate([rng.uniform(0.1, 1, (5, 2)), [[1e-300, 1e-300], [1e-300, 0.7]]])
    for nu in (1e-3, 1.0, 1e6):
        Z = _core.testing.minvol_zstep(V, W_bar, nu)
        assert np.all(np.isfinite(Z)) and np.all(Z >= 0)  # e^(−5e6) underflows to 0, rightly
        for (i, j), z in np.ndenumerate(Z):
            # ν z + ln z = ν v + ln w̄, solved in u = ln z
            rhs = nu * V[i, j] + np.log(W_bar[i, j])
            lo, hi = min(-2000.0, rhs - 10), 600.0  # f(lo) < 0 < f(hi), no overflow
            u = brentq(lambda u: nu * np.exp(u) + u - rhs, lo, hi, xtol=1e-15, rtol=1e-15)
            assert z == pytest.approx(np.exp(u), rel=1e-12)


def test_multiplier_equals_bisection():
    Y, W, H = small(6)
    V = np.random.default_rng(7).uniform(0.0, 0.4, W.shape)
    alpha, delta, rho = 0.5, 1.0, 3.0
    W_new, mu, A = _core.testing.minvol_wstep(Y, W, H, V, alpha, delta, rho)
    R = (Y / (W @ H)) @ H.T
    Ap, An = np.maximum(A, 0), np.maximum(-A, 0)
    T = 4 * alpha * W @ (Ap + An) + 2 * rho * W
    S = 2 * T * R
    C = H.sum(axis=1)[None, :] - 4 * alpha * W @ An - rho * V
    for k in range(W.shape[1]):
        def colsum(t, k=k):
            B = C[:, k] + t
            return np.sum(W[:, k] * (np.sqrt(B**2 + S[:, k]) - B) / T[:, k]) - 1

        lo, hi = -1.0, 1.0
        while colsum(lo) < 0:
            lo *= 2
        while colsum(hi) > 0:
            hi *= 2
        for _ in range(200):  # plain bisection
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if colsum(mid) > 0 else (lo, mid)
        assert mu[k] == pytest.approx(0.5 * (lo + hi), rel=1e-10, abs=1e-12)


def test_exact_solver_is_the_minimizer_of_21():
    Y, W, H = small(8)
    rng = np.random.default_rng(9)
    W_bar = rng.uniform(0.05, 0.4, W.shape)
    alpha, delta, lam = 0.2, 1.0, 0.7
    Wc = W.copy()
    rep = _core.minvol_w(Y, Wc, H, W_bar, alpha, lam, delta, 100.0, 1e-6, 200, 1, False, True)
    f, g = subproblem(Y, W, H, alpha, delta, lam=lam, W_bar=W_bar)
    ref = constrained_min(f, g, W)
    np.testing.assert_allclose(Wc, ref, atol=1e-8, rtol=0)
    assert rep["block_decrease"] > 0
    np.testing.assert_allclose(Wc.sum(axis=0), 1.0, atol=1e-14)


def test_admm_converges_to_the_exact_minimizer():
    """On a well-scaled subproblem (ρ near the curvature) the ADMM reaches the exact solver's
    answer: the two solvers solve the same problem."""
    Y, W, H = small(10)
    W_bar = np.random.default_rng(11).uniform(0.05, 0.4, W.shape)
    args = (0.2, 0.7, 1.0)  # α, λ, δ
    We = W.copy()
    _core.minvol_w(Y, We, H, W_bar, *args, 100.0, 1e-6, 200, 1, False, True)
    Wa = W.copy()
    rep = _core.minvol_w(Y, Wa, H, W_bar, *args, 5.0, 1e-11, 5000, 1, False, False)
    assert rep["residual"] <= 1e-11 and rep["accepted"]
    np.testing.assert_allclose(Wa, We, atol=1e-9)


def test_logdet():
    W = np.random.default_rng(12).uniform(size=(10, 3))
    want = np.linalg.slogdet(W.T @ W + 0.5 * np.eye(3))[1]
    assert _core.logdet_gram(W, 0.5) == pytest.approx(want, rel=1e-13)
