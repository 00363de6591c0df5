"""Numerical robustness: odd data never produces NaN, the objective still never increases,
and each case has a documented behaviour (in the docstrings)."""

import threading

import numpy as np
import pytest
from _support.estimators import CONFIGS, IDS, factors

from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF

EPS = np.finfo(float).eps


def check(model, history, data_scale=None):
    for F in model.W_ if isinstance(model.W_, list) else [model.W_]:
        assert np.all(np.isfinite(F)) and F.min() >= EPS
    for F in model.H_ if isinstance(model.H_, list) else [model.H_]:
        assert np.all(np.isfinite(F)) and F.min() >= EPS
    h = np.asarray(history, dtype=float)
    assert not np.any(np.isnan(h))
    # rounding slack: relative, plus an absolute part at the initial loss's scale for fits
    # that reach an exact factorization (the loss then dithers at the 1e-32 level)
    scale = abs(h[0]) if data_scale is None else data_scale
    assert np.all(np.diff(h) <= 1e-12 * np.abs(h[:-1]) + 1e-14 * scale)


def fit_all(X, beta=1.0, r=2):
    b = BetaNMF(r, beta=beta, init="random", random_state=0, max_iter=50, tol=0).fit(X)
    check(b, b.loss_history_)
    d = DeepNMF([r, 1], beta=beta, layer_init="random", init_iter=20, max_iter=30, tol=0,
                random_state=0).fit(X)
    check(d, d.loss_history_[:, -1])
    return b, d


def test_zero_rows_and_columns():
    """Zero rows/columns of X: their factor entries go to the floor ε and stay there."""
    X = np.random.default_rng(0).uniform(0.1, 1, (20, 15))
    X[3] = 0
    X[:, 7] = 0
    b, _ = fit_all(X)
    assert np.all(b.W_[3] < 1e-6) and np.all(b.H_[:, 7] < 1e-6)


def test_zero_matrix():
    """X = 0: every factorization with floored factors is optimal up to ε; the loss is ~ε."""
    with pytest.warns(RuntimeWarning, match="all zeros"):
        b = BetaNMF(2, init="random", random_state=0, max_iter=20, tol=0).fit(np.zeros((8, 6)))
    check(b, b.loss_history_)
    assert b.loss_ < 1e-10


def test_exact_low_rank():
    """Exactly rank-r data: the loss decreases towards zero, never below it."""
    rng = np.random.default_rng(1)
    X = rng.uniform(0.1, 1, (30, 3)) @ rng.uniform(0.1, 1, (3, 25))
    b = BetaNMF(3, init="nndsvda", max_iter=500, tol=0).fit(X)
    check(b, b.loss_history_)
    assert b.loss_ < 1e-3 * b.loss_history_[0]


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_data_spanning_the_supported_range(beta):
    """Magnitudes over the whole supported range, 2^-L … 2^L with L = 900 / max(1, β)
    (about 1e±271 for β ≤ 1, 1e±135 for β = 2), within the span supported for β < 1
    (2^(960 / (2 − β))): finite throughout. The divergence itself may be astronomically large;
    it is finite and non-increasing."""
    rng = np.random.default_rng(2)
    L = 900 / max(1.0, beta)
    low = max(-L, L - 1 - 960 / (2 - beta)) if beta < 1 else -L
    X = 2.0 ** rng.uniform(low + 1, L - 1, size=(10, 8))
    b = BetaNMF(2, beta=beta, init="random", random_state=0, max_iter=30, tol=0).fit(X)
    check(b, b.loss_history_)
    assert np.isfinite(b.loss_)


def test_very_sparse_dense_array():
    """99.9 % zeros: KL handles exact zeros (0·log 0 = 0)."""
    rng = np.random.default_rng(3)
    X = np.zeros((200, 150))
    idx = rng.choice(X.size, size=30, replace=False)
    X.flat[idx] = rng.uniform(1, 5, size=30)
    fit_all(X)


def test_single_column():
    X = np.random.default_rng(4).uniform(0.1, 1, (20, 1))
    b = BetaNMF(1, init="nndsvd", max_iter=30, tol=0).fit(X)
    check(b, b.loss_history_, data_scale=X.sum())  # NNDSVD is exact here: loss ~1e-32


def test_rank_equal_to_min_dimension():
    X = np.random.default_rng(5).uniform(0.1, 1, (9, 6))
    b = BetaNMF(6, init="nndsvda", max_iter=200, tol=0).fit(X)
    check(b, b.loss_history_)
    d = DeepNMF([6, 3], init_iter=20, max_iter=30, tol=0).fit(X)
    check(d, d.loss_history_[:, -1])


def test_minvol_with_zero_rows():
    X = np.random.default_rng(6).gamma(1.0, 1.0, (30, 40))
    X[5] = 0
    m = MinVolDeepNMF([4, 2], alpha_tilde=0.1, init_iter=20, max_iter=20, random_state=0).fit(X)
    check(m, m.loss_history_[:, -1])


def test_two_fits_in_two_threads_match_sequential():
    """The core releases the GIL: two fits at once in two Python threads give exactly the
    sequential results."""
    rng = np.random.default_rng(7)
    Xs = [rng.uniform(0.1, 1, (300, 200)) for _ in range(2)]

    def fit(X):
        return DeepNMF([8, 4], init_iter=20, max_iter=20, tol=0, n_threads=1, random_state=1).fit(X)

    sequential = [fit(X) for X in Xs]
    results = [None, None]

    def run(i):
        results[i] = fit(Xs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(sequential, results):
        for x, y in zip(a.W_ + a.H_, b.W_ + b.H_):
            assert np.array_equal(x, y)


def test_repeated_fits_do_not_grow_the_process():
    """Hundreds of fits (dense and sparse, every estimator, an error path among them): the
    resident set stays flat once the allocator has warmed up — no memory kept per fit by the
    core (its buffers, the checked sparse structures) or by the Python layer."""
    import os

    import scipy.sparse as sp

    if not os.path.exists("/proc/self/statm"):
        pytest.skip("needs /proc/self/statm (Linux) for the resident set")
    if "asan" in os.environ.get("LD_PRELOAD", ""):  # its quarantine keeps freed memory
        pytest.skip("AddressSanitizer holds freed memory back: the resident set grows by design")

    def resident_kib() -> int:  # now, not the peak (ru_maxrss): earlier tests may have set it
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024

    rng = np.random.default_rng(8)
    X = rng.uniform(0.1, 1, (60, 40))
    Xs = sp.random(60, 40, density=0.2, random_state=0, format="csr")

    def round_of_fits():
        BetaNMF(3, max_iter=5, tol=0).fit(X)
        DeepNMF([4, 2], init_iter=3, max_iter=3, tol=0).fit(Xs)
        MinVolDeepNMF([4, 2], init_iter=3, max_iter=2).fit(X)
        try:
            BetaNMF(3, beta=50.0).fit(X)
        except ValueError:
            pass

    for _ in range(30):
        round_of_fits()
    before = resident_kib()
    for _ in range(150):
        round_of_fits()
    grown = resident_kib() - before
    assert grown < 20_000, f"the process grew by {grown} KiB over 150 rounds of fits"


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_every_estimator_on_zero_rows_and_columns(config):
    """Every estimator: zero rows and columns of X give finite factors at or above ε and a
    recorded objective that never increases."""
    X = np.random.default_rng(8).uniform(0.1, 1, (24, 18))
    X[2] = 0
    X[:, 5] = 0
    model = config.make().fit(X)
    # MU floors every entry at ε; the Frobenius solvers give exact zeros (spec: not floored)
    # (and orthogonal NMF's W has one nonzero per row)
    exact_zeros = getattr(model, "solver", "mu") != "mu" or hasattr(model, "orthogonal")
    floor = 0.0 if exact_zeros else EPS
    for F in factors(model):
        assert np.all(np.isfinite(F)) and F.min() >= floor
    F = np.asarray(config.objective(model), dtype=float)
    assert np.all(np.diff(F) <= 1e-12 * np.abs(F[:-1]))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_every_estimator_fits_in_parallel_threads_as_sequentially(config):
    """The core releases the GIL: two fits at once in two Python threads equal the
    sequential ones, bit for bit, for every estimator."""
    rng = np.random.default_rng(9)
    Xs = [rng.uniform(0.1, 1, (60, 40)) for _ in range(2)]
    sequential = [config.make(n_threads=1).fit(X) for X in Xs]
    results = [None, None]

    def run(i):
        results[i] = config.make(n_threads=1).fit(Xs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(sequential, results):
        for x, y in zip(factors(a), factors(b)):
            assert np.array_equal(x, y)
