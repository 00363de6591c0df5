"""OrthogonalNMF (EM-ONMF, spec frobenius-solvers.md §4) against a plain NumPy weighted
spherical k-means with principal-direction centroids, and for its guarantees: WᵀW = I and one
nonzero per row at every iterate, a non-increasing error, exact recovery of planted blocks."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import deepnmf
from deepnmf import OrthogonalNMF


def em_onmf_numpy(X, H, iters):
    """§4.2 written for clarity: the partition and the error after each iteration."""
    X = np.asarray(X, dtype=np.float64)
    labels, errors = [], []
    for _ in range(iters):
        norms = np.linalg.norm(H, axis=1)
        cos = (X @ H.T) / np.where(norms > 0, norms, np.inf)
        b = np.argmax(cos, axis=1)
        w = (X @ H.T)[np.arange(len(X)), b] / norms[b] ** 2
        W = np.zeros((X.shape[0], H.shape[0]))
        W[np.arange(len(X)), b] = w
        W /= np.linalg.norm(W, axis=0)
        H = W.T @ X
        labels.append(b)
        errors.append(np.linalg.norm(X - W @ H))
    return labels, errors, W, H


def blocks(m=60, n=40, r=3, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = np.zeros((m, n))
    lab = np.arange(m) % r
    cols = np.array_split(np.arange(n), r)
    for i in range(m):
        X[i, cols[lab[i]]] = rng.uniform(0.5, 1, len(cols[lab[i]]))
    return X + noise * rng.uniform(0, 1, (m, n)), lab, cols


def test_the_partition_sequence_is_the_numpy_one():
    X = np.random.default_rng(1).uniform(0, 1, (80, 30))
    H0 = X[:4] * np.random.default_rng(2).uniform(0.5, 1, (4, 30))
    model = OrthogonalNMF(4, init="custom", max_iter=6, tol=0).fit(X, H=H0)
    assert model.n_reseeded_ == 0  # the oracle has no reseeding
    labels, errors, W, H = em_onmf_numpy(X, H0, model.n_iter_)
    np.testing.assert_array_equal(model.labels_, labels[-1])
    np.testing.assert_allclose(model.W_, W, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.H_, H, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(np.sqrt(2 * model.loss_history_[1:]), errors, rtol=1e-10)


def test_planted_blocks_are_recovered_exactly():
    """No noise: an init hitting each block gives the blocks, with the error of their rank-1
    SVD residuals."""
    X, lab, _ = blocks()
    model = OrthogonalNMF(3, init="spa", max_iter=200, tol=0).fit(X)
    for k in range(3):
        assert len(set(model.labels_[lab == k])) == 1
    assert len(set(model.labels_)) == 3
    expected = sum(np.sum(np.linalg.svd(X[lab == k], compute_uv=False)[1:] ** 2)
                   for k in range(3))
    assert 2 * model.loss_ == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("init", ["spa", "kmeans++", "random"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_guarantees(init, dtype):
    X, _, _ = blocks(noise=0.5, seed=3)
    model = OrthogonalNMF(5, init=init, random_state=0, max_iter=30, tol=0).fit(X.astype(dtype))
    assert model.W_.dtype == dtype and model.H_.dtype == dtype
    F = model.loss_history_
    assert np.all(np.diff(F) <= 1e-12 * F[0] if dtype == np.float64 else 1e-5 * F[0])
    assert np.all((model.W_ > 0).sum(axis=1) <= 1) and np.all(model.W_ >= 0)
    tol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(model.W_.T.astype(float) @ model.W_, np.eye(5), atol=tol)
    assert model.orthogonality_ < 5 * tol
    direct = 0.5 * np.linalg.norm(X - model.W_.astype(float) @ model.H_) ** 2
    assert model.loss_ == pytest.approx(direct, rel=1e-10 if dtype == np.float64 else 1e-4)


def test_sparse_equals_dense_and_H_is_W_on_the_transpose():
    X, _, _ = blocks(noise=0.2, seed=4)
    X[X < 0.1] = 0
    dense = OrthogonalNMF(3, init="random", random_state=0, max_iter=20, tol=0).fit(X)
    sparse = OrthogonalNMF(3, init="random", random_state=0, max_iter=20,
                           tol=0).fit(sp.csr_matrix(X))
    # the sparse and dense products round differently, and the power steps of a cluster
    # carry that for many iterations when its two leading singular values are close
    np.testing.assert_array_equal(dense.labels_, sparse.labels_)
    np.testing.assert_allclose(dense.W_, sparse.W_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(dense.H_, sparse.H_, rtol=1e-8, atol=1e-10)
    onH = OrthogonalNMF(3, orthogonal="H", init="random", random_state=0, max_iter=20,
                        tol=0).fit(X.T)
    np.testing.assert_allclose(onH.H_, dense.W_.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(onH.W_, dense.H_.T, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(onH.labels_, dense.labels_)
    assert onH.score(X.T) == pytest.approx(dense.score(X), rel=1e-10)
    # 'H': the codes of new rows are X Hᵀ
    np.testing.assert_allclose(onH.transform(X.T[:5]), X.T[:5] @ onH.H_.T, rtol=1e-12)


def test_new_rows_predict_transform_score():
    X, lab, _ = blocks(noise=0.05, seed=5)
    model = OrthogonalNMF(3, max_iter=100, tol=0).fit(X)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    np.testing.assert_array_equal(model.fit_predict(X), model.labels_)
    # at the fixed point the codes of the training rows are W_
    np.testing.assert_allclose(model.transform(X), model.W_, rtol=1e-9, atol=1e-12)
    W = model.transform(X[:7])
    assert model.score(X[:7]) == pytest.approx(
        -0.5 * np.linalg.norm(X[:7] - W @ model.H_) ** 2, rel=1e-10)
    np.testing.assert_allclose(model.inverse_transform(W), W @ model.H_)


def test_an_empty_cluster_takes_the_worst_fitted_row():
    """Two equal starting centroids: the second never wins an argmax (ties: lowest k), so it is
    reseeded; the error still does not rise and WᵀW = I."""
    X, _, _ = blocks(noise=0.3, seed=6)
    H0 = np.vstack([X[0], X[0], X[1]])
    model = OrthogonalNMF(3, init="custom", max_iter=10, tol=0).fit(X, H=H0)
    assert model.n_reseeded_ >= 1
    assert np.all(np.diff(model.loss_history_) <= 1e-12 * model.loss_history_[0])
    np.testing.assert_allclose(model.W_.T @ model.W_, np.eye(3), atol=1e-14)


def test_reproducible_and_independent_of_threads():
    X, _, _ = blocks(m=300, n=50, noise=0.5, seed=7)
    a = OrthogonalNMF(6, init="kmeans++", random_state=3, max_iter=15, tol=0, n_threads=1).fit(X)
    b = OrthogonalNMF(6, init="kmeans++", random_state=3, max_iter=15, tol=0, n_threads=2).fit(X)
    np.testing.assert_array_equal(a.W_, b.W_)
    np.testing.assert_array_equal(a.H_, b.H_)


def test_scaled_data_gives_scaled_factors():
    X, _, _ = blocks(noise=0.3, seed=8)
    a = OrthogonalNMF(3, max_iter=10, tol=0).fit(X)
    b = OrthogonalNMF(3, max_iter=10, tol=0).fit(np.ldexp(X, -400))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(np.ldexp(a.H_, -400), b.H_, rtol=1e-13)
    np.testing.assert_allclose(a.W_, b.W_, rtol=1e-13)


def test_save_and_load(tmp_path):
    X, _, _ = blocks(noise=0.3, seed=9)
    model = OrthogonalNMF(3, max_iter=10, tol=0).fit(X)
    loaded = deepnmf.load(model.save(tmp_path / "onmf.npz"))
    np.testing.assert_array_equal(loaded.W_, model.W_)
    np.testing.assert_array_equal(loaded.labels_, model.labels_)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("kwargs, X_kw, match", [
    ({"orthogonal": "both"}, {}, "orthogonal"),
    ({"init": "nndsvd"}, {}, "init"),
    ({"n_components": 0}, {}, "n_components"),
    ({"n_components": 100}, {}, "exceeds"),
    ({"init": "custom"}, {}, "needs H"),
    ({}, {"H": np.ones((3, 40))}, "init='custom'"),
    ({"init": "custom"}, {"H": np.ones((2, 40))}, "shape"),
])
def test_bad_parameters_are_clear_errors(kwargs, X_kw, match):
    X, _, _ = blocks()
    params = {"n_components": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        OrthogonalNMF(**params).fit(X, **X_kw)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), r=st.integers(1, 6))
def test_property_monotone_and_orthonormal(seed, r):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (20, 12)) * (rng.uniform(0, 1, (20, 12)) < 0.6)
    model = OrthogonalNMF(r, init="random", random_state=seed, max_iter=15, tol=0).fit(X)
    F = model.loss_history_
    assert np.all(np.diff(F) <= 1e-12 * max(F[0], 1e-300))
    assert np.all((model.W_ > 0).sum(axis=1) <= 1)
    used = np.flatnonzero(model.W_.any(axis=0))
    G = model.W_[:, used].T @ model.W_[:, used]
    np.testing.assert_allclose(G, np.eye(len(used)), atol=1e-14)


@pytest.mark.parametrize("solver", ["ding", "choi"])
def test_multiplicative_baselines_are_their_formulas(solver):
    """Ding et al. (2006) and Choi (2008), §4.4: the start (partition + 0.2, H = WᵀX) and
    iterations H ← H ⊙ WᵀX ⊘ (WᵀW H), then the W-update, against NumPy."""
    X, lab, _ = blocks(noise=0.1, seed=10)
    H0 = X[:3].copy()
    model = OrthogonalNMF(3, solver=solver, init="custom", max_iter=5, tol=0).fit(X, H=H0)
    cos = (X @ H0.T) / np.linalg.norm(H0, axis=1)
    b = np.argmax(cos, axis=1)
    W = np.zeros((len(X), 3))
    W[np.arange(len(X)), b] = (X @ H0.T)[np.arange(len(X)), b] / np.sum(H0**2, axis=1)[b]
    W = W / np.linalg.norm(W, axis=0) + 0.2
    H = W.T @ X
    eps = np.finfo(float).eps
    for _ in range(5):
        H = np.maximum(H * (W.T @ X) / (W.T @ W @ H), eps)
        XHt = X @ H.T
        if solver == "ding":
            W = np.maximum(W * np.sqrt(XHt / (W @ (W.T @ XHt))), eps)
        else:
            W = np.maximum(W * XHt / (W @ (XHt.T @ W)), eps)
    np.testing.assert_allclose(model.W_, W, rtol=1e-10)
    np.testing.assert_allclose(model.H_, H, rtol=1e-10)
    long = OrthogonalNMF(3, solver=solver, max_iter=300, tol=0).fit(X)
    for k in range(3):  # well-separated clusters: the true labels
        assert len(set(long.labels_[lab == k])) == 1
    assert len(set(long.labels_)) == 3
    if solver == "ding":  # Choi's W is orthogonal only up to the scale H and W trade
        assert long.orthogonality_ < 0.05
