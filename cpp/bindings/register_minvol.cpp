// Minimum-volume NMF: the W-update with columns on the simplex (exact or ADMM) and the log-determinant.
#include "util.hpp"

namespace deepnmf {
namespace {

template <class T>
void register_minvol_t(py::module_& m) {
  m.def(
      "minvol_w",
      [](CMatRef<T> Y, MatRef<T> W, CMatRef<T> H, py::handle W_bar_obj, double alpha,
         double lam, double delta, double rho, double tol, int max_iter, int n_threads,
         bool adaptive_rho, bool exact) {
        const OptionalMatD W_bar(W_bar_obj, "minvol_w");
        AdmmReport rep;
        {
          py::gil_scoped_release nogil;
          rep = minvol_w<T>(Y, W, H, W_bar.get(),
                            minvol_w_options(alpha, lam, delta, rho, tol, max_iter,
                                             adaptive_rho, exact),
                            n_threads);
        }
        return report_dict(rep);
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
}

}  // namespace

void register_minvol(py::module_& m) {
  register_minvol_t<float>(m);
  register_minvol_t<double>(m);
}

}  // namespace deepnmf
