"""Dβ against the textbook formula, its mathematical properties, and its errors."""

import math

import mpmath
import numpy as np
import pytest
from _support.oracles.beta import beta_divergence_ref
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


def divergence_mp(x, y, beta, digits):
    """dβ(x|y) with `digits` decimal digits (the 1/β terms cancel: β = 1e-310 needs 400)."""
    with mpmath.workdps(digits):
        x, y, b = mpmath.mpf(x), mpmath.mpf(y), mpmath.mpf(beta)
        return x**b / (b * (b - 1)) + y**b / b - x * y ** (b - 1) / (b - 1)


GENERAL_BETAS = [-5.0, -3.0, -1.0, -1e-9, 1e-12, 1e-310, 0.3, 0.5, 1 - 1e-9, 1 + 1e-9, 1.2, 1.5,
                 2.5, 3.0, 4.0, 10.0]
RATIOS = [1 + 1e-12, 1 - 1e-8, 1 + 1e-4, 0.97, 1.3, 0.7, 2.5, 0.3, 10.0, 1e-6, 1e6]


@pytest.mark.parametrize("beta", GENERAL_BETAS)
def test_general_beta_to_a_few_ulp_of_mpmath(beta):
    """Near the special β the general formula subtracted terms of size 1/β or 1/(β − 1) (digits
    lost for β within 1e-9 of 0 or 1 when x and y are far apart; β = 1e-310 gave inf), and near
    x = y its terms cancelled (small negative values at β = 1.2, 2.5, 3). Against mpmath, over
    ratios y/x from 1e-6 to 1e6 (one ulp apart included) and magnitudes 1e-200 … 1e200: within
    32 ulp wherever the divergence is a normal number (under 12 for |β| ≤ 4)."""
    digits = 400 if abs(beta) < 1e-100 else 60
    worst = 0.0
    # and the ratios on either side of where the series hands over to the brackets,
    # |ln(y/x)| max(1, |β|, |β − 1|) = 3/2, and at a third of that
    M = max(1.0, abs(beta), abs(beta - 1.0))
    edges = [np.exp(s * f / M) for s in (1, -1) for f in (0.5, 1.49, 1.51, 2.0)]
    for x in (1e-200, 1e-5, 1.0, 3.7, 1e200):
        for ratio in RATIOS + edges:
            y = x * ratio
            want = divergence_mp(x, y, beta, digits)
            if not (1e-290 < want < 1e300):
                continue
            got = deepnmf.beta_divergence(np.array([[x]]), np.array([[y]]), beta)
            worst = max(worst, float(abs(mpmath.mpf(got) - want) / want))
    assert worst <= 32 * np.finfo(float).eps, worst / np.finfo(float).eps


@pytest.mark.parametrize("beta", [-1.0, 0.3, 1.2, 1.5, 2.5, 3.0])
def test_entries_an_ulp_apart_give_a_nonnegative_divergence_of_full_accuracy(beta):
    x = np.array([[0.7, 1.3, 1e-100, 1e100]])
    for k in (1, 2, 7):
        y = x * (1 + k * np.finfo(float).eps)  # rounds to x plus about k ulp
        got = deepnmf.beta_divergence(x, y, beta)
        want = sum(divergence_mp(a, b, beta, 80) for a, b in zip(x[0], y[0]))
        assert got >= 0
        if want > 1e-290:
            assert float(abs(mpmath.mpf(got) - want) / want) <= 16 * np.finfo(float).eps


@pytest.mark.parametrize("beta", [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_an_infinite_model_value_gives_the_limit(beta):
    """d(x|∞) is +∞ for β ≥ 0 and x^β/(β(β−1)) for β < 0; KL returned NaN."""
    X = np.array([[2.0, 1.0]])
    V = np.array([[np.inf, 1.0]])
    got = deepnmf.beta_divergence(X, V, beta)
    if beta < 0:
        assert got == pytest.approx(2.0**beta / (beta * (beta - 1)), rel=1e-15)
    else:
        assert got == np.inf


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0])
def test_a_product_that_overflows_gives_infinity_not_nan(beta):
    X = np.full((3, 4), 0.5)
    W, H = np.full((3, 2), 1e200), np.full((2, 4), 1e200)
    assert deepnmf.beta_divergence(X, (W, H), beta) == np.inf


def test_data_must_be_finite():
    with pytest.raises(ValueError, match="infinity"):
        deepnmf.beta_divergence(np.array([[np.inf, 1.0]]), np.ones((1, 2)), 1.0)


def test_series_of_the_general_formula_meets_the_special_betas():
    """β = 1 ± 1e-9 and ±1e-12 against KL and IS: the divergence is continuous in β, to
    O(|β − β0|) relative, on entries near and far from each other."""
    x = np.array([[0.3, 1.0, 2.0, 5.0, 1e-3]])
    y = np.array([[0.3000000001, 1.7, 0.1, 5.0 * (1 + 1e-7), 10.0]])
    for b0, h in ((1.0, 1e-9), (0.0, 1e-12)):
        at = deepnmf.beta_divergence(x, y, b0)
        for b in (b0 - h, b0 + h):
            assert math.isclose(deepnmf.beta_divergence(x, y, b), at, rel_tol=100 * h + 1e-14)
