// β-NMF with a weight (mask) Ω on the entries of Y: the masked divergence (M1) and its exact MM
// updates (M2) of docs/masks-semisupervised.md §1, on dense Y. Ω has Y's shape, entries ≥ 0
// (0/1 for missing values, fractional for a weighted likelihood); Ωᵢⱼ = 0 marks a hole whose
// value in Y is never read into a result. The passes are the unmasked ones with the weights
// applied inside each streamed block (weights.hpp): no m×n temporary beyond theirs.
#pragma once

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// H ← max(H ⊙ (Q ⊘ P)^γ(β), ε), P = Wᵀ(Ω ⊙ V^(β−1)), Q = Wᵀ(Ω ⊙ Y ⊙ V^(β−2)), V = W H.
/// Returns D_β^Ω(Y, W H) at the incoming H when want_loss (else 0).
template <class T>
double mu_h_masked(const CMatRef<T>& Y, const CMatRef<T>& M, const CMatRef<T>& W, MatRef<T> H,
                   double beta, int n_threads, bool want_loss);

/// W ← max(W ⊙ (Q ⊘ P)^γ(β), ε), P = (Ω ⊙ V^(β−1)) Hᵀ, Q = (Ω ⊙ Y ⊙ V^(β−2)) Hᵀ.
template <class T>
double mu_w_masked(const CMatRef<T>& Y, const CMatRef<T>& M, MatRef<T> W, const CMatRef<T>& H,
                   double beta, int n_threads, bool want_loss);

/// The W-majorizer's P, Q (m×r) under Ω, into P and Q (the pieces of a sum of majorizers:
/// the shared W of semi-supervised NMF).
template <class T>
double majorizer_w_masked(const CMatRef<T>& Y, const CMatRef<T>& M, const CMatRef<T>& W,
                          const CMatRef<T>& H, double beta, MatRef<T> P, MatRef<T> Q,
                          int n_threads, bool want_loss);

/// The H-majorizer's P, Q (r×n) under Ω.
template <class T>
double majorizer_h_masked(const CMatRef<T>& Y, const CMatRef<T>& M, const CMatRef<T>& W,
                          const CMatRef<T>& H, double beta, MatRef<T> P, MatRef<T> Q,
                          int n_threads, bool want_loss);

/// D_β^Ω(X, W H) without forming W H.
template <class T>
double beta_divergence_wh_masked(const CMatRef<T>& X, const CMatRef<T>& M, const CMatRef<T>& W,
                                 const CMatRef<T>& H, double beta, int n_threads);

/// Σ Ωᵢⱼ dβ(Xᵢⱼ | Vᵢⱼ).
template <class T>
double beta_divergence_masked(const CMatRef<T>& X, const CMatRef<T>& V, const CMatRef<T>& M,
                              double beta, int n_threads);

}  // namespace deepnmf
