// One multiplicative update (block majorization-minimization) of H or W for Y ≈ W H under the
// β-divergence (Févotte & Idier 2011; docs/deep-beta-updates.md §1), floored at ε (paper
// Section 3.2.1), in place.
#pragma once

#include "deepnmf/core/compressed.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// H ← max(H ⊙ (Q ⊘ P)^γ(β), ε) with P = Wᵀ(WH)^(β−1), Q = Wᵀ(Y ⊙ (WH)^(β−2)); with
/// row_sums_one, the minimizer of the same majorizer under H e = e and H ≥ ε (docs/deep-beta-updates.md §3; see
/// rowsum.hpp). Returns Dβ(Y, W H) at the incoming H when want_loss (else 0): the loss of
/// the current iterate comes for free from the product the update computes anyway.
template <class T>
double mu_h(const CMatRef<T>& Y, const CMatRef<T>& W, MatRef<T> H, double beta,
            bool row_sums_one, int n_threads, bool want_loss);

/// W ← max(W ⊙ (Q ⊘ P)^γ(β), ε) with P = (WH)^(β−1) Hᵀ, Q = (Y ⊙ (WH)^(β−2)) Hᵀ.
/// Returns Dβ(Y, W H) at the incoming W when want_loss (else 0).
template <class T>
double mu_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, double beta, int n_threads,
            bool want_loss);

/// mu_h on sparse data given in CSC (columns of Y), β = 1 only: O(nnz·r) per update. H is
/// passed as Ht = Hᵀ (n×r, see passes_sparse.hpp) and updated in place.
template <class T, class I>
double mu_h_sparse(const Compressed<T, I>& Ycsc, const CMatRef<T>& W, MatRef<T> Ht, double beta,
                   bool row_sums_one, int n_threads, bool want_loss);

/// mu_w on sparse data given in CSR (rows of Y), β = 1 only: O(nnz·r) per update; Ht = Hᵀ.
template <class T, class I>
double mu_w_sparse(const Compressed<T, I>& Ycsr, MatRef<T> W, const CMatRef<T>& Ht, double beta,
                   int n_threads, bool want_loss);

}  // namespace deepnmf
