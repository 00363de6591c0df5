// The only pybind11 file. Every array argument is bound with .noconvert() to a row-major
// Eigen::Ref of the exact dtype: a wrong dtype or layout is a TypeError, never a silent copy
// (Python normalizes once per fit, in deepnmf._validation). Each kernel runs with the GIL
// released: it touches only the buffers pinned by its arguments and no Python object.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "deepnmf/beta.hpp"
#include "deepnmf/divergence.hpp"
#include "deepnmf/mu.hpp"
#include "deepnmf/multiplier.hpp"
#include "deepnmf/parallel.hpp"

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
        const Index n = h_tilde.size();
        require(p.size() == n && q.size() == n, "solve_row_multiplier: lengths differ");
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
}

}  // namespace
}  // namespace deepnmf

PYBIND11_MODULE(DEEPNMF_CORE_NAME, m) {
  m.doc() = "deepnmf's compiled core (one build per instruction-set level)";
  deepnmf::register_runtime(m);
  deepnmf::register_divergence(m);
  deepnmf::register_mu(m);
  deepnmf::register_multiplier(m);
}
