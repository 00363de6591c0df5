"""BetaNMF: guarantees of the algorithm, agreement with scikit-learn, the estimator API."""

import tracemalloc
import warnings

import numpy as np
import pytest

import deepnmf
from deepnmf import BetaNMF, ConvergenceWarning
from deepnmf.datasets import load_cbcl_faces

BETAS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]


@pytest.fixture(scope="module")
def cbcl():
    return load_cbcl_faces(transpose=False).X  # 361 x 2429, values in (0, 1]


def assert_non_increasing(losses, rel=1e-12):
    losses = np.asarray(losses)
    steps = np.diff(losses)
    worst = np.max(steps / np.abs(losses[:-1]))
    assert worst <= rel, f"loss increased by {worst:.3g} (relative)"


@pytest.mark.parametrize("beta", BETAS)
def test_loss_non_increasing_random(beta):
    rng = np.random.default_rng(0)
    X = rng.gamma(1.0, 1.0, size=(60, 80))
    if beta > 0:
        X[rng.random(X.shape) < 0.2] = 0  # exact zeros where the divergence allows them
    model = BetaNMF(6, beta=beta, init="random", max_iter=200, tol=0, random_state=0,
                    loss_every=1).fit(X)
    assert len(model.loss_history_) == 201
    np.testing.assert_array_equal(model.loss_iterations_, np.arange(201))
    assert_non_increasing(model.loss_history_)
    assert model.loss_history_[-1] < model.loss_history_[0]
    assert model.W_.min() >= np.finfo(float).eps and model.H_.min() >= np.finfo(float).eps


@pytest.mark.slow
@pytest.mark.parametrize("beta", BETAS)
def test_loss_non_increasing_cbcl(cbcl, beta):
    model = BetaNMF(20, beta=beta, init="nndsvda", max_iter=200, tol=0, n_threads=2).fit(cbcl)
    assert_non_increasing(model.loss_history_)
    assert model.loss_ == pytest.approx(deepnmf.beta_divergence(cbcl, model.W_ @ model.H_, beta), rel=1e-12)


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0])
def test_same_trajectory_as_scikit_learn(cbcl, beta):
    """From the same initial factors, scikit-learn's MU (W then H per iteration) gives the same
    losses to 1e-6 relative. Epsilon conventions differ, and do not bind on this data:
    scikit-learn floors W H at float32's eps (1.2e-7) before negative powers and zeroes factor
    entries below float64's eps for β ≤ 1, where deepnmf floors factors at ε = 2.2e-16 (paper
    Section 3.2.1) and W H at ε² (inactive for floored factors). On CBCL W H stays far above
    1.2e-7 and no entry reaches 2.2e-16 in these iterations, so the two coincide."""
    sklearn_nmf = pytest.importorskip("sklearn.decomposition")
    X = cbcl[:, :600].copy()
    rng = np.random.default_rng(1)
    r = 12
    W0 = rng.uniform(0.05, 0.5, size=(X.shape[0], r))
    H0 = rng.uniform(0.05, 0.5, size=(r, X.shape[1]))
    ours = BetaNMF(r, beta=beta, init="custom", max_iter=40, tol=0, loss_every=1).fit(X, W=W0, H=H0)
    for k in (1, 5, 20, 40):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            W, H, _ = sklearn_nmf.non_negative_factorization(
                X, W=W0.copy(), H=H0.copy(), n_components=r, init="custom", solver="mu",
                beta_loss=beta, max_iter=k, tol=0)
        theirs = deepnmf.beta_divergence(X, W @ H, beta)
        assert ours.loss_history_[k] == pytest.approx(theirs, rel=1e-6)


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_float32_stays_float32_and_agrees(beta):
    rng = np.random.default_rng(3)
    X = rng.uniform(0.0, 1.0, size=(50, 70))
    m64 = BetaNMF(5, beta=beta, init="nndsvda", max_iter=30, tol=0).fit(X)
    m32 = BetaNMF(5, beta=beta, init="nndsvda", max_iter=30, tol=0).fit(X.astype(np.float32))
    assert m32.W_.dtype == np.float32 and m32.components_.dtype == np.float32
    assert m32.transform(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(m32.loss_history_, m64.loss_history_, rtol=1e-4)


def test_threads_1_and_2_agree(cbcl):
    a = BetaNMF(10, max_iter=20, tol=0, n_threads=1).fit(cbcl)
    b = BetaNMF(10, max_iter=20, tol=0, n_threads=2).fit(cbcl)
    np.testing.assert_allclose(a.W_, b.W_, rtol=1e-12)
    np.testing.assert_allclose(a.H_, b.H_, rtol=1e-12)
    np.testing.assert_allclose(a.loss_history_, b.loss_history_, rtol=1e-12)


def test_same_seed_same_result():
    X = np.random.default_rng(0).uniform(size=(30, 40))
    a = BetaNMF(4, init="random", random_state=7, max_iter=10, tol=0).fit(X)
    b = BetaNMF(4, init="random", random_state=7, max_iter=10, tol=0).fit(X)
    assert np.array_equal(a.W_, b.W_) and np.array_equal(a.H_, b.H_)


def test_no_copy_of_c_contiguous_input():
    """Fitting allocates no NumPy array the size of X (tracemalloc sees NumPy's allocations);
    the validated array is X itself."""
    from deepnmf._engine.validation import check_data

    X = np.random.default_rng(0).uniform(0.1, 1.0, size=(1500, 1200))
    assert check_data(X, 1.0) is X
    tracemalloc.start()
    BetaNMF(5, init="random", random_state=0, max_iter=3, tol=0).fit(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, f"peak Python-side allocation {peak} vs X {X.nbytes}"


def test_caller_data_untouched_for_fortran_and_readonly():
    X = np.asfortranarray(np.random.default_rng(0).uniform(size=(20, 30)))
    X.flags.writeable = False
    X0 = X.copy()
    BetaNMF(3, max_iter=5, tol=0).fit(X)
    assert np.array_equal(X, X0)


def test_convergence_stop_and_warning():
    X = np.random.default_rng(0).uniform(size=(30, 40))
    m = BetaNMF(3, max_iter=2000, tol=1e-3).fit(X)
    assert m.n_iter_ < 2000
    with pytest.warns(ConvergenceWarning):
        BetaNMF(3, max_iter=3, tol=1e-12).fit(X)


def test_transform_fits_new_rows_as_well_as_training():
    """With H fixed, the W-updates on the training rows reach the training fit's quality."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 1, (40, 3)) @ rng.uniform(0.1, 1, (3, 50)) + 0.01 * rng.uniform(size=(40, 50))
    m = BetaNMF(3, max_iter=500, tol=0).fit(X)
    W_new = m.transform(X)
    assert W_new.shape == (40, 3)
    fit_loss = deepnmf.beta_divergence(X, m.W_ @ m.H_, 1.0)
    new_loss = deepnmf.beta_divergence(X, m.inverse_transform(W_new), 1.0)
    assert new_loss <= 1.05 * fit_loss


def test_params_api():
    m = BetaNMF(5, beta="itakura-saito", random_state=3)
    params = m.get_params()
    assert params["n_components"] == 5 and params["beta"] == "itakura-saito"
    m.set_params(n_components=7)
    assert m.n_components == 7
    assert "n_components=7" in repr(m)
    with pytest.raises(ValueError, match="(?i)invalid parameter"):
        m.set_params(bogus=1)


@pytest.mark.parametrize("init", ["random", "nndsvd", "nndsvda", "nndsvdar"])
def test_inits(init):
    X = np.random.default_rng(0).uniform(size=(40, 60))
    m = BetaNMF(4, init=init, random_state=0, max_iter=50, tol=0).fit(X)
    assert_non_increasing(m.loss_history_)
    assert m.loss_history_[-1] < m.loss_history_[0]


def test_nndsvd_is_a_good_start():
    """NNDSVD starts near the truncated SVD: far better than random on low-rank data."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 1, (60, 4)) @ rng.uniform(0.1, 1, (4, 50))
    svd = BetaNMF(4, beta=2, init="nndsvd", max_iter=1, tol=0).fit(X).loss_history_[0]
    rnd = BetaNMF(4, beta=2, init="random", random_state=0, max_iter=1, tol=0).fit(X).loss_history_[0]
    assert svd < 0.1 * rnd


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"n_components": 0}, "positive integer"),
        ({"n_components": 2.5}, "positive integer"),
        ({"n_components": 2, "beta": "hellinger"}, "not understood"),
        ({"n_components": 2, "init": "magic"}, "init"),
        ({"n_components": 2, "max_iter": 0}, "max_iter"),
        ({"n_components": 2, "tol": -1}, "tol"),
        ({"n_components": 2, "n_threads": 0}, "n_threads"),
    ],
)
def test_bad_parameters(kwargs, match):
    X = np.ones((5, 6))
    with pytest.raises(ValueError, match=match):
        BetaNMF(**kwargs).fit(X)


@pytest.mark.parametrize(
    "X,match",
    [
        (-np.ones((3, 3)), "negative"),
        (np.full((3, 3), np.nan), "NaN"),
        (np.ones(5), "2-D"),
        (np.ones((0, 3)), "empty"),
        (np.ones((3, 3), dtype=complex), "real"),
    ],
)
def test_bad_data(X, match):
    with pytest.raises(ValueError, match=match):
        BetaNMF(2).fit(X)


def test_zeros_with_itakura_saito_rejected():
    X = np.ones((4, 4))
    X[0, 0] = 0
    with pytest.raises(ValueError, match="infinite"):
        BetaNMF(2, beta=0).fit(X)


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    X = np.random.default_rng(50).uniform(size=(20, 15))
    BetaNMF(3, max_iter=5, tol=0, progress=True).fit(X)
    assert "BetaNMF" in capsys.readouterr().err


def test_loss_every_k_records_the_same_losses_and_stops_soundly():
    """Evaluating the loss every k iterations changes nothing but what is recorded: the same
    factors, the loss at iterations 0, k, 2k, … and the end equal to the every-iteration
    history there; the stopping rule compares losses ≥ 10 iterations apart, as before."""
    X = np.random.default_rng(60).uniform(0.1, 1, (40, 30))
    every = BetaNMF(4, max_iter=57, tol=0, loss_every=1).fit(X)
    sparse = BetaNMF(4, max_iter=57, tol=0, loss_every=10).fit(X)
    np.testing.assert_array_equal(sparse.W_, every.W_)
    np.testing.assert_array_equal(sparse.loss_iterations_, [0, 10, 20, 30, 40, 50, 57])
    np.testing.assert_allclose(sparse.loss_history_, every.loss_history_[sparse.loss_iterations_],
                               rtol=1e-14)
    tol = 1e-5
    b = BetaNMF(4, max_iter=5000, tol=tol, loss_every=10).fit(X)
    assert b.n_iter_ < 5000 and (b.n_iter_ - 1) % 10 == 0
    full = BetaNMF(4, max_iter=b.n_iter_, tol=0, loss_every=1).fit(X).loss_history_
    # b stopped at the first multiple of 10 where the loss fell by ≤ tol over 10 iterations
    stops = [d for d in range(10, b.n_iter_, 10) if full[d - 10] - full[d] <= tol * full[d - 10]]
    assert stops == [b.n_iter_ - 1]
    with pytest.raises(ValueError, match="loss_every"):
        BetaNMF(4, loss_every=0).fit(X)


def test_callback_sees_the_iterate_and_can_stop():
    X = np.random.default_rng(61).uniform(0.1, 1, (30, 20))
    seen = []

    def cb(model, it):
        seen.append((it, deepnmf.beta_divergence(X, (model.W_, model.H_), 1.0)))
        return it == 7

    m = BetaNMF(3, max_iter=100, tol=0, callback=cb, loss_every=1).fit(X)
    assert m.n_iter_ == 7 and [it for it, _ in seen] == list(range(1, 8))
    losses = [d for _, d in seen]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(losses, losses[1:]))  # MU is monotone
    assert losses[-1] == pytest.approx(m.loss_, rel=1e-12)
