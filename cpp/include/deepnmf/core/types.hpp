// Matrix types shared by every kernel: row-major, as NumPy's default (C) order, passed by
// Eigen::Ref so that a NumPy array is used in place — never copied (see cpp/bindings/util.hpp).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <limits>
#include <type_traits>

namespace deepnmf {

using Index = Eigen::Index;

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// Read-only view of a row-major matrix (any row stride, unit column stride).
template <class T>
using CMatRef = Eigen::Ref<const Mat<T>, 0, Eigen::OuterStride<>>;
/// Writable view of a row-major matrix (any row stride, unit column stride).
template <class T>
using MatRef = Eigen::Ref<Mat<T>, 0, Eigen::OuterStride<>>;
/// Read-only / writable contiguous vectors.
template <class T>
using CVecRef = Eigen::Ref<const Vec<T>>;
template <class T>
using VecRef = Eigen::Ref<Vec<T>>;

/// An integer as wide as T, for flags accumulated next to T's compares: the loop vectorizes
/// (a flag of another width mixes lane counts, and the compiler gives up).
template <class T>
using SameWidthInt = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;

/// The paper's floor ε (Section 3.2.1): machine epsilon of the working precision.
template <class T>
constexpr T floor_eps() {
  return std::numeric_limits<T>::epsilon();
}

}  // namespace deepnmf

namespace deepnmf {

/// Pointer to the first entry of row i of a row-major view (rows are contiguous).
template <class M>
auto row_ptr(M& a, Index i) -> decltype(a.data()) {
  return a.data() + i * a.outerStride();
}

}  // namespace deepnmf

/// Applies M(T, I) to every (value, index) type pair the sparse kernels are built for: float
/// and double data with int32 and int64 indices (scipy.sparse uses either).
#define DEEPNMF_FOR_EACH_SPARSE_TYPE(M) \
  M(float, std::int32_t)                \
  M(float, std::int64_t)                \
  M(double, std::int32_t)               \
  M(double, std::int64_t)

