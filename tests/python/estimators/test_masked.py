"""BetaNMF with missing entries (docs/masks-semisupervised.md §1): the masked objective never
increases, the holes cannot influence the fit, an all-True mask is the unmasked fit, the
missing entries are restored from a low-rank fit, and bad masks get clear errors."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from deepnmf import BetaNMF, beta_divergence


def low_rank(m=60, n=40, r=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.05, 1, (m, r)) @ rng.uniform(0.05, 1, (r, n))


@pytest.fixture
def hidden():
    X = low_rank()
    M = np.random.default_rng(1).random(X.shape) > 0.3
    return X, M


def quiet(est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 1.5, 2.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masked_objective_never_increases(hidden, beta, dtype):
    X, M = hidden
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = BetaNMF(4, beta=beta, max_iter=150, tol=0, loss_every=1, init="random",
                      random_state=0).fit(X.astype(dtype), mask=M)
    F = est.loss_history_
    assert np.all(np.diff(F) <= 1e-12 * F[:-1] if dtype == np.float64 else
                  np.diff(F) <= 1e-5 * F[:-1])
    # the recorded loss is the masked divergence at the fitted factors
    assert est.loss_ == pytest.approx(
        beta_divergence(X.astype(dtype), (est.W_, est.H_), beta, mask=M), rel=1e-6)


def test_holes_cannot_influence_the_fit(hidden):
    X, M = hidden
    runs = []
    for filler in (0.0, 1e300, -3.0, np.nan):
        kw = dict(max_iter=30, tol=0, random_state=0, init="random")
        runs.append(BetaNMF(4, **kw).fit(np.where(M, X, filler), mask=M))
    nan = np.where(M, X, np.nan)
    runs.append(BetaNMF(4, missing_values=np.nan, max_iter=30, tol=0, random_state=0,
                        init="random").fit(nan))
    for other in runs[1:]:
        assert np.array_equal(other.W_, runs[0].W_) and np.array_equal(other.H_, runs[0].H_)
        assert np.array_equal(other.loss_history_, runs[0].loss_history_)


def test_nndsvd_start_with_holes_is_independent_of_their_values(hidden):
    X, M = hidden
    a = BetaNMF(4, max_iter=5, tol=0).fit(np.where(M, X, 7.0), mask=M)
    b = BetaNMF(4, max_iter=5, tol=0, missing_values=np.nan).fit(np.where(M, X, np.nan))
    assert np.array_equal(a.W_, b.W_)


@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_an_all_true_mask_is_the_unmasked_fit_bit_for_bit(hidden, beta):
    X, _ = hidden
    kw = dict(beta=beta, max_iter=20, tol=0, random_state=0)
    a = BetaNMF(4, **kw).fit(X, mask=np.ones(X.shape, bool))
    b = BetaNMF(4, **kw).fit(X)
    assert np.array_equal(a.W_, b.W_) and np.array_equal(a.H_, b.H_)
    assert np.array_equal(a.loss_history_, b.loss_history_)


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_missing_entries_are_restored_from_a_low_rank_fit(hidden, beta):
    X, M = hidden
    est = BetaNMF(4, beta=beta, max_iter=4000, tol=0, loss_every=100, init="random",
                  random_state=0).fit(X, mask=M)
    X_hat = est.inverse_transform(est.W_)
    held_out = np.linalg.norm((X_hat - X)[~M]) / np.linalg.norm(X[~M])
    # MU converges slowly: 4000 iterations bring the hidden 30 % to about 1 % (the masked
    # objective is then ~1e-4 of its start); the README's one-liner fills them this way
    assert held_out < 0.03
    filled = np.where(M, X, X_hat)
    assert np.array_equal(filled[M], X[M])


def test_transform_and_score_with_a_mask(hidden):
    X, M = hidden
    est = BetaNMF(4, max_iter=300, tol=0, random_state=0).fit(X, mask=M)
    W_new = est.transform(np.where(M, X, np.nan), mask=M)
    assert W_new.shape == (X.shape[0], 4) and np.all(np.isfinite(W_new))
    # the score reads the observed entries only: NaN at the holes changes nothing
    assert est.score(np.where(M, X, np.nan), mask=M) == est.score(X, mask=M) < 0
    assert est.score(X, mask=~M) < 0


def test_fractional_weights_change_the_objective(hidden):
    X, M = hidden
    w = np.where(M, 2.0, 0.0)
    a = BetaNMF(4, max_iter=20, tol=0, random_state=0).fit(X, mask=w)
    b = BetaNMF(4, max_iter=20, tol=0, random_state=0).fit(X, mask=M)
    # doubling every weight doubles the objective and leaves the MU iterates unchanged
    np.testing.assert_allclose(a.loss_history_, 2 * b.loss_history_, rtol=1e-12)
    np.testing.assert_allclose(a.W_, b.W_, rtol=1e-12)


def test_a_hidden_row_and_column_warn_and_are_listed(hidden):
    X, M = hidden
    M = M.copy()
    M[3] = False
    M[:, 7] = False
    with pytest.warns(RuntimeWarning, match="no observed entry"):
        est = BetaNMF(4, max_iter=20, tol=0, random_state=0).fit(X, mask=M)
    rows, cols = est.undetermined_
    assert rows.tolist() == [3] and cols.tolist() == [7]
    eps = np.finfo(np.float64).eps
    assert np.all(est.W_[3] == eps) and np.all(est.H_[:, 7] == eps)
    assert np.all(np.isfinite(est.W_)) and np.all(np.isfinite(est.H_))


def test_bad_masks_get_clear_errors(hidden):
    X, M = hidden
    est = BetaNMF(4, max_iter=5)
    with pytest.raises(ValueError, match="shape"):
        est.fit(X, mask=M[:-1])
    with pytest.raises(ValueError, match="boolean or numeric"):
        est.fit(X, mask=np.full(X.shape, "x"))
    with pytest.raises(ValueError, match="negative"):
        est.fit(X, mask=np.where(M, 1, -1))
    with pytest.raises(ValueError, match="hides every entry"):
        est.fit(X, mask=np.zeros(X.shape, bool))
    with pytest.raises(ValueError, match="missing_values=np.nan"):
        est.fit(np.where(M, X, np.nan))  # NaN without missing_values: not missing
    with pytest.raises(ValueError, match="solver='mu'"):
        BetaNMF(4, beta=2, solver="hals").fit(X, mask=M)
    with pytest.raises(ValueError, match="sparse"):
        est.fit(sp.csr_matrix(X), mask=M)
    with pytest.raises(ValueError, match="zeros at observed"):
        BetaNMF(4, beta=0).fit(np.where(M, X, 0) * M, mask=np.ones(X.shape))
    with pytest.raises(ValueError, match="missing_values"):
        BetaNMF(4, missing_values="x").fit(X)


def test_zeros_are_allowed_for_beta_zero_where_they_are_missing(hidden):
    X, M = hidden
    est = BetaNMF(4, beta=0, max_iter=20, tol=0, random_state=0).fit(np.where(M, X, 0), mask=M)
    assert np.all(np.isfinite(est.W_)) and np.isfinite(est.loss_)
