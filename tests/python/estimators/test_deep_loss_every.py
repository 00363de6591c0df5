"""DeepNMF(loss_every=k): the record thins out, the iterates and the stopping rule stay sound."""

import warnings

import numpy as np
import pytest

import deepnmf
from deepnmf import DeepNMF, MultilayerNMF


def data(m=60, n=45, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.gamma(1.5, 1.0, size=(m, n))
    X[rng.random(X.shape) < 0.2] = 0.0
    return X


@pytest.fixture(scope="module")
def start():
    X = data()
    init = MultilayerNMF([8, 4, 2], max_iter=20, tol=0, random_state=0).fit(X)
    return X, (init.W_, init.H_), 1.0 / init.errors_


def fit(start, **kw):
    X, init, lam = start
    return DeepNMF([8, 4, 2], init=init, weights=lam, **kw).fit(X)


def direct_errors(X, model):
    Ys = [X] + model.W_[:-1]
    return [deepnmf.beta_divergence(Y, (W, H), 1.0) for Y, W, H in zip(Ys, model.W_, model.H_)]


@pytest.mark.parametrize("every", [2, 7, 23, 40])
def test_same_iterates_and_rows_at_the_recorded_iterations(start, every):
    full = fit(start, max_iter=23, tol=0, n_threads=2)
    thin = fit(start, max_iter=23, tol=0, n_threads=2, loss_every=every)
    for a, b in zip(full.W_ + full.H_, thin.W_ + thin.H_):
        assert np.array_equal(a, b)
    expected_at = sorted(set(range(0, 24, every)) | {23})
    np.testing.assert_array_equal(thin.loss_iterations_, expected_at)
    np.testing.assert_array_equal(full.loss_iterations_, np.arange(24))
    assert thin.n_iter_ == full.n_iter_ == 23
    # the same errors as recorded every iteration, and as evaluated directly at the end
    np.testing.assert_allclose(thin.loss_history_, full.loss_history_[expected_at], rtol=1e-12)
    np.testing.assert_allclose(thin.loss_history_[-1, :-1], direct_errors(start[0], thin),
                               rtol=1e-12)
    F = thin.objective_history_
    assert np.all(np.diff(F) <= 1e-12 * F[:-1])


@pytest.mark.parametrize("every", [1, 3, 10, 25])
def test_stops_only_when_the_objective_stagnated(start, every):
    tol = 1e-3
    trajectory = fit(start, max_iter=400, tol=0).objective_history_  # F after every iteration
    model = fit(start, max_iter=400, tol=tol, loss_every=every)
    n = model.n_iter_
    assert n < 400, "the test data should stagnate well before max_iter"
    window = max(10, every)
    at, F = model.loss_iterations_, model.objective_history_
    np.testing.assert_allclose(F, trajectory[at], rtol=1e-12)

    def rule_holds(i):  # F fell by less than tol (relative) over at least `window` iterations
        earlier = [k for k in range(i) if at[k] <= at[i] - window]
        return bool(earlier) and F[earlier[-1]] - F[i] <= tol * F[earlier[-1]]

    # Layer 1's error of iteration k is known during iteration k + 1: the rule is decided on
    # the row of k, which completes then, and the fit ends after iteration k + 1.
    assert n == at[-2] + 1 and at[-2] % every == 0
    assert rule_holds(len(at) - 2)
    assert not any(rule_holds(i) for i in range(1, len(at) - 2))


def test_verbose_iterations_are_recorded_and_printed(start, capsys):
    model = fit(start, max_iter=20, tol=0, loss_every=10, verbose=3)
    expected = sorted(set(range(0, 21, 3)) | set(range(0, 21, 10)) | {20})
    np.testing.assert_array_equal(model.loss_iterations_, expected)
    printed = [int(line.split()[2]) for line in capsys.readouterr().out.splitlines()
               if line.startswith("DeepNMF iter")]
    assert printed == list(range(0, 20, 3)) + [20]  # and the last iteration, marked (last)


def test_callback_sees_the_record_so_far(start):
    seen = []

    def cb(model, it):
        seen.append((it, model.loss_iterations_.copy(), model.loss_history_.copy()))
        return it == 12

    model = fit(start, max_iter=50, tol=0, loss_every=5, callback=cb)
    assert model.n_iter_ == 12
    for it, at, hist in seen:
        assert at[-1] == it - it % 5  # this iteration's errors when it is recorded
        assert hist.shape == (len(at), 4) and np.all(np.isfinite(hist))
    np.testing.assert_array_equal(model.loss_iterations_, [0, 5, 10, 12])
    full = fit(start, max_iter=12, tol=0)
    np.testing.assert_allclose(model.loss_history_, full.loss_history_[[0, 5, 10, 12]],
                               rtol=1e-12)


def test_max_iter_warning_uses_the_thinned_record(start):
    with pytest.warns(deepnmf.ConvergenceWarning):
        fit(start, max_iter=15, tol=1e-12, loss_every=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(start, max_iter=15, tol=0, loss_every=4)  # tol = 0: no stopping rule, no warning


def test_float32_and_sparse_input(start):
    import scipy.sparse as sp

    X, init, lam = start
    for Y in (X.astype(np.float32), sp.csr_matrix(X)):
        cast = ([w.astype(Y.dtype) for w in init[0]], [h.astype(Y.dtype) for h in init[1]])
        a = DeepNMF([8, 4, 2], init=cast, weights=lam, max_iter=9, tol=0).fit(Y)
        b = DeepNMF([8, 4, 2], init=cast, weights=lam, max_iter=9, tol=0, loss_every=4).fit(Y)
        for x, y in zip(a.W_ + a.H_, b.W_ + b.H_):
            assert np.array_equal(x, y)
        np.testing.assert_allclose(b.loss_history_, a.loss_history_[[0, 4, 8, 9]], rtol=1e-6)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10", None])
def test_bad_loss_every(start, bad):
    with pytest.raises(ValueError, match="loss_every"):
        fit(start, max_iter=3, loss_every=bad)


def test_saved_and_loaded(start, tmp_path):
    model = fit(start, max_iter=12, tol=0, loss_every=5)
    back = deepnmf.load(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(back.loss_iterations_, [0, 5, 10, 12])
    np.testing.assert_array_equal(back.loss_history_, model.loss_history_)
    assert back.get_params()["loss_every"] == 5


@pytest.mark.parametrize("every", [1, 10])
def test_stopping_on_the_last_allowed_iteration_does_not_warn(start, every):
    n = fit(start, max_iter=400, tol=1e-3, loss_every=every).n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = fit(start, max_iter=n, tol=1e-3, loss_every=every)
    assert model.n_iter_ == n
