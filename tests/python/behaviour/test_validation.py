"""Bad input gets a clear error (what is wrong and how to fix it); odd-but-valid input is
accepted without touching the caller's data. One test per case."""

import warnings

import numpy as np
import pytest

from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF, _core, beta_divergence, updates

GOOD = np.random.default_rng(0).uniform(0.1, 1.0, size=(12, 10))
ESTIMATORS = [
    lambda: BetaNMF(2, max_iter=3, tol=0),
    lambda: MultilayerNMF([3, 2], max_iter=3, tol=0),
    lambda: DeepNMF([3, 2], init_iter=3, max_iter=2, tol=0),
    lambda: MinVolDeepNMF([3, 2], init_iter=3, max_iter=2),
]


def bad(X, match, make=ESTIMATORS[0]):
    with pytest.raises(ValueError, match=match):
        make().fit(X)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_negative_entries(make):
    X = GOOD.copy()
    X[3, 4] = -1e-3
    bad(X, "negative entries .*nonnegative data", make)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("make", ESTIMATORS)
def test_nan_and_inf(make, value):
    X = GOOD.copy()
    X[0, 0] = value
    bad(X, "NaN or infinity", make)


def test_complex_rejected():
    bad(GOOD.astype(complex), "Complex data not supported")


def test_object_dtype_converted_when_numeric_else_rejected():
    BetaNMF(2, max_iter=3, tol=0).fit(GOOD.astype(object))  # numbers in an object array: fine
    X = GOOD.astype(object)
    X[0, 0] = "a"
    bad(X, "real numbers")


@pytest.mark.parametrize("X", [GOOD[0], GOOD[None], np.float64(1.0)])
def test_wrong_dimensionality(X):
    bad(X, "2-D")


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0)])
def test_empty(shape):
    bad(np.ones(shape), "empty")


def test_a_dimension_of_one():
    """A single row or column is valid data: rank 1 fits it; a larger rank is refused."""
    col = GOOD[:, :1].copy()
    m = BetaNMF(1, max_iter=20, tol=0).fit(col)
    assert np.all(np.isfinite(m.W_)) and m.loss_history_[-1] <= m.loss_history_[0]
    BetaNMF(1, max_iter=5, tol=0).fit(GOOD[:1].copy())
    bad(col, "exceeds min")


@pytest.mark.parametrize("r", [0, -1, 2.5, "3", True])
def test_rank_not_a_positive_integer(r):
    """(None is every feature, scikit-learn's convention: behaviour/test_sklearn.py.)"""
    bad(GOOD, "positive integer", lambda: BetaNMF(r))


@pytest.mark.parametrize("ranks", [[0, 1], [3, -2], [2.5], ["a"], []])
def test_deep_ranks_not_positive_integers(ranks):
    bad(GOOD, "ranks", lambda: DeepNMF(ranks))


def test_ranks_larger_than_the_data_allows():
    bad(GOOD, "exceeds min", lambda: BetaNMF(11))
    bad(GOOD, "exceeds min", lambda: DeepNMF([11, 2]))
    bad(GOOD, "exceeds min", lambda: MultilayerNMF([11]))


def test_increasing_ranks_warn():
    with pytest.warns(UserWarning, match="strictly decreasing"):
        MultilayerNMF([2, 2], max_iter=2, tol=0).fit(GOOD)


@pytest.mark.parametrize("cls", [MultilayerNMF, DeepNMF, MinVolDeepNMF])
def test_every_layer_rank_within_its_data(cls):
    """Layer 2 factorizes W1 (m × r1): a rank above r1 is refused, for every layered model
    (it used to fit W2 of rank 3 on a 2-column W1)."""
    with pytest.raises(ValueError, match="layer 2 .rank 3. factorizes W1, which has only 2"):
        cls([2, 3], max_iter=2).fit(GOOD)


def test_rank_warning_said_once_at_the_callers_line():
    with pytest.warns(UserWarning, match="strictly decreasing") as caught:
        DeepNMF([2, 2], init_iter=2, max_iter=2, tol=0).fit(GOOD)
    said = [w for w in caught if "strictly decreasing" in str(w.message)]
    assert len(said) == 1 and said[0].filename == __file__


@pytest.mark.parametrize("weights", [[1.0], [1.0, 0.0], [1.0, -2.0], [1.0, np.nan], "balanced",
                                     ["a", 1.0], [None, 1.0], [True, 1.0], ["1", "2"]])
def test_weights_out_of_range(weights):
    bad(GOOD, "weights", lambda: DeepNMF([3, 2], weights=weights, init_iter=2, max_iter=1))


@pytest.mark.parametrize("kw,match", [({"alpha": -1.0}, "alpha"), ({"alpha_tilde": np.nan}, "alpha_tilde"),
                                      ({"delta": 0.0}, "delta"), ({"delta": np.inf}, "delta"),
                                      ({"rho": 0.0}, "rho"), ({"rho": -3}, "rho")])
def test_minvol_parameters_out_of_range(kw, match):
    bad(GOOD, match, lambda: MinVolDeepNMF([3, 2], init_iter=2, max_iter=1, **kw))


@pytest.mark.parametrize("make", [lambda: BetaNMF(2, beta=0), lambda: BetaNMF(2, beta=-1),
                                  lambda: DeepNMF([3, 2], beta="itakura-saito")])
def test_beta_le_0_with_zeros(make):
    X = GOOD.copy()
    X[1, 1] = 0.0
    bad(X, "infinite", make)


def test_explicit_init_wrong_shape_or_negative():
    W = np.ones((12, 2))
    H = np.ones((2, 10))
    with pytest.raises(ValueError, match="shape"):
        BetaNMF(2, init="custom").fit(GOOD, W=W[:, :1], H=H)
    with pytest.raises(ValueError, match="negative"):
        BetaNMF(2, init="custom").fit(GOOD, W=-W, H=H)
    with pytest.raises(ValueError, match="shape"):
        DeepNMF([2, 1], init=([W, np.ones((12, 1))], [H, np.ones((2, 2))])).fit(GOOD)
    with pytest.raises(ValueError, match="layers"):
        DeepNMF([2, 1], init=([W], [H])).fit(GOOD)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_integer_and_boolean_inputs_are_converted(dtype):
    X = (np.random.default_rng(1).integers(0, 5, size=(12, 10)) + 1).astype(dtype)
    m = BetaNMF(2, max_iter=5, tol=0).fit(X)
    assert m.W_.dtype == np.float64


@pytest.mark.parametrize("layout", ["F", "strided", "readonly"])
def test_layouts_accepted_and_caller_data_untouched(layout):
    base = np.random.default_rng(2).uniform(0.1, 1.0, size=(24, 20))
    if layout == "F":
        X = np.asfortranarray(base)
    elif layout == "strided":
        X = base[::2, ::2]
    else:
        X = base.copy()
        X.flags.writeable = False
    before = X.copy()
    want = BetaNMF(2, init="nndsvda", max_iter=10, tol=0).fit(np.ascontiguousarray(X)).W_
    got = BetaNMF(2, init="nndsvda", max_iter=10, tol=0).fit(X).W_
    assert np.array_equal(X, before)
    np.testing.assert_array_equal(got, want)


def misaligned(values: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of `values` at a byte offset of 4: not aligned to float64."""
    buf = bytearray(values.nbytes + 8)
    out = np.frombuffer(buf, dtype=values.dtype, count=values.size, offset=4).reshape(values.shape)
    out[...] = values
    assert out.flags.c_contiguous and not out.flags.aligned
    return out


def test_misaligned_arrays_fit_as_their_copies_and_the_core_refuses_them():
    """UndefinedBehaviorSanitizer reported misaligned double loads for such an X (the normal
    build fit correctly, by luck of x86): Python aligns by one copy; the core raises."""
    X = np.random.default_rng(0).uniform(0.1, 1, (30, 20))
    Xm = misaligned(X)
    for make in (lambda: BetaNMF(3, init="random", random_state=0, max_iter=5, tol=0),
                 lambda: DeepNMF([3, 2], init_iter=3, max_iter=3, tol=0)):
        a, b = make().fit(Xm), make().fit(X)
        np.testing.assert_array_equal(np.asarray(a.loss_history_), np.asarray(b.loss_history_))
    V = X[::-1].copy()  # a model that differs from X: a divergence that is not zero
    assert beta_divergence(Xm, V, 1.0) == beta_divergence(X, V, 1.0) > 0
    W, H = np.ones((30, 2)), np.ones((2, 20))
    for call in (lambda: _core.beta_divergence(Xm, X, 1.0, 1),
                 lambda: _core.mu_h(Xm, W, H, 1.0, False, 1, False),
                 lambda: _core.mu_w(X, misaligned(W), H, 1.0, 1, False),
                 lambda: _core.product(misaligned(W), H, np.empty((30, 20)), 1),
                 lambda: _core.wright_omega(misaligned(np.ones(5)))):
        with pytest.raises(ValueError, match="not aligned"):
            call()


@pytest.mark.parametrize("kind", ["big-endian", "big-endian-f4", "float16", "matrix", "memmap",
                                  "negative-strides"])
def test_odd_array_kinds_fit_as_their_plain_copies(tmp_path, kind):
    """Big-endian and float16 arrays, np.matrix, a read-only memmap, negative strides: each is
    converted once (float16 to float64, big-endian to native) and fits exactly as the plain
    array of the same values; the caller's array is untouched."""
    base = np.random.default_rng(3).uniform(0.1, 1.0, size=(16, 12))
    if kind == "big-endian":
        X = base.astype(">f8")
    elif kind == "big-endian-f4":
        X = base.astype(">f4")
        base = base.astype(np.float32)
    elif kind == "float16":
        X = base.astype(np.float16)
        base = X.astype(np.float64)
    elif kind == "matrix":
        with warnings.catch_warnings():  # NumPy's own advice against np.matrix
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            X = np.matrix(base)
    elif kind == "memmap":
        np.save(tmp_path / "x.npy", base)
        X = np.load(tmp_path / "x.npy", mmap_mode="r")
    else:
        X = base[::-1, ::-1]
        base = np.ascontiguousarray(X)
    before = np.array(X, copy=True)
    for make in (lambda: BetaNMF(3, init="nndsvda", max_iter=8, tol=0),
                 lambda: DeepNMF([3, 2], init_iter=4, max_iter=4, tol=0)):
        got, want = make().fit(X), make().fit(base)
        np.testing.assert_array_equal(np.asarray(got.loss_history_), np.asarray(want.loss_history_))
        assert np.array_equal(np.asarray(got.transform(X)), np.asarray(want.transform(base)))
    assert np.array_equal(np.asarray(X), before)
    W = np.full((16, 2), 0.5)
    H = np.full((2, 12), 0.5)
    np.testing.assert_array_equal(updates.mu_h(X, W, H, 1.0), updates.mu_h(base, W, H, 1.0))
    assert beta_divergence(X, (W, H), 1.0) == beta_divergence(base, (W, H), 1.0)


def test_all_zero_matrix_warns_and_stays_finite():
    with pytest.warns(RuntimeWarning, match="all zeros"):
        m = BetaNMF(2, init="random", random_state=0, max_iter=10, tol=0).fit(np.zeros((6, 5)))
    assert np.all(np.isfinite(m.W_)) and np.all(np.isfinite(m.loss_history_))


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_all_zero_matrix_deep_fit_keeps_its_constraints(beta):
    """Y = 0 gives Q = 0 on every row of H1; for β < 1 the row solve once raised "no sign
    change found" from C++ here. Every row of every Hℓ must still sum to one."""
    with pytest.warns(RuntimeWarning, match="all zeros"):
        m = DeepNMF([3, 2], beta=beta, random_state=0, max_iter=5, tol=0).fit(np.zeros((6, 5)))
    for H in m.H_:
        np.testing.assert_allclose(H.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(np.isfinite(m.loss_history_))


@pytest.mark.parametrize("n_threads", [0, 1.5, "2"])
def test_bad_thread_counts(n_threads):
    bad(GOOD, "n_threads", lambda: BetaNMF(2, n_threads=n_threads))


def test_updates_validate_too():
    W, H = np.ones((12, 2)), np.ones((2, 10))
    with pytest.raises(ValueError, match="shape"):
        updates.mu_h(GOOD, W, np.ones((3, 10)), 1.0)
    with pytest.raises(ValueError, match="negative"):
        updates.mu_w(-GOOD, W, H, 1.0)
    with pytest.raises(ValueError, match="out must be"):
        updates.mu_h(GOOD, W, H, 1.0, out=np.ones((2, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="beta"):
        updates.mu_h(GOOD, W, H, "poisson")
    with pytest.raises(ValueError, match="beta"):
        beta_divergence(GOOD, GOOD, np.nan)


def test_no_warning_on_good_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BetaNMF(2, max_iter=5, tol=0).fit(GOOD)
        DeepNMF([3, 2], init_iter=3, max_iter=2, tol=0).fit(GOOD)


@pytest.mark.parametrize("make,name", [
    (lambda: BetaNMF(2, random_state="0"), "random_state"),
    (lambda: DeepNMF([3, 2], random_state=1.5), "random_state"),
    (lambda: MinVolDeepNMF([3, 2], alpha_tilde="abc"), "alpha_tilde"),
    (lambda: MinVolDeepNMF([3, 2], alpha_tilde="0.45"), "alpha_tilde"),
    (lambda: MinVolDeepNMF([3, 2], weights=["a", 1.0]), "weights"),
    (lambda: MinVolDeepNMF([3, 2], delta="1"), "delta"),
])
def test_strings_and_wrong_types_get_the_library_message(make, name):
    """One validation voice: the parameter's name and what it takes, never NumPy's
    conversion error; a number given as a string is refused, not converted."""
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        make().fit(GOOD)
