#include "deepnmf/beta/majorizer.hpp"

#include <string>

#include "deepnmf/beta/passes.hpp"
#include "deepnmf/beta/passes_sparse.hpp"
#include "deepnmf/core/finite.hpp"

namespace deepnmf {

template <class T>
double majorizer_w(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, double beta,
                   MatRef<T> P, MatRef<T> Q, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "majorizer_w");
  require_product_shapes(Y, W, H, "majorizer_w");
  require_outputs(P, Q, W.rows(), W.cols(), "majorizer_w",
                     {{span_of(Y), "Y"}, {span_of(W), "W"}, {span_of(H), "H"}});
  require_product_in_range<T>(W, H, "majorizer_w");
  // each block of rows [i0, i0 + mb) is written by the one thread that formed it
  return w_pass<T>(Y, W, H, b, n_threads, want_loss,
                   [&](Index i0, Index mb, const Mat<T>& Pb, const Mat<T>& Qb) {
                     P.middleRows(i0, mb) = Pb;
                     Q.middleRows(i0, mb) = Qb;
                   });
}

template <class T>
double majorizer_h(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, double beta,
                   MatRef<T> P, MatRef<T> Q, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "majorizer_h");
  require_product_shapes(Y, W, H, "majorizer_h");
  require_outputs(P, Q, H.rows(), H.cols(), "majorizer_h",
                     {{span_of(Y), "Y"}, {span_of(W), "W"}, {span_of(H), "H"}});
  require_product_in_range<T>(W, H, "majorizer_h");
  return h_pass<T>(Y, W, H, b, n_threads, want_loss,
                   [&](Index j0, Index nb, const Mat<T>& Pb, const Mat<T>& Qb) {
                     P.middleCols(j0, nb) = Pb;
                     Q.middleCols(j0, nb) = Qb;
                   });
}

template <class T, class I>
double majorizer_w_sparse(const Compressed<T, I>& Ycsr, const CMatRef<T>& W,
                          const CMatRef<T>& Ht, MatRef<T> P, MatRef<T> Q, int n_threads,
                          bool want_loss) {
  require_sparse_product_shapes(Ycsr, true, W, Ht, "majorizer_w");
  require_outputs(P, Q, W.rows(), W.cols(), "majorizer_w", {{span_of(W), "W"}, {span_of(Ht), "H"}});
  require_distinct_from(span_of(P), Ycsr, "majorizer_w", "P");
  require_distinct_from(span_of(Q), Ycsr, "majorizer_w", "Q");
  require_product_in_range_t<T>(W, Ht, "majorizer_w");
  return w_pass_sparse<T, I>(Ycsr, W, Ht, n_threads, want_loss,
                             [&](Index i0, Index mb, const Mat<T>& Pb, const Mat<T>& Qb) {
                               P.middleRows(i0, mb) = Pb;
                               Q.middleRows(i0, mb) = Qb;
                             });
}

template <class T, class I>
double majorizer_h_sparse(const Compressed<T, I>& Ycsc, const CMatRef<T>& W,
                          const CMatRef<T>& Ht, MatRef<T> Pt, MatRef<T> Qt, int n_threads,
                          bool want_loss) {
  require_sparse_product_shapes(Ycsc, false, W, Ht, "majorizer_h");
  require_outputs(Pt, Qt, Ht.rows(), Ht.cols(), "majorizer_h",
                     {{span_of(W), "W"}, {span_of(Ht), "H"}});
  require_distinct_from(span_of(Pt), Ycsc, "majorizer_h", "P");
  require_distinct_from(span_of(Qt), Ycsc, "majorizer_h", "Q");
  require_product_in_range_t<T>(W, Ht, "majorizer_h");
  return h_pass_sparse<T, I>(Ycsc, W, Ht, n_threads, want_loss,
                             [&](Index j0, Index nb, const Mat<T>& Pb, const Mat<T>& Qb) {
                               Pt.middleRows(j0, nb) = Pb;
                               Qt.middleRows(j0, nb) = Qb;
                             });
}

#define DEEPNMF_INSTANTIATE(T)                                                                   \
  template double majorizer_w<T>(const CMatRef<T>&, const CMatRef<T>&, const CMatRef<T>&,     \
                                 double, MatRef<T>, MatRef<T>, int, bool);                     \
  template double majorizer_h<T>(const CMatRef<T>&, const CMatRef<T>&, const CMatRef<T>&,     \
                                 double, MatRef<T>, MatRef<T>, int, bool);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

#define DEEPNMF_INSTANTIATE_SPARSE(T, I)                                                        \
  template double majorizer_w_sparse<T, I>(const Compressed<T, I>&, const CMatRef<T>&,          \
                                           const CMatRef<T>&, MatRef<T>, MatRef<T>, int, bool); \
  template double majorizer_h_sparse<T, I>(const Compressed<T, I>&, const CMatRef<T>&,          \
                                           const CMatRef<T>&, MatRef<T>, MatRef<T>, int, bool);
DEEPNMF_FOR_EACH_SPARSE_TYPE(DEEPNMF_INSTANTIATE_SPARSE)
#undef DEEPNMF_INSTANTIATE_SPARSE

}  // namespace deepnmf
