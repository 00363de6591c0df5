"""The masked β kernels (docs/masks-semisupervised.md §1, (M1)–(M2)) against the formulas
written out in NumPy, and the shared W-step of semi-supervised NMF (M6) against a scalar
minimizer of the summed majorizer."""

import numpy as np
import pytest
from scipy.optimize import brentq

from deepnmf import _core, beta_divergence
from deepnmf import updates as U

BETAS = [-0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]


def gamma(beta):
    return 1 / (2 - beta) if beta < 1 else 1 / (beta - 1) if beta > 2 else 1.0


def d_beta(x, v, beta):
    """dβ(x | v) entrywise, float64 (x > 0 or β > 0)."""
    x, v = np.asarray(x, np.float64), np.asarray(v, np.float64)
    if beta == 1:
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1) / v), 0) - x + v
    if beta == 0:
        return x / v - np.log(x / v) - 1
    return (x**beta + (beta - 1) * v**beta - beta * x * v ** (beta - 1)) / (beta * (beta - 1))


def problem(dtype, seed=0, m=37, n=53, r=4, fractional=False):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.1, 1, (m, n)).astype(dtype)
    W = rng.uniform(0.1, 1, (m, r)).astype(dtype)
    H = rng.uniform(0.1, 1, (r, n)).astype(dtype)
    seen = rng.random((m, n)) < 0.7
    M = (seen * (rng.uniform(0.2, 3, (m, n)) if fractional else 1.0)).astype(dtype)
    return X, W, H, M


def dtypes(beta):
    return [np.float64, np.float32] if beta >= 0 else [np.float64]


CASES = [(b, dt, f) for b in BETAS for dt in dtypes(b) for f in (False, True)]


@pytest.mark.parametrize("beta,dtype,fractional", CASES)
def test_masked_mu_and_loss_match_numpy(beta, dtype, fractional):
    X, W, H, M = problem(dtype, fractional=fractional)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    eps = np.finfo(dtype).eps
    V = W.astype(np.float64) @ H.astype(np.float64)
    Mf, Xf = M.astype(np.float64), X.astype(np.float64)
    loss = float((Mf * d_beta(Xf, V, beta)).sum())
    P = (Mf * V ** (beta - 1)) @ H.T
    Q = (Mf * Xf * V ** (beta - 2)) @ H.T
    W_ref = np.maximum(W * (Q / P) ** gamma(beta), eps)
    W_new = W.copy()
    got = _core.mu_w_masked(X, M, W_new, H, beta, 2, True)
    np.testing.assert_allclose(W_new, W_ref, rtol=tol * 10)
    assert got == pytest.approx(loss, rel=tol * 10)
    Ph = W.T @ (Mf * V ** (beta - 1))
    Qh = W.T @ (Mf * Xf * V ** (beta - 2))
    H_new = H.copy()
    _core.mu_h_masked(X, M, W, H_new, beta, 2, False)
    np.testing.assert_allclose(H_new, np.maximum(H * (Qh / Ph) ** gamma(beta), eps), rtol=tol * 10)
    assert _core.beta_divergence_wh_masked(X, M, W, H, beta, 2) == pytest.approx(loss, rel=tol * 10)
    assert beta_divergence(X, V.astype(dtype), beta, mask=M) == pytest.approx(loss, rel=tol * 100)
    P_out, Q_out = np.empty_like(W), np.empty_like(W)
    _core.majorizer_w_masked(X, M, W, H, beta, P_out, Q_out, 1, False)
    np.testing.assert_allclose(P_out, P, rtol=tol * 10)
    np.testing.assert_allclose(Q_out, Q, rtol=tol * 10)


@pytest.mark.parametrize("beta", [b for b in BETAS if b != 1.0])
@pytest.mark.parametrize("shape", [(37, 53), (300, 20), (20, 300)])
def test_an_all_ones_mask_is_the_unmasked_kernel_bit_for_bit(beta, shape):
    """Multiplying by 1 is exact: the masked passes reproduce the unmasked ones, loss included
    (the holes' copies are the values themselves). β = 1 forms WᵀΩ by a product in place of
    column sums: a few ulp (the estimators then drop an all-ones mask, see test_masked.py)."""
    X, W, H, _ = problem(np.float64, m=shape[0], n=shape[1])
    ones = np.ones_like(X)
    W1, W2 = W.copy(), W.copy()
    assert _core.mu_w_masked(X, ones, W1, H, beta, 2, True) == _core.mu_w(X, W2, H, beta, 2, True)
    assert np.array_equal(W1, W2)
    H1, H2 = H.copy(), H.copy()
    assert _core.mu_h_masked(X, ones, W, H1, beta, 2, True) == \
        _core.mu_h(X, W, H2, beta, False, 2, True)
    assert np.array_equal(H1, H2)
    assert _core.beta_divergence_wh_masked(X, ones, W, H, beta, 2) == \
        _core.beta_divergence_wh(X, W, H, beta, 2)


def test_kl_all_ones_mask_agrees_to_rounding():
    X, W, H, _ = problem(np.float64)
    W1, W2 = W.copy(), W.copy()
    _core.mu_w_masked(X, np.ones_like(X), W1, H, 1.0, 2, False)
    _core.mu_w(X, W2, H, 1.0, 2, False)
    np.testing.assert_allclose(W1, W2, rtol=1e-14)


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("garbage", [np.nan, 1e300, -5.0, np.inf])
def test_holes_are_never_read(beta, garbage):
    X, W, H, M = problem(np.float64, seed=3)
    Xg = np.where(M > 0, X, garbage)
    for fn in (lambda Y, F: _core.mu_w_masked(Y, M, F, H, beta, 2, True),):
        A, B = W.copy(), W.copy()
        assert fn(X, A) == fn(Xg, B)
        assert np.array_equal(A, B)
    A, B = H.copy(), H.copy()
    _core.mu_h_masked(X, M, W, A, beta, 2, False)
    _core.mu_h_masked(Xg, M, W, B, beta, 2, False)
    assert np.array_equal(A, B)
    assert _core.beta_divergence_wh_masked(X, M, W, H, beta, 1) == \
        _core.beta_divergence_wh_masked(Xg, M, W, H, beta, 1)
    # the public functions check the observed entries only
    np.testing.assert_array_equal(U.mu_w(Xg, W, H, beta, mask=M > 0), U.mu_w(X, W, H, beta, mask=M > 0))


def test_a_fully_hidden_row_drops_to_the_floor():
    X, W, H, M = problem(np.float64)
    M[4] = 0
    W_new = U.mu_w(X, W, H, 1.0, mask=M)
    assert np.all(W_new[4] == np.finfo(np.float64).eps) and np.all(np.isfinite(W_new))


def test_mask_errors():
    X, W, H, M = problem(np.float64)
    with pytest.raises(ValueError, match="shape"):
        U.mu_w(X, W, H, 1.0, mask=M[:, :-1])
    with pytest.raises(ValueError, match="negative"):
        U.mu_w(X, W, H, 1.0, mask=-M)
    with pytest.raises(ValueError, match="NaN or infinity"):
        U.mu_w(X, W, H, 1.0, mask=np.where(M > 0, np.nan, 0))
    with pytest.raises(ValueError, match="boolean or numeric"):
        U.mu_w(X, W, H, 1.0, mask=M.astype(str))
    with pytest.raises(ValueError, match="observed"):
        U.mu_w(np.where(M > 0, np.nan, X), W, H, 1.0, mask=M)  # NaN where observed
    with pytest.raises(ValueError, match="row_sums_one"):
        U.mu_h(X, W, H, 1.0, mask=M, row_sums_one=True)
    with pytest.raises(ValueError, match="shape"):
        _core.mu_w_masked(X, M[:5], W.copy(), H, 1.0, 1, False)
    with pytest.raises(ValueError):
        _core.mu_w_masked(X, M, M, H, 1.0, 1, False)  # the mask as the output


# ------------------------------------------------------------------ the shared W-step (M6)
def majorizer_derivative(P, Q, beta, t):
    if beta < 1:
        return P - Q * t ** (beta - 2)
    if beta <= 2:
        return P * t ** (beta - 1) - Q * t ** (beta - 2)
    return P * t ** (beta - 1) - Q


PAIRS = [(1.0, 1.0), (2.0, 2.0), (2.0, 1.0), (1.0, 2.0), (1.5, 0.5), (0.5, 2.0), (3.0, 1.0),
         (0.0, 1.5)]


@pytest.mark.parametrize("beta_x,beta_y", PAIRS)
@pytest.mark.parametrize("lam", [1e-3, 1.0, 100.0])
def test_shared_w_root_solves_the_summed_stationarity(beta_x, beta_y, lam):
    rng = np.random.default_rng(int(10 * beta_x + beta_y))
    for _ in range(20):
        PX, QX, PY, QY = rng.uniform(0.01, 3, 4)
        t = _core.shared_w_root(PX, QX, beta_x, PY, QY, beta_y, lam)
        f = lambda s: majorizer_derivative(PX, QX, beta_x, s) + lam * majorizer_derivative(  # noqa: E731
            PY, QY, beta_y, s)
        ref = brentq(f, 1e-8, 1e8, xtol=1e-300, rtol=1e-15, maxiter=500)
        assert t == pytest.approx(ref, rel=1e-10), (PX, QX, PY, QY)


def test_shared_w_update_closed_forms_and_mediant():
    rng = np.random.default_rng(0)
    m, r = 30, 4
    W = rng.uniform(0.1, 1, (m, r))
    PX, QX, PY, QY = (rng.uniform(0.1, 2, (m, r)) for _ in range(4))
    eps = np.finfo(np.float64).eps
    for bx, by, lam in [(2.0, 1.0, 10.0), (1.0, 2.0, 0.3), (1.5, 0.5, 2.0)]:
        W_new = W.copy()
        _core.shared_w_update(W_new, PX, QX, bx, PY, QY, by, lam, False, 2)
        ref = np.array([[_core.shared_w_root(PX[i, k], QX[i, k], bx, PY[i, k], QY[i, k], by, lam)
                         for k in range(r)] for i in range(m)])
        np.testing.assert_allclose(W_new, np.maximum(W * ref, eps), rtol=1e-15)
        M = W.copy()
        _core.shared_w_update(M, PX, QX, bx, PY, QY, by, lam, True, 2)
        np.testing.assert_allclose(M, np.maximum(W * (QX + lam * QY) / (PX + lam * PY), eps),
                                   rtol=1e-15)
    # equal β: the published update, and λ = 0 is the plain MU bit for bit
    X, W2, H, _ = problem(np.float64)
    P, Q = np.empty_like(W2), np.empty_like(W2)
    _core.majorizer_w(X, W2, H, 1.5, P, Q, 1, False)
    A, B = W2.copy(), W2.copy()
    _core.shared_w_update(A, P, Q, 1.5, P * 3, Q * 2, 1.5, 0.0, False, 1)
    _core.mu_w(X, B, H, 1.5, 1, False)
    assert np.array_equal(A, B)


def test_shared_w_update_errors():
    W = np.ones((3, 2))
    P = np.ones((3, 2))
    with pytest.raises(ValueError, match="shape"):
        _core.shared_w_update(W, P, P, 1.0, np.ones((2, 2)), P, 1.0, 1.0, False, 1)
    with pytest.raises(ValueError, match="label weight"):
        _core.shared_w_update(W, P, P, 1.0, P, P, 1.0, -1.0, False, 1)
    with pytest.raises(ValueError):
        _core.shared_w_update(W, P, P, np.nan, P, P, 1.0, 1.0, False, 1)
