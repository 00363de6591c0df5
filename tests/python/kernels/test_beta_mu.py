"""The multiplicative updates against their NumPy formula, and their guarantees."""

import numpy as np
import pytest
from _support.oracles.beta import beta_divergence_ref, mu_h_ref, mu_w_ref
from _support.problems import positive_problem
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import csr_matrix as sp_csr

import deepnmf
from deepnmf import _core, updates

BETAS = [0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 3.0]


def relayout(a, layout):
    """The same values as an F-ordered, strided or read-only array."""
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        big = np.zeros((a.shape[0], 2 * a.shape[1]), dtype=a.dtype)
        big[:, ::2] = a
        return big[:, ::2]
    if layout == "readonly":
        b = a.copy()
        b.flags.writeable = False
        return b
    return a


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mu_h_matches_formula(rng, beta, dtype):
    Y, W, H = positive_problem(rng, 37, 53, 4, dtype)
    got = updates.mu_h(Y, W, H, beta)
    assert got.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got, mu_h_ref(Y, W, H, beta), rtol=rtol)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mu_w_matches_formula(rng, beta, dtype):
    Y, W, H = positive_problem(rng, 41, 29, 5, dtype)
    got = updates.mu_w(Y, W, H, beta)
    assert got.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got, mu_w_ref(Y, W, H, beta), rtol=rtol)


def test_large_shapes_cross_several_blocks(rng):
    """Shapes that split into many cache blocks (and a ragged last block) give the formula."""
    Y, W, H = positive_problem(rng, 700, 523, 7)
    np.testing.assert_allclose(updates.mu_h(Y, W, H, 1.0), mu_h_ref(Y, W, H, 1.0), rtol=1e-12)
    np.testing.assert_allclose(updates.mu_w(Y, W, H, 0.5), mu_w_ref(Y, W, H, 0.5), rtol=1e-12)


def test_floor_at_machine_epsilon(rng):
    Y, W, H = positive_problem(rng, 10, 12, 3)
    Y[:, 0] = 0  # an all-zero column drives its H entries towards 0
    H1 = H
    for _ in range(100):
        H1 = updates.mu_h(Y, W, H1, 1.0)
    assert H1.min() == np.finfo(np.float64).eps


def test_out_is_in_place_without_copy(rng):
    Y, W, H = positive_problem(rng, 20, 30, 3)
    want = mu_h_ref(Y, W, H, 1.0)
    ret = updates.mu_h(Y, W, H, 1.0, out=H)
    assert ret is H and np.shares_memory(ret, H)
    np.testing.assert_allclose(H, want, rtol=1e-12)
    W0 = W.copy()
    ret = updates.mu_w(Y, W, H, 1.0, out=W)
    assert ret is W
    assert not np.array_equal(W, W0)


def aliasing_cases():
    """(label, call with out aliasing an input the update reads, the input's name), on the
    issue's 4 × 4 problem: every square shape matches, so any array fits any role."""
    rng = np.random.default_rng(0)
    Y, W, H, Wb = (rng.uniform(0.1, 1, (4, 4)) for _ in range(4))
    yield "mu_h out=Y", lambda: updates.mu_h(Y, W, H, 1.0, out=Y), "Y"
    yield "mu_h out=W", lambda: updates.mu_h(Y, W, H, 1.0, out=W), "W"
    yield "mu_h rowsum out=W", lambda: updates.mu_h(Y, W, H, 2.0, row_sums_one=True, out=W), "W"
    yield "mu_w out=Y", lambda: updates.mu_w(Y, W, H, 1.0, out=Y), "Y"
    yield "mu_w out=H", lambda: updates.mu_w(Y, W, H, 0.5, out=H), "H"
    yield "coupled_w out=Y", lambda: updates.coupled_w(Y, W, H, Wb, 0.5, 1.0, out=Y), "Y"
    yield "coupled_w out=W_bar", lambda: updates.coupled_w(Y, W, H, Wb, 0.5, 1.0, out=Wb), "W_bar"
    yield "coupled_w out=H", lambda: updates.coupled_w(Y, W, H, Wb, 0.5, 1.5, out=H), "H"


@pytest.mark.parametrize("label,call,name", list(aliasing_cases()), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_out_aliasing_another_input_is_refused(label, call, name):
    """These returned results 0.1 – 0.3 away from the unaliased call; now a ValueError that
    names the input, and the arrays are left as they were."""
    with pytest.raises(ValueError, match=f"out shares memory with {name}"):
        call()


def test_core_refuses_outputs_that_alias_its_inputs():
    """The same at the compiled boundary, for every kernel that writes into an argument."""
    rng = np.random.default_rng(0)
    Y, W, H, Wb = (rng.uniform(0.1, 1, (4, 4)) for _ in range(4))
    calls = {
        "mu_h": lambda: _core.mu_h(Y, W, Y, 1.0, True, 1, False),
        "mu_h W": lambda: _core.mu_h(Y, W, W, 1.0, False, 1, False),
        "mu_w": lambda: _core.mu_w(Y, Y, H, 1.0, 1, False),
        "mu_w H": lambda: _core.mu_w(Y, H, H, 1.0, 1, False),
        "coupled_w": lambda: _core.coupled_w(Y, Wb, H, Wb, 0.5, 1.0, 1, False),
        "product": lambda: _core.product(W, H, H, 1),
        "minvol_w": lambda: _core.minvol_w(Y, Y, H, None, 0.1, 1.0, 1.0, 10.0, 1e-6, 5, 1),
    }
    for label, call in calls.items():
        before = [a.copy() for a in (Y, W, H, Wb)]
        with pytest.raises(ValueError, match="shares memory"):
            call()
        for a, b in zip((Y, W, H, Wb), before):
            assert np.array_equal(a, b), label
    Yc = sp_csr(Y)
    Hf = np.asfortranarray(H)
    with pytest.raises(ValueError, match="shares memory"):  # W over the data's values
        _core.testing.mu_w_sparse(Yc.indptr, Yc.indices, Yc.data, 4, 4,
                          Yc.data[:16].reshape(4, 4), Hf, 1.0, 1, False)
    with pytest.raises(ValueError, match="shares memory"):
        _core.testing.mu_h_sparse(Yc.indptr, Yc.indices, Yc.data, 4, 4, Hf.T, Hf, 1.0, False, 1, False)


def test_input_not_modified_without_out(rng):
    Y, W, H = positive_problem(rng, 20, 30, 3)
    H0, W0, Y0 = H.copy(), W.copy(), Y.copy()
    updates.mu_h(Y, W, H, 1.0)
    updates.mu_w(Y, W, H, 1.0)
    assert np.array_equal(H, H0) and np.array_equal(W, W0) and np.array_equal(Y, Y0)


def test_core_refuses_to_copy():
    """The compiled kernels take exactly-typed C-ordered arrays or raise: never a hidden copy."""
    Y = np.ones((4, 5))
    W = np.ones((4, 2))
    H = np.ones((2, 5))
    with pytest.raises(TypeError):
        _core.mu_h(np.asfortranarray(Y), W, H, 1.0, False, 1, False)
    with pytest.raises(TypeError):
        _core.mu_h(Y.astype(np.float32), W, H, 1.0, False, 1, False)
    with pytest.raises(TypeError):
        _core.mu_h(Y, W, H[:, ::2], 1.0, False, 1, False)


def test_core_shape_errors_are_value_errors():
    with pytest.raises(ValueError, match="shapes"):
        _core.mu_h(np.ones((4, 5)), np.ones((4, 2)), np.ones((3, 5)), 1.0, False, 1, False)
    with pytest.raises(ValueError, match="n_threads"):
        _core.mu_w(np.ones((4, 5)), np.ones((4, 2)), np.ones((2, 5)), 1.0, 0, False)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3000, 41), (41, 3000)])
def test_tall_and_wide_data_match_formula(rng, beta, dtype, shape):
    """Tall Y (m ≥ 4n): the H pass sums P, Q over row blocks; wide Y (n ≥ 4m): the W pass
    sums them over column blocks. The other pass of each shape keeps its separable blocks."""
    Y, W, H = positive_problem(rng, *shape, 5, dtype, zeros=0.1)
    if beta <= 0:
        Y = np.where(Y > 0, Y, 0.5).astype(dtype)
    rtol = 1e-11 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(updates.mu_h(Y, W, H, beta), mu_h_ref(Y, W, H, beta), rtol=rtol)
    np.testing.assert_allclose(updates.mu_w(Y, W, H, beta), mu_w_ref(Y, W, H, beta), rtol=rtol)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("shape", [(300, 257), (3000, 41), (41, 3000)])
def test_threads_give_identical_results(rng, beta, shape):
    Y, W, H = positive_problem(rng, *shape, 6)
    h1 = updates.mu_h(Y, W, H, beta, n_threads=1)
    h2 = updates.mu_h(Y, W, H, beta, n_threads=2)
    w1 = updates.mu_w(Y, W, H, beta, n_threads=1)
    w2 = updates.mu_w(Y, W, H, beta, n_threads=2)
    np.testing.assert_allclose(h1, h2, rtol=1e-12)
    np.testing.assert_allclose(w1, w2, rtol=1e-12)


@pytest.mark.parametrize("shape", [(40, 50), (3000, 41), (41, 3000)])
def test_loss_returned_by_the_update_is_the_current_loss(rng, shape):
    """Tall and wide shapes: several blocks, whose short rows the loss groups into chunks."""
    Y, W, H = positive_problem(rng, *shape, 4, zeros=0.2)
    for beta in (0.0, 0.5, 1.0, 2.0, 3.0):
        if beta == 0.0:
            Y = np.where(Y > 0, Y, 0.5)  # IS needs positive data
        loss = _core.mu_w(Y, W.copy(), H, beta, 1, True)
        assert loss == pytest.approx(beta_divergence_ref(Y, W @ H, beta), rel=1e-12)
        loss = _core.mu_h(Y, W, H.copy(), beta, False, 1, True)
        assert loss == pytest.approx(beta_divergence_ref(Y, W @ H, beta), rel=1e-12)


@given(
    beta=st.sampled_from(BETAS),
    m=st.integers(1, 30),
    n=st.integers(1, 30),
    r=st.integers(1, 6),
    zeros=st.sampled_from([0.0, 0.3]),
    dtype=st.sampled_from([np.float64, np.float32]),
    layout=st.sampled_from(["C", "F", "strided", "readonly"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_block_objective_never_increases(beta, m, n, r, zeros, dtype, layout, seed):
    rng = np.random.default_rng(seed)
    Y, W, H = positive_problem(rng, m, n, r, dtype, zeros=zeros if beta > 0 else 0.0)
    Y[0, 0] = 1.0  # not the all-zero matrix (that one warns; see test_validation)
    Y = relayout(Y, layout)
    Y0 = Y.copy()
    before = deepnmf.beta_divergence(Y, W @ H, beta)
    H2 = updates.mu_h(Y, W, H, beta)
    mid = deepnmf.beta_divergence(Y, W @ H2, beta)
    W2 = updates.mu_w(Y, W, H2, beta)
    after = deepnmf.beta_divergence(Y, W2 @ H2, beta)
    slack = 1e-12 if dtype == np.float64 else 1e-5
    # relative slack for rounding, and an absolute one at the scale of the data for exact fits
    atol = slack * (Y.size + float(Y.sum()))
    assert mid <= before * (1 + slack) + atol
    assert after <= mid * (1 + slack) + atol
    assert H2.min() >= np.finfo(dtype).eps and W2.min() >= np.finfo(dtype).eps
    assert np.array_equal(Y, Y0)  # the caller's data is never touched, whatever its layout
