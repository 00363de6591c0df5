#include "deepnmf/beta/divergence.hpp"

#include <vector>

#include "deepnmf/beta/elementwise.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/reduce.hpp"
#include "deepnmf/beta/passes_sparse.hpp"

namespace deepnmf {
namespace {

/// Rejects what makes Dβ(X, ·) meaningless: negative or NaN entries, and zeros when β ≤ 0.
/// One flag-accumulating sweep (vectorizes; cheap also for tall n×r factors such as Hᵀ).
template <class T>
void check_data(const CMatRef<T>& X, const char* name, const Beta& b, bool is_data) {
  // integer flags as wide as T, not bool: the sweep vectorizes. NaN fails x >= 0
  SameWidthInt<T> invalid = 0, zero = 0;
  for (Index i = 0; i < X.rows(); ++i) {
    const T* x = row_ptr(X, i);
    for (Index j = 0; j < X.cols(); ++j) {
      invalid |= SameWidthInt<T>(!(x[j] >= T(0)));
      zero |= SameWidthInt<T>(x[j] == T(0));
    }
  }
  require(!invalid, std::string(name) + " must be nonnegative and free of NaN");
  if (is_data && zero_x_undefined(b)) require(!zero, zero_x_message(b));
}

}  // namespace

template <class T>
double beta_divergence(const CMatRef<T>& X, const CMatRef<T>& V, double beta, int n_threads) {
  const Beta b(beta);
  require(X.rows() == V.rows() && X.cols() == V.cols(),
          "beta_divergence: shapes differ: " + shape_of(X) + " and " + shape_of(V));
  require_aligned(X, "beta_divergence", "A");
  require_aligned(V, "beta_divergence", "B");
  check_data(X, "A", b, true);
  check_data(V, "B", b, false);
  // blocks of whole rows, about 2^14 entries each (fixed by the shape: reproducible)
  const Blocking blocks(X.rows(), (Index(1) << 14) / std::max<Index>(1, X.cols()));
  std::vector<double> part(static_cast<size_t>(blocks.count), 0.0);
  parallel_for(blocks.count, n_threads, [&](Index blk) {
    const Index i0 = blocks.begin(blk);
    part[static_cast<size_t>(blk)] = divergence_rows(
        row_ptr(X, i0), X.outerStride(), row_ptr(V, i0), V.outerStride(), blocks.length(blk),
        X.cols(), b);
  });
  return ordered_sum(part);
}

template <class T>
double beta_divergence_wh(const CMatRef<T>& X, const CMatRef<T>& W, const CMatRef<T>& H,
                          double beta, int n_threads) {
  const Beta b(beta);
  require_product_shapes(X, W, H, "beta_divergence");
  check_data(X, "X", b, true);
  check_data(W, "W", b, false);
  check_data(H, "H", b, false);
  const Index m = X.rows(), n = X.cols();
  const Blocking blocks(m, block_length(n, m));
  std::vector<double> part(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return Mat<T>(); },
      [&](Index blk, Mat<T>& V) {
        const Index i0 = blocks.begin(blk), mb = blocks.length(blk);
        V.resize(mb, n);
        V.noalias() = W.middleRows(i0, mb) * H;
        part[static_cast<size_t>(blk)] =
            divergence_rows(row_ptr(X, i0), X.outerStride(), V.data(), n, mb, n, b);
      });
  return ordered_sum(part);
}

template <class T, class I>
double beta_divergence_wh_sparse(const Compressed<T, I>& Xcsr, const CMatRef<T>& W,
                                 const CMatRef<T>& Ht, double beta, int n_threads) {
  require(Beta(beta).kind == Beta::KL, "beta_divergence: sparse data is supported for beta = 1");
  require_sparse_product_shapes(Xcsr, true, W, Ht, "beta_divergence", "X");
  check_data(W, "W", Beta(beta), false);
  check_data(Ht, "H", Beta(beta), false);
  return w_pass_sparse<T, I>(Xcsr, W, Ht, n_threads, true, LossOnly());
}

template double beta_divergence<float>(const CMatRef<float>&, const CMatRef<float>&, double, int);
template double beta_divergence<double>(const CMatRef<double>&, const CMatRef<double>&, double,
                                        int);
template double beta_divergence_wh<float>(const CMatRef<float>&, const CMatRef<float>&,
                                           const CMatRef<float>&, double, int);
template double beta_divergence_wh<double>(const CMatRef<double>&, const CMatRef<double>&,
                                            const CMatRef<double>&, double, int);

#define DEEPNMF_INSTANTIATE_SPARSE(T, I)                                                        \
  template double beta_divergence_wh_sparse<T, I>(const Compressed<T, I>&, const CMatRef<T>&,   \
                                                  const CMatRef<T>&, double, int);
DEEPNMF_FOR_EACH_SPARSE_TYPE(DEEPNMF_INSTANTIATE_SPARSE)
#undef DEEPNMF_INSTANTIATE_SPARSE

}  // namespace deepnmf
