#include "deepnmf/mu.hpp"

#include <cmath>

#include "deepnmf/majorizer.hpp"
#include "deepnmf/multiplier.hpp"

namespace deepnmf {
namespace {

/// F ← max(F ⊙ (Q ⊘ P)^γ, ε) on one block (the MU of Févotte & Idier 2011, floored as in the
/// paper's Section 3.2.1). P = 0 only for an all-zero column of the other factor; then Q = 0
/// too and the entry drops to the floor.
template <class T, class Block>
void apply_mu(Block F, const Mat<T>& P, const Mat<T>& Q, double gamma) {
  const T eps = floor_eps<T>();
  const T tiny = std::numeric_limits<T>::min();
  auto ratio = Q.array() / P.array().max(tiny);
  if (gamma == 1.0) F.array() = (F.array() * ratio).max(eps);
  else F.array() = (F.array() * ratio.pow(T(gamma))).max(eps);
}

}  // namespace

template <class T>
double mu_h(const CMatRef<T>& Y, const CMatRef<T>& W, MatRef<T> H, double beta,
            bool row_sums_one, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_product_shapes(Y, W, H, "mu_h");
  const CMatRef<T> Hc(H);
  if (!row_sums_one) {
    const double gamma = b.gamma();
    return h_pass<T>(Y, W, Hc, b, n_threads, want_loss,
                     [&](Index j0, Index nb, const Mat<T>& P, const Mat<T>& Q) {
                       apply_mu<T>(H.middleCols(j0, nb), P, Q, gamma);
                     });
  }
  // The multiplier of each row couples all its columns: gather P, Q first, then solve rows.
  Mat<T> P(H.rows(), H.cols()), Q(H.rows(), H.cols());
  const double loss = h_pass<T>(Y, W, Hc, b, n_threads, want_loss,
                                [&](Index j0, Index nb, const Mat<T>& Pb, const Mat<T>& Qb) {
                                  P.middleCols(j0, nb) = Pb;
                                  Q.middleCols(j0, nb) = Qb;
                                });
  rowsum_update<T>(H, P, Q, b, n_threads);
  return loss;
}

template <class T>
double mu_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, double beta, int n_threads,
            bool want_loss) {
  const Beta b(beta);
  require_product_shapes(Y, W, H, "mu_w");
  const CMatRef<T> Wc(W);
  const double gamma = b.gamma();
  return w_pass<T>(Y, Wc, H, b, n_threads, want_loss,
                   [&](Index i0, Index mb, const Mat<T>& P, const Mat<T>& Q) {
                     apply_mu<T>(W.middleRows(i0, mb), P, Q, gamma);
                   });
}

#define DEEPNMF_INSTANTIATE(T)                                                                 \
  template double mu_h<T>(const CMatRef<T>&, const CMatRef<T>&, MatRef<T>, double, bool, int, \
                          bool);                                                               \
  template double mu_w<T>(const CMatRef<T>&, MatRef<T>, const CMatRef<T>&, double, int, bool);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
