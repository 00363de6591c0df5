// Minimum-volume deep KL-NMF (paper model (7), Algorithm 2), in the consistent form of
// docs/minvol-deep-kl.md. For a layer W (m×r) with data Y ≈ W H, columns of W summing to one:
//   logdet majorizer at W̃ (Leplat, Gillis, Ang 2020, Lemma 3; paper (20)):
//     A = (W̃ᵀW̃ + δI)⁻¹, A± = max(±A, 0);
//   W-step of the ADMM (24), entrywise root of a w² + b w − w̃ R = 0:
//     T = 4α W̃(A⁺+A⁻) + 2ρ W̃,  S = 2 T ⊙ R,  C = 1cᵀ − 4α W̃A⁻ − ρ V,  b = C + 1μᵀ,
//     W(μ) = W̃ ⊙ (√(b² + S) − b) ⊘ T = 2 W̃ ⊙ R ⊘ (√(b² + S) + b)
//   (R = (Y ⊘ W̃H) Hᵀ, c = H 1; the second form has no cancellation for b > 0 and is the ρ = 0,
//   α → 0 limit), μ per column so that W(μ)ᵀ1 = 1 with W ≥ ε (safeguarded Newton);
//   Z-step (25): ν z + ln z = ν v + ln w̄ → z = ω(ν v + ln w̄ + ln ν)/ν, ν = ρ/λ;
//   dual step U ← U + W − Z, until ‖W − Z‖_F ≤ tol.
// The paper's (27) lacks the W̃ factor on the ρ terms of T and S: then W(μ) is not the
// minimizer of (24). The tests compare this W-step with a generic constrained solver.
#pragma once

#include "deepnmf/core/compressed.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

using MatD = Mat<double>;
using VecD = Vec<double>;

/// ln det(WᵀW + δI) by Cholesky.
template <class T>
double logdet_gram(const CMatRef<T>& W, double delta);

/// A = (W̃ᵀW̃ + δI)⁻¹ and its positive and negative parts.
struct LogdetMajorizer {
  MatD A, A_pos, A_neg;
};
template <class T>
LogdetMajorizer logdet_majorizer(const CMatRef<T>& W, double delta);

/// The fixed pieces of one W-block subproblem (21) at W̃: everything but V and μ.
struct MinvolBlock {
  MatD W_tilde, R, T, S, C0;  // C = C0 − ρ V
  MatD T_alpha;               // 4α W̃(A⁺+A⁻): T = T_alpha + 2ρ W̃
  VecD c;
  double alpha = 0, rho = 0;
  double floor = 0;  // ε of the factor's dtype: the W-steps floor their entries there
  /// Change ρ (adaptive ADMM): T and S depend on it, C0 does not.
  void set_rho(double new_rho) {
    rho = new_rho;
    T = T_alpha + 2.0 * rho * W_tilde;
    S = 2.0 * T.cwiseProduct(R);
  }
};

/// W(μ) for given V, with μ solved per column (warm-started from and written back to `mu`).
/// Returns the number of Newton iterations of the slowest column.
int minvol_wstep(const MinvolBlock& blk, const CMatRef<double>& V, VecD& mu, MatD& W);

/// Z = ω(ν (W + U) + ln W̄ + ln ν) / ν entrywise (the Z-step (25), log domain).
void minvol_zstep(const MatD& V, const MatD& log_W_bar, double nu, MatD& Z);

struct AdmmReport {
  int iterations = 0;      ///< ADMM iterations run
  double rho = 0;          ///< ρ at exit (differs from the input with adaptive ρ)
  double residual = 0;     ///< ‖W − Z‖_F at exit
  bool accepted = true;    ///< false when the safeguard kept W̃ (block objective would rise)
  double block_decrease = 0;  ///< Φ(W̃) − Φ(W_new) of the subproblem (21) objective
};

/// What the min-vol W-update takes beyond the data and the factors.
struct MinvolWOptions {
  double alpha = 0.0;   ///< αℓ/λℓ, the volume's weight relative to the layer's data term
  double lam = 1.0;     ///< λℓ+1/λℓ, the coupling's weight (layers ℓ < L)
  double delta = 1.0;   ///< δ of ln det(WᵀW + δI)
  double rho = 100.0;   ///< the ADMM's penalty (its start with adaptive_rho)
  double tol = 1e-6;    ///< the ADMM's tolerance on ‖W − Z‖_F
  int max_iter = 200;   ///< the ADMM's iteration bound
  bool adaptive_rho = false;  ///< residual balancing of ρ (Boyd et al. 2011, §3.4.1)
  bool exact = false;   ///< the exact BSUM step (minvol_exact_wstep) instead of the ADMM
};

/// The options from the bindings' keyword arguments, each set by name (five adjacent doubles:
/// an aggregate initializer would swap them silently if a field moved).
inline MinvolWOptions minvol_w_options(double alpha, double lam, double delta, double rho,
                                       double tol, int max_iter, bool adaptive_rho, bool exact) {
  MinvolWOptions o;
  o.alpha = alpha;
  o.lam = lam;
  o.delta = delta;
  o.rho = rho;
  o.tol = tol;
  o.max_iter = max_iter;
  o.adaptive_rho = adaptive_rho;
  o.exact = exact;
  return o;
}

/// The min-vol W-update of a layer ℓ < L (ADMM, in place on W), or of the last layer when
/// W_bar is empty (one exact W-step with ρ = 0). With adaptive_rho, ρ follows residual
/// balancing: doubled when the primal residual ‖W − Z‖ exceeds 10× the dual one
/// ρ‖Z − Z_prev‖, halved in the converse case (the scaled dual U rescaled accordingly).
template <class T>
AdmmReport minvol_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, const CMatRef<double>* W_bar,
                    const MinvolWOptions& options, int n_threads);

/// The exact minimizer of subproblem (21) — entrywise separable but for one multiplier per
/// column: for given μ each entry solves the increasing scalar equation
///   c_k − w̃R/w + 2α (W̃(A⁺+A⁻))/w̃ · w − 4α W̃A⁻ + λ ln(w/w̄) + μ = 0
/// (safeguarded Newton in ln w), nested in the column's Newton on μ. No ADMM tolerance: an
/// exact BSUM step. W_bar = nullptr drops the coupling term (λ = 0). Returns the largest
/// number of outer Newton iterations over the columns.
int minvol_exact_wstep(const MinvolBlock& blk, const LogdetMajorizer& maj, const CMatRef<double>* W_bar,
                       double lam, VecD& mu, MatD& W);

/// minvol_w on sparse CSR data (the first layer); H passed as Ht = Hᵀ (see passes_sparse.hpp).
template <class T, class I>
AdmmReport minvol_w_sparse(const Compressed<T, I>& Ycsr, MatRef<T> W, const CMatRef<T>& Ht,
                           const CMatRef<double>* W_bar, const MinvolWOptions& options,
                           int n_threads);

/// The subproblem (21) objective at W, up to a constant (used by the safeguard and the tests):
/// Σ c_k w_ik − w̃_ik R_ik ln w_ik  +  λ Σ d_KL(w | w̄)  +  α Σ_i [2⟨Δw_i, A w̃_i⟩ + ½ Δw_iᵀ Φ_i Δw_i].
double minvol_block_objective(const MinvolBlock& blk, const LogdetMajorizer& maj, const CMatRef<double>* W_bar,
                              double lam, const MatD& W);

/// The fixed pieces at W̃ (exposed for tests).
template <class T>
MinvolBlock minvol_block(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H,
                         const LogdetMajorizer& maj, double alpha, double rho, int n_threads);

}  // namespace deepnmf
