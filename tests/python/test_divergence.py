"""Dβ against the textbook formula, its mathematical properties, and its errors."""

import numpy as np
import pytest
from _reference import beta_divergence_ref
from hypothesis import given
from hypothesis import strategies as st

import deepnmf

BETAS = [-1.0, 0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 3.0]


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_formula(rng, beta, dtype):
    X = rng.uniform(0.1, 2.0, size=(23, 31)).astype(dtype)
    V = rng.uniform(0.1, 2.0, size=(23, 31)).astype(dtype)
    got = deepnmf.beta_divergence(X, V, beta)
    want = beta_divergence_ref(X, V, beta)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert got == pytest.approx(want, rel=rtol)


@pytest.mark.parametrize("beta", [0.5, 1.0, 1.5, 2.0, 3.0])
def test_zeros_in_data_follow_0log0(rng, beta):
    X = rng.uniform(0.1, 2.0, size=(10, 12))
    X[rng.random(X.shape) < 0.3] = 0
    V = rng.uniform(0.1, 2.0, size=X.shape)
    assert deepnmf.beta_divergence(X, V, beta) == pytest.approx(beta_divergence_ref(X, V, beta), rel=1e-12)


@pytest.mark.parametrize("beta", [0.0, -0.5])
def test_zeros_with_beta_le_0_are_an_error(beta):
    X = np.ones((3, 3))
    X[1, 1] = 0
    with pytest.raises(ValueError, match="infinite"):
        deepnmf.beta_divergence(X, np.ones((3, 3)), beta)


def test_zero_approximation_where_data_positive_is_infinite():
    X = np.ones((2, 2))
    V = np.ones((2, 2))
    V[0, 0] = 0
    assert deepnmf.beta_divergence(X, V, 1.0) == np.inf
    assert np.isfinite(deepnmf.beta_divergence(X, V, 2.0))


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_negative_or_nan_rejected(bad):
    X = np.ones((2, 2))
    X[0, 1] = bad
    with pytest.raises(ValueError, match="nonnegative"):
        deepnmf.beta_divergence(X, np.ones((2, 2)), 1.0)


def test_shape_mismatch_rejected():
    with pytest.raises(ValueError, match="shapes"):
        deepnmf.beta_divergence(np.ones((2, 3)), np.ones((3, 2)), 1.0)


@pytest.mark.parametrize("name,beta", [("frobenius", 2.0), ("kullback-leibler", 1.0), ("itakura-saito", 0.0)])
def test_names(rng, name, beta):
    X = rng.uniform(0.5, 1.0, (4, 5))
    V = rng.uniform(0.5, 1.0, (4, 5))
    assert deepnmf.beta_divergence(X, V, name) == deepnmf.beta_divergence(X, V, beta)


@pytest.mark.parametrize("beta", BETAS)
def test_product_form_equals_dense(rng, beta):
    X = rng.uniform(0.1, 2.0, size=(300, 40))
    W = rng.uniform(0.1, 1.0, size=(300, 5))
    H = rng.uniform(0.1, 1.0, size=(5, 40))
    dense = deepnmf.beta_divergence(X, W @ H, beta)
    assert deepnmf.beta_divergence(X, (W, H), beta) == pytest.approx(dense, rel=1e-13)


@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_accurate_near_equality(beta):
    """No cancellation: for v = x(1+δ), dβ is O(δ²) and must keep full relative accuracy.
    Exact values from the alternating series (δ small, 12 terms are plenty)."""
    x = np.full((1, 4), 3.0)
    for delta in (1e-3, 1e-5, 1e-7):
        k = np.arange(2, 14)
        if beta == 1:  # x (δ − log1p δ) = x Σ_{k≥2} (−δ)^k / k
            exact = 4 * 3.0 * np.sum((-delta) ** k / k)
        else:  # log1p δ − δ/(1+δ) = Σ_{k≥2} (−δ)^k (1 − 1/k)
            exact = 4 * np.sum((-delta) ** k * (1 - 1 / k))
        got = deepnmf.beta_divergence(x, x * (1 + delta), beta)
        # the input v = x(1+δ) is itself rounded: relative error ≤ 2 ulp / δ
        assert got == pytest.approx(exact, rel=8e-16 / delta + 1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_subnormal_model_values(rng, dtype):
    """Ratios that underflow to subnormals (Eigen's vectorized log would read them as the
    smallest normal number, and the ratio itself has lost its precision) are summed exactly.
    Rows of 64 so the vectorized path runs."""
    tiny = np.finfo(dtype).smallest_normal
    X = rng.uniform(0.5, 2.0, size=(3, 64)).astype(dtype)
    V = rng.uniform(0.5, 2.0, size=(3, 64)).astype(dtype)
    depth = 12 if dtype == np.float64 else 6  # decades below the smallest normal number
    V[:, ::5] = (tiny * 10.0 ** -rng.uniform(1, depth, size=V[:, ::5].shape)).astype(dtype)
    assert np.all(V[:, ::5] < tiny) and np.all(V > 0)
    x, v = X.astype(np.float64), V.astype(np.float64)
    kl = np.sum(x * (np.log(x) - np.log(v)) - x + v)
    itakura_saito = np.sum(v / x - (np.log(v) - np.log(x)) - 1)  # dIS(v | x)
    rel = 1e-12 if dtype == np.float64 else 1e-5
    assert deepnmf.beta_divergence(X, V, 1.0) == pytest.approx(kl, rel=rel)
    assert deepnmf.beta_divergence(V, X, 0.0) == pytest.approx(itakura_saito, rel=rel)


@pytest.mark.parametrize("n", [2, 40])  # a short row and one through the vectorized path
def test_zero_model_value_is_infinite_where_the_divergence_is(n):
    X = np.ones((1, n))
    V = np.ones((1, n))
    V[0, 0] = 0.0
    assert deepnmf.beta_divergence(X, V, 0.0) == np.inf  # IS: d(x|0) = inf
    assert deepnmf.beta_divergence(X, V, 1.0) == np.inf  # KL: d(x|0) = inf for x > 0
    assert deepnmf.beta_divergence(V, X, 1.0) == pytest.approx(1.0)  # KL: d(0|v) = v
    assert deepnmf.beta_divergence(X, V, 2.0) == 0.5


def test_continuity_in_beta(rng):
    X = rng.uniform(0.1, 2.0, size=(8, 9))
    V = rng.uniform(0.1, 2.0, size=(8, 9))
    for b0 in (0.0, 1.0, 2.0):
        at = deepnmf.beta_divergence(X, V, b0)
        for h in (1e-4, 1e-6, 1e-8):
            assert deepnmf.beta_divergence(X, V, b0 + h) == pytest.approx(at, rel=20 * h + 1e-10)
            assert deepnmf.beta_divergence(X, V, b0 - h) == pytest.approx(at, rel=20 * h + 1e-10)


@given(
    beta=st.sampled_from(BETAS),
    shape=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    seed=st.integers(0, 2**31 - 1),
)
def test_nonnegative_and_zero_iff_equal(beta, shape, seed):
    r = np.random.default_rng(seed)
    X = r.uniform(0.01, 5.0, size=shape)
    V = r.uniform(0.01, 5.0, size=shape)
    assert deepnmf.beta_divergence(X, V, beta) >= 0
    assert deepnmf.beta_divergence(X, X, beta) == 0
