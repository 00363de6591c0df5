// The MU step itself on one block of a factor, shared by the plain and the weighted updates.
#pragma once

#include <limits>

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// F ← max(F ⊙ (Q ⊘ P)^γ, ε) on one block (the MU of Févotte & Idier 2011, floored as in the
/// paper's Section 3.2.1). P = 0 only for an all-zero column of the other factor; then Q = 0
/// too and the entry drops to the floor.
template <class T, class Block>
inline void apply_mu(Block F, const Mat<T>& P, const Mat<T>& Q, double gamma) {
  const T eps = floor_eps<T>();
  const T tiny = std::numeric_limits<T>::min();
  auto ratio = Q.array() / P.array().max(tiny);
  if (gamma == 1.0) {
    F.array() = (F.array() * ratio).max(eps);  // exact operations: packet = scalar
    return;
  }
  // Eigen evaluates pow by packets in the body and by std::pow in the head it peels to align
  // the destination: written straight into F (the caller's memory), the result would depend
  // on F's address. The powers go into an owned, aligned block first; the multiply and the
  // floor are exact either way.
  const Mat<T> G = ratio.pow(T(gamma)).matrix();
  F.array() = (F.array() * G.array()).max(eps);
}

}  // namespace deepnmf
