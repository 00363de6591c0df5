// The W-update of deep β-NMF for a layer ℓ < L (paper problem (13)–(18); docs/
// deep-beta-updates.md §2): minimize Dβ(Y, W H) + λ Dβ(W, W̄) over W ≥ ε, where Y = Wℓ−1,
// W̄ = Wℓ+1 Hℓ+1 and λ = λℓ+1 / λℓ, by the exact minimizer of the majorizer of the first term
// plus the second term kept exact. Entrywise, with t = w / w̃ and P, Q of passes.hpp, the
// minimizer solves M(t) + λ g(w̃ t) = 0, g(w) = ∂/∂w dβ(w | w̄) = (w^(β−1) − w̄^(β−1))/(β−1)
// (ln(w/w̄) for β = 1), an increasing function of t with one root.
#pragma once

#include "deepnmf/beta/beta.hpp"
#include "deepnmf/core/compressed.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// In place: W ← the coupled update. Returns Dβ(Y, W H) at the incoming W when want_loss.
template <class T>
double coupled_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, const CMatRef<T>& W_bar,
                 double lam, double beta, int n_threads, bool want_loss);

/// The entrywise minimizer over r entries — a row, or rows stored contiguously (exposed for
/// tests): w_new from w̃, w̄, P, Q, floored at ε; w_new may alias w̃.
template <class T>
void coupled_w_row(const T* w_tilde, const T* w_bar, const T* P, const T* Q, T* w_new, Index r,
                   double lam, const Beta& beta);

/// coupled_w on sparse CSR data (β = 1): O(nnz·r); H passed as Ht = Hᵀ (see passes_sparse.hpp).
template <class T, class I>
double coupled_w_sparse(const Compressed<T, I>& Ycsr, MatRef<T> W, const CMatRef<T>& Ht,
                        const CMatRef<T>& W_bar, double lam, double beta, int n_threads,
                        bool want_loss);

}  // namespace deepnmf
