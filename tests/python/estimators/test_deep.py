"""DeepNMF (model (6), Algorithm 1) and MultilayerNMF: the guarantees of block MM."""

import numpy as np
import pytest

import deepnmf
from deepnmf import DeepNMF, MinVolDeepNMF, MultilayerNMF, updates
from deepnmf.datasets import load_cbcl_faces
from deepnmf.metrics import hoyer_sparsity

EPS = np.finfo(np.float64).eps
BETAS = [0.0, 0.5, 1.0, 1.5, 2.0, 1.25]


def random_data(beta, m=40, n=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.gamma(1.5, 1.0, size=(m, n))
    if beta > 0:
        X[rng.random(X.shape) < 0.25] = 0.0  # exact zeros, where the divergence allows them
    return X


def objective(X, W, H, lam, beta):
    Ys = [X] + W[:-1]
    return sum(l * deepnmf.beta_divergence(Y, (w, h), beta) for l, Y, w, h in zip(lam, Ys, W, H))


def assert_constraints(model, tol=1e-12):
    for H in model.H_:
        np.testing.assert_allclose(H.sum(axis=1), 1.0, rtol=0, atol=tol)
        assert H.min() >= EPS
    for W in model.W_:
        assert W.min() >= EPS


@pytest.mark.parametrize("beta", BETAS)
def test_objective_non_increasing_every_block(beta):
    """Re-run Algorithm 1 block by block with the public updates and evaluate F after every
    single block update: it never increases (block MM)."""
    X = random_data(beta)
    init = MultilayerNMF([8, 4, 2], beta=beta, max_iter=20, tol=0, random_state=0).fit(X)
    W = [w.copy() for w in init.W_]
    H = [h.copy() for h in init.H_]
    lam = 1.0 / init.errors_
    F = [objective(X, W, H, lam, beta)]
    for _ in range(15):
        for l in range(3):
            Y = X if l == 0 else W[l - 1]
            H[l] = updates.mu_h(Y, W[l], H[l], beta, row_sums_one=True)
            F.append(objective(X, W, H, lam, beta))
            if l < 2:
                W[l] = updates.coupled_w(Y, W[l], H[l], W[l + 1] @ H[l + 1], lam[l + 1] / lam[l], beta)
            else:
                W[l] = updates.mu_w(Y, W[l], H[l], beta)
            F.append(objective(X, W, H, lam, beta))
    F = np.array(F)
    assert np.max(np.diff(F) / F[:-1]) <= 1e-12, f"F increased by {np.max(np.diff(F) / F[:-1]):.3g}"
    assert F[-1] < F[0]
    # and the estimator follows the same trajectory
    model = DeepNMF([8, 4, 2], beta=beta, init=(init.W_, init.H_), weights=lam, max_iter=15, tol=0).fit(X)
    np.testing.assert_allclose(model.loss_history_[-1, -1], F[-1], rtol=1e-10)


@pytest.mark.parametrize("beta", BETAS)
def test_estimator_objective_and_constraints(beta):
    X = random_data(beta, seed=1)
    model = DeepNMF([10, 5, 3], beta=beta, init_iter=30, max_iter=60, tol=0, random_state=0).fit(X)
    F = model.loss_history_[:, -1]
    assert model.loss_history_.shape == (61, 4)
    assert np.max(np.diff(F) / F[:-1]) <= 1e-12
    assert F[0] == pytest.approx(3.0)  # weights='auto': every term starts at one
    assert_constraints(model)
    # the recorded per-layer errors are the errors of the returned factors
    for l in range(3):
        Y = X if l == 0 else model.W_[l - 1]
        assert model.loss_history_[-1, l] == pytest.approx(
            deepnmf.beta_divergence(Y, (model.W_[l], model.H_[l]), beta), rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("beta", BETAS)
def test_cbcl_objective_non_increasing(beta):
    X = load_cbcl_faces().X
    model = DeepNMF([40, 20, 10], beta=beta, init_iter=20, max_iter=25, tol=0, n_threads=2).fit(X)
    F = model.loss_history_[:, -1]
    assert np.max(np.diff(F) / F[:-1]) <= 1e-12
    assert F[-1] < F[0]
    assert_constraints(model)


def test_auto_weights_refuse_an_initial_error_at_the_rounding_level():
    """A 3 × 1 matrix is fit exactly by its initialization, up to rounding: D = 5.7e-33 gave
    λ = 1.8e32 and F went 1, 0, 0, … (only an exact 0 was refused). Explicit weights fit it."""
    X = np.random.default_rng(1).uniform(0.1, 1, (3, 1))
    # The initial D is 5.66e-33 with AVX2 kernels and exactly 0 with AVX-512 ones: both refused.
    with pytest.raises(ValueError, match="above rounding at every layer; layer 1's is (5.66e-33|0) "):
        DeepNMF([1], max_iter=5, tol=0).fit(X)
    with pytest.raises(ValueError, match="above rounding"):
        MinVolDeepNMF([1], max_iter=5).fit(X)
    model = DeepNMF([1], weights=[1.0], max_iter=5, tol=0).fit(X)
    assert np.all(model.loss_history_[:, -1] < 1e-30)


def test_weights_whose_ratios_overflow_are_refused():
    """The coupled updates take λℓ+1/λℓ: [5e-324, 1] reached the core as lam = inf."""
    X = np.random.default_rng(2).uniform(0.1, 1, (8, 6))
    with pytest.raises(ValueError, match="span more than float64's range"):
        DeepNMF([3, 2], weights=[5e-324, 1], init_iter=2, max_iter=2).fit(X)
    with pytest.raises(ValueError, match="span more than float64's range"):
        MinVolDeepNMF([3, 2], weights=[5e-324, 1], init_iter=2, max_iter=2).fit(X)
    model = DeepNMF([3, 2], weights=[1e-300, 1], init_iter=2, max_iter=3, tol=0).fit(X)
    assert np.all(np.isfinite(model.loss_history_))


def test_extreme_weights_stay_finite_and_decrease():
    """λ = [1, 1e-3, 1e-6]: the KL W-update needs e^(a/λ) with a/λ ~ 1e6 — through ω it stays
    finite and W does not collapse to ε."""
    X = random_data(1.0, seed=2)
    model = DeepNMF([8, 4, 2], weights=[1, 1e-3, 1e-6], init_iter=30, max_iter=50, tol=0,
                    random_state=0).fit(X)
    F = model.loss_history_[:, -1]
    assert np.all(np.isfinite(model.loss_history_))
    assert np.max(np.diff(F) / F[:-1]) <= 1e-12
    assert_constraints(model)
    assert np.median(model.W_[0]) > 1e3 * EPS  # not collapsed to the floor


def test_tiny_w_bar_entries():
    X = random_data(1.0, seed=3)
    ml = MultilayerNMF([6, 3], max_iter=30, tol=0, random_state=0).fit(X)
    W = [w.copy() for w in ml.W_]
    H = [h.copy() for h in ml.H_]
    H[1][:, ::2] = 1e-300  # makes W̄ = W2 H2 tiny in those columns
    H[1] /= H[1].sum(axis=1, keepdims=True)
    model = DeepNMF([6, 3], init=(W, H), max_iter=30, tol=0).fit(X)
    assert np.all(np.isfinite(model.loss_history_))
    F = model.loss_history_[:, -1]
    assert np.max(np.diff(F[1:]) / F[1:-1]) <= 1e-12


def test_explicit_init_reproduces_exactly():
    X = random_data(1.0, seed=4)
    a = DeepNMF([6, 3], init_iter=20, max_iter=10, tol=0, random_state=5).fit(X)
    init = (a.init_model_.W_, a.init_model_.H_)
    b = DeepNMF([6, 3], init=init, max_iter=10, tol=0).fit(X)
    for x, y in zip(a.W_ + a.H_, b.W_ + b.H_):
        assert np.array_equal(x, y)
    assert np.array_equal(a.loss_history_, b.loss_history_)


def test_same_seed_same_threads_identical_and_threads_agree():
    X = random_data(1.0, m=300, n=260, seed=5)
    kw = dict(init_iter=10, max_iter=10, tol=0, random_state=3, layer_init="random")
    a = DeepNMF([12, 6], n_threads=2, **kw).fit(X)
    b = DeepNMF([12, 6], n_threads=2, **kw).fit(X)
    c = DeepNMF([12, 6], n_threads=1, **kw).fit(X)
    for x, y, z in zip(a.W_ + a.H_, b.W_ + b.H_, c.W_ + c.H_):
        assert np.array_equal(x, y)
        np.testing.assert_allclose(x, z, rtol=1e-10)


def test_features_and_reconstruction():
    X = random_data(1.0, seed=6)
    model = DeepNMF([6, 3], init_iter=10, max_iter=5, tol=0, random_state=0).fit(X)
    W1, W2 = model.W_
    H1, H2 = model.H_
    np.testing.assert_allclose(model.features(1), H1)
    np.testing.assert_allclose(model.features(2), H2 @ H1, rtol=1e-13)
    np.testing.assert_allclose(model.reconstruction(2), W2 @ H2 @ H1, rtol=1e-12)
    np.testing.assert_allclose(model.features(2).sum(axis=1), 1.0, atol=1e-12)  # stochastic rows
    with pytest.raises(ValueError, match="layer"):
        model.features(3)


def test_callback_can_stop():
    X = random_data(1.0, seed=7)
    seen = []

    def cb(model, it):
        seen.append((it, model.loss_history_.shape[0]))
        return it == 4

    model = DeepNMF([6, 3], init_iter=10, max_iter=50, tol=0, callback=cb).fit(X)
    assert model.n_iter_ == 4 and seen[-1] == (4, 5)


def test_verbose_prints_each_layer(capsys):
    X = random_data(1.0, seed=8)
    DeepNMF([6, 3], init_iter=5, max_iter=3, tol=0, verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "D1" in out and "D2" in out and "F" in out


def test_multilayer_rows_sum_to_one_and_products_kept():
    X = random_data(1.0, seed=9)
    ml = MultilayerNMF([8, 4, 2], max_iter=50, tol=0, random_state=0).fit(X)
    assert_constraints(ml)
    Ys = [X] + ml.W_[:-1]
    for Y, W, H, e in zip(Ys, ml.W_, ml.H_, ml.errors_):
        assert deepnmf.beta_divergence(Y, W @ H, 1.0) == pytest.approx(e, rel=1e-12)
    # normalization keeps the product: layer 1's error is that of a plain BetaNMF fit
    plain = deepnmf.BetaNMF(8, max_iter=50, tol=0, random_state=np.random.default_rng(0)).fit(X)
    assert ml.errors_[0] == pytest.approx(plain.loss_, rel=1e-10)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"ranks": []}, "empty"),
        ({"ranks": [0, 1]}, "positive"),
        ({"ranks": [500]}, "exceeds"),
        ({"ranks": [4, 2], "weights": [1.0]}, "weights"),
        ({"ranks": [4, 2], "weights": [1.0, -1.0]}, "weights"),
        ({"ranks": [4, 2], "init": "random"}, "init"),
    ],
)
def test_bad_parameters(kwargs, match):
    X = random_data(1.0, seed=10)
    with pytest.raises(ValueError, match=match):
        DeepNMF(**kwargs).fit(X)


def test_equal_ranks_warn_and_increasing_ranks_are_refused():
    X = random_data(1.0, seed=11)
    with pytest.warns(UserWarning, match="decreasing"):
        DeepNMF([3, 3], init_iter=3, max_iter=2, tol=0).fit(X)
    with pytest.raises(ValueError, match="cannot exceed the rank of the layer before it"):
        DeepNMF([3, 5], init_iter=3, max_iter=2, tol=0).fit(X)


def test_hoyer_sparsity():
    assert hoyer_sparsity([0, 0, 3, 0]) == pytest.approx(1.0)
    assert hoyer_sparsity([2, 2, 2, 2]) == pytest.approx(0.0)
    rows = hoyer_sparsity(np.array([[1, 0, 0], [1, 1, 1]]))
    np.testing.assert_allclose(rows, [1.0, 0.0], atol=1e-15)
    x = np.array([1.0, 2.0, 0.5, 0.0])
    n = 4
    assert hoyer_sparsity(x) == pytest.approx((np.sqrt(n) - x.sum() / np.linalg.norm(x)) / (np.sqrt(n) - 1))


def test_transform_training_rows_reproduces_the_fitted_codes():
    """KL with fixed Hℓ is convex in the W's: after a converged fit, transforming the training
    rows gives back every fitted Wℓ (to the fit's convergence), and new rows are encoded
    row by row (a row's code does not depend on the other rows)."""
    rng = np.random.default_rng(20)
    X = rng.uniform(0.1, 1, (25, 4)) @ rng.uniform(0.1, 1, (4, 30)) + 0.05 * rng.uniform(size=(25, 30))
    model = DeepNMF([4, 2], init_iter=300, max_iter=3000, tol=0, random_state=0).fit(X)
    Ws = model.transform_layers(X)
    for got, want in zip(Ws, model.W_):  # both sides are MU-converged only to ~1e-3
        np.testing.assert_allclose(got, want, rtol=2e-2, atol=1e-2 * want.max())
    np.testing.assert_allclose(model.transform(X[:5]), Ws[0][:5], rtol=1e-6)
    # the W-only problem is solved at least as well as the fit solved it
    assert -model.score(X) <= model.loss_history_[-1, -1] * (1 + 1e-4)


def test_multilayer_transform_and_score():
    rng = np.random.default_rng(21)
    X = rng.uniform(0.1, 1, (20, 3)) @ rng.uniform(0.1, 1, (3, 25))
    ml = MultilayerNMF([3, 2], max_iter=2000, tol=0).fit(X)
    Ws = ml.transform_layers(X)
    assert [w.shape for w in Ws] == [(20, 3), (20, 2)]
    assert ml.score(X) <= 0
    with pytest.raises(ValueError, match="features"):
        ml.transform(X[:, :5])


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    X = random_data(1.0, seed=22)
    DeepNMF([6, 3], init_iter=3, max_iter=4, tol=0, progress=True).fit(X)
    assert "DeepNMF" in capsys.readouterr().err


def test_top_features_labels():
    from deepnmf.metrics import top_features

    F = np.array([[0.1, 0.7, 0.2], [0.5, 0.0, 0.5]])
    assert top_features(F, ["a", "b", "c"], 2) == ["b c", "a c"]
    with pytest.raises(ValueError, match="one column per name"):
        top_features(F, ["a", "b"])


def test_inverse_transform_maps_codes_back_to_rows():
    X = random_data(1.0, seed=23)
    model = DeepNMF([6, 3], init_iter=20, max_iter=10, tol=0).fit(X)
    np.testing.assert_allclose(model.inverse_transform(model.W_[0]), model.reconstruction(1),
                               rtol=1e-12)
    np.testing.assert_allclose(model.inverse_transform(model.W_[1], layer=2),
                               model.reconstruction(2), rtol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        model.inverse_transform(model.W_[1])
