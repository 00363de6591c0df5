"""The H-update with rows summing to one (spec §3): exact constraint, oracle agreement,
multiplier equal to a bisection solve, and monotone block objective."""

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from _support.bounded import run_bounded
from _support.oracles.beta import majorizer_PQ_h
from _support.oracles.rowsum import rowsum_row_ref
from _support.problems import positive_problem
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

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
        h, mu = _core.testing.solve_row_multiplier(H[k].copy(), P[k].copy(), Q[k].copy(), beta)
        h_ref, mu_ref = rowsum_row_ref(H[k], P[k], Q[k], beta, eps)
        np.testing.assert_allclose(h, h_ref, rtol=1e-10, atol=1e-15)
        assert mu == pytest.approx(mu_ref, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("beta", [1.0, 2.0, 3.0])
def test_floor_binds_inside_the_constraint(beta):
    """Entries whose majorizer pushes them to 0 sit at ε and the rest absorb the row sum."""
    h_tilde = np.array([0.5, 0.3, 0.2])
    p = np.array([1.0, 1.0, 1.0])
    q = np.array([2.0, 1.0, 0.0])  # the last entry has no data pulling it up
    h, _ = _core.testing.solve_row_multiplier(h_tilde, p, q, beta)
    eps = np.finfo(np.float64).eps
    assert h[2] == eps
    assert h.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta", [0.0, 0.25, 0.5])
@pytest.mark.parametrize("gap", [1e-13, 1e-17, 1e-300])
def test_root_next_to_the_pole_keeps_full_relative_accuracy(dtype, beta, gap):
    """β < 1: t_j = (Q_j / (P_j − μ))^γ blows up at μ = min P. Rows built so that the exact
    answer is (0.5, 0.25, 0.25) with the pole entry's gap P_0 − μ = `gap`: within ulp(P_0) of
    the pole, or below it (μ itself cannot hold the answer). Entry 0 must still get its 0.5."""
    gam = 1.0 / (2.0 - beta)
    h_tilde = np.array([1e-3, 0.25, 0.5])
    p = np.array([1.0, 2.0, 3.0])  # gaps: gap, 1 + gap, 2 + gap
    want = np.array([0.5, 0.25, 0.25])
    q = (p - 1.0 + gap) * (want / h_tilde) ** (1.0 / gam)  # h̃_j (Q_j / gap_j)^γ = want_j
    h, mu = _core.testing.solve_row_multiplier(h_tilde.astype(dtype), p.astype(dtype), q.astype(dtype), beta)
    eps = np.finfo(dtype).eps
    assert math.fsum(map(float, h)) == pytest.approx(1.0, abs=2 * float(eps))
    # float32, gap 1e-300: Q_0 underflows to 0 and entry 0 is linear, bounding μ ≤ P_0 = 1;
    # at that bound it takes the rest of the mass, which is the same 0.5
    assert mu <= 1.0  # μ = 1 − gap, rounded
    np.testing.assert_allclose(h, want, rtol=8 * eps)


def row_majorizer_below_one(h, h_tilde, p, q, beta):
    """Σ_j h̃_j G_j(h_j / h̃_j) for β < 1, G_j(t) = P_j t − Q_j t^(β−1)/(β−1): the block
    objective whose derivative in t is M(t) = P − Q t^(β−2) (spec §3)."""
    t = h / h_tilde
    return float(np.sum(h_tilde * (p * t - q * t ** (beta - 1) / (beta - 1))))


def test_entry_without_data_absorbs_the_rest_at_its_bound():
    """β = 0, h̃ = (½, ½), P = (1, ½), Q = (½, 0). Entry 1's majorizer is linear (P h), so
    μ ≤ ½; the root of Σ h̃ t(μ) = 1 for entry 0 alone is μ = 7/8 (h = (1, 0)), past that
    bound. The block minimizer is μ = ½: t_0 = 1, and entry 1 takes the other half."""
    h_tilde, p, q = np.array([0.5, 0.5]), np.array([1.0, 0.5]), np.array([0.5, 0.0])
    h, mu = _core.testing.solve_row_multiplier(h_tilde, p, q, 0.0)
    np.testing.assert_allclose(h, [0.5, 0.5], rtol=4e-16)
    assert mu == 0.5
    assert row_majorizer_below_one(h, h_tilde, p, q, 0.0) == pytest.approx(1.0, rel=1e-15)
    assert row_majorizer_below_one(np.array([1.0, 1e-9]), h_tilde, p, q, 0.0) > 1.12


@settings(deadline=None, max_examples=60)
@given(beta=st.sampled_from([0.0, 0.25, 0.5, 0.75]), n=st.integers(2, 7),
       zeros=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_rows_with_zero_q_entries_minimize_the_block_majorizer(beta, n, zeros, seed):
    """Entries without data (Q = 0, as for an all-zero column of Y) next to entries with data:
    the row is the minimizer of the convex block majorizer over the floored simplex, checked
    against SciPy's SLSQP on the same objective."""
    rng = np.random.default_rng(seed)
    eps = np.finfo(np.float64).eps
    h_tilde = rng.uniform(0.05, 1.0, n)
    h_tilde /= h_tilde.sum()
    p = rng.uniform(0.2, 2.0, n)
    q = rng.uniform(0.05, 1.0, n)
    q[rng.choice(n, size=min(zeros, n - 1), replace=False)] = 0.0
    h, mu = _core.testing.solve_row_multiplier(h_tilde, p, q, beta)
    assert math.fsum(h) == pytest.approx(1.0, abs=4 * eps) and h.min() >= eps
    assert np.all(mu <= p[q == 0])  # a linear entry bounds μ
    f = lambda x: row_majorizer_below_one(x, h_tilde, p, q, beta)  # noqa: E731
    best = minimize(f, np.full(n, 1.0 / n), method="SLSQP", bounds=[(eps, 1.0)] * n,
                    constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0}],
                    options={"ftol": 1e-15, "maxiter": 1000})
    assert f(h) <= best.fun + 1e-9 * abs(best.fun)


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_row_without_any_data_goes_to_its_smallest_p(beta):
    """Q = 0 everywhere (Y = 0): the majorizer Σ P_j h_j is linear, minimized by the vertex
    at min P — no exception (the root solve found no sign change before)."""
    h, mu = _core.testing.solve_row_multiplier(np.array([0.5, 0.3, 0.2]), np.array([1.0, 0.5, 3.0]),
                                       np.zeros(3), beta)
    eps = np.finfo(np.float64).eps
    np.testing.assert_array_equal(h, [eps, 1.0 - 2 * eps, eps])
    assert mu == 0.5


@pytest.mark.parametrize("big", [1e6, 1e10, 1e14])
def test_beta_two_row_with_large_q_is_exact(big):
    """β = 2, P = h̃ = 1: h_j = Q_j + μ with μ = (1 − Σ Q)/n. When Q ≈ 1e14 the multiplier
    itself cannot hold the answer (ulp(1e14) = 1/64); the row must still be the exact one
    for the Q as stored, h_j = (Q_j − mean Q) + 1/n, computed here with fractions."""
    q = big + np.array([0.3, 0.7, 0.45])
    h, _ = _core.testing.solve_row_multiplier(np.ones(3), np.ones(3), q, 2.0)
    qf = [Fraction(float(v)) for v in q]
    want = [float(v - sum(qf) / 3 + Fraction(1, 3)) for v in qf]
    np.testing.assert_allclose(h, want, rtol=4 * np.finfo(np.float64).eps)
    assert math.fsum(h) == pytest.approx(1.0, abs=2 * np.finfo(np.float64).eps)


@pytest.mark.parametrize("big", [1e6, 1e14])
def test_beta_three_row_with_large_q_matches_a_decimal_bisection(big):
    """β = 3: t = √(max(Q + μ, 0)/P); the same cancellation, against a 50-digit bisection."""
    q = big + np.array([0.3, 0.7, 0.45, -0.2])
    p = np.array([1.0, 2.0, 0.5, 1.5])
    h_tilde = np.array([0.2, 0.3, 0.1, 0.4])
    h, _ = _core.testing.solve_row_multiplier(h_tilde, p, q, 3.0)
    qd, pd, hd = ([Decimal(float(v)) for v in a] for a in (q, p, h_tilde))

    def row(nu):  # ν = μ + max Q
        return [hj * (max(qj - max(qd) + nu, Decimal(0)) / pj).sqrt() for hj, qj, pj in zip(hd, qd, pd)]

    with localcontext() as ctx:
        ctx.prec = 50
        lo, hi = Decimal(0), Decimal(100)
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if sum(row(mid)) < 1 else (lo, mid)
        want = np.maximum([float(v) for v in row(lo)], np.finfo(np.float64).eps)
    np.testing.assert_allclose(h, want, rtol=8 * np.finfo(np.float64).eps)


@settings(deadline=None, max_examples=40)
@given(beta=st.sampled_from(BETAS), n=st.integers(1, 9), scale_exp=st.sampled_from([-150, -30, 30, 150]),
       seed=st.integers(0, 2**31 - 1))
def test_row_is_invariant_to_the_scale_of_p_and_q(beta, n, scale_exp, seed):
    """M(t) = μ is homogeneous in (P, Q, μ) for every β, so scaling P and Q by s scales μ by s
    and leaves the row as it was. P, Q of size 1e-30 come from data far below W H (an
    all-zero X at β = 2); the μ solve stopped on an absolute bracket width of 4ε there."""
    rng = np.random.default_rng(seed)
    h_tilde = rng.uniform(0.05, 1.0, n)
    h_tilde /= h_tilde.sum()
    p, q = rng.uniform(0.2, 2.0, n), rng.uniform(0.05, 1.0, n)
    q[rng.uniform(size=n) < 0.3] = 0.0
    if beta == 1.0:
        p[:] = p[0]  # KL: P is constant along a row of H
    s = 10.0 ** scale_exp
    h, mu = _core.testing.solve_row_multiplier(h_tilde, p, q, beta)
    hs, mus = _core.testing.solve_row_multiplier(h_tilde, p * s, q * s, beta)
    np.testing.assert_allclose(hs, h, rtol=1e-12, atol=4 * np.finfo(np.float64).eps)
    assert mus == pytest.approx(mu * s, rel=1e-10, abs=1e-10 * s)


def test_kl_row_with_nothing_to_scale_is_h_tilde_projected():
    """Q = 0 everywhere (no data pulls the row up, every feasible row has the same majorizer):
    the row is h̃ scaled onto the floored simplex, at the floor where h̃ is, μ reported as 0."""
    eps = np.finfo(np.float64).eps
    h_tilde = np.array([0.5, 0.25, 0.25, eps / 4])
    h, mu = _core.testing.solve_row_multiplier(h_tilde, np.ones(4), np.zeros(4), 1.0)
    np.testing.assert_allclose(h, np.maximum(h_tilde / h_tilde.sum(), eps), rtol=1e-15)
    assert mu == 0.0 and h.sum() == pytest.approx(1.0, abs=1e-15)


def test_kl_row_with_nothing_to_scale_and_many_floored_entries_sums_to_one():
    """float32, 10⁵ entries of h̃ at the floor: normalizing h̃ and flooring again would leave
    Σh − 1 ≈ (kε)² = 1.4e-4; the projection sums to one to float32 rounding."""
    eps32 = np.finfo(np.float32).eps
    h_tilde = np.full(100_002, eps32, dtype=np.float32)
    h_tilde[:2] = 0.5
    ones, zeros = np.ones_like(h_tilde), np.zeros_like(h_tilde)
    h, mu = _core.testing.solve_row_multiplier(h_tilde, ones, zeros, 1.0)
    assert mu == 0.0 and h.dtype == np.float32
    assert np.all(h[2:] == eps32)
    assert abs(math.fsum(h.astype(np.float64)) - 1.0) <= 4 * eps32
    np.testing.assert_allclose(h[:2], (1 - 100_000 * float(eps32)) / 2, rtol=2 * eps32)


def test_kl_row_of_zeros_becomes_uniform():
    h, mu = _core.testing.solve_row_multiplier(np.zeros(8), np.ones(8), np.zeros(8), 1.0)
    assert mu == 0.0
    np.testing.assert_array_equal(h, np.full(8, 0.125))


def test_kl_rows_at_the_ends_of_the_range_return_the_scaled_solution():
    """Products h̃ ⊙ Q whose row sums lie below 1/DBL_MAX (subnormal data; a W column 1e300
    times the next) made the scale c = 1/Σ overflow and the rounds never end (with the GIL
    released: Ctrl-C could not stop it). h = c a is invariant to the scale of a: the result
    must equal the solution of the same row at unit scale, to the digits the subnormal Q keeps."""
    run_bounded("""
        import numpy as np
        from deepnmf import updates as U
        rng = np.random.default_rng(0)
        Y = rng.uniform(0.1, 1, (6, 5)); W = rng.uniform(0.1, 1, (6, 3))
        H = rng.uniform(0.1, 1, (3, 5)); H /= H.sum(1, keepdims=True)
        # data of subnormal size, exactly 2^-1040 times data of unit size
        Yi = rng.integers(1, 1000, (6, 5)).astype(float)
        tiny = U.mu_h(np.ldexp(Yi, -1040), W, H, 1.0, row_sums_one=True)
        unit = U.mu_h(Yi, W, H, 1.0, row_sums_one=True)
        np.testing.assert_allclose(tiny, unit, rtol=1e-10)  # Y/V keeps ~40 of 53 bits
        # W's first column 1e300 times its second: row 1's products are ~1e-316
        W[:, 0], W[:, 1] = 1e300, 2.2e-16
        got = U.mu_h(Y, W, H, 1.0, row_sums_one=True)
        # h̃ ⊙ Q with each row scaled on its own (the solution does not see the scale):
        # column 1 of W by 2^200, so that no product underflows
        a = H * ((W * [1.0, 2.0**200, 1.0]).T @ (Y / (W @ H)))
        np.testing.assert_allclose(got, a / a.sum(1, keepdims=True), rtol=1e-6)
        assert np.all(np.abs(got.sum(1) - 1) < 1e-15)
        # the sparse pass solves its rows in the same lanes
        import scipy.sparse as sp
        from deepnmf import _core
        Yc = sp.csc_matrix(Y)
        Hf = np.asfortranarray(H)
        _core.testing.mu_h_sparse(Yc.indptr, Yc.indices, Yc.data, 6, 5, W, Hf, 1.0, True, 1, False)
        np.testing.assert_allclose(Hf, got, rtol=1e-12)
    """, timeout=30)


def test_kl_rows_with_infinite_products_put_the_mass_on_them():
    """A product h̃ Q that overflows (huge finite inputs to the raw kernel) is the limit where
    that entry takes all of the row's mass; the solve returns, its row sums to one."""
    run_bounded("""
        import numpy as np
        from deepnmf import _core
        q = np.array([1e300, 1e300, 1.0, 0.5])
        h, mu = _core.testing.solve_row_multiplier(np.array([1e10, 1.0, 0.5, 0.5]), np.ones(4), q, 1.0)
        eps = np.finfo(float).eps
        np.testing.assert_allclose(h, [1 - 3 * eps, eps, eps, eps], rtol=1e-15)
    """, timeout=30)


def test_deep_fit_from_an_unbalanced_w_returns_with_a_falling_objective():
    run_bounded("""
        import numpy as np, deepnmf
        rng = np.random.default_rng(0)
        Y = rng.uniform(0.1, 1, (6, 5)); W = rng.uniform(0.1, 1, (6, 3))
        H = rng.uniform(0.1, 1, (3, 5)); W2 = rng.uniform(0.1, 1, (6, 2))
        H2 = rng.uniform(0.1, 1, (2, 3))
        W[:, 0], W[:, 1] = 1e300, 2.2e-16
        m = deepnmf.DeepNMF([3, 2], init=([W, W2], [H, H2]), max_iter=3, tol=0).fit(Y)
        F = m.loss_history_[:, -1]
        assert np.all(np.isfinite(F)) and np.all(np.diff(F) <= 1e-12 * F[:-1]), F
    """, timeout=30)


@pytest.mark.parametrize("beta", BETAS)
def test_a_zero_row_of_h_becomes_uniform_for_every_beta(rng, beta):
    """A row of h̃ = 0 (nonnegative, legal) gives h = h̃ t = 0 for every multiplier: no root.
    Every feasible row has the same majorizer there; the row becomes the projection of h̃ = 0
    onto the floored simplex — the uniform row, as for β = 1 — and the other rows are solved
    as without it (rows are independent). Raised 'solve_increasing: no sign change found'."""
    Y, W, H = positive_problem(rng, 6, 5, 3)
    H = H / H.sum(axis=1, keepdims=True)
    H0 = H.copy()
    H0[1] = 0.0
    got = updates.mu_h(Y, W, H0, beta, row_sums_one=True)
    np.testing.assert_array_equal(got[1], np.full(5, 0.2))
    V = W @ H0  # the other rows' majorizer is that of the iterate with the zero row
    for k in (0, 2):
        p = W.T @ V ** (beta - 1) if beta != 1 else W.sum(axis=0)[:, None] * np.ones((1, 5))
        q = W.T @ (Y * V ** (beta - 2))
        h, _ = rowsum_row_ref(H0[k], p[k], q[k], beta, np.finfo(float).eps)
        np.testing.assert_allclose(got[k], h, rtol=1e-9)
    h, mu = _core.testing.solve_row_multiplier(np.zeros(8), np.ones(8), np.ones(8), beta)
    np.testing.assert_array_equal(h, np.full(8, 0.125))


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 3.0])
def test_factors_whose_product_overflows_are_a_value_error(rng, beta):
    """Finite factors of magnitude 1e200 (β = 2: P = Wᵀ W H ~ 1e400) ended in the internal
    'no sign change found'; now a ValueError that names the overflow."""
    Y, W, H = positive_problem(rng, 6, 5, 3)
    with pytest.raises(ValueError, match="overflow float64"):
        updates.mu_h(Y, W * 1e200, H * 1e200, beta, row_sums_one=True)
    if beta == 2.0:
        with pytest.raises(ValueError, match="majorizer overflows"):
            updates.mu_h(Y, W * 1e200, H, beta, row_sums_one=True)


def test_long_kl_row_sums_to_one_to_an_ulp(rng):
    """10⁵ entries, 80 % of them floored (the shape of a `classic` row of H): the running sums
    are compensated, so Σh − 1 is the rounding of c and of each entry, not of 2·10⁴ additions
    (plain running sums and a final rescale left up to 35 ulp on rows like this one); h is the
    closed form's to 2 ulp."""
    n = 100_000
    eps = np.finfo(np.float64).eps
    h_tilde = np.where(rng.uniform(size=n) < 0.8, 1e-22, rng.uniform(size=n))
    q = rng.uniform(0.5, 2.0, n)
    h, _ = _core.testing.solve_row_multiplier(h_tilde, np.full(n, 2.0), q, 1.0)
    assert np.sum(h == eps) == np.sum(h_tilde == 1e-22)
    assert abs(math.fsum(h) - 1.0) <= 2 * eps
    free = h > eps
    c = (1 - np.sum(~free) * eps) / math.fsum(h_tilde[free] * q[free])
    np.testing.assert_allclose(h[free], c * h_tilde[free] * q[free], rtol=2 * eps, atol=0)


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.25, 1.5, 2.0, 3.0])
def test_long_row_sums_to_one_to_an_ulp_for_every_beta(rng, beta):
    """10⁵ entries, half of them pulled to the floor: the root solve sums g plainly, so the
    row it leaves is some ulps of n off one (up to 63 ulp here before the rescale's sums were
    compensated); the final rescale brings it to about one rounding."""
    n = 100_000
    eps = np.finfo(np.float64).eps
    h_tilde = np.where(rng.uniform(size=n) < 0.5, 1e-22, rng.uniform(0.1, 1.0, n) / n)
    p, q = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    h, _ = _core.testing.solve_row_multiplier(h_tilde, p, q, beta)
    assert np.sum(h == eps) > n // 4
    assert abs(math.fsum(h) - 1.0) <= 2 * eps


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("r", [1, 3, 8, 13, 20, 37, 70])
def test_kl_rows_side_by_side_equal_rows_one_by_one(rng, dtype, r):
    """The sparse passes' solve takes H as Hᵀ and sweeps up to 32 rows at once in vector
    registers (padded to a multiple of 8; more rows go in several blocks): each row's result
    is the one-row solve's, bit for bit, and does not depend on the thread count."""
    n = 3001
    Ht = np.where(rng.uniform(size=(n, r)) < 0.5, 1e-20, rng.uniform(size=(n, r))).astype(dtype)
    Qt = rng.uniform(0, 3, (n, r)).astype(dtype)
    Qt[:, r // 2] = 0  # one row with nothing to scale
    one_by_one = np.column_stack([
        _core.testing.solve_row_multiplier(Ht[:, k].copy(), np.ones(n, dtype), Qt[:, k].copy(), 1.0)[0]
        for k in range(r)])
    for threads in (1, 2):
        side_by_side = Ht.copy()
        _core.testing.rowsum_kl_transposed(side_by_side, Qt, threads)
        np.testing.assert_array_equal(side_by_side, one_by_one)


def test_kl_floor_over_several_rounds_equals_bisection_oracle(rng):
    """Entries spread over 30 decades: each round's c floors more of them (the active set grows
    over several rounds) and the result is still the exact minimizer."""
    n = 400
    h_tilde = 10.0 ** rng.uniform(-30, 0, n)
    q = 10.0 ** rng.uniform(-3, 3, n)
    p = np.full(n, 2.0)
    eps = np.finfo(np.float64).eps
    h, mu = _core.testing.solve_row_multiplier(h_tilde, p, q, 1.0)
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


@pytest.mark.parametrize("beta", [1.1, 1.25, 1.75, 1.9])
def test_entries_far_from_their_start_equal_bisection_oracle(rng, beta):
    """1 < β < 2 without closed form: the entries are solved in lockstep sweeps from their
    last solution, and those still moving after a few sweeps take the bracketed solve. Entries
    spread over decades put roots far from the first start (t = Q/P at μ = 0) and make the
    row's μ large: the result is still the exact minimizer."""
    n = 500
    h_tilde = 10.0 ** rng.uniform(-30, 0, n)
    q = 10.0 ** rng.uniform(-3, 3, n)
    p = 10.0 ** rng.uniform(-2, 2, n)
    eps = np.finfo(np.float64).eps
    h, mu = _core.testing.solve_row_multiplier(h_tilde, p, q, beta)
    h_ref, mu_ref = rowsum_row_ref(h_tilde, p, q, beta, eps)
    np.testing.assert_allclose(h, h_ref, rtol=1e-9, atol=1e-15)
    assert mu == pytest.approx(mu_ref, rel=1e-8)
    assert math.fsum(h) == pytest.approx(1.0, abs=2 * eps)
