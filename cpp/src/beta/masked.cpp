#include "deepnmf/beta/masked.hpp"

#include <string>
#include <vector>

#include "deepnmf/beta/apply_mu.hpp"
#include "deepnmf/beta/passes.hpp"
#include "deepnmf/beta/weights.hpp"
#include "deepnmf/core/finite.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/reduce.hpp"

namespace deepnmf {
namespace {

/// Ω must have Y's shape, be aligned, and not be an output.
template <class T>
DenseWeights<T> weights_of(const CMatRef<T>& Y, const CMatRef<T>& M, const char* who) {
  require(M.rows() == Y.rows() && M.cols() == Y.cols(),
          std::string(who) + ": the mask must have the data's shape " + shape_of(Y) + ", got " +
              shape_of(M));
  require_aligned(M, who, "mask");
  return DenseWeights<T>{M};
}

}  // namespace

template <class T>
double mu_h_masked(const CMatRef<T>& Y, const CMatRef<T>& M, const CMatRef<T>& W, MatRef<T> H,
                   double beta, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "mu_h");
  require_product_shapes(Y, W, H, "mu_h");
  const DenseWeights<T> wt = weights_of(Y, M, "mu_h");
  require_distinct(span_of(H), span_of(Y), "mu_h", "H", "Y");
  require_distinct(span_of(H), span_of(W), "mu_h", "H", "W");
  require_distinct(span_of(H), span_of(M), "mu_h", "H", "mask");
  require_product_in_range<T>(W, H, "mu_h");
  const CMatRef<T> Hc(H);
  const double gamma = b.gamma();
  return h_pass<T>(
      Y, W, Hc, b, n_threads, want_loss,
      [&](Index j0, Index nb, const Mat<T>& P, const Mat<T>& Q) {
        require_finite_majorizer<T>(P, Q, b.value, "mu_h");
        apply_mu<T>(H.middleCols(j0, nb), P, Q, gamma);
      },
      wt);
}

template <class T>
double mu_w_masked(const CMatRef<T>& Y, const CMatRef<T>& M, MatRef<T> W, const CMatRef<T>& H,
                   double beta, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "mu_w");
  require_product_shapes(Y, W, H, "mu_w");
  const DenseWeights<T> wt = weights_of(Y, M, "mu_w");
  require_distinct(span_of(W), span_of(Y), "mu_w", "W", "Y");
  require_distinct(span_of(W), span_of(H), "mu_w", "W", "H");
  require_distinct(span_of(W), span_of(M), "mu_w", "W", "mask");
  require_product_in_range<T>(W, H, "mu_w");
  const CMatRef<T> Wc(W);
  const double gamma = b.gamma();
  return w_pass<T>(
      Y, Wc, H, b, n_threads, want_loss,
      [&](Index i0, Index mb, const Mat<T>& P, const Mat<T>& Q) {
        require_finite_majorizer<T>(P, Q, b.value, "mu_w");
        apply_mu<T>(W.middleRows(i0, mb), P, Q, gamma);
      },
      wt);
}

template <class T>
double majorizer_w_masked(const CMatRef<T>& Y, const CMatRef<T>& M, const CMatRef<T>& W,
                          const CMatRef<T>& H, double beta, MatRef<T> P, MatRef<T> Q,
                          int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "majorizer_w");
  require_product_shapes(Y, W, H, "majorizer_w");
  const DenseWeights<T> wt = weights_of(Y, M, "majorizer_w");
  require_outputs(P, Q, W.rows(), W.cols(), "majorizer_w",
                  {{span_of(Y), "Y"}, {span_of(M), "mask"}, {span_of(W), "W"},
                   {span_of(H), "H"}});
  require_product_in_range<T>(W, H, "majorizer_w");
  return w_pass<T>(
      Y, W, H, b, n_threads, want_loss,
      [&](Index i0, Index mb, const Mat<T>& Pb, const Mat<T>& Qb) {
        P.middleRows(i0, mb) = Pb;
        Q.middleRows(i0, mb) = Qb;
      },
      wt);
}

template <class T>
double majorizer_h_masked(const CMatRef<T>& Y, const CMatRef<T>& M, const CMatRef<T>& W,
                          const CMatRef<T>& H, double beta, MatRef<T> P, MatRef<T> Q,
                          int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "majorizer_h");
  require_product_shapes(Y, W, H, "majorizer_h");
  const DenseWeights<T> wt = weights_of(Y, M, "majorizer_h");
  require_outputs(P, Q, H.rows(), H.cols(), "majorizer_h",
                  {{span_of(Y), "Y"}, {span_of(M), "mask"}, {span_of(W), "W"},
                   {span_of(H), "H"}});
  require_product_in_range<T>(W, H, "majorizer_h");
  return h_pass<T>(
      Y, W, H, b, n_threads, want_loss,
      [&](Index j0, Index nb, const Mat<T>& Pb, const Mat<T>& Qb) {
        P.middleCols(j0, nb) = Pb;
        Q.middleCols(j0, nb) = Qb;
      },
      wt);
}

template <class T>
double beta_divergence_wh_masked(const CMatRef<T>& X, const CMatRef<T>& M, const CMatRef<T>& W,
                                 const CMatRef<T>& H, double beta, int n_threads) {
  const Beta b(beta);
  require_product_shapes(X, W, H, "beta_divergence");
  const DenseWeights<T> wt = weights_of(X, M, "beta_divergence");
  const Index m = X.rows(), n = X.cols();
  const Blocking blocks(m, block_length(n, m));
  std::vector<double> part(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return SlabWorkspace<T>(); },
      [&](Index blk, SlabWorkspace<T>& ws) {
        const Index i0 = blocks.begin(blk), mb = blocks.length(blk);
        ws.V.resize(mb, n);
        ws.V.noalias() = W.middleRows(i0, mb) * H;
        ws.Yw.resize(mb, n);
        ws.Vw.resize(mb, n);
        // one call over the block, as beta_divergence_wh: the same chunks, so an all-ones Ω
        // gives its sum bit for bit
        const double s = weighted_divergence_rows(row_ptr(X, i0), X.outerStride(), ws.V.data(),
                                                  n, row_ptr(wt.M, i0), wt.M.outerStride(), mb,
                                                  n, b, ws.Yw.data(), ws.Vw.data());
        part[static_cast<size_t>(blk)] = s;
      });
  return ordered_sum(part);
}

template <class T>
double beta_divergence_masked(const CMatRef<T>& X, const CMatRef<T>& V, const CMatRef<T>& M,
                              double beta, int n_threads) {
  const Beta b(beta);
  require(X.rows() == V.rows() && X.cols() == V.cols(),
          "beta_divergence: shapes differ: " + shape_of(X) + " and " + shape_of(V));
  require_aligned(X, "beta_divergence", "A");
  require_aligned(V, "beta_divergence", "B");
  const DenseWeights<T> wt = weights_of(X, M, "beta_divergence");
  const Index n = X.cols();
  const Blocking blocks(X.rows(), (Index(1) << 14) / std::max<Index>(1, n));
  std::vector<double> part(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return SlabWorkspace<T>(); },
      [&](Index blk, SlabWorkspace<T>& ws) {
        const Index i0 = blocks.begin(blk), mb = blocks.length(blk);
        ws.Yw.resize(mb, n);
        ws.Vw.resize(mb, n);
        part[static_cast<size_t>(blk)] = weighted_divergence_rows(
            row_ptr(X, i0), X.outerStride(), row_ptr(V, i0), V.outerStride(),
            row_ptr(wt.M, i0), wt.M.outerStride(), mb, n, b, ws.Yw.data(), ws.Vw.data());
      });
  return ordered_sum(part);
}

#define DEEPNMF_INSTANTIATE(T)                                                                  \
  template double mu_h_masked<T>(const CMatRef<T>&, const CMatRef<T>&, const CMatRef<T>&,      \
                                 MatRef<T>, double, int, bool);                                \
  template double mu_w_masked<T>(const CMatRef<T>&, const CMatRef<T>&, MatRef<T>,              \
                                 const CMatRef<T>&, double, int, bool);                        \
  template double majorizer_w_masked<T>(const CMatRef<T>&, const CMatRef<T>&,                  \
                                        const CMatRef<T>&, const CMatRef<T>&, double,          \
                                        MatRef<T>, MatRef<T>, int, bool);                      \
  template double majorizer_h_masked<T>(const CMatRef<T>&, const CMatRef<T>&,                  \
                                        const CMatRef<T>&, const CMatRef<T>&, double,          \
                                        MatRef<T>, MatRef<T>, int, bool);                      \
  template double beta_divergence_wh_masked<T>(const CMatRef<T>&, const CMatRef<T>&,           \
                                               const CMatRef<T>&, const CMatRef<T>&, double,   \
                                               int);                                           \
  template double beta_divergence_masked<T>(const CMatRef<T>&, const CMatRef<T>&,              \
                                            const CMatRef<T>&, double, int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
