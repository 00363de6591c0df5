// The only pybind11 file. Every array argument is bound with .noconvert() to a row-major
// Eigen::Ref of the exact dtype: a wrong dtype or layout is a TypeError, never a silent copy
// (Python normalizes once per fit, in deepnmf._validation). The one exception is H next to
// sparse data, taken in C or Fortran order (FactorTranspose). Each kernel runs with the GIL
// released: it touches only the buffers pinned by its arguments and no Python object.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "deepnmf/beta/beta.hpp"
#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/beta/divergence.hpp"
#include "deepnmf/special/wright_omega.hpp"
#include "deepnmf/minvol/minvol.hpp"
#include "deepnmf/beta/mu.hpp"
#include "deepnmf/beta/rowsum.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/linalg.hpp"
#include "deepnmf/beta/passes_sparse.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace deepnmf {
namespace {

#define DEEPNMF_STR2(x) #x
#define DEEPNMF_STR(x) DEEPNMF_STR2(x)

template <class T>
void register_divergence_t(py::module_& m) {
  m.def(
      "beta_divergence",
      [](CMatRef<T> X, CMatRef<T> V, double beta, int n_threads) {
        py::gil_scoped_release nogil;
        return beta_divergence<T>(X, V, beta, n_threads);
      },
      "X"_a.noconvert(), "V"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
      "D_beta(X, V) summed over all entries.");
  m.def(
      "beta_divergence_wh",
      [](CMatRef<T> X, CMatRef<T> W, CMatRef<T> H, double beta, int n_threads) {
        py::gil_scoped_release nogil;
        return beta_divergence_wh<T>(X, W, H, beta, n_threads);
      },
      "X"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
      "D_beta(X, W H) without forming W H.");
}

template <class T>
void register_mu_t(py::module_& m) {
  m.def(
      "mu_h",
      [](CMatRef<T> Y, CMatRef<T> W, MatRef<T> H, double beta, bool row_sums_one, int n_threads,
         bool want_loss) {
        py::gil_scoped_release nogil;
        return mu_h<T>(Y, W, H, beta, row_sums_one, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a,
      "row_sums_one"_a = false, "n_threads"_a = 1, "want_loss"_a = false,
      "In-place MU of H; returns D_beta(Y, W H_old) when want_loss.");
  m.def(
      "mu_w",
      [](CMatRef<T> Y, MatRef<T> W, CMatRef<T> H, double beta, int n_threads, bool want_loss) {
        py::gil_scoped_release nogil;
        return mu_w<T>(Y, W, H, beta, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
      "want_loss"_a = false, "In-place MU of W; returns D_beta(Y, W_old H) when want_loss.");
}

template <class T>
void register_multiplier_t(py::module_& m) {
  m.def(
      "solve_row_multiplier",
      [](CVecRef<T> h_tilde, CVecRef<T> p, CVecRef<T> q, double beta) {
        require_supported_beta<T>(Beta(beta), "solve_row_multiplier");
        const Index n = h_tilde.size();
        require(p.size() == n && q.size() == n, "solve_row_multiplier: lengths differ");
        for (const T* a : {h_tilde.data(), p.data(), q.data()})
          require_aligned_ptr(a, "solve_row_multiplier", "an argument");
        require(n > 0, "solve_row_multiplier: empty row");
        Vec<T> h(n);
        double mu = 0.0;
        {
          py::gil_scoped_release nogil;
          mu = solve_row_multiplier<T>(h_tilde.data(), p.data(), q.data(), h.data(), n,
                                       Beta(beta));
        }
        return py::make_tuple(h, mu);
      },
      "h_tilde"_a.noconvert(), "p"_a.noconvert(), "q"_a.noconvert(), "beta"_a,
      "One row of the sum-to-one H-update: returns (h, mu).");
  m.def(
      "rowsum_kl_transposed",
      [](MatRef<T> Ht, CMatRef<T> Qt, int n_threads) {
        require(Ht.rows() == Qt.rows() && Ht.cols() == Qt.cols(),
                "rowsum_kl_transposed: Ht and Qt differ in shape");
        require_aligned(Ht, "rowsum_kl_transposed", "Ht");
        require_aligned(Qt, "rowsum_kl_transposed", "Qt");
        const Mat<T> Q = Qt;  // the kernel takes a plain matrix (the sparse pass's own buffer)
        py::gil_scoped_release nogil;
        rowsum_update_kl_transposed<T>(Ht, Q, n_threads);
      },
      "Ht"_a.noconvert(), "Qt"_a.noconvert(), "n_threads"_a = 1,
      "In place, the beta = 1 sum-to-one update of H given as Ht = H.T (n x r, C order) with "
      "Qt = Q.T: column k of Ht becomes solve_row_multiplier's row k, up to 32 rows per sweep.");
}

template <class T>
void register_coupled_t(py::module_& m) {
  m.def(
      "coupled_w",
      [](CMatRef<T> Y, MatRef<T> W, CMatRef<T> H, CMatRef<T> W_bar, double lam, double beta,
         int n_threads, bool want_loss) {
        py::gil_scoped_release nogil;
        return coupled_w<T>(Y, W, H, W_bar, lam, beta, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a.noconvert(), "lam"_a,
      "beta"_a, "n_threads"_a = 1, "want_loss"_a = false,
      "In-place coupled W-update of deep beta-NMF; returns D_beta(Y, W_old H) when want_loss.");
  m.def(
      "coupled_w_row",
      [](CVecRef<T> w_tilde, CVecRef<T> w_bar, CVecRef<T> P, CVecRef<T> Q, double lam,
         double beta) {
        require_supported_beta<T>(Beta(beta), "coupled_w_row");
        const Index r = w_tilde.size();
        require(w_bar.size() == r && P.size() == r && Q.size() == r,
                "coupled_w_row: lengths differ");
        for (const T* a : {w_tilde.data(), w_bar.data(), P.data(), Q.data()})
          require_aligned_ptr(a, "coupled_w_row", "an argument");
        Vec<T> out(r);
        coupled_w_row<T>(w_tilde.data(), w_bar.data(), P.data(), Q.data(), out.data(), r, lam,
                         Beta(beta));
        return out;
      },
      "w_tilde"_a.noconvert(), "w_bar"_a.noconvert(), "P"_a.noconvert(), "Q"_a.noconvert(),
      "lam"_a, "beta"_a, "The entrywise coupled W minimizer for one row (tests).");
}

/// Elementwise special functions over C-contiguous arrays of any shape.
template <class T>
void register_special_t(py::module_& m) {
  using Arr = py::array_t<T, py::array::c_style>;
  m.def(
      "wright_omega",
      [](Arr y) {
        require_aligned_ptr(y.data(), "wright_omega", "y");
        Arr out(std::vector<py::ssize_t>(y.shape(), y.shape() + y.ndim()));
        const T* in = y.data();
        T* o = out.mutable_data();
        const Index n = static_cast<Index>(y.size());
        {
          py::gil_scoped_release nogil;
          wright_omega<T>(in, o, n);
        }
        return out;
      },
      "y"_a.noconvert(), "Wright omega: z with z + log z = y.");
  m.def(
      "lambert_w0",
      [](Arr x) {
        require_aligned_ptr(x.data(), "lambert_w0", "x");
        Arr out(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
        const T* in = x.data();
        T* o = out.mutable_data();
        const Index n = static_cast<Index>(x.size());
        {
          py::gil_scoped_release nogil;
          lambert_w0<T>(in, o, n);
        }
        return out;
      },
      "x"_a.noconvert(), "Principal branch W0 for x >= 0 (NaN elsewhere).");
}

template <class T>
void register_product_t(py::module_& m) {
  m.def(
      "product",
      [](CMatRef<T> A, CMatRef<T> B, MatRef<T> C, int n_threads) {
        py::gil_scoped_release nogil;
        product<T>(A, B, C, n_threads);
      },
      "A"_a.noconvert(), "B"_a.noconvert(), "C"_a.noconvert(), "n_threads"_a = 1,
      "C = A B on deepnmf's threads.");
}

template <class T>
void register_minvol_t(py::module_& m) {
  m.def(
      "minvol_w",
      [](CMatRef<T> Y, MatRef<T> W, CMatRef<T> H, std::optional<MatD> W_bar, double alpha,
         double lam, double delta, double rho, double tol, int max_iter, int n_threads,
         bool adaptive_rho, bool exact) {
        AdmmReport rep;
        {
          py::gil_scoped_release nogil;
          rep = minvol_w<T>(Y, W, H, W_bar ? &*W_bar : nullptr, alpha, lam, delta, rho, tol,
                            max_iter, n_threads, adaptive_rho, exact);
        }
        return py::dict("iterations"_a = rep.iterations, "residual"_a = rep.residual,
                        "rho"_a = rep.rho,
                        "accepted"_a = rep.accepted, "block_decrease"_a = rep.block_decrease);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a, "alpha"_a, "lam"_a,
      "delta"_a, "rho"_a, "tol"_a, "max_iter"_a, "n_threads"_a = 1, "adaptive_rho"_a = false, "exact"_a = false,
      "In-place min-vol W-update (ADMM for l < L; one exact step when W_bar is None).");
  m.def(
      "logdet_gram",
      [](CMatRef<T> W, double delta) {
        require_aligned(W, "logdet_gram", "W");
        return logdet_gram<T>(W, delta);
      },
      "W"_a.noconvert(), "delta"_a, "ln det(W^T W + delta I).");
  m.def(
      "minvol_wstep",
      [](CMatRef<T> Y, CMatRef<T> W, CMatRef<T> H, const MatD& V, double alpha, double delta,
         double rho) {
        require_product_shapes(Y, W, H, "minvol_wstep");
        require(W.rows() > 0 && W.cols() > 0 && all_positive(W),
                "minvol_wstep: W must be positive with at least one row and one column");
        require(V.rows() == W.rows() && V.cols() == W.cols(), "minvol_wstep: V and W differ in shape");
        require(std::isfinite(alpha) && alpha >= 0.0 && std::isfinite(rho) && rho >= 0.0,
                "minvol_wstep: alpha and rho must be nonnegative finite numbers");
        const LogdetMajorizer maj = logdet_majorizer<T>(W, delta);
        const MinvolBlock blk = minvol_block<T>(Y, W, H, maj, alpha, rho, 1);
        VecD mu = VecD::Zero(W.cols());
        MatD out;
        minvol_wstep(blk, V, mu, out);
        return py::make_tuple(out, mu, maj.A);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "V"_a, "alpha"_a, "delta"_a,
      "rho"_a, "One ADMM W-step (24) at W_tilde = W (tests): returns (W_new, mu, A).");
}

void register_minvol(py::module_& m) {
  register_minvol_t<float>(m);
  register_minvol_t<double>(m);
  m.def(
      "minvol_zstep",
      [](const MatD& V, const MatD& W_bar, double nu) {
        require(V.rows() == W_bar.rows() && V.cols() == W_bar.cols(), "minvol_zstep: shapes differ");
        require(nu > 0.0, "minvol_zstep: nu must be positive");
        MatD Z;
        minvol_zstep(V, W_bar.array().log().matrix(), nu, Z);
        return Z;
      },
      "V"_a, "W_bar"_a, "nu"_a, "Z-step (25): argmin_z d_KL(z | w_bar)/nu + (z - v)^2/2.");
}

/// scipy.sparse CSR/CSC arrays as a Compressed view (no copy): shape = (outer, inner). Checked
/// in full (check_compressed: a pass over the 12 – 16 bytes of every nonzero).
template <class T, class I>
Compressed<T, I> compressed(const py::array_t<I, py::array::c_style>& ptr,
                            const py::array_t<I, py::array::c_style>& idx,
                            const py::array_t<T, py::array::c_style>& val, Index outer, Index inner,
                            const char* who) {
  require(ptr.ndim() == 1 && idx.ndim() == 1 && val.ndim() == 1,
          std::string(who) + ": sparse arrays must be one-dimensional");
  require(outer >= 0 && inner >= 0 && ptr.size() == outer + 1,
          std::string(who) + ": index pointer length does not match the shape");
  require(idx.size() == val.size(), std::string(who) + ": indices and data differ in length");
  require_aligned_ptr(ptr.data(), who, "the index pointer");
  require_aligned_ptr(idx.data(), who, "the indices");
  require_aligned_ptr(val.data(), who, "the values");
  Compressed<T, I> c;
  c.outer = outer;
  c.inner = inner;
  c.ptr = ptr.data();
  c.idx = idx.data();
  c.val = val.data();
  check_compressed(c, static_cast<Index>(val.size()), who);
  return c;
}

/// A compressed structure checked once and held: the sparse kernels take it in place of the
/// three arrays and skip the per-call check, which re-read all of X on every pass (0.25 – 0.30 ms
/// of a 5 ms KL iteration on `classic`, memory-bound: bench/python/bench_sparse_calls.py). It keeps the arrays alive; they must not be
/// changed while it is used — deepnmf's SparseData hands over index arrays of its own.
template <class T, class I>
struct CheckedCompressed {
  py::array_t<I, py::array::c_style> ptr, idx;
  py::array_t<T, py::array::c_style> val;
  Compressed<T, I> view;
};

/// Hᵀ (n×r, rows contiguous: what the sparse kernels read, see sparse.hpp) of a factor H (r×n)
/// handed over in either layout: a view of a Fortran-ordered H, the layout the estimators keep
/// for sparse data, or a transposed copy of a C-ordered one that store() writes back. Built
/// with the GIL held; load() and store() copy and may run without it.
template <class T>
class FactorTranspose {
 public:
  FactorTranspose(py::array_t<T, 0>& H, bool writes, const char* who) {
    const std::string w(who);
    require(H.ndim() == 2, w + ": H must be two-dimensional, got " + std::to_string(H.ndim()) +
                               " dimensions");
    require(!writes || H.writeable(), w + ": H is updated in place and must be writeable");
    const bool f_order = (H.flags() & py::array::f_style) != 0;
    require(f_order || (H.flags() & py::array::c_style) != 0,
            w + ": H must be contiguous (C or Fortran order)");
    r_ = H.shape(0), n_ = H.shape(1);
    require_aligned_ptr(H.data(), w, "H");
    data_ = writes ? H.mutable_data() : const_cast<T*>(H.data());
    is_view_ = f_order;
  }
  void load(int n_threads) {
    if (is_view_) return;
    copy_.resize(n_, r_);
    transpose_into<T>(Eigen::Map<const Mat<T>>(data_, r_, n_), copy_, n_threads);
  }
  MatRef<T> ref() { return is_view_ ? MatRef<T>(Eigen::Map<Mat<T>>(data_, n_, r_)) : MatRef<T>(copy_); }
  void store(int n_threads) {
    if (!is_view_) transpose_into<T>(copy_, Eigen::Map<Mat<T>>(data_, r_, n_), n_threads);
  }

 private:
  T* data_ = nullptr;
  Index r_ = 0, n_ = 0;
  bool is_view_ = true;
  Mat<T> copy_;
};

/// The sparse bindings' H: a float array of T in C or Fortran order (see FactorTranspose).
template <class T>
using FactorArray = py::array_t<T, 0>;

/// The sparse kernels on a checked view; each is bound twice (register_sparse_ti).
template <class T, class I>
struct SparseCalls {
  using Y = Compressed<T, I>;
  static double mu_h(const Y& Yc, CMatRef<T> W, FactorArray<T> H, double beta, bool row_sums_one,
                     int n_threads, bool want_loss) {
    FactorTranspose<T> Ht(H, true, "mu_h");
    py::gil_scoped_release nogil;
    Ht.load(n_threads);
    const double loss = mu_h_sparse<T, I>(Yc, W, Ht.ref(), beta, row_sums_one, n_threads, want_loss);
    Ht.store(n_threads);
    return loss;
  }
  static double mu_w(const Y& Yr, MatRef<T> W, FactorArray<T> H, double beta, int n_threads,
                     bool want_loss) {
    FactorTranspose<T> Ht(H, false, "mu_w");
    py::gil_scoped_release nogil;
    Ht.load(n_threads);
    return mu_w_sparse<T, I>(Yr, W, Ht.ref(), beta, n_threads, want_loss);
  }
  static double coupled_w(const Y& Yr, MatRef<T> W, FactorArray<T> H, CMatRef<T> W_bar,
                          double lam, double beta, int n_threads, bool want_loss) {
    FactorTranspose<T> Ht(H, false, "coupled_w");
    py::gil_scoped_release nogil;
    Ht.load(n_threads);
    return coupled_w_sparse<T, I>(Yr, W, Ht.ref(), W_bar, lam, beta, n_threads, want_loss);
  }
  static double divergence(const Y& X, CMatRef<T> W, FactorArray<T> H, double beta,
                           int n_threads) {
    FactorTranspose<T> Ht(H, false, "beta_divergence");
    py::gil_scoped_release nogil;
    Ht.load(n_threads);
    return beta_divergence_wh_sparse<T, I>(X, W, Ht.ref(), beta, n_threads);
  }
  static py::dict minvol_w(const Y& Yr, MatRef<T> W, FactorArray<T> H, std::optional<MatD> W_bar,
                           double alpha, double lam, double delta, double rho, double tol,
                           int max_iter, int n_threads, bool adaptive_rho, bool exact) {
    FactorTranspose<T> Ht(H, false, "minvol_w");
    AdmmReport rep;
    {
      py::gil_scoped_release nogil;
      Ht.load(n_threads);
      rep = minvol_w_sparse<T, I>(Yr, W, Ht.ref(), W_bar ? &*W_bar : nullptr, alpha, lam, delta,
                                  rho, tol, max_iter, n_threads, adaptive_rho, exact);
    }
    return py::dict("iterations"_a = rep.iterations, "residual"_a = rep.residual,
                    "rho"_a = rep.rho, "accepted"_a = rep.accepted,
                    "block_decrease"_a = rep.block_decrease);
  }
};

/// Python class names of the checked structures: CompressedF64I32, …
template <class T, class I>
std::string checked_name() {
  return std::string("Compressed") + (sizeof(T) == 8 ? "F64" : "F32") +
         (sizeof(I) == 8 ? "I64" : "I32");
}

/// Each sparse kernel twice: on a checked structure (`compressed(...)`, what deepnmf's estimators
/// use: no per-call pass over X) and on the raw indptr/indices/data arrays with the shape (m, n)
/// of Y, checked in full on every call.
template <class T, class I>
void register_sparse_ti(py::module_& m) {
  using IArr = py::array_t<I, py::array::c_style>;
  using TArr = py::array_t<T, py::array::c_style>;
  using C = CheckedCompressed<T, I>;
  using K = SparseCalls<T, I>;
  py::class_<C>(m, checked_name<T, I>().c_str(),
                "CSR or CSC arrays checked once and held (see compressed()).")
      .def_property_readonly("outer", [](const C& c) { return c.view.outer; })
      .def_property_readonly("inner", [](const C& c) { return c.view.inner; })
      .def_property_readonly("nnz", [](const C& c) { return Index(c.val.size()); });
  m.def(
      "compressed",
      [](IArr ptr, IArr idx, TArr val, Index outer, Index inner) {
        const auto view = compressed<T, I>(ptr, idx, val, outer, inner, "compressed");
        return C{std::move(ptr), std::move(idx), std::move(val), view};
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "outer"_a, "inner"_a,
      "CSR (outer = rows) or CSC (outer = columns) arrays, checked once (pointer monotone and "
      "spanning the data, indices in range, values nonnegative) and held for the sparse kernels; "
      "the arrays must not change while it is in use.");

  m.def("mu_h_sparse", [](const C& Y, CMatRef<T> W, FactorArray<T> H, double beta,
                          bool row_sums_one, int n_threads, bool want_loss) {
        return K::mu_h(Y.view, W, H, beta, row_sums_one, n_threads, want_loss);
      },
      "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "row_sums_one"_a = false,
      "n_threads"_a = 1, "want_loss"_a = false,
      "mu_h on checked CSC data (outer = columns; beta = 1); H in Fortran order is updated "
      "without a transposed copy.");
  m.def(
      "mu_h_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, CMatRef<T> W, FactorArray<T> H,
         double beta, bool row_sums_one, int n_threads, bool want_loss) {
        return K::mu_h(compressed<T, I>(ptr, idx, val, n_, m_, "mu_h"), W, H, beta, row_sums_one,
                       n_threads, want_loss);  // CSC: outer = columns
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "row_sums_one"_a = false,
      "n_threads"_a = 1, "want_loss"_a = false,
      "mu_h on CSC data (beta = 1); H in Fortran order is updated without a transposed copy.");

  m.def("mu_w_sparse", [](const C& Y, MatRef<T> W, FactorArray<T> H, double beta, int n_threads,
                          bool want_loss) { return K::mu_w(Y.view, W, H, beta, n_threads, want_loss); },
        "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
        "want_loss"_a = false, "mu_w on checked CSR data (beta = 1).");
  m.def(
      "mu_w_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, MatRef<T> W, FactorArray<T> H,
         double beta, int n_threads, bool want_loss) {
        return K::mu_w(compressed<T, I>(ptr, idx, val, m_, n_, "mu_w"), W, H, beta, n_threads,
                       want_loss);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1, "want_loss"_a = false,
      "mu_w on CSR data (beta = 1).");

  m.def("coupled_w_sparse",
        [](const C& Y, MatRef<T> W, FactorArray<T> H, CMatRef<T> W_bar, double lam, double beta,
           int n_threads, bool want_loss) {
          return K::coupled_w(Y.view, W, H, W_bar, lam, beta, n_threads, want_loss);
        },
        "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a.noconvert(), "lam"_a, "beta"_a,
        "n_threads"_a = 1, "want_loss"_a = false, "coupled_w on checked CSR data (beta = 1).");
  m.def(
      "coupled_w_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, MatRef<T> W, FactorArray<T> H,
         CMatRef<T> W_bar, double lam, double beta, int n_threads, bool want_loss) {
        return K::coupled_w(compressed<T, I>(ptr, idx, val, m_, n_, "coupled_w"), W, H, W_bar, lam,
                            beta, n_threads, want_loss);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a.noconvert(), "lam"_a, "beta"_a,
      "n_threads"_a = 1, "want_loss"_a = false, "coupled_w on CSR data (beta = 1).");

  m.def("beta_divergence_wh_sparse",
        [](const C& X, CMatRef<T> W, FactorArray<T> H, double beta, int n_threads) {
          return K::divergence(X.view, W, H, beta, n_threads);
        },
        "X"_a, "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
        "D_KL(X, W H) for checked CSR X.");
  m.def(
      "beta_divergence_wh_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, CMatRef<T> W, FactorArray<T> H,
         double beta, int n_threads) {
        return K::divergence(compressed<T, I>(ptr, idx, val, m_, n_, "beta_divergence"), W, H,
                             beta, n_threads);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
      "D_KL(X, W H) for CSR X.");

  m.def("minvol_w_sparse",
        [](const C& Y, MatRef<T> W, FactorArray<T> H, std::optional<MatD> W_bar, double alpha,
           double lam, double delta, double rho, double tol, int max_iter, int n_threads,
           bool adaptive_rho, bool exact) {
          return K::minvol_w(Y.view, W, H, std::move(W_bar), alpha, lam, delta, rho, tol, max_iter,
                             n_threads, adaptive_rho, exact);
        },
        "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a, "alpha"_a, "lam"_a, "delta"_a,
        "rho"_a, "tol"_a, "max_iter"_a, "n_threads"_a = 1, "adaptive_rho"_a = false,
        "exact"_a = false, "minvol_w on checked CSR data.");
  m.def(
      "minvol_w_sparse",
      [](IArr ptr, IArr idx, TArr val, Index m_, Index n_, MatRef<T> W, FactorArray<T> H,
         std::optional<MatD> W_bar, double alpha, double lam, double delta, double rho, double tol,
         int max_iter, int n_threads, bool adaptive_rho, bool exact) {
        return K::minvol_w(compressed<T, I>(ptr, idx, val, m_, n_, "minvol_w"), W, H,
                           std::move(W_bar), alpha, lam, delta, rho, tol, max_iter, n_threads,
                           adaptive_rho, exact);
      },
      "indptr"_a.noconvert(), "indices"_a.noconvert(), "data"_a.noconvert(), "m"_a, "n"_a,
      "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a, "alpha"_a, "lam"_a, "delta"_a, "rho"_a,
      "tol"_a, "max_iter"_a, "n_threads"_a = 1, "adaptive_rho"_a = false, "exact"_a = false,
      "minvol_w on CSR data.");
}

void register_sparse(py::module_& m) {
  register_sparse_ti<float, std::int32_t>(m);
  register_sparse_ti<float, std::int64_t>(m);
  register_sparse_ti<double, std::int32_t>(m);
  register_sparse_ti<double, std::int64_t>(m);
}

void register_product(py::module_& m) {
  register_product_t<float>(m);
  register_product_t<double>(m);
}

void register_coupled(py::module_& m) {
  register_coupled_t<float>(m);
  register_coupled_t<double>(m);
}
void register_special(py::module_& m) {
  register_special_t<float>(m);
  register_special_t<double>(m);
}

void register_divergence(py::module_& m) {
  register_divergence_t<float>(m);
  register_divergence_t<double>(m);
}
void register_mu(py::module_& m) {
  register_mu_t<float>(m);
  register_mu_t<double>(m);
}
void register_multiplier(py::module_& m) {
  register_multiplier_t<float>(m);
  register_multiplier_t<double>(m);
}
void register_runtime(py::module_& m) {
  m.def("max_threads", &max_threads, "OpenMP's default thread count (1 without OpenMP).");
  m.attr("openmp") = have_openmp();
  m.attr("core_name") = DEEPNMF_STR(DEEPNMF_CORE_NAME);
  m.attr("beta_range") = py::dict(
      "float64"_a = py::make_tuple(SupportedBeta<double>::lo, SupportedBeta<double>::hi),
      "float32"_a = py::make_tuple(SupportedBeta<float>::lo, SupportedBeta<float>::hi));
}

}  // namespace
}  // namespace deepnmf

PYBIND11_MODULE(DEEPNMF_CORE_NAME, m) {
  m.doc() = "deepnmf's compiled core (one build per instruction-set level)";
  deepnmf::register_runtime(m);
  deepnmf::register_divergence(m);
  deepnmf::register_mu(m);
  deepnmf::register_multiplier(m);
  deepnmf::register_coupled(m);
  deepnmf::register_special(m);
  deepnmf::register_product(m);
  deepnmf::register_minvol(m);
  deepnmf::register_sparse(m);
}
