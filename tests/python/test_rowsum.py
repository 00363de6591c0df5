"""The H-update with rows summing to one (spec §3): exact constraint, oracle agreement,
multiplier equal to a bisection solve, and monotone block objective."""

import numpy as np
import pytest
from _reference import majorizer_PQ_h, rowsum_row_ref
from conftest import positive_problem
from hypothesis import given
from hypothesis import strategies as st

import deepnmf
from deepnmf import _core, updates

BETAS = [0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]


def feasible_H(rng, r, n, dtype=np.float64):
    H = rng.uniform(0.1, 1.0, size=(r, n))
    return (H / H.sum(axis=1, keepdims=True)).astype(dtype)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("shape", [(60, 300), (3000, 41)])  # column blocks, row blocks
def test_rows_sum_to_one_and_floor(rng, beta, shape):
    m, n = shape
    Y, W, _ = positive_problem(rng, m, n, 5, zeros=0.2 if beta > 0 else 0.0)
    H = feasible_H(rng, 5, n)
    H2 = updates.mu_h(Y, W, H, beta, row_sums_one=True)
    np.testing.assert_allclose(H2.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert H2.min() >= np.finfo(np.float64).eps


@pytest.mark.parametrize("beta", BETAS)
def test_row_solution_equals_bisection_oracle(rng, beta):
    Y, W, _ = positive_problem(rng, 15, 9, 3)
    H = feasible_H(rng, 3, 9)
    P, Q = majorizer_PQ_h(Y, W, H, beta)
    eps = np.finfo(np.float64).eps
    for k in range(3):
        h, mu = _core.solve_row_multiplier(H[k].copy(), P[k].copy(), Q[k].copy(), beta)
        h_ref, mu_ref = rowsum_row_ref(H[k], P[k], Q[k], beta, eps)
        np.testing.assert_allclose(h, h_ref, rtol=1e-10, atol=1e-15)
        assert mu == pytest.approx(mu_ref, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("beta", [1.0, 2.0, 3.0])
def test_floor_binds_inside_the_constraint(beta):
    """Entries whose majorizer pushes them to 0 sit at ε and the rest absorb the row sum."""
    h_tilde = np.array([0.5, 0.3, 0.2])
    p = np.array([1.0, 1.0, 1.0])
    q = np.array([2.0, 1.0, 0.0])  # the last entry has no data pulling it up
    h, _ = _core.solve_row_multiplier(h_tilde, p, q, beta)
    eps = np.finfo(np.float64).eps
    assert h[2] == eps
    assert h.sum() == pytest.approx(1.0, abs=1e-15)


def test_kl_row_with_nothing_to_scale_keeps_h_tilde_normalized():
    """Q = 0 everywhere (no data pulls the row up): KL's c has nothing to scale; the row is h̃
    normalized, at the floor where h̃ is, and μ is reported as 0."""
    eps = np.finfo(np.float64).eps
    h_tilde = np.array([0.5, 0.25, 0.25, eps / 4])
    h, mu = _core.solve_row_multiplier(h_tilde, np.ones(4), np.zeros(4), 1.0)
    np.testing.assert_allclose(h, np.maximum(h_tilde / h_tilde.sum(), eps), rtol=1e-15)
    assert mu == 0.0 and h.sum() == pytest.approx(1.0, abs=1e-15)


def test_kl_floor_over_several_rounds_equals_bisection_oracle(rng):
    """Entries spread over 30 decades: each round's c floors more of them (the active set grows
    over several rounds) and the result is still the exact minimizer."""
    n = 400
    h_tilde = 10.0 ** rng.uniform(-30, 0, n)
    q = 10.0 ** rng.uniform(-3, 3, n)
    p = np.full(n, 2.0)
    eps = np.finfo(np.float64).eps
    h, mu = _core.solve_row_multiplier(h_tilde, p, q, 1.0)
    h_ref, mu_ref = rowsum_row_ref(h_tilde, p, q, 1.0, eps)
    assert np.sum(h == eps) > n // 4
    np.testing.assert_allclose(h, h_ref, rtol=1e-10, atol=1e-15)
    assert mu == pytest.approx(mu_ref, rel=1e-9)
    assert h.sum() == pytest.approx(1.0, abs=1e-15)


def test_rows_sum_to_one_in_float32(rng):
    Y, W, _ = positive_problem(rng, 30, 200, 4, np.float32)
    H = feasible_H(rng, 4, 200, np.float32)
    H2 = updates.mu_h(Y, W, H, 1.0, row_sums_one=True)
    assert H2.dtype == np.float32
    np.testing.assert_allclose(H2.sum(axis=1, dtype=np.float64), 1.0, atol=200 * np.finfo(np.float32).eps)


@given(
    beta=st.sampled_from(BETAS),
    m=st.integers(1, 25),
    n=st.integers(2, 40),
    r=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_constrained_block_objective_never_increases(beta, m, n, r, seed):
    rng = np.random.default_rng(seed)
    Y, W, _ = positive_problem(rng, m, n, r)
    H = feasible_H(rng, r, n)
    before = deepnmf.beta_divergence(Y, W @ H, beta)
    H2 = updates.mu_h(Y, W, H, beta, row_sums_one=True)
    after = deepnmf.beta_divergence(Y, W @ H2, beta)
    assert after <= before * (1 + 1e-12) + 1e-12 * (Y.size + Y.sum())
    np.testing.assert_allclose(H2.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert H2.min() >= np.finfo(np.float64).eps


@pytest.mark.parametrize("beta", [0.5, 1.0, 1.5])
def test_threads_identical(rng, beta):
    Y, W, _ = positive_problem(rng, 80, 400, 6)
    H = feasible_H(rng, 6, 400)
    a = updates.mu_h(Y, W, H, beta, row_sums_one=True, n_threads=1)
    b = updates.mu_h(Y, W, H, beta, row_sums_one=True, n_threads=2)
    np.testing.assert_allclose(a, b, rtol=1e-12)
