// The update of a factor shared by two β-divergence terms, X ≈ W H and Y ≈ W B in
// semi-supervised NMF (docs/masks-semisupervised.md §3.2): with each term's W-majorizer pieces
// (P, Q of majorizer.hpp / masked.hpp), the summed majorizer is stationary where
//     M^X(t) + λ M^Y(t) = 0,   t = w / w̃,                                              (M6)
// each M increasing in t (docs/deep-beta-updates.md §1), so the root is unique and W ← max(W̃ t, ε)
// is an exact block MM step: the objective cannot increase.
#pragma once

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// In place: W ← max(W ⊙ t, ε) with t the root of (M6). β_X = β_Y: t = ((Q^X + λQ^Y) ⊘
/// (P^X + λP^Y))^γ(β) (the published update, exact here; λ = 0 is the plain MU bit for bit);
/// {β_X, β_Y} = {1, 2}: the closed-form positive root of the quadratic; any other pair:
/// safeguarded Newton in log t. With `mediant`, the ratio (Q^X + λQ^Y)/(P^X + λP^Y) whatever
/// the pair: the update of the ssnmf package, which is not the minimizer for mixed pairs and
/// can raise the objective (kept for reproduction only).
template <class T>
void shared_w_update(MatRef<T> W, const CMatRef<T>& PX, const CMatRef<T>& QX, double beta_x,
                     const CMatRef<T>& PY, const CMatRef<T>& QY, double beta_y, double lam,
                     bool mediant, int n_threads);

/// The root t of (M6) for one entry (double; for tests and the kernel): P, Q ≥ 0 per term.
double shared_w_root(double PX, double QX, double beta_x, double PY, double QY, double beta_y,
                     double lam);

}  // namespace deepnmf
