"""The first layer's data, dense or sparse, behind one interface: each method is one call of
the compiled core. Dense data is the validated array itself (no copy); sparse data
(scipy.sparse, β = 1) is held as canonical CSR (row passes) plus its CSC twin (column passes),
so every update costs O(nnz·r) and no m×n array is ever formed."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from .. import _core
from .base import warn
from .validation import FLOAT_DTYPES, Scale

ALIGNMENT = 64  # bytes: a cache line, and an AVX-512 vector


def aligned(a: Any, dtype: Any, order: str, copy: bool = False) -> np.ndarray:
    """`a` as an array of `dtype` in `order` ("C" or "F") whose data starts on a 64-byte
    boundary: `a` itself when it is one already (and not `copy`), else a copy.

    For the estimators' working factors. The sparse passes gather one factor row (r entries)
    per nonzero; NumPy places data 16 bytes past a line boundary, and every 64-byte load of
    such rows straddles two cache lines: the W and H passes of one KL iteration on `classic`
    (r = 20) took 5.33 – 5.65 ms so placed, 4.47 – 4.67 ms aligned (bench_sparse_calls.py)."""
    dtype = np.dtype(dtype)
    if (not copy and isinstance(a, np.ndarray) and a.dtype == dtype
            and (a.flags.c_contiguous if order == "C" else a.flags.f_contiguous)
            and a.ctypes.data % ALIGNMENT == 0):
        return a
    src = np.asarray(a)
    nbytes = src.size * dtype.itemsize
    buf = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -buf.ctypes.data % ALIGNMENT
    out = buf[start:start + nbytes].view(dtype).reshape(src.shape, order=order)
    out[...] = src
    return out


def rounding_level(values: np.ndarray, beta: float, r: int) -> float:
    """8 r ε² Σ x^β over the positive entries (in chunks: no data-sized temporary)."""
    flat = values.reshape(-1)
    total = 0.0
    for start in range(0, flat.size, 1 << 16):
        x = flat[start:start + (1 << 16)].astype(np.float64)
        x = x[x > 0]
        total += float(np.sum(x if beta == 1.0 else x**beta))
    eps = float(np.finfo(values.dtype).eps)
    return 8.0 * r * eps * eps * total


class LayerData(Protocol):
    """The data of one layer (X, or W_{ℓ−1}), whatever holds it: every solver family reads
    its layer through these methods only, each one ``_core`` call or a few. Shapes and dtypes
    are fixed at construction. The fused updates are the hot paths; the primitives below them
    (the β majorizer's P and Q, the cross products and the squared norm of the Frobenius
    family) let masks, labels and blocked data compose — a sum of majorizers, a reduction of
    cross products over blocks — without a fused kernel per combination."""

    sparse: bool
    shape: tuple[int, int]
    dtype: np.dtype

    @property
    def matrix(self) -> Any: ...
    def mean(self) -> float: ...
    def rounding_level(self, beta: float, r: int) -> float: ...
    def factor_layout(self, H: np.ndarray, copy: bool = False) -> np.ndarray: ...
    def w_layout(self, W: np.ndarray, copy: bool = False) -> np.ndarray: ...
    # the β family: fused in-place updates (returning the incoming iterate's loss on request)
    def divergence(self, W: np.ndarray, H: np.ndarray, beta: float, nt: int) -> float: ...
    def mu_w(self, W: np.ndarray, H: np.ndarray, beta: float, nt: int,
             want_loss: bool = False) -> float: ...
    def mu_h(self, W: np.ndarray, H: np.ndarray, beta: float, row_sums_one: bool, nt: int,
             want_loss: bool = False) -> float: ...
    def coupled_w(self, W: np.ndarray, H: np.ndarray, W_bar: np.ndarray, lam: float,
                  beta: float, nt: int, want_loss: bool = False) -> float: ...
    def minvol_w(self, W: np.ndarray, H: np.ndarray, W_bar: np.ndarray | None, alpha: float,
                 lam: float, *, delta: float, rho: float, tol: float, max_iter: int,
                 n_threads: int, adaptive_rho: bool, exact: bool) -> dict: ...
    # primitives: (P, Q, loss) of the majorizer of Dβ(Y, W H) in W (m×r) or in H (r×n),
    # the update then being W ← W ⊙ (Q ⊘ P)^γ; the cross products Y Hᵀ (m×r), Wᵀ Y (r×n)
    # and ‖Y‖²_F, from which ‖Y − W H‖² = ‖Y‖² − 2⟨W, Y Hᵀ⟩ + ⟨WᵀW, H Hᵀ⟩ never forms W H
    def majorizer_w(self, W: np.ndarray, H: np.ndarray, beta: float, nt: int,
                    want_loss: bool = False) -> tuple[np.ndarray, np.ndarray, float]: ...
    def majorizer_h(self, W: np.ndarray, H: np.ndarray, beta: float, nt: int,
                    want_loss: bool = False) -> tuple[np.ndarray, np.ndarray, float]: ...
    def cross_w(self, Ht: np.ndarray, nt: int) -> np.ndarray: ...
    def cross_h(self, W: np.ndarray, nt: int) -> np.ndarray: ...
    def sq_norm(self) -> float: ...


class DenseData:
    """A C-contiguous float32/float64 array."""

    sparse = False

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.shape = X.shape
        self.dtype = X.dtype

    @property
    def matrix(self) -> np.ndarray:
        """The data as the caller's library sees it (the validated array)."""
        return self.X

    def mean(self) -> float:
        return float(self.X.mean())

    def rounding_level(self, beta: float, r: int) -> float:
        """The error Dβ(X, V) of a V that reproduces X to the rounding of a product of rank r:
        V = X (1 + δ) with δ² ≈ r ε² per entry gives Σ dβ ≈ Σ x^β δ²/2, and 16 times that
        is taken (see layers.auto_weights)."""
        return rounding_level(self.X, beta, r)

    def factor_layout(self, H: np.ndarray, copy: bool = False) -> np.ndarray:
        """H (r×n) in the layout the dense kernels read: C order, the data's dtype (a new
        array when `copy`, else only when H is not in that form), 64-byte aligned."""
        return aligned(H, self.dtype, "C", copy)

    def w_layout(self, W: np.ndarray, copy: bool = False) -> np.ndarray:
        """W (m×r) in the layout the kernels read: C order, the data's dtype, 64-byte aligned
        (a new array when `copy`, else only when W is not in that form)."""
        return aligned(W, self.dtype, "C", copy)

    def mu_w(self, W, H, beta, nt, want_loss=False) -> float:
        return _core.mu_w(self.X, W, H, beta, nt, want_loss)

    def mu_h(self, W, H, beta, row_sums_one, nt, want_loss=False) -> float:
        return _core.mu_h(self.X, W, H, beta, row_sums_one, nt, want_loss)

    def coupled_w(self, W, H, W_bar, lam, beta, nt, want_loss=False) -> float:
        return _core.coupled_w(self.X, W, H, W_bar, lam, beta, nt, want_loss)

    def divergence(self, W, H, beta, nt) -> float:
        return _core.beta_divergence_wh(self.X, W, H, beta, nt)

    def minvol_w(self, W, H, W_bar, alpha, lam, *, delta, rho, tol, max_iter, n_threads,
                 adaptive_rho, exact) -> dict:
        return _core.minvol_w(self.X, W, H, W_bar, alpha, lam, delta, rho, tol, max_iter,
                              n_threads, adaptive_rho, exact)

    def majorizer_w(self, W, H, beta, nt, want_loss=False) -> tuple[np.ndarray, np.ndarray, float]:
        P, Q = (np.empty(W.shape, dtype=self.dtype) for _ in range(2))
        loss = _core.majorizer_w(self.X, W, H, beta, P, Q, nt, want_loss)
        return P, Q, loss

    def majorizer_h(self, W, H, beta, nt, want_loss=False) -> tuple[np.ndarray, np.ndarray, float]:
        P, Q = (np.empty(H.shape, dtype=self.dtype) for _ in range(2))
        loss = _core.majorizer_h(self.X, W, H, beta, P, Q, nt, want_loss)
        return P, Q, loss

    def cross_w(self, Ht, nt) -> np.ndarray:
        """Y Hᵀ (m×r) from Hᵀ (n×r, C order): the W-side product of the Frobenius solvers."""
        out = np.empty((self.shape[0], Ht.shape[1]), dtype=self.dtype)
        _core.product(self.X, Ht, out, nt)
        return out

    def cross_h(self, W, nt) -> np.ndarray:
        """(Wᵀ Y)ᵀ = Yᵀ W (n×r, C order: the rows are the r-vectors the H-block updates), by
        column blocks of Y — no transposed copy of Y."""
        out = np.empty((self.shape[1], W.shape[1]), dtype=self.dtype)
        _core.cross_t(self.X, W, out, nt)
        return out

    def sq_norm(self) -> float:
        return float(np.einsum("ij,ij->", self.X, self.X, dtype=np.float64))


def _index_array(a: Any, what: str, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} is not a valid sparse matrix: its {what} must be a 1-D "
                         f"integer array, got dtype {arr.dtype} with shape {arr.shape}")
    return arr


def _check_in_range(idx: np.ndarray, bound: int, what: str, name: str) -> None:
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= bound):
        raise ValueError(f"{name} is not a valid sparse matrix: {what} out of range "
                         f"(found {int(idx.min())} … {int(idx.max())}, the shape allows 0 … "
                         f"{bound - 1})")


def _check_compressed_structure(X: Any, major: int, minor: int, name: str) -> None:
    """CSR/CSC/BSR arrays as SciPy's converters index them: a monotone pointer from 0 that
    spans the stored entries, indices within the minor dimension."""
    indptr = _index_array(X.indptr, "index pointer", name)
    indices = _index_array(X.indices, "indices", name)
    data = np.asarray(X.data)
    if indptr.size != major + 1:
        raise ValueError(f"{name} is not a valid sparse matrix: its index pointer has "
                         f"{indptr.size} entries, its shape needs {major + 1}")
    nnz = int(indptr[-1])
    if int(indptr[0]) != 0 or nnz > indices.size or data.shape[0] != indices.size:
        raise ValueError(f"{name} is not a valid sparse matrix: the index pointer runs from "
                         f"{int(indptr[0])} to {nnz} over {indices.size} indices and "
                         f"{data.shape[0]} values")
    if (np.diff(indptr) < 0).any():
        raise ValueError(f"{name} is not a valid sparse matrix: its index pointer decreases")
    _check_in_range(indices[:nnz], minor, "column indices" if X.format == "csr" else
                    "row indices" if X.format == "csc" else "block indices", name)


def check_sparse_structure(X: Any, name: str = "X") -> Any:
    """A scipy.sparse matrix whose index structure is consistent with its shape, checked before
    any SciPy conversion touches it: SciPy's tocsr/tocsc index with the arrays unchecked, and a
    crafted structure (an index out of range, a decreasing pointer) corrupts memory there.
    Returns X, or for LIL/DOK/DIA (whose conversions are Python-level) its COO form, which is
    then checked like any COO. Raises ValueError naming what is wrong."""
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D sparse matrix for {name}, got {X.ndim} dimension(s)")
    m, n = (int(d) for d in X.shape)
    fmt = X.format
    if fmt in ("lil", "dok", "dia"):
        X = X.tocoo()
        fmt = "coo"
    if fmt == "csr":
        _check_compressed_structure(X, m, n, name)
    elif fmt == "csc":
        _check_compressed_structure(X, n, m, name)
    elif fmt == "bsr":
        R, C = X.blocksize
        if R < 1 or C < 1 or m % R or n % C or np.asarray(X.data).ndim != 3:
            raise ValueError(f"{name} is not a valid sparse matrix: blocks of {R}x{C} do not "
                             f"tile its shape {X.shape}")
        _check_compressed_structure(X, m // R, n // C, name)
    elif fmt == "coo":
        coords = X.coords if hasattr(X, "coords") else (X.row, X.col)
        row = _index_array(coords[0], "row indices", name)
        col = _index_array(coords[1], "column indices", name)
        if not (row.size == col.size == np.asarray(X.data).size):
            raise ValueError(f"{name} is not a valid sparse matrix: {row.size} row indices, "
                             f"{col.size} column indices and {np.asarray(X.data).size} values")
        _check_in_range(row, m, "row indices", name)
        _check_in_range(col, n, "column indices", name)
    else:
        raise ValueError(f"{name}: scipy.sparse format {fmt!r} is not supported; use CSR, CSC "
                         "or COO")
    return X


class SparseData:
    """scipy.sparse data for β = 1: canonical CSR and CSC with one index dtype."""

    sparse = True

    def __init__(self, X: Any, name: str = "X") -> None:
        X = check_sparse_structure(X, name)  # before SciPy's converters index with it
        csr = sp.csr_matrix(X)  # a view when X is already a CSR matrix
        if csr.dtype not in FLOAT_DTYPES:
            if csr.dtype == object or np.iscomplexobj(csr.data):
                raise ValueError(f"{name} must hold real numbers, got dtype {csr.dtype}")
            csr = csr.astype(np.float64)
        if csr.shape[0] == 0 or csr.shape[1] == 0:
            raise ValueError(f"{name} is empty (shape {csr.shape}); nothing to factorize")
        if not np.isfinite(csr.data).all():
            raise ValueError(f"{name} contains NaN or infinity; clean the data first")
        if (csr.data < 0).any():
            raise ValueError(f"{name} has negative entries (min {csr.data.min():.3g}); "
                             "NMF needs nonnegative data")
        # canonical form (sorted indices, no duplicates, no explicit zeros) without touching
        # the caller's matrix: copy only when it is not canonical already
        if not csr.has_canonical_format or (csr.data == 0).any():
            csr = csr.copy()
            csr.sum_duplicates()
            csr.eliminate_zeros()
            csr.sort_indices()
        if not (csr.data.flags.c_contiguous and csr.data.flags.aligned):  # a strided or
            # misaligned view of the caller's values
            csr = sp.csr_matrix((np.ascontiguousarray(csr.data), csr.indices, csr.indptr),
                                shape=csr.shape)
        itype = np.int64 if (csr.indptr.dtype == np.int64 or csr.indices.dtype == np.int64) else np.int32
        self.csr = csr
        csc = csr.tocsc()
        csc.sort_indices()
        self.csc = csc
        self.shape = csr.shape
        self.dtype = csr.dtype
        m, n = csr.shape
        # Both structures are checked once here and held by the core, which then reads them on
        # every pass unchecked: their index arrays must not change meanwhile, so they are this
        # object's own (the caller's CSR may share its arrays with `csr`).
        self.csr_core = _core.compressed(np.array(csr.indptr, dtype=itype),
                                         np.array(csr.indices, dtype=itype), csr.data, m, n)
        self.csc_core = _core.compressed(csc.indptr.astype(itype, copy=False),
                                         csc.indices.astype(itype, copy=False), csc.data, n, m)

    @property
    def matrix(self) -> sp.csr_matrix:
        """The canonical CSR matrix."""
        return self.csr

    def mean(self) -> float:
        return float(self.csr.data.sum() / (self.shape[0] * self.shape[1]))

    def rounding_level(self, beta: float, r: int) -> float:
        """As DenseData.rounding_level (zeros add nothing for β > 0)."""
        return rounding_level(self.csr.data, beta, r)

    def factor_layout(self, H: np.ndarray, copy: bool = False) -> np.ndarray:
        """H (r×n) in the layout the sparse kernels read: Fortran order, the data's dtype (a
        new array when `copy`, else only when H is not in that form). Both passes read H a
        column at a time at the data's column indices; in C order every call would transpose
        H (the kernels take either, but the copy costs more than the pass's own O(nnz·r) work
        on data like `classic`). 64-byte aligned (see `aligned`)."""
        return aligned(H, self.dtype, "F", copy)

    def w_layout(self, W: np.ndarray, copy: bool = False) -> np.ndarray:
        """W (m×r) as DenseData.w_layout: C order, 64-byte aligned rows start (see `aligned`)."""
        return aligned(W, self.dtype, "C", copy)

    def mu_w(self, W, H, beta, nt, want_loss=False) -> float:
        return _core.mu_w_sparse(self.csr_core, W, H, beta, nt, want_loss)

    def mu_h(self, W, H, beta, row_sums_one, nt, want_loss=False) -> float:
        return _core.mu_h_sparse(self.csc_core, W, H, beta, row_sums_one, nt, want_loss)

    def coupled_w(self, W, H, W_bar, lam, beta, nt, want_loss=False) -> float:
        return _core.coupled_w_sparse(self.csr_core, W, H, W_bar, lam, beta, nt, want_loss)

    def divergence(self, W, H, beta, nt) -> float:
        return _core.beta_divergence_wh_sparse(self.csr_core, W, H, beta, nt)

    def minvol_w(self, W, H, W_bar, alpha, lam, *, delta, rho, tol, max_iter, n_threads,
                 adaptive_rho, exact) -> dict:
        return _core.minvol_w_sparse(self.csr_core, W, H, W_bar, alpha, lam, delta, rho, tol,
                                     max_iter, n_threads, adaptive_rho, exact)

    def majorizer_w(self, W, H, beta, nt, want_loss=False) -> tuple[np.ndarray, np.ndarray, float]:
        check_beta_is_kl(beta, "majorizer_w")
        P, Q = (np.empty(W.shape, dtype=self.dtype) for _ in range(2))
        loss = _core.majorizer_w_sparse(self.csr_core, W, H, P, Q, nt, want_loss)
        return P, Q, loss

    def majorizer_h(self, W, H, beta, nt, want_loss=False) -> tuple[np.ndarray, np.ndarray, float]:
        check_beta_is_kl(beta, "majorizer_h")
        # Fortran order, as H next to sparse data: the kernel writes them in place
        P, Q = (np.empty(H.shape, dtype=self.dtype, order="F") for _ in range(2))
        loss = _core.majorizer_h_sparse(self.csc_core, W, H, P, Q, nt, want_loss)
        return P, Q, loss

    def cross_w(self, Ht, nt) -> np.ndarray:
        """As DenseData.cross_w: SciPy's sparse × dense, O(nnz·r)."""
        return np.ascontiguousarray(self.csr @ Ht, dtype=self.dtype)

    def cross_h(self, W, nt) -> np.ndarray:
        """As DenseData.cross_h: Yᵀ W (n×r) from the CSC structure, O(nnz·r)."""
        return np.ascontiguousarray(self.csc.T @ W, dtype=self.dtype)

    def sq_norm(self) -> float:
        d = self.csr.data
        return float(np.dot(d, d)) if d.dtype == np.float64 else float(
            np.einsum("i,i->", d, d, dtype=np.float64))


def check_beta_is_kl(beta: float, who: str) -> None:
    if beta != 1.0:
        raise ValueError(f"{who}: sparse data is supported for beta = 1 (Kullback-Leibler), "
                         f"got beta={beta:g}")


def check_input(X: Any, beta: float, name: str = "X",
                frobenius: bool = False) -> tuple[LayerData, Scale]:
    """Validate the data once per fit and wrap it: (data, scale) where data holds 2^k X
    (k = 0 inside the dtype's data band, see validation.Scale); β must lie in the range
    supported for the data's dtype. Sparse data: β = 1, or β = 2 for the Frobenius solvers
    (``frobenius``: they need X Hᵀ and Xᵀ W only)."""
    from .validation import check_beta_range, check_data, check_data_range, scaled_data

    if not sp.issparse(X):
        X = check_data(X, beta, name)
        check_beta_range(beta, X.dtype)
        Xs, scale = scaled_data(X, beta, name)
        return DenseData(Xs), scale
    if beta != 1.0 and not (frobenius and beta == 2.0):
        raise ValueError(
            f"sparse {name} is supported for beta = 1 (Kullback-Leibler) and for beta = 2 with "
            "a Frobenius solver (solver='hals', 'anls', …); for beta = 1 the updates "
            f"need W H on the nonzeros only; with beta={beta:g} every entry matters: pass "
            f"{name}.toarray() (dense) instead")
    data = SparseData(X, name)
    if data.csr.nnz == 0:
        warn(f"{name} is all zeros: every factorization fits it", RuntimeWarning)
    check_beta_range(beta, data.dtype)
    largest = float(data.csr.data.max()) if data.csr.nnz else 0.0
    check_data_range(largest, None, beta, data.dtype, name)  # β = 1: no span to check
    scale = Scale.of(largest, beta, data.dtype)
    if not scale.unit:
        scaled = data.csr.copy()
        scaled.data = scale.to_fit(scaled.data)
        data = SparseData(scaled, name)
    return data, scale
