#include "deepnmf/core/linalg.hpp"

#include "deepnmf/core/error.hpp"
#include "deepnmf/core/parallel.hpp"

namespace deepnmf {

template <class T>
void product(const CMatRef<T>& A, const CMatRef<T>& B, MatRef<T> C, int n_threads) {
  require(A.cols() == B.rows() && C.rows() == A.rows() && C.cols() == B.cols(),
          "product: shapes do not agree: A " + shape_of(A) + ", B " + shape_of(B) + ", C " +
              shape_of(C));
  require_aligned(A, "product", "A");
  require_aligned(B, "product", "B");
  require_aligned(C, "product", "C");
  require_distinct(span_of(C), span_of(A), "product", "C", "A");
  require_distinct(span_of(C), span_of(B), "product", "C", "B");
  const Blocking blocks(A.rows(), block_length(B.cols() + A.cols(), A.rows()));
  parallel_for(blocks.count, n_threads, [&](Index b) {
    const Index i0 = blocks.begin(b), mb = blocks.length(b);
    C.middleRows(i0, mb).noalias() = A.middleRows(i0, mb) * B;
  });
}

template void product<float>(const CMatRef<float>&, const CMatRef<float>&, MatRef<float>, int);
template void product<double>(const CMatRef<double>&, const CMatRef<double>&, MatRef<double>,
                              int);

}  // namespace deepnmf
