// Frobenius NMF (β = 2): the products, the block solvers on (G, C, U) and the batched NNLS.
#include "deepnmf/frobenius/frobenius.hpp"

#include "deepnmf/frobenius/orthogonal.hpp"
#include "deepnmf/lsq/nnls.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

py::dict sweep_dict(const SweepReport& rep) {
  return py::dict("sweeps"_a = rep.sweeps, "first_change"_a = rep.first_change,
                  "last_change"_a = rep.last_change);
}

template <class T>
void register_frobenius_t(py::module_& m) {
  m.def(
      "gram",
      [](CMatRef<T> U, MatRef<double> G, int n_threads) {
        py::gil_scoped_release nogil;
        gram<T>(U, G, n_threads);
      },
      "U"_a.noconvert(), "G"_a.noconvert(), "n_threads"_a = 1, "G = Uᵀ U in float64.");
  m.def(
      "cross_t",
      [](CMatRef<T> X, CMatRef<T> W, MatRef<T> C, int n_threads) {
        py::gil_scoped_release nogil;
        cross_t<T>(X, W, C, n_threads);
      },
      "X"_a.noconvert(), "W"_a.noconvert(), "C"_a.noconvert(), "n_threads"_a = 1,
      "C = Xᵀ W (column blocks of X).");
  m.def(
      "hals_update",
      [](CMatRef<double> G, CMatRef<T> C, MatRef<T> U, double l1, double l2, int max_sweeps,
         double delta, int n_threads) {
        SweepReport rep;
        {
          py::gil_scoped_release nogil;
          rep = hals_update<T>(G, C, U, Penalty{l1, l2}, max_sweeps, delta, n_threads);
        }
        return sweep_dict(rep);
      },
      "G"_a.noconvert(), "C"_a.noconvert(), "U"_a.noconvert(), "l1"_a = 0.0, "l2"_a = 0.0,
      "max_sweeps"_a = 1, "delta"_a = 0.0, "n_threads"_a = 1,
      "HALS sweeps over the rows of U (in place), stopped at delta (F6, F7).");
  m.def(
      "opl_update",
      [](CMatRef<double> G, CMatRef<T> C, MatRef<T> U, double l1, double l2, int steps,
         int n_threads) {
        SweepReport rep;
        {
          py::gil_scoped_release nogil;
          rep = opl_update<T>(G, C, U, Penalty{l1, l2}, steps, n_threads);
        }
        return sweep_dict(rep);
      },
      "G"_a.noconvert(), "C"_a.noconvert(), "U"_a.noconvert(), "l1"_a = 0.0, "l2"_a = 0.0,
      "steps"_a = 1, "n_threads"_a = 1, "Projected gradient steps with the OPL step (F5).");
  m.def(
      "ipg_update",
      [](CMatRef<double> G, CMatRef<T> C, MatRef<T> U, double l1, double l2, int steps,
         double tau, bool global_step, bool unit_step, int n_threads) {
        SweepReport rep;
        {
          py::gil_scoped_release nogil;
          rep = ipg_update<T>(G, C, U, Penalty{l1, l2}, steps,
                              IpgOptions{tau, global_step, unit_step}, n_threads);
        }
        return sweep_dict(rep);
      },
      "G"_a.noconvert(), "C"_a.noconvert(), "U"_a.noconvert(), "l1"_a = 0.0, "l2"_a = 0.0,
      "steps"_a = 1, "tau"_a = 0.99, "global_step"_a = false, "unit_step"_a = false,
      "n_threads"_a = 1, "Interior-point gradient steps (the lecture's 1.1-1.7).");
  m.def(
      "als_update",
      [](CMatRef<double> G, CMatRef<T> C, MatRef<T> U, double l1, double l2, int n_threads) {
        py::gil_scoped_release nogil;
        return als_update<T>(G, C, U, Penalty{l1, l2}, n_threads);
      },
      "G"_a.noconvert(), "C"_a.noconvert(), "U"_a.noconvert(), "l1"_a = 0.0, "l2"_a = 0.0,
      "n_threads"_a = 1, "ALS with truncation; returns whether the ridge was used.");
  m.def(
      "projected_gradient_sq",
      [](CMatRef<double> G, CMatRef<T> C, CMatRef<T> U, double l1, double l2, int n_threads) {
        py::gil_scoped_release nogil;
        return projected_gradient_sq<T>(G, C, U, Penalty{l1, l2}, n_threads);
      },
      "G"_a.noconvert(), "C"_a.noconvert(), "U"_a.noconvert(), "l1"_a = 0.0, "l2"_a = 0.0,
      "n_threads"_a = 1, "Squared norm of the projected gradient of the block.");
  m.def(
      "nnls_bpp",
      [](CMatRef<double> G, CMatRef<T> C, MatRef<T> U, double l1, double l2, bool warm,
         int n_threads) {
        NnlsReport rep;
        {
          py::gil_scoped_release nogil;
          rep = nnls_bpp<T>(G, C, U, Penalty{l1, l2}, warm, n_threads);
        }
        return py::dict("rounds"_a = rep.rounds, "failed"_a = rep.failed,
                        "factorizations"_a = rep.factorizations);
      },
      "G"_a.noconvert(), "C"_a.noconvert(), "U"_a.noconvert(), "l1"_a = 0.0, "l2"_a = 0.0,
      "warm"_a = false, "n_threads"_a = 1,
      "Exact NNLS of every row of U by block principal pivoting (in place).");
  m.def(
      "onmf_assign",
      [](CMatRef<T> C, CVecRef<double> h_sq, CVecRef<double> x_sq, LabelRef labels,
         VecRef<double> weight, VecRef<double> residual, int n_threads) {
        py::gil_scoped_release nogil;
        onmf_assign<T>(C, h_sq, x_sq, labels, weight, residual, n_threads);
      },
      "C"_a.noconvert(), "h_sq"_a.noconvert(), "x_sq"_a.noconvert(), "labels"_a.noconvert(),
      "weight"_a.noconvert(), "residual"_a.noconvert(), "n_threads"_a = 1,
      "EM-ONMF assignment from C = X Ht: cluster, weight and residual of every row.");
}

}  // namespace

void register_frobenius(py::module_& m) {
  register_frobenius_t<float>(m);
  register_frobenius_t<double>(m);
}

}  // namespace deepnmf
