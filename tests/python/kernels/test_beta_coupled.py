"""The coupled W-update of deep β-NMF (paper problem (13)): every β branch against an
independent root solve and a brute-force 1-D minimization of the majorizer, and the extremes."""

import numpy as np
import pytest
from _support.oracles.beta import majorizer_PQ_w
from _support.oracles.coupled import coupled_majorizer_entry, coupled_root_ref
from _support.problems import positive_problem
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import deepnmf
from deepnmf import _core, updates

BRANCHES = [0.0, 0.5, 1.0, 1.5, 2.0, 1.25, 0.75, 2.5, 3.0]  # closed forms, then Newton


def problem(rng, m=7, n=9, r=3, zeros=0.0):
    Y, W, H = positive_problem(rng, m, n, r, zeros=zeros)
    W_bar = rng.uniform(0.1, 1.0, size=W.shape)
    return Y, W, H, W_bar


@pytest.mark.parametrize("beta", BRANCHES)
@pytest.mark.parametrize("lam", [1e-3, 0.7, 50.0])
def test_equals_root_of_the_stationarity_equation(rng, beta, lam):
    Y, W, H, W_bar = problem(rng)
    got = updates.coupled_w(Y, W, H, W_bar, lam, beta)
    P, Q = majorizer_PQ_w(Y, W, H, beta)
    want = np.vectorize(lambda wt, wb, p, q: coupled_root_ref(wt, wb, p, q, lam, beta))(W, W_bar, P, Q)
    np.testing.assert_allclose(got, np.maximum(want, np.finfo(float).eps), rtol=1e-11)


@pytest.mark.parametrize("beta", [0.0, 1.0, 1.5, 2.0, 3.0])
def test_wide_data_equals_root_of_the_stationarity_equation(rng, beta):
    """Wide Y (n ≥ 4m): the W pass runs over column blocks and sums their P, Q."""
    Y, W, H, W_bar = problem(rng, m=5, n=3000, r=3, zeros=0.1 if beta > 0 else 0.0)
    lam = 0.7
    got = updates.coupled_w(Y, W, H, W_bar, lam, beta)
    P, Q = majorizer_PQ_w(Y, W, H, beta)
    want = np.vectorize(lambda wt, wb, p, q: coupled_root_ref(wt, wb, p, q, lam, beta))(W, W_bar, P, Q)
    np.testing.assert_allclose(got, np.maximum(want, np.finfo(float).eps), rtol=1e-10)


@pytest.mark.parametrize("beta", BRANCHES)
def test_minimizes_the_majorizer_brute_force(rng, beta):
    """Each entry is the minimizer of (majorizer of the data term) + λ dβ(w | w̄), written out
    from its definition and minimized numerically over t = w / w̃."""
    Y, W, H, W_bar = problem(rng, m=3, n=6, r=3)
    lam = 0.5
    got = updates.coupled_w(Y, W, H, W_bar, lam, beta)
    V = W @ H
    for i in range(W.shape[0]):
        for k in range(W.shape[1]):
            def G(u, i=i, k=k):
                return coupled_majorizer_entry(Y[i], H[k], V[i], W[i, k], W_bar[i, k], lam, beta, np.exp(u))

            res = minimize_scalar(G, bounds=(-8, 8), method="bounded", options={"xatol": 1e-11})
            t_star = np.exp(res.x)
            # a minimum is flat: the brute force pins t only to ~sqrt(eps) of G's scale, but
            # our point must be at least as low as anything it found
            assert got[i, k] == pytest.approx(W[i, k] * t_star, rel=1e-6)
            assert G(np.log(got[i, k] / W[i, k])) <= G(res.x) + 1e-13 * abs(G(res.x))


@pytest.mark.parametrize("beta", BRANCHES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_block_objective_decreases(rng, beta, dtype):
    Y, W, H, W_bar = (a.astype(dtype) for a in problem(rng, 30, 40, 4, zeros=0.2 if beta > 0 else 0))
    lam = 0.3

    def block(Wx):
        return deepnmf.beta_divergence(Y, Wx @ H, beta) + lam * deepnmf.beta_divergence(Wx, W_bar, beta)

    W2 = updates.coupled_w(Y, W, H, W_bar, lam, beta)
    assert W2.dtype == dtype
    assert block(W2) <= block(W) * (1 + (1e-12 if dtype == np.float64 else 1e-5))
    assert W2.min() >= np.finfo(dtype).eps


def test_kl_extreme_weights_and_tiny_w_bar(rng):
    """λ = 1e-6 and w̄ = 1e-300: a naive e^(a/λ) overflows and collapses W to ε; evaluated
    through ω the result is finite, correct, and the block objective still decreases."""
    Y, W, H, W_bar = problem(rng, 20, 30, 3)
    W_bar[::2] = 1e-300
    for lam in (1.0, 1e-3, 1e-6):
        got = updates.coupled_w(Y, W, H, W_bar, lam, 1.0)
        assert np.all(np.isfinite(got)) and got.min() >= np.finfo(float).eps
        P, Q = majorizer_PQ_w(Y, W, H, 1.0)
        want = np.vectorize(lambda wt, wb, p, q: coupled_root_ref(wt, wb, p, q, lam, 1.0))(W, W_bar, P, Q)
        np.testing.assert_allclose(got, np.maximum(want, np.finfo(float).eps), rtol=1e-11)
        if lam <= 1e-3:  # a naive evaluation of eq. (18) overflows here
            with np.errstate(over="ignore"):
                a = P - lam * np.log(W_bar)
                assert not np.all(np.isfinite(np.exp(a / lam)))

        def block(Wx, lam=lam):
            return deepnmf.beta_divergence(Y, Wx @ H, 1.0) + lam * deepnmf.beta_divergence(Wx, W_bar, 1.0)

        assert block(got) <= block(W) * (1 + 1e-12)


def test_kl_chunks_with_and_without_out_of_range_quotients(rng):
    """The KL entries go in chunks of 256: a chunk whose quotients b/(λ w̄) are all normal
    takes one logarithm each, one holding an overflowing quotient the three logarithms. Both kinds in one call agree with the root solve."""
    Y, W, H, W_bar = problem(rng, 300, 12, 3)  # 900 entries: chunks [0, 256), [256, 512), …
    W_bar.reshape(-1)[300] = 1e-300
    lam = 1e-10  # b/(λ w̄) ≈ 1e310 at entry 300
    got = updates.coupled_w(Y, W, H, W_bar, lam, 1.0)
    P, Q = majorizer_PQ_w(Y, W, H, 1.0)
    want = np.vectorize(lambda wt, wb, p, q: coupled_root_ref(wt, wb, p, q, lam, 1.0))(W, W_bar, P, Q)
    np.testing.assert_allclose(got, np.maximum(want, np.finfo(float).eps), rtol=1e-11)


def test_kl_zero_data_row_takes_the_exact_limit(rng):
    """A zero data row (b = w̃ Q = 0): the penalty alone decides, w = w̄ e^(−P/λ)."""
    Y, W, H, W_bar = problem(rng, 5, 8, 3)
    Y[2] = 0.0
    lam = 0.4
    got = updates.coupled_w(Y, W, H, W_bar, lam, 1.0)
    P = H.sum(axis=1)
    np.testing.assert_allclose(got[2], np.maximum(W_bar[2] * np.exp(-P / lam), np.finfo(float).eps), rtol=1e-13)


def test_kl_row_kernel_matches_matrix_kernel(rng):
    Y, W, H, W_bar = problem(rng, 4, 5, 3)
    P, Q = majorizer_PQ_w(Y, W, H, 1.0)
    whole = updates.coupled_w(Y, W, H, W_bar, 0.2, 1.0)
    for i in range(4):
        row = _core.testing.coupled_w_row(W[i].copy(), W_bar[i].copy(), P[i].copy(), Q[i].copy(), 0.2, 1.0)
        np.testing.assert_allclose(row, whole[i], rtol=1e-13)


def test_kl_entries_with_subnormal_w_bar(rng):
    """ln w̄ of a subnormal w̄ (Eigen's vectorized log would read it as the smallest normal
    number) is exact; 64 entries so the vectorized path runs."""
    r = 64
    wt, p, q = (rng.uniform(0.3, 1.5, size=r) for _ in range(3))
    wb = rng.uniform(0.3, 1.5, size=r)
    wb[::4] = 10.0 ** -rng.uniform(309, 320, size=wb[::4].size)
    lam = 0.05
    got = _core.testing.coupled_w_row(wt, wb, p, q, lam, 1.0)
    ref = np.array([coupled_root_ref(*a, lam, 1.0) for a in zip(wt, wb, p, q)])
    assert np.all(ref[::4] > 1e-14)  # above the floor: the test sees the logarithm
    np.testing.assert_allclose(got, ref, rtol=1e-11)


def test_bad_arguments(rng):
    Y, W, H, W_bar = problem(rng)
    with pytest.raises(ValueError, match="lam"):
        updates.coupled_w(Y, W, H, W_bar, 0.0, 1.0)
    with pytest.raises(ValueError, match="shape"):
        updates.coupled_w(Y, W, H, W_bar[:, :2], 1.0, 1.0)
    W0 = W.copy()
    W0[0, 0] = 0
    with pytest.raises(ValueError, match="positive"):
        updates.coupled_w(Y, W0, H, W_bar, 1.0, 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
@pytest.mark.parametrize("where", ["first", "last", "middle"])
def test_core_rejects_nonpositive_factors(rng, dtype, bad, where):
    """The C++ check itself (DeepNMF calls _core directly): any entry ≤ 0 or NaN, anywhere in
    W or W̄, raises and leaves W untouched."""
    Y, W, H, W_bar = (a.astype(dtype) for a in problem(rng, m=9, n=7, r=11))
    spot = {"first": (0, 0), "last": (-1, -1), "middle": (4, 5)}[where]
    for name in ("W", "W_bar"):
        Wk, Wbk = W.copy(), W_bar.copy()
        (Wk if name == "W" else Wbk)[spot] = bad
        before = Wk.copy()
        with pytest.raises(ValueError, match=f"coupled_w: {name} must be positive"):
            _core.coupled_w(Y, Wk, H, Wbk, 0.5, 1.0, 1, False)
        np.testing.assert_array_equal(Wk, before)


@given(beta=st.sampled_from(BRANCHES), lam=st.floats(1e-6, 1e3), m=st.integers(1, 12),
       n=st.integers(1, 12), r=st.integers(1, 4), dtype=st.sampled_from([np.float64, np.float32]),
       fortran=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_property_block_objective_never_increases(beta, lam, m, n, r, dtype, fortran, seed):
    rng = np.random.default_rng(seed)
    Y, W, H, W_bar = (a.astype(dtype) for a in problem(rng, m, n, r))
    if fortran:
        Y, W = np.asfortranarray(Y), np.asfortranarray(W)

    def block(Wx):
        return deepnmf.beta_divergence(Y, Wx @ H, beta) + lam * deepnmf.beta_divergence(Wx, W_bar, beta)

    W2 = updates.coupled_w(Y, W, H, W_bar, lam, beta)
    assert W2.dtype == dtype
    assert np.all(np.isfinite(W2)) and W2.min() >= np.finfo(dtype).eps
    before = block(W)
    slack = 1e-11 if dtype == np.float64 else 2e-5
    assert block(W2) <= before * (1 + slack) + slack * (Y.size + float(Y.sum()))


@pytest.mark.parametrize("beta", [0.25, 0.75, 1.25, 1.75, 2.5, 3.0])
def test_newton_branches_agree_with_a_40_digit_root(beta):
    """β without closed form: each entry is the root of M(t) + λ g(w̃ t) = 0 (spec §2) to a few
    ulp, against mpmath's root of the same equation at 40 digits (the solve takes the powers
    of t as exponentials of u = ln t and may end on an unevaluated Newton step)."""
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(1)
    n, lam = 60, 0.7
    wt, wb = rng.uniform(0.01, 2.0, n), rng.uniform(0.01, 2.0, n)
    p, q = rng.uniform(0.1, 3.0, n), rng.uniform(0.0, 3.0, n)
    got = _core.testing.coupled_w_row(wt, wb, p, q, lam, beta)
    with mpmath.workdps(40):
        b = mpmath.mpf(beta)
        for k in range(n):
            W_t, W_b, P, Q = map(mpmath.mpf, (wt[k], wb[k], p[k], q[k]))

            def F(u, W_t=W_t, W_b=W_b, P=P, Q=Q):
                t = mpmath.exp(u)
                M = P - Q * t ** (b - 2) if beta < 1 else (
                    P * t ** (b - 1) - Q * t ** (b - 2) if beta <= 2 else P * t ** (b - 1) - Q)
                return M + lam * ((W_t * t) ** (b - 1) - W_b ** (b - 1)) / (b - 1)

            want = float(W_t * mpmath.exp(mpmath.findroot(F, mpmath.log(mpmath.mpf(got[k]) / W_t))))
            assert abs(got[k] - want) <= 12 * np.spacing(want), (k, got[k], want)
