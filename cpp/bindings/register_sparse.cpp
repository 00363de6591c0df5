// Sparse data (scipy.sparse CSR/CSC, int32 or int64 indices): structures checked once, and the β = 1 passes on them.
#include "deepnmf/beta/majorizer.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

/// The sparse kernels on a structure checked once (`compressed(...)`: no per-call pass over X),
/// what deepnmf's estimators use; the raw-array forms, checked on every call, are test hooks
/// (register_testing.cpp).
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

  m.def(
      "majorizer_w_sparse",
      [](const C& Y, CMatRef<T> W, FactorArray<T> H, MatRef<T> P, MatRef<T> Q, int n_threads,
         bool want_loss) {
        FactorTranspose<T> Ht(H, false, "majorizer_w");
        py::gil_scoped_release nogil;
        Ht.load(n_threads);
        return majorizer_w_sparse<T, I>(Y.view, W, Ht.ref(), P, Q, n_threads, want_loss);
      },
      "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "P"_a.noconvert(), "Q"_a.noconvert(),
      "n_threads"_a = 1, "want_loss"_a = false,
      "P, Q (m x r) of the KL W-majorizer on checked CSR data into P and Q.");
  m.def(
      "majorizer_h_sparse",
      [](const C& Y, CMatRef<T> W, FactorArray<T> H, FactorArray<T> P, FactorArray<T> Q,
         int n_threads, bool want_loss) {
        FactorTranspose<T> Ht(H, false, "majorizer_h"), Pt(P, true, "majorizer_h"),
            Qt(Q, true, "majorizer_h");
        py::gil_scoped_release nogil;
        Ht.load(n_threads);
        Pt.load(n_threads);  // no copy when P and Q are in Fortran order (r x n), as H is
        Qt.load(n_threads);
        const double loss =
            majorizer_h_sparse<T, I>(Y.view, W, Ht.ref(), Pt.ref(), Qt.ref(), n_threads, want_loss);
        Pt.store(n_threads);
        Qt.store(n_threads);
        return loss;
      },
      "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "P"_a.noconvert(), "Q"_a.noconvert(),
      "n_threads"_a = 1, "want_loss"_a = false,
      "P, Q (r x n) of the KL H-majorizer on checked CSC data into P and Q (Fortran order: "
      "written in place).");
  m.def("mu_h_sparse", [](const C& Y, CMatRef<T> W, FactorArray<T> H, double beta,
                          bool row_sums_one, int n_threads, bool want_loss) {
        return K::mu_h(Y.view, W, H, beta, row_sums_one, n_threads, want_loss);
      },
      "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "row_sums_one"_a = false,
      "n_threads"_a = 1, "want_loss"_a = false,
      "mu_h on checked CSC data (outer = columns; beta = 1); H in Fortran order is updated "
      "without a transposed copy.");
  m.def("mu_w_sparse", [](const C& Y, MatRef<T> W, FactorArray<T> H, double beta, int n_threads,
                          bool want_loss) { return K::mu_w(Y.view, W, H, beta, n_threads, want_loss); },
        "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
        "want_loss"_a = false, "mu_w on checked CSR data (beta = 1).");
  m.def("coupled_w_sparse",
        [](const C& Y, MatRef<T> W, FactorArray<T> H, CMatRef<T> W_bar, double lam, double beta,
           int n_threads, bool want_loss) {
          return K::coupled_w(Y.view, W, H, W_bar, lam, beta, n_threads, want_loss);
        },
        "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a.noconvert(), "lam"_a, "beta"_a,
        "n_threads"_a = 1, "want_loss"_a = false, "coupled_w on checked CSR data (beta = 1).");
  m.def("beta_divergence_wh_sparse",
        [](const C& X, CMatRef<T> W, FactorArray<T> H, double beta, int n_threads) {
          return K::divergence(X.view, W, H, beta, n_threads);
        },
        "X"_a, "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
        "D_KL(X, W H) for checked CSR X.");
  m.def("minvol_w_sparse",
        [](const C& Y, MatRef<T> W, FactorArray<T> H, py::handle W_bar, double alpha,
           double lam, double delta, double rho, double tol, int max_iter, int n_threads,
           bool adaptive_rho, bool exact) {
          return K::minvol_w(Y.view, W, H, W_bar, alpha, lam, delta, rho, tol, max_iter,
                             n_threads, adaptive_rho, exact);
        },
        "Y"_a, "W"_a.noconvert(), "H"_a.noconvert(), "W_bar"_a, "alpha"_a, "lam"_a, "delta"_a,
        "rho"_a, "tol"_a, "max_iter"_a, "n_threads"_a = 1, "adaptive_rho"_a = false,
        "exact"_a = false, "minvol_w on checked CSR data.");
}

}  // namespace

void register_sparse(py::module_& m) {
  register_sparse_ti<float, std::int32_t>(m);
  register_sparse_ti<float, std::int64_t>(m);
  register_sparse_ti<double, std::int32_t>(m);
  register_sparse_ti<double, std::int64_t>(m);
}

}  // namespace deepnmf
