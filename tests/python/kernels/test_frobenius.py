"""The Frobenius kernels (β = 2) on (G, C, U) against the NumPy transcriptions of the lecture and
the spec (_support/oracles/frobenius.py), and the batched NNLS against SciPy's."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so
import scipy.sparse as sp
from _support.oracles.frobenius import (
    als_ref,
    hals_ref,
    ipg_ref,
    kkt_residual,
    mu_ref,
    opl_ref,
)

import deepnmf
from deepnmf import _core


def block(m=40, n=30, r=5, seed=0, dtype=np.float64):
    """An H-block: X (m×n), W, H; G = WᵀW, C = WᵀX in the spec's form."""
    rng = np.random.default_rng(seed)
    X = rng.random((m, n))
    W, H = rng.random((m, r)), rng.random((r, n))
    return X.astype(dtype), W.astype(dtype), H.astype(dtype)


def kernel_triple(X, W, H):
    """What the kernels take: G (float64), C = Xᵀ W (n×r), U = Hᵀ (n×r), in X's dtype."""
    G = np.zeros((W.shape[1],) * 2)
    _core.gram(W, G, 1)
    C = np.empty((X.shape[1], W.shape[1]), dtype=X.dtype)
    _core.cross_t(X, W, C, 1)
    return G, C, np.ascontiguousarray(H.T)


def test_products_equal_numpy():
    X, W, H = block(m=300, n=200, r=7)
    G, C, _ = kernel_triple(X, W, H)
    np.testing.assert_allclose(G, W.T @ W, rtol=1e-13)
    np.testing.assert_allclose(C, X.T @ W, rtol=1e-13)


PEN = [(0.0, 0.0), (0.3, 0.0), (0.0, 2.0), (0.5, 1.5)]


@pytest.mark.parametrize("l1,l2", PEN)
@pytest.mark.parametrize("sweeps", [1, 3])
def test_hals_equals_the_transcription(l1, l2, sweeps):
    X, W, H = block()
    G, C, U = kernel_triple(X, W, H)
    rep = _core.hals_update(G, C, U, l1, l2, sweeps, 0.0, 2)
    ref = hals_ref(W.T @ W, W.T @ X, H, l1, l2, sweeps)
    np.testing.assert_allclose(U.T, ref, rtol=1e-12, atol=1e-14)
    assert rep["sweeps"] == sweeps


def test_hals_inner_stop_at_delta():
    """(F7): sweeps stop once one moves U by at most δ times the first."""
    X, W, H = block(n=200)
    G, C, U = kernel_triple(X, W, H)
    rep = _core.hals_update(G, C, U, 0.0, 0.0, 100, 0.1, 1)
    assert 1 < rep["sweeps"] < 100
    assert rep["last_change"] <= 0.01 * rep["first_change"]
    # the sweep before the last did not meet the test: replayed one sweep at a time
    U2 = np.ascontiguousarray(H.T)
    changes = [_core.hals_update(G, C, U2, 0.0, 0.0, 1, 0.0, 1)["first_change"]
               for _ in range(rep["sweeps"])]
    np.testing.assert_array_equal(U2, U)
    assert changes[-1] <= 0.01 * changes[0] < changes[-2]


@pytest.mark.parametrize("l1,l2", PEN)
def test_opl_equals_the_lecture(l1, l2):
    X, W, H = block()
    G, C, U = kernel_triple(X, W, H)
    _core.opl_update(G, C, U, l1, l2, 5, 2)
    np.testing.assert_allclose(U.T, opl_ref(W.T @ W, W.T @ X, H, l1, l2, 5), rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("l1,l2", PEN)
@pytest.mark.parametrize("global_step", [False, True])
def test_ipg_equals_the_lecture(l1, l2, global_step):
    X, W, H = block()
    G, C, U = kernel_triple(X, W, H)
    _core.ipg_update(G, C, U, l1, l2, 5, 0.99, global_step, False, 2)
    ref = ipg_ref(W.T @ W, W.T @ X, H, l1, l2, 0.99, 5, per_column=not global_step)
    np.testing.assert_allclose(U.T, ref, rtol=1e-12, atol=1e-14)
    assert np.all(U > 0)  # interior: no exact zeros


@pytest.mark.parametrize("l1,l2", PEN)
def test_ipg_with_unit_step_is_lee_seung(l1, l2):
    """Step 1.7 with η = 1 is H ⊙ C ⊘ (G H + λ₁ + λ₂H)."""
    X, W, H = block()
    G, C, U = kernel_triple(X, W, H)
    _core.ipg_update(G, C, U, l1, l2, 1, 0.99, False, True, 1)
    np.testing.assert_allclose(U.T, mu_ref(W.T @ W, W.T @ X, H, l1, l2), rtol=1e-14)


def test_ipg_boundary_step_is_at_least_one():
    """η′ ≥ 1 (spec §2.3): P_ij < 0 ⇔ ∇_ij > 0 and then −H/P = (GH)/((GH) − C) ≥ 1."""
    X, W, H = block(seed=3)
    G, C = W.T @ W, W.T @ X
    grad = G @ H - C
    P = -(H / (G @ H)) * grad
    neg = P < 0
    assert np.min(-H[neg] / P[neg]) >= 1.0


@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.2, 0.7)])
def test_als_equals_the_lecture(l1, l2):
    X, W, H = block()
    G, C, U = kernel_triple(X, W, H)
    ridge = _core.als_update(G, C, U, l1, l2, 2)
    assert not ridge
    np.testing.assert_allclose(U.T, als_ref(W.T @ W, W.T @ X, l1, l2), rtol=1e-10, atol=1e-12)


def test_als_takes_a_ridge_for_a_singular_gram():
    X, W, H = block()
    W[:, 1] = W[:, 0]  # duplicate columns: G singular
    G, C, U = kernel_triple(X, W, H)
    assert _core.als_update(G, C, U, 0.0, 0.0, 1)
    assert np.all(np.isfinite(U)) and np.all(U >= 0)


def test_projected_gradient_norm():
    X, W, H = block()
    H[0, :5] = 0
    G, C, U = kernel_triple(X, W, H)
    grad = (W.T @ W) @ H - W.T @ X
    pg = np.where(H > 0, grad, np.minimum(grad, 0))
    np.testing.assert_allclose(_core.projected_gradient_sq(G, C, U, 0.0, 0.0, 2),
                               np.sum(pg**2), rtol=1e-12)


@pytest.mark.parametrize("kernel", ["hals", "opl", "ipg", "nnls"])
def test_kernels_are_bit_identical_across_thread_counts(kernel):
    X, W, H = block(m=500, n=400, r=9)
    outs = []
    for nt in (1, 2, 3):
        G, C, U = kernel_triple(X, W, H)
        {"hals": lambda: _core.hals_update(G, C, U, 0.1, 0.1, 3, 0.0, nt),
         "opl": lambda: _core.opl_update(G, C, U, 0.1, 0.1, 3, nt),
         "ipg": lambda: _core.ipg_update(G, C, U, 0.1, 0.1, 3, 0.99, True, False, nt),
         "nnls": lambda: _core.nnls_bpp(G, C, U, 0.1, 0.1, False, nt)}[kernel]()
        outs.append(U)
    assert all(np.array_equal(outs[0], o) for o in outs[1:])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_follows_float64(dtype):
    X, W, H = block(dtype=dtype)
    G, C, U = kernel_triple(X, W, H)
    _core.hals_update(G, C, U, 0.0, 0.0, 2, 0.0, 1)
    assert U.dtype == dtype
    ref = hals_ref(W.T.astype(float) @ W.astype(float), W.T.astype(float) @ X.astype(float),
                   H.astype(float), sweeps=2)
    np.testing.assert_allclose(U.T, ref, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_block_kernels_refuse_bad_shapes_and_penalties():
    X, W, H = block()
    G, C, U = kernel_triple(X, W, H)
    with pytest.raises(ValueError, match="shapes"):
        _core.hals_update(np.ascontiguousarray(G[:3, :3]), C, U)
    with pytest.raises(ValueError, match="penalties"):
        _core.opl_update(G, C, U, -1.0)
    with pytest.raises(ValueError, match="penalties"):
        _core.nnls_bpp(G, C, U, np.nan)
    with pytest.raises(ValueError, match="shares memory"):
        _core.hals_update(G, U, U)
    with pytest.raises(TypeError):
        _core.hals_update(G.astype(np.float32), C, U)


# ------------------------------------------------------------------ NNLS
def scipy_nnls(A, B):
    return np.column_stack([so.nnls(A, B[:, j])[0] for j in range(B.shape[1])])


@pytest.mark.parametrize("shape", [(60, 10, 40), (12, 30, 8), (200, 5, 50), (30, 30, 30)],
                         ids=["tall", "wide", "thin", "square"])
def test_nnls_equals_scipy_and_is_optimal(shape):
    m, k, p = shape
    rng = np.random.default_rng(m + k)
    A, B = rng.standard_normal((m, k)), rng.standard_normal((m, p))
    X = deepnmf.nnls(A, B)
    R = scipy_nnls(A, B)
    if m >= k:  # a unique minimizer
        np.testing.assert_allclose(X, R, rtol=1e-10, atol=1e-10 * np.abs(R).max())
    # wide A: the minimizer is not unique; the objective and the certificate are
    np.testing.assert_allclose(np.linalg.norm(A @ X - B, axis=0),
                               np.linalg.norm(A @ R - B, axis=0), rtol=1e-9, atol=1e-10)
    assert kkt_residual(A, X, B) < 1e-9


def test_nnls_on_nonnegative_data_to_1e12():
    rng = np.random.default_rng(5)
    A, B = rng.random((100, 12)), rng.random((100, 60))
    np.testing.assert_allclose(deepnmf.nnls(A, B), scipy_nnls(A, B), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", ["rank_deficient", "duplicate_columns", "zero_column"])
def test_nnls_degenerate_systems(case):
    rng = np.random.default_rng(7)
    A = rng.random((50, 8))
    if case == "rank_deficient":
        A[:, 7] = A[:, 0] + A[:, 1]
    elif case == "duplicate_columns":
        A[:, 3] = A[:, 2]
    else:
        A[:, 4] = 0.0
    B = rng.random((50, 20))
    X = deepnmf.nnls(A, B)
    assert np.all(np.isfinite(X)) and np.all(X >= 0)
    np.testing.assert_allclose(np.linalg.norm(A @ X - B, axis=0),
                               np.linalg.norm(A @ scipy_nnls(A, B) - B, axis=0), rtol=1e-8)


def test_nnls_sparse_vector_and_float32():
    rng = np.random.default_rng(8)
    A, B = rng.random((40, 6)), rng.random((40, 9)) * (rng.random((40, 9)) > 0.6)
    X = deepnmf.nnls(A, B)
    np.testing.assert_allclose(X, deepnmf.nnls(A, sp.csr_matrix(B)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(deepnmf.nnls(A, B[:, 2]), X[:, 2], rtol=1e-14)
    X32 = deepnmf.nnls(A.astype(np.float32), B.astype(np.float32))
    assert X32.dtype == np.float32
    np.testing.assert_allclose(X32, X, rtol=1e-3, atol=1e-4)


def test_nnls_warm_and_cold_starts_agree():
    rng = np.random.default_rng(9)
    A, B = rng.random((80, 15)), rng.random((80, 30))
    G = A.T @ A
    C = np.ascontiguousarray((A.T @ B).T)
    cold = np.zeros((30, 15))
    _core.nnls_bpp(G, C, cold, 0.0, 0.0, False, 1)
    warm = np.where(rng.random((30, 15)) > 0.5, 1.0, 0.0)  # any support to start from
    rep = _core.nnls_bpp(G, C, warm, 0.0, 0.0, True, 1)
    assert rep["failed"] == 0
    np.testing.assert_allclose(warm, cold, rtol=1e-12, atol=1e-14)


def test_nnls_with_ridge_equals_the_stacked_system():
    """λ₂ only: min ‖A x − b‖² + λ₂‖x‖² is NNLS on [A; √λ₂ I], [b; 0] (spec §5.3)."""
    rng = np.random.default_rng(10)
    A, B = rng.random((30, 6)), rng.random((30, 5))
    lam = 0.7
    G = A.T @ A
    C = np.ascontiguousarray((A.T @ B).T)
    U = np.zeros((5, 6))
    _core.nnls_bpp(G, C, U, 0.0, lam, False, 1)
    stacked = scipy_nnls(np.vstack([A, np.sqrt(lam) * np.eye(6)]), np.vstack([B, np.zeros((6, 5))]))
    np.testing.assert_allclose(U.T, stacked, rtol=1e-11, atol=1e-13)


def test_nnls_with_l1_equals_bounded_lbfgs():
    rng = np.random.default_rng(11)
    A, b = rng.random((30, 6)), rng.random(30)
    l1, l2 = 0.3, 0.2
    G = A.T @ A
    U = np.zeros((1, 6))
    _core.nnls_bpp(G, np.ascontiguousarray((A.T @ b)[None]), U, l1, l2, False, 1)

    def f(x):
        res = A @ x - b
        return 0.5 * res @ res + l1 * x.sum() + 0.5 * l2 * x @ x, A.T @ res + l1 + l2 * x

    opt = so.minimize(f, np.ones(6), jac=True, method="L-BFGS-B", bounds=[(0, None)] * 6,
                      options={"ftol": 1e-15, "gtol": 1e-12})
    np.testing.assert_allclose(U[0], opt.x, atol=1e-7)
    assert f(U[0])[0] <= opt.fun + 1e-12


def test_nnls_bad_input():
    A = np.ones((4, 2))
    with pytest.raises(ValueError, match="rows"):
        deepnmf.nnls(A, np.ones((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        deepnmf.nnls(A, np.full((4, 1), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        deepnmf.nnls(np.ones(4), np.ones(4))
