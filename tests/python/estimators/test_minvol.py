"""Minimum-volume deep KL-NMF (model (7)), the estimator: the constraints after every block
update, the float32 floor, the callback and the shifted stopping test, and the monotone
objective on the paper's data sets (the W-step kernels: kernels/test_minvol_wstep.py)."""

import numpy as np
import pytest
from _support.oracles.minvol import small

import deepnmf
from deepnmf import MinVolDeepNMF, datasets

EPS = np.finfo(float).eps


def column_sums_ok(model, tol=1e-12):
    for W in model.W_:
        np.testing.assert_allclose(W.sum(axis=0), 1.0, rtol=0, atol=tol)
        assert W.min() >= EPS
    for H in model.H_:
        assert H.min() >= EPS


@pytest.mark.parametrize("solver", ["exact", "admm"])
def test_column_sums_after_every_block_update(solver):
    rng = np.random.default_rng(13)
    X = rng.gamma(1.0, 1.0, size=(40, 60))
    seen = []

    def cb(model, it):
        for W in model.W_:
            seen.append(np.abs(W.sum(axis=0) - 1).max())
        return False

    model = MinVolDeepNMF([5, 3], alpha_tilde=0.2, w_solver=solver, init_iter=20, max_iter=15,
                          callback=cb, random_state=0).fit(X)
    column_sums_ok(model)
    assert max(seen) <= 1e-12
    F = model.loss_history_[:, -1]
    assert np.all(np.diff(F) <= 1e-12 * np.abs(F[:-1]))
    assert model.volume_history_.shape == (16, 2)
    np.testing.assert_allclose(F, model.loss_history_[:, :2] @ model.weights_ + model.volume_history_ @ model.alpha_)


@pytest.mark.parametrize("solver", ["exact", "admm"])
def test_float32_factors_stay_above_the_float32_floor(solver):
    """The W-steps solve in double; their columns were floored at float64's ε, so a float32 W
    kept entries down to 2.2e-16 (these 4 of the 40 fits of seeds 0 … 39). The floor is the
    factor's dtype's."""
    eps32 = np.finfo(np.float32).eps
    for seed in (3, 15, 22, 26):
        rng = np.random.default_rng(seed)
        X = (rng.uniform(0, 1, (30, 20)) ** 4).astype(np.float32)
        X[rng.random(X.shape) < 0.3] = 0
        model = MinVolDeepNMF([5, 2], w_solver=solver, max_iter=20, init_iter=20,
                              random_state=seed).fit(X)
        for W, H in zip(model.W_, model.H_):
            assert W.dtype == np.float32 and W.min() >= eps32 and H.min() >= eps32, seed
            np.testing.assert_allclose(W.sum(axis=0), 1, rtol=1e-5)


@pytest.mark.parametrize("solver", ["exact", "admm"])
def test_a_huge_volume_weight_keeps_the_columns_on_the_simplex(solver):
    """α = 1e200: the W-step's b² overflowed, every entry of a column went to the floor and the
    column summed to 30 ε; the objective then fell by dropping the constraint."""
    X = np.random.default_rng(0).uniform(0.1, 1, (30, 20))
    model = MinVolDeepNMF([4, 2], alpha=[1e200] * 2, w_solver=solver, max_iter=5, init_iter=10,
                          random_state=0).fit(X)
    column_sums_ok(model)
    F = model.loss_history_[:, -1]
    assert np.all(np.diff(F) <= 1e-12 * np.abs(F[:-1]))


def test_callback_sees_the_record_so_far_and_the_stop_is_the_shifted_test():
    """The histories are arrays only when asked for (each callback, the end of the fit), not
    rebuilt every iteration; a callback sees one row per iteration so far. The fit stops at
    the first iteration whose shifted F (F − min F + |F₀|) fell by at most tol over 10."""
    X = np.random.default_rng(15).gamma(1.0, 1.0, size=(30, 40))
    rows = []

    def cb(model, it):
        rows.append((it, model.n_iter_, model.loss_history_.shape[0],
                     model.volume_history_.shape[0], model.admm_iterations_.shape[0]))
        return False

    tol = 1e-3
    m = MinVolDeepNMF([4, 2], init_iter=10, max_iter=500, tol=tol, callback=cb,
                      random_state=0).fit(X)
    assert rows == [(it, it, it + 1, it + 1, it) for it in range(1, m.n_iter_ + 1)]
    assert 10 < m.n_iter_ < 500
    F = m.loss_history_[:, -1]

    def stagnated_at(t):  # the test after iteration t, with min F over iterations 0..t
        shifted = F[: t + 1] - F[: t + 1].min() + abs(F[0])
        return shifted[t - 10] - shifted[t] <= tol * abs(shifted[t - 10])

    assert stagnated_at(m.n_iter_)
    assert not any(stagnated_at(t) for t in range(10, m.n_iter_))


def test_alpha_tilde_sets_the_initial_ratio():
    X = np.random.default_rng(14).gamma(1.0, 1.0, size=(30, 50))
    m = MinVolDeepNMF([4, 2], alpha_tilde=[0.5, 2.0], init_iter=10, max_iter=1).fit(X)
    ratio = m.alpha_ * np.abs(m.volume_history_[0]) / (m.weights_ * m.loss_history_[0, :2])
    np.testing.assert_allclose(ratio, [0.5, 2.0], rtol=1e-12)


PAPER = {"tumor": ([3, 2], [2.5e-5, 1e-2], 200), "moffett": ([4, 2], [4.0, 1.0], 300)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tumor", "moffett"])
@pytest.mark.parametrize("solver", ["exact", "admm"])
def test_objective_decreases_on_paper_data(name, solver):
    ranks, at, iters = PAPER[name]
    X = datasets.load_hyperspectral(name).X
    m = MinVolDeepNMF(ranks, alpha_tilde=at, w_solver=solver, rho=100.0, admm_tol=1e-6,
                      admm_max_iter=200, init_iter=100, max_iter=iters, random_state=0,
                      n_threads=2).fit(X)
    F = m.loss_history_[:, -1]
    largest = np.max(np.diff(F))
    print(f"{name} {solver}: largest step of F {largest:+.3g} (F {F[0]:.4f} -> {F[-1]:.4f}), "
          f"rejected ADMM results {m.admm_rejected_}")
    assert largest <= 0.0
    column_sums_ok(m)


def test_bad_parameters():
    X = np.ones((10, 12)) + np.arange(12)
    for kw, match in [({"delta": 0}, "delta"), ({"rho": -1}, "rho"), ({"w_solver": "x"}, "w_solver"),
                      ({"alpha": [-1, 1]}, "alpha"), ({"alpha_tilde": [1, 2, 3]}, "alpha_tilde")]:
        with pytest.raises(ValueError, match=match):
            MinVolDeepNMF([3, 2], init_iter=2, max_iter=1, **kw).fit(X)
    assert deepnmf.MinVolDeepNMF in (deepnmf.MinVolDeepNMF,)


def test_transform_codes_new_rows_by_the_data_terms():
    """transform minimizes Σ λℓ D(W_{ℓ−1}, Wℓ Hℓ) over the W's of the given rows (volume and
    column sums are properties of the training basis): on the training rows it reaches a data
    objective no larger than the fitted W's, rows are coded independently, and the codes of
    training rows stay close to the fitted ones."""
    rng = np.random.default_rng(40)
    X = rng.uniform(0.1, 1, (30, 4)) @ rng.uniform(0.1, 1, (4, 25)) + 0.05 * rng.uniform(size=(30, 25))
    model = MinVolDeepNMF([4, 2], alpha_tilde=0.05, init_iter=200, max_iter=200,
                          random_state=0).fit(X)
    model.set_params(max_iter=2000, tol=1e-10)
    Ws = model.transform_layers(X)
    assert [w.shape for w in Ws] == [(30, 4), (30, 2)]
    assert all(w.min() >= EPS for w in Ws)
    fitted_data_terms = float(model.loss_history_[-1, :2] @ model.weights_)
    assert -model.score(X) <= fitted_data_terms * (1 + 1e-9)
    np.testing.assert_allclose(model.transform(X[:7]), Ws[0][:7], rtol=1e-6)
    rel = np.linalg.norm(Ws[0] - model.W_[0]) / np.linalg.norm(model.W_[0])
    assert rel < 0.2, rel
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:, :3])


def test_progress_bar_minvol(capsys):
    pytest.importorskip("tqdm")
    Y, _, _ = small(41, m=12, n=10)
    MinVolDeepNMF([3, 2], init_iter=3, max_iter=3, progress=True).fit(Y)
    err = capsys.readouterr().err
    assert "MinVolDeepNMF" in err and "MultilayerNMF layer 1" in err  # the init's layers too
