#include "deepnmf/beta/mu.hpp"

#include <cmath>

#include "deepnmf/beta/apply_mu.hpp"
#include "deepnmf/core/finite.hpp"
#include "deepnmf/beta/passes.hpp"
#include "deepnmf/beta/rowsum.hpp"
#include "deepnmf/beta/passes_sparse.hpp"

namespace deepnmf {
namespace {

/// One H update given a column pass (dense or sparse): `pass(sink)` streams the P, Q blocks.
template <class T, class Pass>
double mu_h_with(Pass&& pass, MatRef<T> H, const Beta& b, bool row_sums_one, int n_threads) {
  if (!row_sums_one) {
    const double gamma = b.gamma();
    return pass([&](Index j0, Index nb, const Mat<T>& P, const Mat<T>& Q) {
      require_finite_majorizer<T>(P, Q, b.value, "mu_h");
      apply_mu<T>(H.middleCols(j0, nb), P, Q, gamma);
    });
  }
  // The multiplier of each row couples all its columns: gather P, Q first, then solve rows.
  // For KL, P is constant along each row and cancels: Q alone.
  const bool needs_P = b.kind != Beta::KL;
  Mat<T> P(needs_P ? H.rows() : 0, needs_P ? H.cols() : 0), Q(H.rows(), H.cols());
  const double loss = pass([&](Index j0, Index nb, const Mat<T>& Pb, const Mat<T>& Qb) {
    if (needs_P) P.middleCols(j0, nb) = Pb;
    Q.middleCols(j0, nb) = Qb;
  });
  require_finite_majorizer<T>(P, Q, b.value, "mu_h");  // the row solves need finite P, Q
  rowsum_update<T>(H, P, Q, b, n_threads);
  return loss;
}

/// One W update given a row pass (dense or sparse).
template <class T, class Pass>
double mu_w_with(Pass&& pass, MatRef<T> W, const Beta& b) {
  const double gamma = b.gamma();
  return pass([&](Index i0, Index mb, const Mat<T>& P, const Mat<T>& Q) {
    require_finite_majorizer<T>(P, Q, b.value, "mu_w");
    apply_mu<T>(W.middleRows(i0, mb), P, Q, gamma);
  });
}

void require_kl_for_sparse(const Beta& b, const char* who) {
  require(b.kind == Beta::KL, std::string(who) +
                                  ": sparse data is supported for beta = 1 (Kullback-Leibler), "
                                  "where W H is needed on the nonzeros only; convert with "
                                  "X.toarray() for other beta");
}

}  // namespace

template <class T>
double mu_h(const CMatRef<T>& Y, const CMatRef<T>& W, MatRef<T> H, double beta,
            bool row_sums_one, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "mu_h");
  require_product_shapes(Y, W, H, "mu_h");
  require_distinct(span_of(H), span_of(Y), "mu_h", "H", "Y");
  require_distinct(span_of(H), span_of(W), "mu_h", "H", "W");
  require_product_in_range<T>(W, H, "mu_h");
  const CMatRef<T> Hc(H);
  return mu_h_with<T>([&](auto&& sink) { return h_pass<T>(Y, W, Hc, b, n_threads, want_loss, sink); },
                      H, b, row_sums_one, n_threads);
}

template <class T>
double mu_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, double beta, int n_threads,
            bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "mu_w");
  require_product_shapes(Y, W, H, "mu_w");
  require_distinct(span_of(W), span_of(Y), "mu_w", "W", "Y");
  require_distinct(span_of(W), span_of(H), "mu_w", "W", "H");
  require_product_in_range<T>(W, H, "mu_w");
  const CMatRef<T> Wc(W);
  return mu_w_with<T>([&](auto&& sink) { return w_pass<T>(Y, Wc, H, b, n_threads, want_loss, sink); },
                      W, b);
}

template <class T, class I>
double mu_h_sparse(const Compressed<T, I>& Ycsc, const CMatRef<T>& W, MatRef<T> Ht, double beta,
                   bool row_sums_one, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_kl_for_sparse(b, "mu_h");
  require_sparse_product_shapes(Ycsc, false, W, Ht, "mu_h");
  require_distinct(span_of(Ht), span_of(W), "mu_h", "H", "W");
  require_distinct_from(span_of(Ht), Ycsc, "mu_h", "H");
  require_product_in_range_t<T>(W, Ht, "mu_h");
  const CMatRef<T> Htc(Ht);
  auto pass = [&](auto&& sink) {
    return h_pass_sparse<T, I>(Ycsc, W, Htc, n_threads, want_loss, sink);
  };
  if (!row_sums_one) {  // updated line by line without P, Q blocks: the result is checked
    const double loss = pass(KlMuInPlace<T>{Ht});
    require_finite_update<T>(Ht, "mu_h", "H");
    return loss;
  }
  // rows of H summing to one are columns of Hᵀ: gather the products h̃ ⊙ Q as the Q blocks
  // come (P is constant along each row for KL and cancels), then solve on Hᵀ in place
  Mat<double> A(Ht.rows(), kl_products_stride(Ht.cols()));
  const double loss = pass([&](Index j0, Index, const Mat<T>&, const Mat<T>& Qb) {
    kl_products_into<T>(Htc, Qb, j0, A);
  });
  rowsum_update_kl_products<T>(Ht, A, n_threads);
  return loss;
}

template <class T, class I>
double mu_w_sparse(const Compressed<T, I>& Ycsr, MatRef<T> W, const CMatRef<T>& Ht, double beta,
                   int n_threads, bool want_loss) {
  const Beta b(beta);
  require_kl_for_sparse(b, "mu_w");
  require_sparse_product_shapes(Ycsr, true, W, Ht, "mu_w");
  require_distinct(span_of(W), span_of(Ht), "mu_w", "W", "H");
  require_distinct_from(span_of(W), Ycsr, "mu_w", "W");
  require_product_in_range_t<T>(W, Ht, "mu_w");
  const CMatRef<T> Wc(W);
  const double loss = w_pass_sparse<T, I>(Ycsr, Wc, Ht, n_threads, want_loss, KlMuInPlace<T>{W});
  require_finite_update<T>(W, "mu_w", "W");  // updated line by line: the result
  return loss;
}

#define DEEPNMF_INSTANTIATE(T)                                                                 \
  template double mu_h<T>(const CMatRef<T>&, const CMatRef<T>&, MatRef<T>, double, bool, int, \
                          bool);                                                               \
  template double mu_w<T>(const CMatRef<T>&, MatRef<T>, const CMatRef<T>&, double, int, bool);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

#define DEEPNMF_INSTANTIATE_SPARSE(T, I)                                                        \
  template double mu_h_sparse<T, I>(const Compressed<T, I>&, const CMatRef<T>&, MatRef<T>,      \
                                    double, bool, int, bool);                                   \
  template double mu_w_sparse<T, I>(const Compressed<T, I>&, MatRef<T>, const CMatRef<T>&,      \
                                    double, int, bool);
DEEPNMF_FOR_EACH_SPARSE_TYPE(DEEPNMF_INSTANTIATE_SPARSE)
#undef DEEPNMF_INSTANTIATE_SPARSE

}  // namespace deepnmf
