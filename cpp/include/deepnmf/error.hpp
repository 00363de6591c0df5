// Errors cross the Python boundary as standard exceptions (std::invalid_argument -> ValueError,
// std::domain_error -> ValueError, std::runtime_error -> RuntimeError). They are never thrown
// from inside an OpenMP region: parallel.hpp captures and rethrows after the loop.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

#include "deepnmf/types.hpp"

namespace deepnmf {

inline void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

/// Overload for literals: no std::string is built unless the check fails (hot paths).
inline void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

inline std::string shape_str(Index rows, Index cols) {
  std::ostringstream s;
  s << "(" << rows << ", " << cols << ")";
  return s.str();
}

template <class A>
std::string shape_of(const A& a) {
  return shape_str(a.rows(), a.cols());
}

/// Y ≈ W H: check that the three shapes agree.
template <class Y, class W, class H>
void require_product_shapes(const Y& y, const W& w, const H& h, const char* who) {
  require(w.cols() == h.rows() && y.rows() == w.rows() && y.cols() == h.cols(),
          std::string(who) + ": shapes do not agree for Y ≈ W H: Y " + shape_of(y) + ", W " +
              shape_of(w) + ", H " + shape_of(h));
}

/// Whether every entry of A is > 0 (NaN is not): one branch-free, vectorized sweep per row.
/// Eigen's `(A.array() > 0).all()` stops at the first failure, so it runs one compare and
/// branch per entry — 1.6 % of a deep KL outer iteration for the coupled W update's checks.
template <class A>
bool all_positive(const A& a) {
  using T = typename A::Scalar;
  for (Index i = 0; i < a.rows(); ++i) {
    const T* row = a.data() + i * a.outerStride();
    SameWidthInt<T> bad = 0;
    for (Index j = 0; j < a.cols(); ++j) bad |= SameWidthInt<T>(!(row[j] > T(0)));
    if (bad) return false;
  }
  return true;
}

}  // namespace deepnmf
