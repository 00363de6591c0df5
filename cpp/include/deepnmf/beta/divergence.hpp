// β-divergence Dβ(X, V) = Σ_ij dβ(x_ij | v_ij) for any real β (see beta.hpp for conventions).
#pragma once

#include "deepnmf/core/compressed.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Dβ(X, V) for two matrices of one shape. Throws std::invalid_argument for negative or NaN
/// entries and for exact zeros in X when β ≤ 0 (the divergence is infinite there).
template <class T>
double beta_divergence(const CMatRef<T>& X, const CMatRef<T>& V, double beta, int n_threads);

/// Dβ(X, W H), streaming W H through cache in blocks (no m×n temporary).
template <class T>
double beta_divergence_wh(const CMatRef<T>& X, const CMatRef<T>& W, const CMatRef<T>& H,
                          double beta, int n_threads);

/// D_KL(X, W H) for sparse CSR X (β = 1): O(nnz·r); H passed as Ht = Hᵀ (see passes_sparse.hpp).
template <class T, class I>
double beta_divergence_wh_sparse(const Compressed<T, I>& Xcsr, const CMatRef<T>& W,
                                 const CMatRef<T>& Ht, double beta, int n_threads);

}  // namespace deepnmf
