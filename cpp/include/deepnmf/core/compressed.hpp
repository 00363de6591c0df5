// Compressed sparse data (CSR, or CSC with rows and columns swapped) and its preconditions,
// written once for every family: the structure checked once per call, outputs distinct from
// the data's arrays, and the shapes of Y ≈ W H with Y sparse and H given transposed (Hᵀ, n×r:
// the kernels stream Y's lines against rows of Hᵀ).
#pragma once

#include <string>

#include "deepnmf/core/error.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Compressed sparse rows (or columns, with rows/cols swapped): outer index ptr[k]..ptr[k+1]
/// into idx (inner indices, sorted, no duplicates) and val (positive values).
template <class T, class I>
struct Compressed {
  Index outer = 0, inner = 0;
  const I* ptr = nullptr;
  const I* idx = nullptr;
  const T* val = nullptr;
};

/// An output must not share memory with the arrays of the sparse data (see require_distinct).
template <class T, class I>
void require_distinct_from(const Span& out, const Compressed<T, I>& Y, const std::string& who,
                           const char* out_name) {
  const Index nnz = Y.ptr ? Index(Y.ptr[Y.outer]) : 0;
  require_distinct(out, span_of_range(Y.val, nnz), who, out_name, "the data's values");
  require_distinct(out, span_of_range(Y.idx, nnz), who, out_name, "the data's indices");
  require_distinct(out, span_of_range(Y.ptr, Y.outer + 1), who, out_name, "the data's pointer");
}

/// Checks the structure once per call (the kernels index with it): sizes, monotone ptr,
/// inner indices in range; values nonnegative and not NaN.
template <class T, class I>
void check_compressed(const Compressed<T, I>& c, Index nnz, const char* who) {
  const std::string w(who);
  require(c.outer >= 0 && c.inner >= 0, w + ": negative shape");
  require(Index(c.ptr[0]) == 0 && Index(c.ptr[c.outer]) == nnz,
          w + ": index pointer does not span the stored entries");
  bool monotone = true, in_range = true, nonnegative = true;  // messages only on failure
  for (Index k = 0; k < c.outer; ++k) monotone &= c.ptr[k] <= c.ptr[k + 1];
  for (Index p = 0; p < nnz; ++p) {
    in_range &= c.idx[p] >= 0 && Index(c.idx[p]) < c.inner;
    nonnegative &= c.val[p] >= T(0);
  }
  require(monotone, w + ": index pointer not monotone");
  require(in_range, w + ": index out of range");
  require(nonnegative, w + ": values must be nonnegative and not NaN");
}

/// Y ≈ W H with Y given by its lines (CSR: rows, CSC: columns) and H as Hᵀ: the shapes agree.
/// `data` names Y in the message ("Y", or "X" for the loss of the data).
template <class T, class I, class WMat, class HtMat>
void require_sparse_product_shapes(const Compressed<T, I>& Y, bool rows_are_lines,
                                   const WMat& W, const HtMat& Ht, const char* who,
                                   const char* data = "Y") {
  const Index m = rows_are_lines ? Y.outer : Y.inner, n = rows_are_lines ? Y.inner : Y.outer;
  require(W.cols() == Ht.cols() && m == W.rows() && n == Ht.rows(),
          std::string(who) + ": shapes do not agree for " + data + " ≈ W H: " + data + " " +
              shape_str(m, n) + ", W " + shape_of(W) + ", H " + shape_str(Ht.cols(), Ht.rows()));
}

}  // namespace deepnmf
