// The natural logarithm of a short array through Eigen's vectorized log, correct for subnormal
// inputs too. Eigen 3.4's log treats a subnormal x as the smallest normal number (ln 5e-324
// comes out as −708.4, not −744.4); a chunk holding one is computed with std::log instead.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <limits>

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// out[k] = ln in[k] for k < c (0 → −inf, negative or NaN → NaN); out may alias in. Returns
/// whether an input was subnormal (those chunks take std::log).
template <class T>
bool log_into(const T* in, T* out, Index c) {
  SameWidthInt<T> subnormal = 0;  // an integer flag as wide as T: the scan vectorizes
  for (Index k = 0; k < c; ++k)
    subnormal |= SameWidthInt<T>(in[k] > T(0)) &
                 SameWidthInt<T>(in[k] < std::numeric_limits<T>::min());
  if (subnormal) {
    for (Index k = 0; k < c; ++k) out[k] = std::log(in[k]);
    return true;
  }
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<Arr>(out, c) = Eigen::Map<const Arr>(in, c).log();
  return false;
}

}  // namespace deepnmf
