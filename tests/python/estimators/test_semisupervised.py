"""SemiSupervisedNMF (docs/masks-semisupervised.md §3): monotone for every data/label
divergence pair, the reference updates of the models with one divergence (written out below
from Lee, Yoo & Choi 2010 and Haddock et al. 2020, in deepnmf's orientation X ≈ W H, Y ≈ W B),
the published mixed update's failure that the exact step avoids, classification, bad input."""

import warnings

import numpy as np
import pytest

from deepnmf import SemiSupervisedNMF

PAIRS = [(1.0, 1.0), (2.0, 2.0), (2.0, 1.0), (1.0, 2.0), (1.5, 0.5), (0.5, 1.5), (0.0, 1.0)]


def toy(m=60, n=40, r=4, p=3, seed=0, labeled=0.5):
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.05, 1, (m, r))
    X = W @ rng.uniform(0.05, 1, (r, n))
    y = np.argmax(W[:, :p], axis=1)
    y_obs = np.where(rng.random(m) < labeled, y, -1)
    return X, y, y_obs


def under_fit_start(seed, m=20, n=30, r=3, p=2):
    """The start of §3.2 where the ssnmf package's mixed update overshoots."""
    rng = np.random.default_rng(seed)
    X, W, H = rng.random((m, n)), rng.random((m, r)), rng.random((r, n))
    y = rng.integers(0, p, m)
    y[rng.permutation(m)[: m // 2]] = -1
    y[:p] = np.arange(p)  # every class labeled at least once
    B = 0.01 * rng.random((r, p))
    return X, y, W, H, B


@pytest.mark.parametrize("beta_x,beta_y", PAIRS)
@pytest.mark.parametrize("lam", [1.0, 10.0, 100.0])
def test_objective_never_increases(beta_x, beta_y, lam):
    X, _, y = toy()
    est = SemiSupervisedNMF(4, beta=beta_x, label_beta=beta_y, label_weight=lam, max_iter=80,
                            tol=0, loss_every=1, random_state=0, init="random").fit(X, y)
    F = est.loss_history_
    assert np.all(np.diff(F) <= 1e-12 * F[:-1]), np.diff(F).max()
    np.testing.assert_allclose(est.loss_terms_[:, 0] + lam * est.loss_terms_[:, 1], F)


@pytest.mark.parametrize("beta_x,beta_y", [(2.0, 1.0), (1.0, 2.0), (1.5, 0.5)])
@pytest.mark.parametrize("lam", [10.0, 100.0])
def test_exact_step_is_monotone_from_the_under_fit_start(beta_x, beta_y, lam):
    for seed in range(10):
        X, y, W, H, B = under_fit_start(seed)
        est = SemiSupervisedNMF(3, beta=beta_x, label_beta=beta_y, label_weight=lam,
                                init="custom", max_iter=10, tol=0, loss_every=1)
        est.fit(X, y, W=W, H=H, B=B)
        F = est.loss_history_
        assert np.all(np.diff(F) <= 1e-12 * F[:-1]), (seed, np.diff(F).max())


def test_the_published_mixed_update_can_raise_the_objective():
    """Model 4 (Frobenius data, KL labels), λ = 100, the W-step from the under-fit start of
    §3.2: the ratio (update='ssnmf') raises F on every seed 0–9, the exact root lowers it."""
    from deepnmf import _core, beta_divergence

    lam = 100.0
    for seed in range(10):
        X, y, W, H, B = under_fit_start(seed)
        Y = np.zeros((len(y), 2))
        Y[y >= 0, y[y >= 0]] = 1
        L = np.repeat((y >= 0)[:, None], 2, 1).astype(float)

        def F(W_):
            return beta_divergence(X, (W_, H), 2.0) + lam * beta_divergence(Y, (W_, B), 1.0,
                                                                              mask=L)

        PX, QX, PY, QY = (np.empty_like(W) for _ in range(4))
        _core.majorizer_w(X, W, H, 2.0, PX, QX, 1, False)
        _core.majorizer_w_masked(Y, L, W, B, 1.0, PY, QY, 1, False)
        ratio, exact = W.copy(), W.copy()
        _core.shared_w_update(ratio, PX, QX, 2.0, PY, QY, 1.0, lam, True, 1)
        _core.shared_w_update(exact, PX, QX, 2.0, PY, QY, 1.0, lam, False, 1)
        assert F(ratio) > F(W) > F(exact), seed


def test_the_ratio_is_the_exact_step_for_equal_divergences():
    X, _, y = toy()
    for beta in (1.0, 2.0):
        a = SemiSupervisedNMF(4, beta=beta, update="ssnmf", max_iter=10, tol=0,
                              random_state=0).fit(X, y)
        b = SemiSupervisedNMF(4, beta=beta, max_iter=10, tol=0, random_state=0).fit(X, y)
        assert np.array_equal(a.W_, b.W_)


def reference_iterations(X, Om, Y, L, W, H, B, lam, beta, n_iter):
    """The multiplicative updates of Lee, Yoo & Choi (Frobenius) and Haddock et al. (KL,
    ssnmf models 3 and 6) transposed to X ≈ W H, Y ≈ W B: H, B, then W."""
    eps = np.finfo(np.float64).eps
    W, H, B = W.copy(), H.copy(), B.copy()
    for _ in range(n_iter):
        if beta == 2.0:
            H = np.maximum(H * (W.T @ (Om * X)) / (W.T @ (Om * (W @ H))), eps)
            B = np.maximum(B * (W.T @ (L * Y)) / (W.T @ (L * (W @ B))), eps)
            num = (Om * X) @ H.T + lam * (L * Y) @ B.T
            den = (Om * (W @ H)) @ H.T + lam * (L * (W @ B)) @ B.T
        else:
            H = np.maximum(H * (W.T @ (Om * X / (W @ H))) / (W.T @ Om), eps)
            B = np.maximum(B * (W.T @ (L * Y / (W @ B))) / (W.T @ L), eps)
            num = (Om * X / (W @ H)) @ H.T + lam * (L * Y / (W @ B)) @ B.T
            den = Om @ H.T + lam * L @ B.T
        W = np.maximum(W * num / den, eps)
    return W, H, B


@pytest.mark.parametrize("beta", [1.0, 2.0])
@pytest.mark.parametrize("masked", [False, True])
def test_follows_the_reference_updates(beta, masked):
    X, _, y = toy(seed=2)
    m, n = X.shape
    rng = np.random.default_rng(5)
    Om = (rng.random((m, n)) > 0.2).astype(float) if masked else np.ones((m, n))
    classes = np.unique(y[y >= 0])
    Y = np.zeros((m, classes.size))
    Y[y >= 0, np.searchsorted(classes, y[y >= 0])] = 1
    L = np.repeat((y >= 0)[:, None], classes.size, 1).astype(float)
    W, H, B = rng.uniform(0.1, 1, (m, 4)), rng.uniform(0.1, 1, (4, n)), rng.uniform(0.1, 1, (4, 3))
    est = SemiSupervisedNMF(4, beta=beta, label_weight=3.0, init="custom", max_iter=25, tol=0)
    est.fit(X, y, W=W, H=H, B=B, mask=Om if masked else None)
    W_ref, H_ref, B_ref = reference_iterations(X, Om, Y, L, W, H, B, 3.0, beta, 25)
    np.testing.assert_allclose(est.W_, W_ref, rtol=1e-10)
    np.testing.assert_allclose(est.H_, H_ref, rtol=1e-10)
    np.testing.assert_allclose(est.B_, B_ref, rtol=1e-10)


def test_labels_help_classify_the_unlabeled_rows():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 120)
    X = (np.eye(3)[y] + 0.3 * rng.random((120, 3))) @ rng.uniform(0.05, 1, (3, 40))
    y_obs = np.where(rng.random(120) < 0.5, y, -1)
    est = SemiSupervisedNMF(3, label_weight=1.0, max_iter=300, tol=0,
                            random_state=0).fit(X, y_obs)
    hidden = y_obs < 0
    pred = est.classes_[np.argmax(est.W_[hidden] @ est.B_, axis=1)]
    assert (pred == y[hidden]).mean() > 0.8
    assert est.score(X[~hidden], y[~hidden]) > 0.8  # predict: codes from the data alone
    proba = est.predict_proba(X[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert est.decision_function(X[:5]).shape == (5, 3)


def test_transform_of_the_training_rows_is_close_to_their_codes():
    X, _, y = toy(seed=6)
    est = SemiSupervisedNMF(4, label_weight=1e-9, max_iter=2000, tol=0,
                            random_state=0).fit(X, y)
    W_new = est.transform(X)
    assert np.linalg.norm(W_new - est.W_) / np.linalg.norm(est.W_) < 1e-2


def test_indicator_labels_with_a_label_mask_match_class_labels():
    X, _, y = toy(seed=7)
    m = X.shape[0]
    Y = np.zeros((m, 3))
    Y[y >= 0, y[y >= 0]] = 1
    a = SemiSupervisedNMF(4, max_iter=20, tol=0, random_state=0).fit(X, y)
    b = SemiSupervisedNMF(4, max_iter=20, tol=0, random_state=0).fit(X, Y, label_mask=y >= 0)
    assert np.array_equal(a.W_, b.W_) and np.array_equal(a.B_, b.B_)


def test_sparse_kl_equals_dense():
    import scipy.sparse as sp

    X, _, y = toy(seed=8)
    X[X < 0.5] = 0
    a = SemiSupervisedNMF(4, max_iter=20, tol=0, random_state=0, init="random").fit(X, y)
    b = SemiSupervisedNMF(4, max_iter=20, tol=0, random_state=0, init="random").fit(
        sp.csr_matrix(X), y)
    np.testing.assert_allclose(b.W_, a.W_, rtol=1e-9)
    np.testing.assert_allclose(b.loss_history_, a.loss_history_, rtol=1e-11)


def test_zero_label_weight_ignores_the_labels():
    X, _, y = toy(seed=9)
    other = np.roll(y, 7)
    a = SemiSupervisedNMF(4, label_weight=0.0, max_iter=50, tol=0, random_state=0).fit(X, y)
    b = SemiSupervisedNMF(4, label_weight=0.0, max_iter=50, tol=0, random_state=0).fit(X, other)
    assert np.array_equal(a.W_, b.W_) and np.array_equal(a.H_, b.H_)
    assert np.array_equal(a.loss_history_, a.loss_terms_[:, 0])


def test_bad_input():
    X, _, y = toy()
    est = SemiSupervisedNMF(4, max_iter=5)
    with pytest.raises(ValueError, match="unlabeled"):
        est.fit(X, np.full(X.shape[0], -1))
    with pytest.raises(ValueError, match="label_weight"):
        SemiSupervisedNMF(4, label_weight=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="entries for"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="integer classes"):
        est.fit(X, y + 0.5)
    with pytest.raises(ValueError, match="-1"):
        est.fit(X, np.where(y < 0, -2, y))
    with pytest.raises(ValueError, match="needs y"):
        est.fit(X, None)
    with pytest.raises(ValueError, match="label_beta"):
        SemiSupervisedNMF(4, label_beta=0.0).fit(X, y)
    with pytest.raises(ValueError, match="update"):
        SemiSupervisedNMF(4, update="fast").fit(X, y)
    from deepnmf import NotFittedError

    with pytest.raises(NotFittedError):
        SemiSupervisedNMF(4).predict(X)
    Y = np.zeros((X.shape[0], 3))
    Y[y >= 0, y[y >= 0]] = 1
    Y[:, 2] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        model = est.fit(X, Y, label_mask=y >= 0)
    assert np.all(np.isfinite(model.B_))
    with pytest.warns(RuntimeWarning, match="no labeled row"):
        SemiSupervisedNMF(4, max_iter=5, tol=0).fit(X, Y, label_mask=y >= 0)


def test_save_and_load_roundtrip(tmp_path):
    import deepnmf

    X, _, y = toy()
    est = SemiSupervisedNMF(4, max_iter=10, tol=0, random_state=0).fit(X, y)
    path = est.save(tmp_path / "ss.npz")
    back = deepnmf.load(path)
    assert np.array_equal(back.predict(X), est.predict(X))
    assert np.array_equal(back.B_, est.B_) and np.array_equal(back.classes_, est.classes_)
