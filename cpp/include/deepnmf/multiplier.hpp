// The H-update with every row summing to one (spec §3; the paper's Section 3.2.1 with the
// Lagrange multiplier of Leplat, Gillis, Idier 2021). Entry (k, j) of the majorizer has
// derivative M_kj(t) (t = h_kj / h̃_kj); the constrained minimizer over {h ≥ ε, Σ_j h_kj = 1}
// is h_kj = max(h̃_kj t_kj(μ_k), ε) with M_kj(t_kj(μ)) = μ, and μ_k chosen so the row sums to
// one — a monotone scalar equation per row. The floor is part of the feasible set, so the
// result is the exact block minimizer: rows sum to one to rounding and every entry is ≥ ε.
#pragma once

#include "deepnmf/beta.hpp"
#include "deepnmf/types.hpp"

namespace deepnmf {

/// Row k of H ← the constrained minimizer above, from P, Q (r×n, see majorizer.hpp). For
/// β = 1, P is constant along each row and cancels (closed form, 8 rows side by side; P may
/// be empty). Rows run in parallel.
template <class T>
void rowsum_update(MatRef<T> H, const Mat<T>& P, const Mat<T>& Q, const Beta& beta, int n_threads);

/// β = 1 with H given as Ht = Hᵀ (n×r, the sparse passes' layout) and Q as Qt = Qᵀ: column k
/// of Ht gets exactly rowsum_update's row k (same closed form, same sums in the same order),
/// computed in sweeps over the rows of Ht, 8 columns per task — no transposed copies, and P
/// (constant along each row of H for KL) is not needed.
template <class T>
void rowsum_update_kl_transposed(MatRef<T> Ht, const Mat<T>& Qt, int n_threads);

/// One row (exposed for tests): writes h (may not alias h_tilde) and returns μ.
template <class T>
double solve_row_multiplier(const T* h_tilde, const T* p, const T* q, T* h, Index n,
                            const Beta& beta);

}  // namespace deepnmf
