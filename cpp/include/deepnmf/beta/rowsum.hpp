// The H-update with every row summing to one (docs/deep-beta-updates.md §3; the paper's Section 3.2.1 with the
// Lagrange multiplier of Leplat, Gillis, Idier 2021). Entry (k, j) of the majorizer has
// derivative M_kj(t) (t = h_kj / h̃_kj); the constrained minimizer over {h ≥ ε, Σ_j h_kj = 1}
// is h_kj = max(h̃_kj t_kj(μ_k), ε) with M_kj(t_kj(μ)) = μ, and μ_k chosen so the row sums to
// one — a monotone scalar equation per row. The floor is part of the feasible set, so the
// result is the exact block minimizer: rows sum to one to rounding and every entry is ≥ ε.
#pragma once

#include "deepnmf/beta/beta.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Row k of H ← the constrained minimizer above, from P, Q (r×n, see passes.hpp). For
/// β = 1, P is constant along each row and cancels (closed form, 8 rows side by side; P may
/// be empty). Rows run in parallel.
template <class T>
void rowsum_update(MatRef<T> H, const Mat<T>& P, const Mat<T>& Q, const Beta& beta, int n_threads);

/// β = 1 with H given as Ht = Hᵀ (n×r, the sparse passes' layout) and Q as Qt = Qᵀ: column k
/// of Ht gets exactly rowsum_update's row k (same closed form, same sums in the same order),
/// computed in sweeps over the rows of Ht, up to 32 columns at once — no transposed copies,
/// and P (constant along each row of H for KL) is not needed.
template <class T>
void rowsum_update_kl_transposed(MatRef<T> Ht, const Mat<T>& Qt, int n_threads);

/// The same update from the products a = h̃ ⊙ q instead of Q: A is n × kl_products_stride(r)
/// in double, row j holding a_kj for k < r and zeros after, so that 8 rows of H fill a cache
/// line. The sparse H pass writes A block by block (kl_products_into) as its Q blocks come,
/// instead of gathering Qᵀ. A is overwritten (rows with nothing to scale are refilled).
inline constexpr Index kProductLanes = 8;
inline Index kl_products_stride(Index r) {
  return (r + kProductLanes - 1) / kProductLanes * kProductLanes;
}
template <class T>
void rowsum_update_kl_products(MatRef<T> Ht, Mat<double>& A, int n_threads);

/// Rows j0 … j0 + Qt.rows() − 1 of A from Ht's rows there and the Q block Qt.
template <class T>
void kl_products_into(const CMatRef<T>& Ht, const CMatRef<T>& Qt, Index j0, Mat<double>& A);

/// One row (exposed for tests): writes h (may not alias h_tilde) and returns μ.
template <class T>
double solve_row_multiplier(const T* h_tilde, const T* p, const T* q, T* h, Index n,
                            const Beta& beta);

}  // namespace deepnmf
