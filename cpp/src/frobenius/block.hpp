// What the Frobenius block kernels share: the checks of (G, C, U, penalty), the fixed row
// blocking, and a block of rows of U, C in float64.
#pragma once

#include <cmath>
#include <string>

#include "deepnmf/core/error.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/frobenius/frobenius.hpp"

namespace deepnmf::frobenius_detail {

template <class T>
void check_block(const CMatRef<double>& G, const CMatRef<T>& C, const CMatRef<T>& U, Penalty pen,
                 const char* who) {
  const std::string w(who);
  require(G.rows() == U.cols() && G.cols() == U.cols() && C.rows() == U.rows() &&
              C.cols() == U.cols(),
          w + ": shapes do not agree: G " + shape_of(G) + " must be r×r and C " + shape_of(C) +
              " the shape of U " + shape_of(U));
  require(std::isfinite(pen.l1) && std::isfinite(pen.l2) && pen.l1 >= 0 && pen.l2 >= 0,
          w + ": the penalties must be finite and nonnegative");
  require_aligned(G, w, "G");
  require_aligned(C, w, "C");
  require_aligned(U, w, "U");
  require_distinct(span_of(U), span_of(C), w, "U", "C");
  require_distinct(span_of(U), span_of(G), w, "U", "G");
}

/// G copied into memory of Eigen's own alignment: Eigen's vectorized reductions and small
/// products peel to an aligned address, so over a NumPy buffer their order of summation would
/// depend on where the array happens to start — and results on the allocation, not the data.
inline Mat<double> owned(const CMatRef<double>& G) { return Mat<double>(G); }

/// The rows of U in blocks of a shape-only length (reproducible for any thread count).
inline Blocking row_blocks(Index N, Index r) { return Blocking(N, block_length(r, N)); }

/// ∇ = U G − C + λ₁ + λ₂U of a block of rows (G symmetric), U and C in float64.
inline Mat<double> block_gradient(const Mat<double>& U, const Mat<double>& C,
                                  const CMatRef<double>& G, Penalty pen) {
  Mat<double> grad = U * G;
  grad -= C;
  grad.array() += pen.l1;
  if (pen.l2 != 0.0) grad += pen.l2 * U;
  return grad;
}

}  // namespace deepnmf::frobenius_detail
