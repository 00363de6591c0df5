// Frobenius NMF (β = 2): the block solvers of ../shared/spec/frobenius-solvers.md on the triple
// (G, C, U) — Gram of the fixed factor (r×r, float64), cross product with the data (N×r) and the
// updated factor (N×r, its r-vectors as rows: W for the W-block, Hᵀ for the H-block) — so that
// one kernel serves both blocks (Xᵀ ≈ Hᵀ Wᵀ) and the inner iterations never touch X (§1).
// Every update is row-separable: threads take fixed blocks of rows (core/parallel.hpp), each row
// is computed in float64 and stored in T, reductions are taken in block order: the results
// depend on the shapes only, never on the thread count.
#pragma once

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Elastic-net terms of one block, (F8): λ₁‖U‖₁ + ½λ₂‖U‖²_F, already scaled as scikit-learn
/// scales them (λ₁ = n·α·ρ for W, …: done in Python).
struct Penalty {
  double l1 = 0.0, l2 = 0.0;
};

/// G = Uᵀ U in float64 (row blocks, partial sums added in block order).
template <class T>
void gram(const CMatRef<T>& U, MatRef<double> G, int n_threads);

/// C = Xᵀ W (n×r) for dense X (m×n) and W (m×r): column blocks of X, no copy of X.
template <class T>
void cross_t(const CMatRef<T>& X, const CMatRef<T>& W, MatRef<T> C, int n_threads);

/// What an inner loop did: sweeps (or steps) run, and ‖ΔU‖²_F of the first and the last.
struct SweepReport {
  int sweeps = 0;
  double first_change = 0.0, last_change = 0.0;
};

/// HALS (F6) with the penalties of §3.2, up to `max_sweeps` sweeps over the r components in
/// order, stopped once a sweep moves U by ‖ΔU‖ ≤ δ‖ΔU_first‖ (F7; δ = 0 disables the stop). A
/// component with G_kk + λ₂ = 0 is left as it is (scikit-learn's rule; Python resets it).
template <class T>
SweepReport hals_update(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                        int max_sweeps, double delta, int n_threads);

/// Projected gradient with the OPL step of the lecture (F5): U ← [U − ∇ ⊙ η]₊ with
/// ηₖ = 1/(rowsumₖ(G) + λ₂), `steps` times (a component whose row sum is 0 stays).
template <class T>
SweepReport opl_update(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                       int steps, int n_threads);

/// The interior-point gradient of the lecture (steps 1.1–1.7, §2.3), `steps` times: per row
/// (`global_step` false) or one scalar η for the block (the lecture's). `unit_step` forces
/// η = 1 (then the step is Lee–Seung MU: a test of the identity).
struct IpgOptions {
  double tau = 0.99;
  bool global_step = false, unit_step = false;
};
template <class T>
SweepReport ipg_update(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                       int steps, IpgOptions opt, int n_threads);

/// ALS with truncation (lecture steps 2.1–2.2): U = [(C − λ₁)(G + λ₂I)⁻¹]₊ by Cholesky, with
/// the ridge 1e-6·tr(G)/r when cond(G + λ₂I) > 1e6 (§2.1). Returns whether the ridge was used.
template <class T>
bool als_update(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                int n_threads);

/// ‖∇ᴾ‖²_F of the block at U (Lin 2007): ∇ = U G − C + λ₁ + λ₂U, projected where U = 0.
template <class T>
double projected_gradient_sq(const CMatRef<double>& G, const CMatRef<T>& C, const CMatRef<T>& U,
                             Penalty pen, int n_threads);

}  // namespace deepnmf
