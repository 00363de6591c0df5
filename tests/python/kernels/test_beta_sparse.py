"""scipy.sparse input (β = 1): every kernel equals its dense counterpart, estimators give the
dense results, the caller's matrix is canonicalized without being modified, and no m×n dense
array is ever formed."""

import numpy as np
import pytest
import scipy.sparse as sp
from _support.bounded import run_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF, _core, beta_divergence
from deepnmf._engine.data import DenseData, SparseData


def problem(seed=0, m=60, n=45, r=4, density=0.15, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = sp.random(m, n, density=density, random_state=seed, format="csr",
                  data_rvs=lambda k: rng.uniform(0.5, 5.0, k)).astype(dtype)
    W = rng.uniform(0.1, 1, (m, r)).astype(dtype)
    H = rng.uniform(0.1, 1, (r, n)).astype(dtype)
    return X, W, H


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("itype", [np.int32, np.int64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_kernels_equal_dense(dtype, itype, order):
    X, W, H = problem(dtype=dtype)
    H = np.asarray(H, order=order)
    X.indices = X.indices.astype(itype)
    X.indptr = X.indptr.astype(itype)
    s, d = SparseData(X), DenseData(np.ascontiguousarray(X.toarray()))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    Hn = H / H.sum(axis=1, keepdims=True)
    W_bar = np.random.default_rng(1).uniform(0.1, 1, W.shape).astype(dtype)
    for name, call in [
        ("mu_w", lambda D, W, H: (D.mu_w(W, H, 1.0, 2, True), W)),
        ("mu_h", lambda D, W, H: (D.mu_h(W, H, 1.0, False, 2, True), H)),
        ("mu_h_rows", lambda D, W, H: (D.mu_h(W, H, 1.0, True, 2, True), H)),
        ("coupled", lambda D, W, H: (D.coupled_w(W, H, W_bar, 0.3, 1.0, 2, True), W)),
    ]:
        ls, out_s = call(s, W.copy(), Hn.copy(order=order))
        ld, out_d = call(d, W.copy(), Hn.copy())
        assert ls == pytest.approx(ld, rel=rtol), name
        np.testing.assert_allclose(out_s, out_d, rtol=rtol, err_msg=name)
    dense_h = np.ascontiguousarray(H)
    assert s.divergence(W, H, 1.0, 1) == pytest.approx(d.divergence(W, dense_h, 1.0, 1), rel=rtol)


def test_both_layouts_of_h_give_the_same_bits():
    """The sparse kernels read Hᵀ: a Fortran-ordered H is used in place, a C-ordered one
    through a transposed copy written back after the update — same arithmetic, same bits."""
    X, W, H = problem(6, m=70, n=300, r=5)
    s = SparseData(X)
    W_bar = np.random.default_rng(2).uniform(0.1, 1, W.shape)
    for call in [
        lambda W, H: (s.mu_w(W, H, 1.0, 2, True), W),
        lambda W, H: (s.mu_h(W, H, 1.0, False, 2, True), H),
        lambda W, H: (s.mu_h(W, H, 1.0, True, 2, True), H),
        lambda W, H: (s.coupled_w(W, H, W_bar, 0.3, 1.0, 2, True), W),
        lambda W, H: (s.divergence(W, H, 1.0, 2), W),
    ]:
        lc, out_c = call(W.copy(), H.copy(order="C"))
        lf, out_f = call(W.copy(), H.copy(order="F"))
        assert lc == lf
        np.testing.assert_array_equal(out_c, out_f)
    assert s.factor_layout(H).flags.f_contiguous


def test_checked_structures_give_the_raw_arrays_bits():
    """Every sparse kernel takes a structure checked once (_core.compressed, what SparseData
    holds) or the raw arrays checked on every call: same bits."""
    X, W, H = problem(12, m=50, n=70, r=6)
    C = X.tocsc()
    csr, csc = (_core.compressed(A.indptr, A.indices, A.data, *dims)
                for A, dims in ((X, X.shape), (C, X.shape[::-1])))
    raw_r, raw_c = (X.indptr, X.indices, X.data, *X.shape), (C.indptr, C.indices, C.data, *X.shape)
    assert (csr.outer, csr.inner, csr.nnz) == (50, 70, X.nnz)
    Hn = H / H.sum(axis=1, keepdims=True)
    W_bar = np.random.default_rng(3).uniform(0.1, 1, W.shape)
    for call in [
        lambda k, Y, W, H: (k.mu_w_sparse(*Y[0], W, H, 1.0, 2, True), W),
        lambda k, Y, W, H: (k.mu_h_sparse(*Y[1], W, H, 1.0, False, 2, True), H),
        lambda k, Y, W, H: (k.mu_h_sparse(*Y[1], W, H, 1.0, True, 2, True), H),
        lambda k, Y, W, H: (k.coupled_w_sparse(*Y[0], W, H, W_bar, 0.3, 1.0, 2, True), W),
        lambda k, Y, W, H: (k.beta_divergence_wh_sparse(*Y[0], W, H, 1.0, 2), H),
        lambda k, Y, W, H: (k.minvol_w_sparse(*Y[0], W, H, W_bar, 0.1, 1.0, 1.0, 10.0, 1e-9, 5, 2)["iterations"], W),
    ]:
        # checked structures on _core, the raw arrays on the test hooks
        lc, out_c = call(_core, ((csr,), (csc,)), W.copy(), np.asfortranarray(Hn))
        lr, out_r = call(_core.testing, (raw_r, raw_c), W.copy(), np.asfortranarray(Hn))
        assert lc == lr
        np.testing.assert_array_equal(out_c, out_r)


def test_checked_structure_rejects_what_the_raw_call_rejects():
    X, W, H = problem(13)
    bad = X.indices.copy()
    bad[3] = X.shape[1]
    with pytest.raises(ValueError, match="index out of range"):
        _core.compressed(X.indptr, bad, X.data, *X.shape)
    with pytest.raises(ValueError, match="shapes do not agree"):  # a CSR where mu_h reads a CSC
        _core.mu_h_sparse(_core.compressed(X.indptr, X.indices, X.data, *X.shape), W,
                          np.asfortranarray(H), 1.0)


def test_sparse_data_holds_index_arrays_of_its_own():
    """The core reads the structure SparseData checked without checking it again, so the
    caller's arrays (shared by a canonical CSR input) may change afterwards without effect."""
    X, W, H = problem(14)
    data = SparseData(X)
    assert np.shares_memory(data.csr.indices, X.indices)  # the caller's canonical matrix, no copy
    W1, H1 = W.copy(), np.asfortranarray(H)
    expected = data.mu_w(W1, H1, 1.0, 1, True)
    X.indices[:] = 10**6  # out of range: would read far outside H
    X.indptr[-1] = 10**6
    W2 = W.copy()
    assert data.mu_w(W2, H1, 1.0, 1, True) == expected
    np.testing.assert_array_equal(W1, W2)


@pytest.mark.parametrize("make", [
    lambda: BetaNMF(4, beta=1, max_iter=3, tol=0, random_state=0),
    lambda: MultilayerNMF([4, 2], beta=1, max_iter=3, tol=0, random_state=0),
    lambda: DeepNMF([4, 2], init_iter=3, max_iter=2, tol=0, random_state=0),
    lambda: MinVolDeepNMF([4, 2], init_iter=3, max_iter=2, random_state=0),
])
def test_the_sparse_kernels_get_aligned_factors(make, monkeypatch):
    """The working W1 and H1ᵀ start on a 64-byte boundary (the gathered rows' loads would
    straddle cache lines otherwise: 16 – 17 % of a sparse iteration); transform's W too."""
    seen = []
    for name in ("mu_w_sparse", "mu_h_sparse", "coupled_w_sparse", "minvol_w_sparse"):
        def record(Y, W, H, *args, _kernel=getattr(_core, name)):
            seen.append((W.ctypes.data % 64, H.ctypes.data % 64))
            return _kernel(Y, W, H, *args)
        monkeypatch.setattr(_core, name, record)
    X, _, _ = problem(15)
    model = make().fit(X)
    if isinstance(model, BetaNMF):
        model.transform(X)
    assert seen and set(seen) == {(0, 0)}


def test_h_next_to_sparse_data_must_be_contiguous_and_writeable():
    X, W, H = problem(7)
    s = SparseData(X)
    frozen = H.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        s.mu_h(W, frozen, 1.0, False, 1)
    s.mu_w(W.copy(), frozen, 1.0, 1)  # read only: fine
    wide = np.ones((H.shape[0], 2 * H.shape[1]))[:, ::2]
    with pytest.raises(ValueError, match="contiguous"):
        s.mu_w(W.copy(), wide, 1.0, 1)


@pytest.mark.parametrize("make", [
    lambda: BetaNMF(4, max_iter=5, tol=0),
    lambda: DeepNMF([4, 2], init_iter=5, max_iter=5, tol=0),
    lambda: MinVolDeepNMF([4, 2], init_iter=5, max_iter=3, tol=0),
])
def test_fitted_factors_are_c_ordered_after_a_sparse_fit(make):
    """The fit keeps H1 in Fortran order next to sparse data; what it hands back is C."""
    X, _, _ = problem(8, m=50, n=40)
    model = make().fit(X)
    for H in (model.H_ if isinstance(model.H_, list) else [model.H_]):
        assert H.flags.c_contiguous


def test_minvol_kernel_equals_dense():
    X, W, H = problem(2)
    W = W / W.sum(axis=0)
    s, d = SparseData(X), DenseData(np.ascontiguousarray(X.toarray()))
    W_bar = np.random.default_rng(3).uniform(0.01, 0.1, W.shape)
    for exact in (True, False):
        a, b = W.copy(), W.copy()
        options = dict(delta=1.0, rho=10.0, tol=1e-8, max_iter=50, n_threads=1,
                       adaptive_rho=False, exact=exact)
        ra = s.minvol_w(a, H, W_bar, 0.1, 0.5, **options)
        rb = d.minvol_w(b, H, W_bar, 0.1, 0.5, **options)
        np.testing.assert_allclose(a, b, rtol=1e-10)
        # R differs from the dense one in the last bits, so the iterative solvers may stop a
        # few iterations apart (seen: 8 vs 10 Newton steps in the baseline-ISA core): compare
        # what they reach, not how many steps it took
        assert ra["accepted"] and rb["accepted"]
        assert ra["block_decrease"] == pytest.approx(rb["block_decrease"], rel=1e-10)


@pytest.mark.parametrize("make", [
    lambda: BetaNMF(4, init="nndsvda", max_iter=30, tol=0),
    lambda: MultilayerNMF([4, 2], max_iter=20, tol=0),
    lambda: DeepNMF([4, 2], init_iter=15, max_iter=20, tol=0),
    lambda: MinVolDeepNMF([4, 2], alpha_tilde=0.1, init_iter=15, max_iter=10),
])
def test_estimators_give_the_dense_results(make):
    X, _, _ = problem(4, m=80, n=50)
    a = make().fit(X)
    b = make().fit(X.toarray())
    Wa = a.W_ if isinstance(a.W_, list) else [a.W_]
    Wb = b.W_ if isinstance(b.W_, list) else [b.W_]
    for x, y in zip(Wa, Wb):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-13)
    ha = a.loss_history_[-1] if not isinstance(a.loss_history_, list) else a.errors_
    hb = b.loss_history_[-1] if not isinstance(b.loss_history_, list) else b.errors_
    np.testing.assert_allclose(ha, hb, rtol=1e-9)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_formats_and_canonicalization_without_touching_the_caller(fmt):
    X, _, _ = problem(5)
    dense = X.toarray()
    # explicit zeros, a duplicate entry (sums with its twin), unsorted indices
    coo = X.tocoo()
    rows = np.concatenate([coo.row, [0, 1, coo.row[0]]])
    cols = np.concatenate([coo.col, [0, 1, coo.col[0]]])
    vals = np.concatenate([coo.data, [0.0, 0.0, 1.5]])
    perm = np.random.default_rng(6).permutation(len(vals))
    messy = sp.coo_matrix((vals[perm], (rows[perm], cols[perm])), shape=X.shape).asformat(fmt)
    if fmt == "csr":
        messy.has_sorted_indices = False
    before = (messy.copy(), getattr(messy, "indices", np.array([])).copy())
    want = dense.copy()
    want[coo.row[0], coo.col[0]] += 1.5
    got = BetaNMF(3, init="random", random_state=0, max_iter=15, tol=0).fit(messy)
    ref = BetaNMF(3, init="random", random_state=0, max_iter=15, tol=0).fit(want)
    np.testing.assert_allclose(got.W_, ref.W_, rtol=1e-10)
    assert (messy != before[0]).nnz == 0
    if fmt != "coo":
        assert np.array_equal(messy.indices, before[1])


@pytest.mark.parametrize("fmt", ["bsr", "lil", "dok", "dia"])
def test_other_formats_fit_as_their_csr(fmt):
    X, _, _ = problem(5)
    got = BetaNMF(3, init="random", random_state=0, max_iter=5, tol=0).fit(X.asformat(fmt))
    ref = BetaNMF(3, init="random", random_state=0, max_iter=5, tol=0).fit(X)
    np.testing.assert_array_equal(got.W_, ref.W_)


def test_broken_structures_are_refused_before_any_conversion():
    """Indices out of range, negative, a decreasing or short pointer, lengths that disagree:
    SciPy's tocsr/tocsc index with such arrays unchecked (segfaults, heap corruption, a
    silent fit, 'vector::_M_default_append'); the library checks first and raises. In a child:
    a crash is a failed test, not a dead run."""
    run_bounded("""
        import numpy as np, scipy.sparse as sp, deepnmf
        def broken():
            base = sp.random(20, 10, density=0.3, random_state=0, format="csr")
            for fmt in ("csr", "csc"):
                for what in ("too_big", "negative", "pointer", "short_pointer", "span"):
                    X = base.asformat(fmt).copy()
                    if what == "too_big": X.indices[5] = 50
                    elif what == "negative": X.indices[5] = -3
                    elif what == "pointer": X.indptr[3], X.indptr[4] = X.indptr[4] + 2, X.indptr[3]
                    elif what == "short_pointer": X.indptr = X.indptr[:-1]
                    else: X.indptr[-1] += 7
                    yield f"{fmt}/{what}", X
            for axis, value in ((0, 50), (0, -1), (1, 10), (1, -5)):
                X = base.tocoo(copy=True)
                (X.row if axis == 0 else X.col)[4] = value
                yield f"coo/{axis}={value}", X
            X = base.tocoo(copy=True); X.data = X.data[:-2]
            yield "coo/lengths", X
            X = base.tobsr(blocksize=(2, 2)); X.indices[0] = 9
            yield "bsr/index", X
        for label, X in broken():
            for fit in (lambda X: deepnmf.BetaNMF(3, max_iter=2).fit(X),
                        lambda X: deepnmf.DeepNMF([3, 2], init_iter=2, max_iter=2).fit(X)):
                try:
                    fit(X)
                except ValueError as e:
                    assert "not a valid sparse matrix" in str(e), (label, e)
                else:
                    raise AssertionError(f"{label}: fitted")
        # a strided data array is a valid matrix: it fits, as its contiguous copy does
        X = sp.random(20, 10, density=0.3, random_state=1, format="csr")
        Xs = sp.csr_matrix((np.repeat(X.data, 2)[::2], X.indices, X.indptr), shape=X.shape)
        assert not Xs.data.flags.c_contiguous
        a = deepnmf.BetaNMF(3, init="random", random_state=0, max_iter=5).fit(Xs)
        b = deepnmf.BetaNMF(3, init="random", random_state=0, max_iter=5).fit(X)
        assert np.array_equal(a.W_, b.W_)
    """)


@pytest.mark.parametrize("bad,match", [(-1.0, "negative"), (np.nan, "NaN"), (np.inf, "NaN")])
def test_bad_sparse_values(bad, match):
    X, _, _ = problem(7)
    X = X.copy()
    X.data[3] = bad
    with pytest.raises(ValueError, match=match):
        BetaNMF(2).fit(X)


def test_sparse_needs_kl():
    X, _, _ = problem(8)
    with pytest.raises(ValueError, match="beta = 1"):
        BetaNMF(2, beta=2).fit(X)
    with pytest.raises(ValueError, match="beta = 1"):
        DeepNMF([3, 2], beta=0.5).fit(X)


def test_sparse_divergence_public():
    X, W, H = problem(9)
    assert beta_divergence(X.toarray(), (W, H), 1.0) == pytest.approx(
        SparseData(X).divergence(W, H, 1.0, 1), rel=1e-12)


def test_no_dense_temporary_for_a_matrix_that_cannot_be_dense():
    """200000 × 200000 with 20000 nonzeros: its dense float64 form is 320 GB (the machine has
    24 GB): a fit that ever formed it, or W H, would fail."""
    n = 200_000
    rng = np.random.default_rng(10)
    X = sp.csr_matrix((rng.uniform(1, 3, 20_000), (rng.integers(0, n, 20_000), rng.integers(0, n, 20_000))),
                      shape=(n, n))
    m = BetaNMF(3, init="random", random_state=0, max_iter=5, tol=0).fit(X)
    assert np.all(np.isfinite(m.W_)) and np.all(np.diff(m.loss_history_) <= 1e-12 * m.loss_history_[:-1])
    d = DeepNMF([3, 2], layer_init="random", init_iter=3, max_iter=3, tol=0, random_state=0).fit(X)
    assert np.all(np.isfinite(d.loss_history_))


def test_data_validated_and_converted_once_per_fit(monkeypatch):
    """DeepNMF → its MultilayerNMF init → layer 1's BetaNMF share one validated data object:
    one CSR canonicalization and one CSC copy per fit, not three."""
    import deepnmf._engine.data as data_mod

    built = []
    original = data_mod.SparseData.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(data_mod.SparseData, "__init__", counting)
    X, _, _ = problem(11)
    DeepNMF([4, 2], init_iter=3, max_iter=2, tol=0).fit(X)
    assert len(built) == 1
    built.clear()
    MinVolDeepNMF([4, 2], init_iter=3, max_iter=2).fit(X)
    assert len(built) == 1


@settings(max_examples=60, deadline=None)
@given(r=st.integers(1, 40), seed=st.integers(0, 2**16), f32=st.booleans(),
       order=st.sampled_from(["C", "F"]))
def test_row_kernels_for_every_tail_length(r, seed, f32, order):
    """The sparse passes' dot products and axpys run over one factor row with masked SIMD
    tails (short_rows.hpp): every rank, hence every tail length 0..7 (and 0..15 for float32
    axpys), gives the dense kernels' results."""
    dtype = np.float32 if f32 else np.float64
    X, W, H = problem(seed % 97, m=23, n=19, r=r, density=0.3, dtype=dtype)
    H = np.asarray(H, order=order)
    s, d = SparseData(X), DenseData(np.ascontiguousarray(X.toarray()))
    rtol = 2e-5 if f32 else 1e-12
    Ws, Wd = W.copy(), W.copy()
    assert s.mu_w(Ws, H, 1.0, 1, True) == pytest.approx(d.mu_w(Wd, np.ascontiguousarray(H), 1.0, 1, True), rel=rtol)
    np.testing.assert_allclose(Ws, Wd, rtol=rtol)
    Hs, Hd = H.copy(order=order), np.ascontiguousarray(H)
    s.mu_h(W, Hs, 1.0, False, 1)
    d.mu_h(W, Hd, 1.0, False, 1)
    np.testing.assert_allclose(Hs, Hd, rtol=rtol)
    # the passes that hand whole blocks of Q to the update (sum-to-one H, coupled W)
    Hn = H / H.sum(axis=1, keepdims=True)
    Hs, Hd = Hn.copy(order=order), np.ascontiguousarray(Hn)
    s.mu_h(W, Hs, 1.0, True, 1)
    d.mu_h(W, Hd, 1.0, True, 1)
    np.testing.assert_allclose(Hs, Hd, rtol=rtol, atol=1e-6 if f32 else 0)
    W_bar = np.full_like(W, 0.5)
    Ws, Wd = W.copy(), W.copy()
    s.coupled_w(Ws, Hn.copy(order=order), W_bar, 0.3, 1.0, 1)
    d.coupled_w(Wd, np.ascontiguousarray(Hn), W_bar, 0.3, 1.0, 1)
    np.testing.assert_allclose(Ws, Wd, rtol=10 * rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_to_one_update_on_sparse_data_with_floored_entries(dtype):
    """mu_h with rows of H summing to one works on Hᵀ in place (8 rows of H per task): with
    many entries driven to the floor (the active-set rounds) and r = 11 (a partial group), it
    gives the dense kernel's rows, which sum to one and stay ≥ ε."""
    X, W, H = problem(9, m=40, n=120, r=11, density=0.2, dtype=dtype)
    rng = np.random.default_rng(9)
    H = H * np.where(rng.random(H.shape) < 0.4, 1e-17, 1.0).astype(dtype)  # many at the floor
    H /= H.sum(axis=1, keepdims=True)
    Hs, Hd = np.asfortranarray(H), H.copy()
    SparseData(X).mu_h(W, Hs, 1.0, True, 2)
    DenseData(np.ascontiguousarray(X.toarray())).mu_h(W, Hd, 1.0, True, 2)
    eps = np.finfo(dtype).eps
    assert (Hs == eps).sum() > 10  # the floor is active
    np.testing.assert_allclose(Hs, Hd, rtol=1e-12 if dtype == np.float64 else 1e-5)
    np.testing.assert_allclose(Hs.astype(np.float64).sum(axis=1), 1.0,
                               atol=1e-12 if dtype == np.float64 else 1e-6)
    assert Hs.min() >= eps


def test_every_sparse_kernel_names_the_three_shapes_when_they_disagree():
    """The shape precondition of Y ≈ W H with Y sparse is written once
    (core/compressed.hpp): every kernel's message names Y, W and H with their shapes."""
    X, W, H = problem(15)
    csr = _core.compressed(X.indptr, X.indices, X.data, *X.shape)
    C = X.tocsc()
    csc = _core.compressed(C.indptr, C.indices, C.data, X.shape[1], X.shape[0])
    W_short = W[:-1].copy()  # one row too few
    Hf = np.asfortranarray(H)
    P, Q = np.empty_like(W_short), np.empty_like(W_short)
    Pt, Qt = np.empty_like(Hf), np.empty_like(Hf)
    m, n = X.shape
    calls = {
        "mu_w": lambda: _core.mu_w_sparse(csr, W_short, Hf, 1.0),
        "mu_h": lambda: _core.mu_h_sparse(csc, W_short, Hf, 1.0),
        "coupled_w": lambda: _core.coupled_w_sparse(csr, W_short, Hf, W_short.copy(), 1.0, 1.0),
        "majorizer_w": lambda: _core.majorizer_w_sparse(csr, W_short, Hf, P, Q),
        "majorizer_h": lambda: _core.majorizer_h_sparse(csc, W_short, Hf, Pt, Qt),
        "beta_divergence": lambda: _core.beta_divergence_wh_sparse(csr, W_short, Hf, 1.0),
        "minvol_w": lambda: _core.minvol_w_sparse(csr, W_short, Hf, None, 0.1, 1.0, 1.0, 100.0,
                                                  1e-6, 10),
    }
    for who, call in calls.items():
        data = "X" if who == "beta_divergence" else "Y"
        with pytest.raises(ValueError) as info:
            call()
        msg = str(info.value)
        assert msg.startswith(f"{who}: shapes do not agree for {data} ≈ W H"), msg
        assert f"{data} ({m}, {n})" in msg and f"W ({m - 1}, 4)" in msg and f"H (4, {n})" in msg, msg
