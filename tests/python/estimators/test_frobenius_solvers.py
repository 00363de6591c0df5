"""BetaNMF's Frobenius solvers (β = 2): scikit-learn's coordinate descent from the same start,
the guarantees of each solver, the elastic net, the stopping rules, sparse data and bad input
(spec frobenius-solvers.md §5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _support.oracles.frobenius import kkt_residual, objective_ref

import deepnmf
from deepnmf import BetaNMF, MultilayerNMF

sklearn = pytest.importorskip("sklearn")
from sklearn.decomposition import non_negative_factorization  # noqa: E402

MONOTONE = [("hals", {}), ("hals", {"inner_iter": "auto"}), ("cd", {}), ("anls", {}),
            ("pg", {}), ("pg", {"inner_iter": 3}), ("ipg", {}), ("ipg", {"ipg_step": "global"}),
            ("mu", {"alpha_W": 0.001, "l1_ratio": 0.5})]
MONO_IDS = ["hals", "hals-auto", "cd", "anls", "pg", "pg-3", "ipg", "ipg-global", "mu-penalty"]


def data(m=50, n=40, seed=0, density=None):
    rng = np.random.default_rng(seed)
    X = rng.random((m, n))
    if density is not None:
        X = sp.csr_matrix(X * (rng.random((m, n)) < density))
    return X


def start(m=50, n=40, r=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((m, r)), rng.random((r, n))


def sklearn_cd(X, W0, H0, k, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W, H, _ = non_negative_factorization(X, W0.copy(), H0.copy(), n_components=W0.shape[1],
                                             init="custom", solver="cd", tol=0, max_iter=k,
                                             shuffle=False, **kw)
    return W, H


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("alpha,rho", [(0.0, 0.0), (0.002, 0.0), (0.002, 0.5), (0.002, 1.0)])
@pytest.mark.parametrize("k", [1, 4, 10])
def test_hals_equals_sklearn_cd_from_the_same_start(sparse, alpha, rho, k):
    X = data(density=0.8 if sparse else None)
    W0, H0 = start()
    Ws, Hs = sklearn_cd(X, W0, H0, k, alpha_W=alpha, l1_ratio=rho)
    with warnings.catch_warnings():  # an L1 term may kill a component in both fits
        warnings.simplefilter("ignore", RuntimeWarning)
        model = BetaNMF(5, beta=2, solver="cd", init="custom", max_iter=k, tol=0, alpha_W=alpha,
                        l1_ratio=rho).fit(X, W=W0, H=H0)
    assert model.n_resets_ == 0  # no component vanished (see the next test where one does)
    np.testing.assert_allclose(model.W_, Ws, rtol=1e-12, atol=1e-12 * np.abs(Ws).max())
    np.testing.assert_allclose(model.H_, Hs, rtol=1e-12, atol=1e-12 * np.abs(Hs).max())


def test_where_sklearn_lets_a_component_die_hals_revives_it():
    """scikit-learn skips a component whose Gram entry is 0 for good; deepnmf restarts it at
    ε·max (spec §1), so the fits part there — and only there."""
    X = data(density=0.5)
    W0, H0 = start()
    Ws, Hs = sklearn_cd(X, W0, H0, 1)
    dead = ~Ws.any(axis=0)
    assert dead.any()
    model = BetaNMF(5, beta=2, solver="cd", init="custom", max_iter=1, tol=0).fit(X, W=W0, H=H0)
    assert model.n_resets_ == int(dead.sum())
    np.testing.assert_allclose(model.W_[:, ~dead], Ws[:, ~dead], rtol=1e-12)
    assert model.W_[:, dead].all()


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_hals_equals_sklearn_cd_in_float32(sparse):
    X = data(density=0.8 if sparse else None).astype(np.float32)
    W0, H0 = (a.astype(np.float32) for a in start())
    Ws, Hs = sklearn_cd(X, W0, H0, 5, alpha_W=0.002, l1_ratio=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = BetaNMF(5, beta=2, solver="hals", init="custom", max_iter=5, tol=0,
                        alpha_W=0.002, l1_ratio=0.5).fit(X, W=W0, H=H0)
    assert model.W_.dtype == np.float32
    np.testing.assert_allclose(model.W_, Ws, rtol=1e-4, atol=1e-4 * np.abs(Ws).max())
    np.testing.assert_allclose(model.H_, Hs, rtol=1e-4, atol=1e-4 * np.abs(Hs).max())


@pytest.mark.parametrize("solver,kw", MONOTONE, ids=MONO_IDS)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("alpha", [0.0, 0.005])
def test_the_objective_never_increases(solver, kw, sparse, alpha):
    X = data(density=0.4 if sparse else None)
    kw = {"alpha_W": alpha, "l1_ratio": 0.3, **kw}
    model = BetaNMF(5, beta=2, solver=solver, max_iter=40, tol=0, loss_every=1,
                    random_state=0, **kw).fit(X)
    F = model.loss_history_
    assert len(F) == 41
    assert np.all(np.diff(F) <= 1e-12 * F[0]), np.diff(F).max()
    assert np.all(model.W_ >= 0) and np.all(model.H_ >= 0)
    # the record is the objective (F8) of the factors the model holds
    Xd = X.toarray() if sparse else X
    m, n = Xd.shape
    a = model.alpha_W
    ref = objective_ref(Xd, model.W_, model.H_, n * a * kw["l1_ratio"], n * a * (1 - kw["l1_ratio"]),
                        m * a * kw["l1_ratio"], m * a * (1 - kw["l1_ratio"]))
    np.testing.assert_allclose(model.loss_, ref, rtol=1e-10)


def test_als_may_increase_the_loss_and_keeps_its_best_iterate():
    X = data(seed=4)
    model = BetaNMF(8, beta=2, solver="als", max_iter=30, tol=0, loss_every=1,
                    random_state=0).fit(X)
    # the model's factors are the best iterate visited, and loss_ is their objective
    np.testing.assert_allclose(model.loss_, objective_ref(X, model.W_, model.H_), rtol=1e-10)
    assert model.loss_ <= model.loss_history_[1:].min() * (1 + 1e-12)


def test_penalties_make_the_factors_sparse_and_small():
    X = data(m=80, n=60, seed=5)
    plain = BetaNMF(6, beta=2, solver="hals", max_iter=100, tol=0, random_state=0).fit(X)
    l1 = BetaNMF(6, beta=2, solver="hals", max_iter=100, tol=0, random_state=0,
                 alpha_W=0.002, l1_ratio=1.0).fit(X)
    l2 = BetaNMF(6, beta=2, solver="hals", max_iter=100, tol=0, random_state=0,
                 alpha_W=0.02, l1_ratio=0.0).fit(X)
    zeros = lambda m: int((m.W_ == 0).sum() + (m.H_ == 0).sum())  # noqa: E731
    assert zeros(l1) > zeros(plain)
    norm = lambda m: np.sum(m.W_**2) + np.sum(m.H_**2)  # noqa: E731
    assert norm(l2) < norm(plain)


def test_an_l1_penalty_beyond_every_cross_product_zeroes_h_without_a_reset():
    X = data()
    W0, H0 = start()
    # λ₁ᴴ = m·α > max(Wᵀ X): the H-block returns 0
    alpha = 2 * float((W0.T @ X).max()) / X.shape[0]
    with pytest.warns(RuntimeWarning, match="driven to zero"):
        model = BetaNMF(5, beta=2, solver="hals", init="custom", max_iter=1, tol=0,
                        alpha_W=0.0, alpha_H=alpha, l1_ratio=1.0).fit(X, W=W0, H=H0)
    assert not model.H_.any() and model.n_resets_ == 0


def test_accelerated_hals_reaches_hals_in_fewer_iterations():
    X = data(m=200, n=60, seed=6)
    slow = BetaNMF(8, beta=2, solver="hals", max_iter=150, tol=0, random_state=0).fit(X)
    fast = BetaNMF(8, beta=2, solver="hals", inner_iter="auto", max_iter=60, tol=0,
                   random_state=0).fit(X)
    assert fast.loss_ <= slow.loss_ * (1 + 1e-9)
    assert fast.n_inner_.shape == (60, 2) and fast.n_inner_.max() > 1


def test_stop_on_the_projected_gradient():
    X = data()
    model = BetaNMF(5, beta=2, solver="hals", stop="pgrad", tol=1e-3, max_iter=5000,
                    random_state=0).fit(X)
    assert model.n_iter_ < 5000
    assert model.pgrad_history_[-1] <= 1e-3 < model.pgrad_history_[-2]
    assert model.pgrad_history_[0] == 1.0


def test_transform_is_the_exact_nnls_of_new_rows():
    X = data(seed=7)
    model = BetaNMF(5, beta=2, solver="anls", max_iter=50, tol=0, random_state=0).fit(X[:40])
    Y = X[40:]
    W = model.transform(Y)
    H = model.components_
    assert kkt_residual(H.T, W.T, Y.T) < 1e-9
    np.testing.assert_allclose(W, deepnmf.nnls(H.T, Y.T).T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.score(Y), -0.5 * np.sum((Y - W @ H) ** 2), rtol=1e-10)
    Ys = sp.csr_matrix(Y * (Y > 0.5))
    np.testing.assert_allclose(model.score(Ys), -0.5 * np.sum((Ys.toarray() - model.transform(Ys) @ H) ** 2),
                               rtol=1e-10)


@pytest.mark.parametrize("solver", ["hals", "anls", "pg", "ipg"])
def test_dense_and_sparse_data_give_the_same_fit(solver):
    X = data(density=0.5)
    kw = dict(beta=2, solver=solver, max_iter=10, tol=0, random_state=0, init="random")
    a = BetaNMF(4, **kw).fit(X)
    b = BetaNMF(4, **kw).fit(X.toarray())
    np.testing.assert_allclose(a.W_, b.W_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.loss_history_, b.loss_history_, rtol=1e-9)


@pytest.mark.parametrize("solver", ["hals", "anls", "als", "pg", "ipg"])
def test_bit_identical_across_thread_counts(solver):
    X = data(m=300, n=200, seed=8)
    fits = [BetaNMF(6, beta=2, solver=solver, max_iter=8, tol=0, random_state=0,
                    n_threads=nt, alpha_W=0.001).fit(X) for nt in (1, 2)]
    assert np.array_equal(fits[0].W_, fits[1].W_) and np.array_equal(fits[0].H_, fits[1].H_)


def test_data_beyond_the_band_gives_the_same_problem():
    """X·2^-1000 is fit as X (the scale maps the penalties too): factors and losses in the
    caller's units are the fit of X, scaled."""
    X = data()
    kw = dict(beta=2, solver="hals", max_iter=10, tol=0, random_state=0, alpha_W=0.01,
              l1_ratio=1.0)  # λ₁ scales like the data, λ₂ like its square: one kind at a time
    a = BetaNMF(4, **kw).fit(X)
    s = 2.0**-200
    b = BetaNMF(4, alpha_H=0.01 * s**2, **{**kw, "alpha_W": 0.01 * s}).fit(X * s)
    np.testing.assert_allclose(b.W_ / s, a.W_, rtol=1e-12)
    np.testing.assert_allclose(b.H_, a.H_, rtol=1e-12)


def test_swimmer_is_factorized_exactly_at_rank_17():
    """Swimmer (nonnegative rank 16): accelerated HALS and ANLS reach relative error < 1e-6 at
    r = 17 from random starts."""
    X = deepnmf.datasets.load_swimmer().X
    for solver, kw in [("anls", {}), ("hals", {"inner_iter": "auto"})]:
        errors = [BetaNMF(17, beta=2, solver=solver, init="random", random_state=seed,
                          max_iter=300, tol=0, **kw).fit(X).reconstruction_err_
                  for seed in range(3)]
        assert min(errors) / np.linalg.norm(X) < 1e-6, (solver, errors)


def test_multilayer_takes_the_solver():
    X = data(m=60, n=50)
    model = MultilayerNMF([6, 3], beta=2, solver="anls", max_iter=30, tol=0,
                          random_state=0).fit(X)
    mu = MultilayerNMF([6, 3], beta=2, max_iter=30, tol=0, random_state=0).fit(X)
    assert model.errors_[0] < mu.errors_[0]
    for H in model.H_:
        np.testing.assert_allclose(H.sum(axis=1), 1, rtol=1e-12)
    with pytest.raises(ValueError, match="beta=2"):
        MultilayerNMF([6, 3], beta=1, solver="hals").fit(X)


@pytest.mark.parametrize("params,match", [
    ({"solver": "newton"}, "solver='newton'"),
    ({"solver": "hals", "beta": 1}, "solver='hals'.*beta=2"),
    ({"solver": "anls", "beta": 0.5}, "solver='anls'"),
    ({"alpha_W": -1.0}, "alpha_W"),
    ({"alpha_W": np.nan}, "alpha_W"),
    ({"alpha_H": -0.1}, "alpha_H"),
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"l1_ratio": -0.1}, "l1_ratio"),
    ({"inner_iter": 0}, "inner_iter"),
    ({"inner_iter": "fast"}, "inner_iter"),
    ({"inner_tol": -1}, "inner_tol"),
    ({"stop": "grad"}, "stop"),
    ({"stop": "pgrad", "solver": "mu"}, "pgrad"),
    ({"ipg_tau": 1.0}, "ipg_tau"),
    ({"alpha_W": 0.1, "beta": 1}, "beta=2"),
])
def test_bad_parameters_are_clear_errors(params, match):
    kw = {"beta": 2, "solver": "hals", **params}
    with pytest.raises(ValueError, match=match):
        BetaNMF(3, **kw).fit(data())


def test_a_rank_beyond_the_data_is_an_error():
    with pytest.raises(ValueError, match="n_components"):
        BetaNMF(60, beta=2, solver="hals").fit(data())


def test_save_and_load_keep_the_solver_and_its_attributes(tmp_path):
    X = data()
    model = BetaNMF(4, beta=2, solver="hals", inner_iter="auto", alpha_W=0.01, l1_ratio=0.5,
                    stop="pgrad", tol=1e-2, random_state=0).fit(X)
    back = deepnmf.load(model.save(tmp_path / "m.npz"))
    assert back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.n_inner_, model.n_inner_)
    np.testing.assert_array_equal(back.pgrad_history_, model.pgrad_history_)
    assert back.data_loss_ == model.data_loss_
    np.testing.assert_array_equal(back.transform(X), model.transform(X))
