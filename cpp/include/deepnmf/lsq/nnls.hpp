// Nonnegative least squares for many right-hand sides at once, exactly, by block principal
// pivoting (Kim & Park 2011; spec frobenius-solvers.md §2.7): every row u of U solves
//     min_{u ≥ 0} ½ uᵀ (G + λ₂I) u − (c − λ₁)ᵀ u        (c the row of C)
// from the Gram G and the cross products C only. Rows whose passive sets agree share one
// Cholesky factor (Van Benthem & Keenan 2004). Serves ANLS, `deepnmf.nnls` and Neural NMF.
#pragma once

#include "deepnmf/core/types.hpp"
#include "deepnmf/frobenius/frobenius.hpp"

namespace deepnmf {

struct NnlsReport {
  int rounds = 0;        // pivoting rounds of the slowest row
  Index failed = 0;      // rows that hit the bound of 5r rounds (left at their projected iterate)
  Index factorizations = 0;  // Cholesky factors formed (one per group and round)
};

/// Solves in place. `warm`: start from the support of U (U > 0), else from u = 0.
template <class T>
NnlsReport nnls_bpp(const CMatRef<double>& G, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                    bool warm, int n_threads);

}  // namespace deepnmf
