// The β family on dense data: the divergence, the MU passes and the coupled W-update of deep β-NMF.
#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/beta/divergence.hpp"
#include "deepnmf/beta/majorizer.hpp"
#include "deepnmf/beta/mu.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

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
}

template <class T>
void register_majorizer_t(py::module_& m) {
  m.def(
      "majorizer_w",
      [](CMatRef<T> Y, CMatRef<T> W, CMatRef<T> H, double beta, MatRef<T> P, MatRef<T> Q,
         int n_threads, bool want_loss) {
        py::gil_scoped_release nogil;
        return majorizer_w<T>(Y, W, H, beta, P, Q, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "P"_a.noconvert(),
      "Q"_a.noconvert(), "n_threads"_a = 1, "want_loss"_a = false,
      "P, Q (m x r) of the W-majorizer into P and Q; returns D_beta(Y, W H) when want_loss.");
  m.def(
      "majorizer_h",
      [](CMatRef<T> Y, CMatRef<T> W, CMatRef<T> H, double beta, MatRef<T> P, MatRef<T> Q,
         int n_threads, bool want_loss) {
        py::gil_scoped_release nogil;
        return majorizer_h<T>(Y, W, H, beta, P, Q, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a, "P"_a.noconvert(),
      "Q"_a.noconvert(), "n_threads"_a = 1, "want_loss"_a = false,
      "P, Q (r x n) of the H-majorizer into P and Q; returns D_beta(Y, W H) when want_loss.");
}

}  // namespace

void register_beta(py::module_& m) {
  register_divergence_t<float>(m);
  register_divergence_t<double>(m);
  register_mu_t<float>(m);
  register_mu_t<double>(m);
  register_coupled_t<float>(m);
  register_coupled_t<double>(m);
  register_majorizer_t<float>(m);
  register_majorizer_t<double>(m);
}

}  // namespace deepnmf
