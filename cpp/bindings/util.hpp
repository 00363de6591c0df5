// What the binding files share: pybind11 with the library's conventions, the checked sparse
// structures, the transposed factor next to sparse data, and the register_<family> entry
// points that module.cpp calls. Only cpp/bindings/ includes pybind11.
//
// Every array argument is bound with .noconvert() to a row-major Eigen::Ref of the exact dtype:
// a wrong dtype or layout is a TypeError, never a silent copy (Python normalizes once per fit,
// in deepnmf._engine.validation). The one exception is H next to sparse data, taken in C or
// Fortran order (FactorTranspose). Each kernel runs with the GIL released: it touches only the
// buffers pinned by its arguments and no Python object.
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/beta/divergence.hpp"
#include "deepnmf/beta/mu.hpp"
#include "deepnmf/beta/passes_sparse.hpp"
#include "deepnmf/core/linalg.hpp"
#include "deepnmf/core/types.hpp"
#include "deepnmf/minvol/minvol.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

#define DEEPNMF_STR2(x) #x
#define DEEPNMF_STR(x) DEEPNMF_STR2(x)

namespace deepnmf {

void register_core(py::module_& m);
void register_beta(py::module_& m);
void register_sparse(py::module_& m);
void register_special(py::module_& m);
void register_minvol(py::module_& m);
void register_frobenius(py::module_& m);
void register_masked(py::module_& m);
void register_testing(py::module_& m);

/// An ADMM report as the dict Python reads.
inline py::dict report_dict(const AdmmReport& rep) {
  return py::dict("iterations"_a = rep.iterations, "residual"_a = rep.residual,
                  "rho"_a = rep.rho, "accepted"_a = rep.accepted,
                  "block_decrease"_a = rep.block_decrease);
}

/// W̄ of the min-vol W-update: None (the last layer: no coupling term) or a C-contiguous
/// float64 array, viewed without a copy (a wrong dtype or layout is a TypeError).
class OptionalMatD {
 public:
  OptionalMatD(py::handle obj, const char* who) {
    if (obj.is_none()) return;
    if (!caster_.load(obj, /*convert=*/false))
      throw py::type_error(std::string(who) + ": W_bar must be None or a C-contiguous float64 "
                           "array (no conversion is made)");
    ref_.emplace(py::detail::cast_op<CMatRef<double>>(caster_));
  }
  const CMatRef<double>* get() const { return ref_ ? &*ref_ : nullptr; }

 private:
  py::detail::make_caster<CMatRef<double>> caster_;
  std::optional<CMatRef<double>> ref_;
};

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
/// three arrays and skip the per-call check, which re-read all of X on every pass (memory-bound;
/// bench/python/bench_sparse_calls.py). It keeps the arrays alive; they must not be changed while it is used — deepnmf's SparseData hands over index arrays of its own.
template <class T, class I>
struct CheckedCompressed {
  py::array_t<I, py::array::c_style> ptr, idx;
  py::array_t<T, py::array::c_style> val;
  Compressed<T, I> view;
};

/// Hᵀ (n×r, rows contiguous: what the sparse kernels read, see passes_sparse.hpp) of a factor H (r×n)
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
  static py::dict minvol_w(const Y& Yr, MatRef<T> W, FactorArray<T> H, py::handle W_bar_obj,
                           double alpha, double lam, double delta, double rho, double tol,
                           int max_iter, int n_threads, bool adaptive_rho, bool exact) {
    OptionalMatD W_bar(W_bar_obj, "minvol_w");
    FactorTranspose<T> Ht(H, false, "minvol_w");
    AdmmReport rep;
    {
      py::gil_scoped_release nogil;
      Ht.load(n_threads);
      rep = minvol_w_sparse<T, I>(
          Yr, W, Ht.ref(), W_bar.get(),
          minvol_w_options(alpha, lam, delta, rho, tol, max_iter, adaptive_rho, exact), n_threads);
    }
    return report_dict(rep);
  }
};

/// Python class names of the checked structures: CompressedF64I32, …
template <class T, class I>
std::string checked_name() {
  return std::string("Compressed") + (sizeof(T) == 8 ? "F64" : "F32") +
         (sizeof(I) == 8 ? "I64" : "I32");
}

}  // namespace deepnmf
