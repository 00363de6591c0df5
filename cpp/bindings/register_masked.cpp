// The β family under a mask Ω (missing entries, weights) and the shared-factor step of
// semi-supervised NMF (docs/masks-semisupervised.md §1, §3.2).
#include "deepnmf/beta/masked.hpp"
#include "deepnmf/beta/shared_w.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

template <class T>
void register_masked_t(py::module_& m) {
  m.def(
      "mu_h_masked",
      [](CMatRef<T> Y, CMatRef<T> M, CMatRef<T> W, MatRef<T> H, double beta, int n_threads,
         bool want_loss) {
        py::gil_scoped_release nogil;
        return mu_h_masked<T>(Y, M, W, H, beta, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "M"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a,
      "n_threads"_a = 1, "want_loss"_a = false,
      "In-place MU of H under the mask M; returns the masked loss at H_old when want_loss.");
  m.def(
      "mu_w_masked",
      [](CMatRef<T> Y, CMatRef<T> M, MatRef<T> W, CMatRef<T> H, double beta, int n_threads,
         bool want_loss) {
        py::gil_scoped_release nogil;
        return mu_w_masked<T>(Y, M, W, H, beta, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "M"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a,
      "n_threads"_a = 1, "want_loss"_a = false,
      "In-place MU of W under the mask M; returns the masked loss at W_old when want_loss.");
  m.def(
      "majorizer_w_masked",
      [](CMatRef<T> Y, CMatRef<T> M, CMatRef<T> W, CMatRef<T> H, double beta, MatRef<T> P,
         MatRef<T> Q, int n_threads, bool want_loss) {
        py::gil_scoped_release nogil;
        return majorizer_w_masked<T>(Y, M, W, H, beta, P, Q, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "M"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a,
      "P"_a.noconvert(), "Q"_a.noconvert(), "n_threads"_a = 1, "want_loss"_a = false,
      "P, Q (m x r) of the masked W-majorizer into P and Q.");
  m.def(
      "majorizer_h_masked",
      [](CMatRef<T> Y, CMatRef<T> M, CMatRef<T> W, CMatRef<T> H, double beta, MatRef<T> P,
         MatRef<T> Q, int n_threads, bool want_loss) {
        py::gil_scoped_release nogil;
        return majorizer_h_masked<T>(Y, M, W, H, beta, P, Q, n_threads, want_loss);
      },
      "Y"_a.noconvert(), "M"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a,
      "P"_a.noconvert(), "Q"_a.noconvert(), "n_threads"_a = 1, "want_loss"_a = false,
      "P, Q (r x n) of the masked H-majorizer into P and Q.");
  m.def(
      "beta_divergence_wh_masked",
      [](CMatRef<T> X, CMatRef<T> M, CMatRef<T> W, CMatRef<T> H, double beta, int n_threads) {
        py::gil_scoped_release nogil;
        return beta_divergence_wh_masked<T>(X, M, W, H, beta, n_threads);
      },
      "X"_a.noconvert(), "M"_a.noconvert(), "W"_a.noconvert(), "H"_a.noconvert(), "beta"_a,
      "n_threads"_a = 1, "The masked D_beta(X, W H) without forming W H.");
  m.def(
      "beta_divergence_masked",
      [](CMatRef<T> X, CMatRef<T> V, CMatRef<T> M, double beta, int n_threads) {
        py::gil_scoped_release nogil;
        return beta_divergence_masked<T>(X, V, M, beta, n_threads);
      },
      "X"_a.noconvert(), "V"_a.noconvert(), "M"_a.noconvert(), "beta"_a, "n_threads"_a = 1,
      "sum of M * d_beta(X | V).");
  m.def(
      "shared_w_update",
      [](MatRef<T> W, CMatRef<T> PX, CMatRef<T> QX, double beta_x, CMatRef<T> PY,
         CMatRef<T> QY, double beta_y, double lam, bool mediant, int n_threads) {
        py::gil_scoped_release nogil;
        shared_w_update<T>(W, PX, QX, beta_x, PY, QY, beta_y, lam, mediant, n_threads);
      },
      "W"_a.noconvert(), "PX"_a.noconvert(), "QX"_a.noconvert(), "beta_x"_a,
      "PY"_a.noconvert(), "QY"_a.noconvert(), "beta_y"_a, "lam"_a, "mediant"_a = false,
      "n_threads"_a = 1, "In-place W-step of a factor shared by a data and a label term.");
}

}  // namespace

void register_masked(py::module_& m) {
  register_masked_t<float>(m);
  register_masked_t<double>(m);
  m.def("shared_w_root", &shared_w_root, "PX"_a, "QX"_a, "beta_x"_a, "PY"_a, "QY"_a, "beta_y"_a,
        "lam"_a, "The root t of M^X(t) + lam M^Y(t) = 0 for one entry.");
}

}  // namespace deepnmf
