// Orthogonal NMF (β = 2, WᵀW = I, W ≥ 0): the assignment step of EM-ONMF (Pompili, Gillis,
// Absil & Glineur 2014; ../shared/spec/frobenius-solvers.md §4.2). W has one nonzero per row,
// so a fit is a partition of the rows of X into r clusters with principal-direction centroids.
#pragma once

#include <cstdint>

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Labels as NumPy's int64 vector.
using LabelRef = Eigen::Ref<Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1>>;

/// From C = X Hᵀ (m×r), ‖hₖ‖² (r) and ‖xᵢ‖² (m): each row's cluster
/// b(i) = argmaxₖ cos(xᵢ, hₖ) = argmaxₖ Cᵢₖ/‖hₖ‖ (ties: lowest k; a zero hₖ is never chosen
/// unless every hₖ is zero), its optimal weight wᵢ = Cᵢ,b/‖h_b‖² and its residual at that weight
/// ‖xᵢ‖² − Cᵢ,b²/‖h_b‖² = ‖xᵢ‖²(1 − cos²) (≥ 0, rounding clamped). Row blocks, no reductions:
/// the results do not depend on the thread count.
template <class T>
void onmf_assign(const CMatRef<T>& C, const CVecRef<double>& h_sq, const CVecRef<double>& x_sq,
                 LabelRef labels, VecRef<double> weight, VecRef<double> residual, int n_threads);

}  // namespace deepnmf
