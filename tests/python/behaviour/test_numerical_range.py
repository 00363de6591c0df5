"""The numerical range the README states, held: data and β inside it give right answers
(exact scale equivariance, finite factors and losses, objectives that never increase), outside
it a ValueError that names the bound."""

import numpy as np
import pytest

import deepnmf
from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF, _core, updates
from deepnmf._engine.validation import BETA_RANGE

X0 = np.random.default_rng(0).uniform(0.05, 1.0, (30, 20))


def limit(beta, dtype=np.float64):
    """L of the supported data range 2^-L … 2^L."""
    return int(min(900 if np.dtype(dtype) == np.float64 else 100, 900 // max(1.0, abs(beta))))


def layered(model):
    W = model.W_ if isinstance(model.W_, list) else [model.W_]
    H = model.H_ if isinstance(model.H_, list) else [model.H_]
    return W, H


MAKERS = {
    "beta": lambda beta: BetaNMF(4, beta=beta, init="nndsvda", max_iter=12, tol=0),
    "multilayer": lambda beta: MultilayerNMF([4, 2], beta=beta, max_iter=6, tol=0),
    "deep": lambda beta: DeepNMF([4, 2], beta=beta, init_iter=5, max_iter=8, tol=0),
    "minvol": lambda beta: MinVolDeepNMF([4, 2], init_iter=5, max_iter=4),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_fits_of_2k_x_are_the_fit_of_x_scaled_exactly(name):
    """Data outside the band is fit as 2^k X at unit scale: two data sets that differ by a
    power of two outside the band give factors that differ by that power exactly, losses by
    its β-th power (to the rounding of one multiplication), the same H's — from the bottom of
    the supported range to the band (data between 2^-300 and 1e-20 was not rescaled, and the
    floor bound every factor: garbage). For β ≤ 1.5 in float64 the top of the band is above the
    supported range; float32 counts beyond 2^64 are rescaled (test below)."""
    beta = 1.0 if name == "minvol" else 1.5
    fits = {e: MAKERS[name](beta).fit(np.ldexp(X0, e)) for e in (1 - limit(beta), -300, -70, -20)}
    base_e, base = next(iter(fits.items()))
    Wb, Hb = layered(base)
    codes_b = base.transform(np.ldexp(X0[:7], base_e))
    score_b = base.score(np.ldexp(X0[:7], base_e))
    for e, model in fits.items():
        W, H = layered(model)
        # new rows: their codes carry the scale where the model's W's do (MinVolDeepNMF's
        # H1 carries it: its codes are the same numbers — they were off by the data's scale
        # beyond 2^300); the score scales as the divergence, unless the weights are 'auto'
        # (λℓ = 1/Dℓ: Σ λℓ Dℓ is a number without units)
        codes = model.transform(np.ldexp(X0[:7], e))
        codes = codes if name == "minvol" else np.ldexp(codes, base_e - e)
        if name == "deep":
            # DeepNMF's codes of rows inside the band are computed at their own scale (only the
            # base is rescaled), where the powers of the β = 1.5 updates (pow by Eigen's packets
            # and libm's scalar path) are not exactly equivariant under an odd power of two: on
            # some machines the baseline (SSE2) core differs in the last bit or two
            np.testing.assert_allclose(codes, codes_b, rtol=8 * np.finfo(np.float64).eps, atol=0)
        else:
            np.testing.assert_array_equal(codes, codes_b)
        power = 0.0 if name in ("deep", "minvol") else (e - base_e) * beta
        assert np.log2(-model.score(np.ldexp(X0[:7], e))) - np.log2(-score_b) == pytest.approx(
            power, abs=1e-12)
        for w, wb in zip(W, Wb):
            if name == "minvol":  # columns of W sum to one: H1 carries the scale
                np.testing.assert_array_equal(w, wb)
            else:
                np.testing.assert_array_equal(np.ldexp(w, base_e - e), wb)
        for l, (h, hb) in enumerate(zip(H, Hb)):
            if name == "minvol" and l == 0:
                np.testing.assert_array_equal(np.ldexp(h, base_e - e), hb)
            else:
                np.testing.assert_array_equal(h, hb)
        hist = np.concatenate(model.loss_history_) if name == "multilayer" else model.loss_history_
        hist_b = np.concatenate(base.loss_history_) if name == "multilayer" else base.loss_history_
        D = hist if hist.ndim == 1 else hist[:, :-1]
        Db = hist_b if hist_b.ndim == 1 else hist_b[:, :-1]
        # the losses in the log domain (2^(e − base_e) overflows a float for the far scales)
        if name == "minvol":  # D1 scales with the data (KL), layers ≥ 2 see scale-free W's
            np.testing.assert_allclose(np.log2(D[:, 0]) - np.log2(Db[:, 0]), e - base_e,
                                       rtol=0, atol=1e-12)
            np.testing.assert_array_equal(D[:, 1:], Db[:, 1:])
        else:
            np.testing.assert_allclose(np.log2(D) - np.log2(Db), (e - base_e) * beta,
                                       rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(MAKERS))
def test_inside_the_range_every_fit_is_finite_and_monotone(dtype, name):
    """Over the supported β of the dtype and data scales from the bottom of the range to its
    top: finite factors, finite losses that never increase (β = 3 at 1e20, β = 0 and 2 at
    1e30, KL at 1e37 failed in float32 with errors about W; DeepNMF β = 0, 0.5 near 1e308
    held inf in W1), finite score and codes."""
    lo, hi = BETA_RANGE[np.dtype(dtype)]
    betas = [1.0] if name == "minvol" else sorted({lo, 0.0, 0.5, 1.0, 2.0, 3.0, hi} & set(
        np.arange(lo, hi + 0.5, 0.5)))
    for beta in betas:
        L = limit(beta, dtype)
        for e in (1 - L, -20, 0, 20, L - 1):  # X0's largest entry is in [0.5, 1)
            X = np.ldexp(X0, e).astype(dtype)
            model = MAKERS[name](beta).fit(X)
            for F in sum(layered(model), []):
                assert F.dtype == dtype and np.all(np.isfinite(F)), (beta, e)
            hist = model.loss_history_
            rows = hist if isinstance(hist, list) else [hist if hist.ndim == 1 else hist[:, -1]]
            for h in rows:
                assert np.all(np.isfinite(h)), (beta, e, h)
                assert np.all(np.diff(h) <= 1e-12 * np.abs(h[:-1])), (beta, e, h)
            assert np.isfinite(model.score(X)), (beta, e)
            assert np.all(np.isfinite(model.transform(X))), (beta, e)


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0, 10.0])
def test_data_outside_the_range_is_a_value_error(beta):
    L = limit(beta)
    for e in (L + 1, -L):  # X0's largest entry is in [0.5, 1)
        X = np.ldexp(X0, e)
        with pytest.raises(ValueError, match=f"outside the range deepnmf supports .* 2\\^-{L}"):
            BetaNMF(2, beta=beta, max_iter=2, tol=0).fit(X)
        with pytest.raises(ValueError, match="outside the range deepnmf supports"):
            DeepNMF([2, 1], beta=beta, max_iter=2, tol=0).fit(X)
    for e in (L, 1 - L):  # the ends of the range are inside
        BetaNMF(2, beta=beta, max_iter=2, tol=0).fit(np.ldexp(X0, e))


def test_losses_near_the_top_of_the_range_map_back_without_overflow():
    """Losses were mapped back with a Python scale ** -beta: OverflowError for max X ≥ 2^1023
    at β = 1, 2^512 at β = 2. Now in the log domain, and the range keeps them finite."""
    for beta in (1.0, 2.0, 3.0):
        X = np.ldexp(X0, limit(beta) - 1)
        model = BetaNMF(3, beta=beta, max_iter=5, tol=0).fit(X)
        assert np.all(np.isfinite(model.loss_history_)) and model.loss_history_[-1] > 1e200
        assert np.isfinite(model.score(X))
        deep = DeepNMF([3, 2], beta=beta, init_iter=3, max_iter=3, tol=0).fit(X)
        assert np.all(np.isfinite(deep.loss_history_)) and np.all(np.isfinite(deep.weights_))


@pytest.mark.parametrize("beta", [-5.0, 10.0, 0.0, 5.0])
def test_the_ends_of_the_beta_range_fit_with_a_falling_objective(beta):
    dtype = np.float32 if beta in (0.0, 5.0) else np.float64
    model = DeepNMF([4, 2], beta=beta, init_iter=10, max_iter=20, tol=0).fit(X0.astype(dtype))
    F = model.loss_history_[:, -1]
    assert np.all(np.diff(F) <= 1e-6 * np.abs(F[:-1])) and F[-1] < F[0]


@pytest.mark.parametrize("beta,dtype", [(20.0, np.float64), (-6.0, np.float64),
                                        (1e3, np.float64), (1e300, np.float64),
                                        (-1.0, np.float32), (6.0, np.float32)])
def test_beta_outside_the_range_is_a_value_error_everywhere(beta, dtype):
    """β = 20, 50: the coupled update raised its block objective by orders of magnitude and
    DeepNMF blew up (β = 50: F from 2 to 9e79); β = 1e3 gave BetaNMF a NaN loss; β = 1e300
    'no sign change found'. The fits, the updates and the kernels refuse such β."""
    X = X0.astype(dtype)
    W, H = np.full((30, 2), 0.5, dtype=dtype), np.full((2, 20), 0.5, dtype=dtype)
    for fit in (lambda: BetaNMF(2, beta=beta, max_iter=2, tol=0).fit(X),
                lambda: DeepNMF([2, 1], beta=beta, max_iter=2, tol=0).fit(X),
                lambda: updates.mu_h(X, W, H, beta),
                lambda: updates.coupled_w(X, W, H, W, 0.5, beta)):
        with pytest.raises(ValueError, match=f"outside the range deepnmf supports for "
                                             f"{np.dtype(dtype).name}"):
            fit()
    for call in (lambda: _core.mu_w(X, W.copy(), H, beta, 1, False),
                 lambda: _core.coupled_w(X, W.copy(), H, W, 0.5, beta, 1, False)):
        with pytest.raises(ValueError, match="outside the range the updates support"):
            call()
    if abs(beta) < 100:  # the divergence itself is defined there, and finite
        assert np.isfinite(deepnmf.beta_divergence(X, (W, H), beta))


@pytest.mark.parametrize("beta", [-5.0, -1.0, 3.0, 8.0, 10.0])
def test_coupled_update_never_raises_its_block_objective(beta):
    """The coupled W-update is an MM step for every β. At β = 8 its Newton solve in ln t
    started on the convex side of e^(7u) and moved by 1/7 per step: 200 steps left entries
    14 times their root (the objective rose ×1e9); −5, 10, 20 likewise. Bisection when a
    Newton step does not halve (rtsafe's rule) now brings every entry to its root."""
    worse = 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        m, n, r = rng.integers(2, 8, 3)
        sc = rng.uniform(0.1, 3)
        Y = rng.uniform(0.05, 1, (m, n)) * sc
        W = rng.uniform(0.05, 1, (m, r))
        H = rng.uniform(0.05, 1, (r, n))
        H /= H.sum(axis=1, keepdims=True)
        Wb = rng.uniform(0.05, 1, (m, r)) * sc
        lam = 10.0 ** rng.uniform(-2, 2)

        def objective(W):
            return (deepnmf.beta_divergence(Y, (W, H), beta)
                    + lam * deepnmf.beta_divergence(W, Wb, beta))

        worse += objective(updates.coupled_w(Y, W, H, Wb, lam, beta)) > objective(W) * (1 + 1e-12)
    assert worse == 0


def test_the_beta_range_is_the_cores_and_the_readmes():
    """The Python layer reads the range from the core (one definition); the README states it."""
    assert BETA_RANGE[np.dtype(np.float64)] == tuple(_core.beta_range["float64"]) == (-5.0, 10.0)
    assert BETA_RANGE[np.dtype(np.float32)] == tuple(_core.beta_range["float32"]) == (0.0, 5.0)


def test_float32_data_above_its_band_is_fit_at_unit_scale():
    """float32 thresholds were float64's (β = 3 failed at 1e20 with an error about W). The
    band's top for float32 is 2^(96/β): above it the fit of 2^k X is the fit of X scaled."""
    beta = 3.0
    fits = {e: BetaNMF(4, beta=beta, max_iter=12, tol=0).fit(np.ldexp(X0, e).astype(np.float32))
            for e in (33, 40, 66)}
    base = fits[33]
    for e, model in fits.items():
        assert model.W_.dtype == np.float32
        np.testing.assert_array_equal(np.ldexp(model.W_, 33 - e), base.W_)
        np.testing.assert_array_equal(model.H_, base.H_)


def test_data_inside_the_band_is_not_copied():
    from deepnmf._engine.data import check_input

    X = np.ldexp(X0, 10)
    data, scale = check_input(X, 1.0)
    assert scale.unit and data.X is X
    data, scale = check_input(np.ldexp(X0, -40), 1.0)
    assert scale.k == 40 and np.array_equal(data.X, X0)


@pytest.mark.parametrize("beta,dtype,span", [(0.0, np.float32, 48), (-5.0, np.float64, 137),
                                             (0.5, np.float64, 640)])
def test_for_beta_below_one_the_span_of_the_data_is_bounded(beta, dtype, span):
    """For β < 1 the majorizer holds Y (W H)^(β−2) and the divergence x^β: at the smallest
    entries these overflow when the data spans too many orders of magnitude (β = −5 with
    entries down to 1e-70, float32 IS at 1e-20). Up to the stated span the fit is finite and
    its objective falls; beyond it, a ValueError names the span."""
    X = X0.astype(dtype).copy()
    X[0, 0] = np.ldexp(X.max(), -(span - 2))
    model = BetaNMF(3, beta=beta, init="random", random_state=0, max_iter=10, tol=0).fit(X)
    assert np.all(np.isfinite(model.loss_history_)) and np.all(np.isfinite(model.W_))
    assert np.all(np.diff(model.loss_history_) <= 1e-12 * model.loss_history_[:-1])
    X[0, 0] = np.ldexp(X.max(), -(span + 2))
    with pytest.raises(ValueError, match=f"more than the 2\\^{span} deepnmf supports"):
        BetaNMF(3, beta=beta, max_iter=2, tol=0).fit(X)
