# Type stub of deepnmf._core: the compiled kernels (one build per ISA level, chosen at import),
# one section per family in the order of cpp/bindings/module.cpp. This is the kernel list:
# tests/python/kernels/test_core_stub.py compares it with the loaded module in both directions.
# Every array argument must already have the exact dtype (float32 or float64, all alike) and
# C order: the kernels never copy (a mismatch is a TypeError).
from typing import Any

import numpy as np
from numpy.typing import NDArray

Float = NDArray[np.floating[Any]]
Index = NDArray[np.integer[Any]]

ISA_LEVEL: str
OPENMP: bool
CORE_NAME: str
beta_range: dict[str, tuple[float, float]]

# ---- core (register_core.cpp)
def max_threads() -> int: ...
def product(A: Float, B: Float, C: Float, n_threads: int = 1) -> None: ...

# ---- beta (register_beta.cpp)
def beta_divergence(X: Float, V: Float, beta: float, n_threads: int = 1) -> float: ...
def beta_divergence_wh(X: Float, W: Float, H: Float, beta: float, n_threads: int = 1) -> float: ...
def mu_h(Y: Float, W: Float, H: Float, beta: float, row_sums_one: bool = False,
         n_threads: int = 1, want_loss: bool = False) -> float: ...
def mu_w(Y: Float, W: Float, H: Float, beta: float, n_threads: int = 1,
         want_loss: bool = False) -> float: ...
def coupled_w(Y: Float, W: Float, H: Float, W_bar: Float, lam: float, beta: float,
              n_threads: int = 1, want_loss: bool = False) -> float: ...
def majorizer_w(Y: Float, W: Float, H: Float, beta: float, P: Float, Q: Float,
                n_threads: int = 1, want_loss: bool = False) -> float: ...
def majorizer_h(Y: Float, W: Float, H: Float, beta: float, P: Float, Q: Float,
                n_threads: int = 1, want_loss: bool = False) -> float: ...

# ---- sparse (register_sparse.cpp): structures checked once (CSR for the W-type updates and
# the divergence, CSC for mu_h), and the β = 1 kernels on them
class Compressed:
    """CSR or CSC arrays checked once and held (CompressedF64I32, … in the module)."""

    outer: int
    inner: int
    nnz: int

def compressed(indptr: Index, indices: Index, data: Float, outer: int, inner: int) -> Compressed: ...
def majorizer_w_sparse(Y: Compressed, W: Float, H: Float, P: Float, Q: Float,
                       n_threads: int = 1, want_loss: bool = False) -> float: ...
def majorizer_h_sparse(Y: Compressed, W: Float, H: Float, P: Float, Q: Float,
                       n_threads: int = 1, want_loss: bool = False) -> float: ...
def mu_h_sparse(Y: Compressed, W: Float, H: Float, beta: float, row_sums_one: bool = False,
                n_threads: int = 1, want_loss: bool = False) -> float: ...
def mu_w_sparse(Y: Compressed, W: Float, H: Float, beta: float, n_threads: int = 1,
                want_loss: bool = False) -> float: ...
def coupled_w_sparse(Y: Compressed, W: Float, H: Float, W_bar: Float, lam: float, beta: float,
                     n_threads: int = 1, want_loss: bool = False) -> float: ...
def beta_divergence_wh_sparse(X: Compressed, W: Float, H: Float, beta: float,
                              n_threads: int = 1) -> float: ...
def minvol_w_sparse(Y: Compressed, W: Float, H: Float, W_bar: Float | None, alpha: float,
                    lam: float, delta: float, rho: float, tol: float, max_iter: int,
                    n_threads: int = 1, adaptive_rho: bool = False,
                    exact: bool = False) -> dict[str, Any]: ...

# ---- special (register_special.cpp)
def wright_omega(y: Float) -> Float: ...
def lambert_w0(x: Float) -> Float: ...

# ---- minvol (register_minvol.cpp)
def minvol_w(Y: Float, W: Float, H: Float, W_bar: Float | None, alpha: float, lam: float,
             delta: float, rho: float, tol: float, max_iter: int, n_threads: int = 1,
             adaptive_rho: bool = False, exact: bool = False) -> dict[str, Any]: ...
def logdet_gram(W: Float, delta: float) -> float: ...

# ---- testing (register_testing.cpp): the submodule _core.testing, not used by the estimators;
# the sparse kernels there take the raw arrays with the shape (m, n) of Y, checked every call
class _Testing:
    @staticmethod
    def solve_row_multiplier(h_tilde: Float, p: Float, q: Float, beta: float) -> tuple[Float, float]: ...
    @staticmethod
    def rowsum_kl_transposed(Ht: Float, Qt: Float, n_threads: int = 1) -> None: ...
    @staticmethod
    def coupled_w_row(w_tilde: Float, w_bar: Float, P: Float, Q: Float, lam: float,
                      beta: float) -> Float: ...
    @staticmethod
    def minvol_wstep(Y: Float, W: Float, H: Float, V: Float, alpha: float, delta: float,
                     rho: float) -> tuple[Float, Float, Float]: ...
    @staticmethod
    def minvol_zstep(V: Float, W_bar: Float, nu: float) -> Float: ...
    @staticmethod
    def mu_h_sparse(indptr: Index, indices: Index, data: Float, m: int, n: int, W: Float,
                    H: Float, beta: float, row_sums_one: bool = False, n_threads: int = 1,
                    want_loss: bool = False) -> float: ...
    @staticmethod
    def mu_w_sparse(indptr: Index, indices: Index, data: Float, m: int, n: int, W: Float,
                    H: Float, beta: float, n_threads: int = 1, want_loss: bool = False) -> float: ...
    @staticmethod
    def coupled_w_sparse(indptr: Index, indices: Index, data: Float, m: int, n: int, W: Float,
                         H: Float, W_bar: Float, lam: float, beta: float, n_threads: int = 1,
                         want_loss: bool = False) -> float: ...
    @staticmethod
    def beta_divergence_wh_sparse(indptr: Index, indices: Index, data: Float, m: int, n: int,
                                  W: Float, H: Float, beta: float, n_threads: int = 1) -> float: ...
    @staticmethod
    def minvol_w_sparse(indptr: Index, indices: Index, data: Float, m: int, n: int, W: Float,
                        H: Float, W_bar: Float | None, alpha: float, lam: float, delta: float,
                        rho: float, tol: float, max_iter: int, n_threads: int = 1,
                        adaptive_rho: bool = False, exact: bool = False) -> dict[str, Any]: ...

testing: _Testing
