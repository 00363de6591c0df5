// The majorizer pieces (P, Q) of the β-divergence MU as primitives (docs/deep-beta-updates.md
// §1): the blocks the fused updates consume as they stream, written out whole. Masks, label
// terms and blocked data compose from these (a sum of majorizers, a reduction over blocks)
// without a fused kernel per combination; the fused updates stay the hot paths.
#pragma once

#include "deepnmf/core/compressed.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// P = (WH)^(β−1) Hᵀ and Q = (Y ⊙ (WH)^(β−2)) Hᵀ (m×r) into P and Q, without forming W H
/// whole. Returns Dβ(Y, W H) when want_loss (else 0).
template <class T>
double majorizer_w(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, double beta,
                   MatRef<T> P, MatRef<T> Q, int n_threads, bool want_loss);

/// P = Wᵀ (WH)^(β−1) and Q = Wᵀ (Y ⊙ (WH)^(β−2)) (r×n) into P and Q.
template <class T>
double majorizer_h(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, double beta,
                   MatRef<T> P, MatRef<T> Q, int n_threads, bool want_loss);

/// majorizer_w on CSR data, β = 1: P = 1 Hᵀ, Q = (Y ⊘ WH) Hᵀ on the nonzeros; Ht = Hᵀ.
template <class T, class I>
double majorizer_w_sparse(const Compressed<T, I>& Ycsr, const CMatRef<T>& W,
                          const CMatRef<T>& Ht, MatRef<T> P, MatRef<T> Q, int n_threads,
                          bool want_loss);

/// majorizer_h on CSC data, β = 1, written transposed as the sparse kernels hold H:
/// Pt = Pᵀ, Qt = Qᵀ (n×r); Ht = Hᵀ.
template <class T, class I>
double majorizer_h_sparse(const Compressed<T, I>& Ycsc, const CMatRef<T>& W,
                          const CMatRef<T>& Ht, MatRef<T> Pt, MatRef<T> Qt, int n_threads,
                          bool want_loss);

}  // namespace deepnmf
