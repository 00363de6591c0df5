// The products of the Frobenius solvers (§1 of the spec): the Gram UᵀU in float64 and Xᵀ W by
// column blocks (X W-side products, X Hᵀ, are core/linalg's row-block product).
#include "block.hpp"
#include "deepnmf/core/reduce.hpp"

namespace deepnmf {

template <class T>
void gram(const CMatRef<T>& U, MatRef<double> G, int n_threads) {
  const Index N = U.rows(), r = U.cols();
  require(G.rows() == r && G.cols() == r,
          "gram: G " + shape_of(G) + " must be r×r for U " + shape_of(U));
  require_aligned(U, "gram", "U");
  require_aligned(G, "gram", "G");
  const Blocking blocks(N, block_length(r, N));
  std::array<Mat<double>, 1> out;
  reduce_block_sums<double, 1>(
      blocks, 64, r, r, 1, n_threads, out, [] { return 0; },
      [&](Index b, int&, std::array<Mat<double>, 1>& sums) {
        const Mat<double> Ub = U.middleRows(blocks.begin(b), blocks.length(b)).template cast<double>();
        sums[0].noalias() += Ub.transpose() * Ub;
        return 0.0;
      });
  G = out[0];
}

template <class T>
void cross_t(const CMatRef<T>& X, const CMatRef<T>& W, MatRef<T> C, int n_threads) {
  require(X.rows() == W.rows() && C.rows() == X.cols() && C.cols() == W.cols(),
          "cross_t: shapes do not agree for C = Xᵀ W: X " + shape_of(X) + ", W " + shape_of(W) +
              ", C " + shape_of(C));
  require_aligned(X, "cross_t", "X");
  require_aligned(W, "cross_t", "W");
  require_aligned(C, "cross_t", "C");
  require_distinct(span_of(C), span_of(X), "cross_t", "C", "X");
  require_distinct(span_of(C), span_of(W), "cross_t", "C", "W");
  const Blocking blocks(X.cols(), block_length(X.rows() + W.cols(), X.cols()));
  parallel_for(blocks.count, n_threads, [&](Index b) {
    const Index j0 = blocks.begin(b), nb = blocks.length(b);
    C.middleRows(j0, nb).noalias() = X.middleCols(j0, nb).transpose() * W;
  });
}

#define DEEPNMF_INSTANTIATE(T)                                                      \
  template void gram<T>(const CMatRef<T>&, MatRef<double>, int);                    \
  template void cross_t<T>(const CMatRef<T>&, const CMatRef<T>&, MatRef<T>, int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
