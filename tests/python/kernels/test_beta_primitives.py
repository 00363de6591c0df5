"""The layer-data primitives (docs/architecture.md, LayerData): the β majorizer's P and Q,
the cross products Y Hᵀ, Wᵀ Y and ‖Y‖², dense and sparse, against NumPy; and the fused MU
update is exactly the update built from the primitive."""

import numpy as np
import pytest
import scipy.sparse as sp
from _support.oracles.beta import beta_divergence_ref, gamma, majorizer_PQ_h, majorizer_PQ_w
from _support.problems import positive_problem

from deepnmf import _core
from deepnmf._engine.data import DenseData, SparseData

TOL = {np.float64: 1e-12, np.float32: 2e-5}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("shape", [(23, 17), (9, 60), (60, 9)])  # row / column block passes
def test_dense_majorizer_matches_numpy(dtype, beta, shape, rng):
    Y, W, H = positive_problem(rng, *shape, 4, dtype)
    data = DenseData(Y)
    for side, ref in (("w", majorizer_PQ_w), ("h", majorizer_PQ_h)):
        P, Q, loss = getattr(data, f"majorizer_{side}")(W, H, beta, 2, True)
        P_ref, Q_ref = ref(*(a.astype(np.float64) for a in (Y, W, H)), beta)
        np.testing.assert_allclose(P, P_ref, rtol=TOL[dtype])
        np.testing.assert_allclose(Q, Q_ref, rtol=TOL[dtype])
        d_ref = beta_divergence_ref(Y.astype(np.float64), (W @ H).astype(np.float64), beta)
        assert loss == pytest.approx(d_ref, rel=10 * TOL[dtype])


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_the_fused_update_is_the_update_of_the_primitive(beta, rng):
    """W ⊙ (Q ⊘ P)^γ floored at ε from majorizer_w is mu_w's result: bit for bit for γ = 1,
    to the rounding of the power otherwise (Eigen's vectorized pow against NumPy's)."""
    Y, W, H = positive_problem(rng, 31, 26, 5)
    data = DenseData(Y)
    P, Q, _ = data.majorizer_w(W, H, beta, 1)
    g = gamma(beta)
    built = np.maximum(W * ((Q / P) if g == 1 else (Q / P) ** g), np.finfo(float).eps)
    fused = W.copy()
    data.mu_w(fused, H, beta, 1)
    if g == 1:
        np.testing.assert_array_equal(fused, built)
    else:
        np.testing.assert_allclose(fused, built, rtol=4e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_majorizer_matches_dense(dtype, rng):
    """On sparse data (β = 1) the primitives equal the dense ones on the same matrix."""
    Y, W, H = positive_problem(rng, 40, 35, 5, dtype, zeros=0.6)
    dense, sparse = DenseData(Y), SparseData(sp.csr_matrix(Y))
    Hs = sparse.factor_layout(H, copy=True)
    for side in ("w", "h"):
        Pd, Qd, ld = getattr(dense, f"majorizer_{side}")(W, H, 1.0, 2, True)
        Ps, Qs, ls = getattr(sparse, f"majorizer_{side}")(W, Hs, 1.0, 2, True)
        np.testing.assert_allclose(Ps, Pd, rtol=TOL[dtype])
        np.testing.assert_allclose(Qs, Qd, rtol=TOL[dtype])
        assert ls == pytest.approx(ld, rel=10 * TOL[dtype])
    with pytest.raises(ValueError, match="beta = 1"):
        sparse.majorizer_w(W, Hs, 2.0, 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_cross_products_and_norm(dtype, kind, rng):
    """Y Hᵀ (from Hᵀ), Yᵀ W and ‖Y‖² (the Frobenius solvers' layouts), and through them the
    Frobenius loss by the trace identity."""
    Y, W, H = positive_problem(rng, 33, 27, 4, dtype, zeros=0.5)
    data = DenseData(Y) if kind == "dense" else SparseData(sp.csr_matrix(Y))
    Hl = np.ascontiguousarray(H.T)
    Yd = Y.astype(np.float64)
    np.testing.assert_allclose(data.cross_w(Hl, 2), Yd @ H.T, rtol=TOL[dtype])
    np.testing.assert_allclose(data.cross_h(W, 2), Yd.T @ W, rtol=TOL[dtype])
    assert data.sq_norm() == pytest.approx(float(np.sum(Yd**2)), rel=1e-13)
    loss = 0.5 * (data.sq_norm() - 2 * np.sum(W * data.cross_w(Hl, 1)) +
                  np.sum((W.T @ W) * (H @ H.T)))
    assert loss == pytest.approx(beta_divergence_ref(Yd, W @ H, 2.0), rel=1e-4 if dtype ==
                                 np.float32 else 1e-10)


def test_majorizer_outputs_are_checked(rng):
    Y, W, H = positive_problem(rng, 10, 8, 3)
    P = np.empty((10, 3))
    with pytest.raises(ValueError, match="P and Q must have shape"):
        _core.majorizer_w(Y, W, H, 1.0, P, np.empty((3, 10)))
    with pytest.raises(ValueError, match="share"):
        _core.majorizer_w(Y, W, H, 1.0, P, P)
    with pytest.raises(TypeError):  # the exact dtype, no silent conversion
        _core.majorizer_w(Y, W, H, 1.0, P.astype(np.float32), np.empty((10, 3), np.float32))
