// Weight policies of the β passes (docs/masks-semisupervised.md §1): the masked divergence
// D_β^Ω(Y, WH) = Σᵢⱼ Ωᵢⱼ dβ(yᵢⱼ | (WH)ᵢⱼ) (M1) keeps the MU an exact MM step when Ω weights
// each entry's majorizer, A = Ω ⊙ V^(β−1), B = Ω ⊙ Y ⊙ V^(β−2) (M2). `NoWeights` is the
// unmasked code path (compiled away); `DenseWeights` holds Ω (m×n, same layout as Y). An entry
// with Ωᵢⱼ = 0 is a hole: its y is never read into a result (NaN or any value there changes
// nothing), because the weighted pieces are selected, not multiplied, at holes.
#pragma once

#include <cmath>

#include "deepnmf/beta/elementwise.hpp"

namespace deepnmf {

struct NoWeights {
  static constexpr bool active = false;
};

template <class T>
struct DenseWeights {
  static constexpr bool active = true;
  CMatRef<T> M;  // Ω, the shape of Y; entries ≥ 0 (checked by the caller)
};

/// A ← Ω ⊙ A (A = 1 for β = 1: A ← Ω) and B ← Ω ⊙ B on one row segment; 0 at holes whatever
/// A and B hold there (the product of garbage y). Multiplying by 1 is exact, so an all-ones Ω
/// reproduces the unweighted pieces bit for bit.
template <class T>
void weigh_majorizer_row(const T* w, T* B, T* A, Index n, bool kl) {
  for (Index j = 0; j < n; ++j) {
    const bool seen = w[j] > T(0);
    B[j] = seen ? w[j] * B[j] : T(0);
    A[j] = kl ? w[j] : (seen ? w[j] * A[j] : T(0));
  }
}

/// Σ Ωᵢⱼ dβ(yᵢⱼ | vᵢⱼ) over a rows×cols block. A 0/1 block is the unweighted sum with the holes
/// replaced by y = v = 1 (dβ(1|1) = 0), through divergence_rows with the same shape — so the
/// chunks, and for an all-ones Ω every bit of the sum, are those of the unmasked loss; a block
/// with fractional weights is summed entry by entry in double. yb, vb: rows·cols scratch.
template <class T>
double weighted_divergence_rows(const T* y, Index ys, const T* v, Index vs, const T* w, Index ws,
                                Index rows, Index cols, const Beta& b, T* yb, T* vb) {
  bool binary = true;
  for (Index i = 0; i < rows; ++i) {
    const T* wi = w + i * ws;
    for (Index j = 0; j < cols; ++j) binary &= (wi[j] == T(0) || wi[j] == T(1));
  }
  if (!binary) {
    double s = 0.0;
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j) {
        const T wij = w[i * ws + j];
        if (wij > T(0))
          s += double(wij) * beta_divergence_pair(double(y[i * ys + j]), double(v[i * vs + j]), b);
      }
    return s;
  }
  for (Index i = 0; i < rows; ++i) {
    const T* wi = w + i * ws;
    const T* yi = y + i * ys;
    const T* vi = v + i * vs;
    T* ybi = yb + i * cols;
    T* vbi = vb + i * cols;
    for (Index j = 0; j < cols; ++j) {
      const bool seen = wi[j] > T(0);
      ybi[j] = seen ? yi[j] : T(1);
      vbi[j] = seen ? vi[j] : T(1);
    }
  }
  return divergence_rows(yb, cols, vb, cols, rows, cols, b);
}

}  // namespace deepnmf
