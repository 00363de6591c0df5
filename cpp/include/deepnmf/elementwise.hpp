// Row-segment kernels on contiguous arrays: the sum of dβ(y|v) and the majorizer pieces
// A = V^(β−1), B = Y ⊙ V^(β−2) (spec §1: P = A Hᵀ or Wᵀ A, Q = B Hᵀ or Wᵀ B).
// β ∈ {0, 1/2, 1, 3/2, 2} use Eigen's vectorized log/sqrt; other β use exp((β−1) log v).
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>

#include "deepnmf/beta.hpp"

namespace deepnmf {

template <class T>
using ArrMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using CArrMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

namespace detail {

/// Sum of a chunk held in a 64-byte-aligned buffer, in a fixed order (8 interleaved partial
/// sums, then combined in order). Reductions over the caller's arrays would be vectorized with
/// an alignment-dependent prologue, making the result depend on where NumPy put the data;
/// this makes it depend on the values only (bit-reproducible runs).
template <class T>
double ordered_chunk_sum(const T* d, Index c) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  Index k = 0;
  for (; k + 8 <= c; k += 8)
    for (int l = 0; l < 8; ++l) lanes[l] += double(d[k + l]);
  for (; k < c; ++k) lanes[k % 8] += double(d[k]);
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// Σ (x − v)² / 2 over a row, chunked through an aligned buffer (see ordered_chunk_sum).
template <class T>
double half_squared_distance(const T* x, const T* v, Index n) {
  constexpr Index C = 256;
  alignas(64) T d[C];
  double total = 0.0;
  for (Index j0 = 0; j0 < n; j0 += C) {
    const Index c = std::min(C, n - j0);
    for (Index k = 0; k < c; ++k) {
      const T e = x[j0 + k] - v[j0 + k];
      d[k] = e * e;
    }
    total += ordered_chunk_sum(d, c);
  }
  return 0.5 * total;
}

/// Σ over a chunk of g(u) = 1 − ln u/(u − 1) times a factor, the cancellation-free kernel of
/// KL and IS: d = f · (1 − ln u/(u−1)) with (u, f) = (v/x, v − x) for KL, (x/v, (x − v)/v)
/// for IS. Eigen 3.4 does not vectorize `select`, so the branches are blends in a plain loop
/// and only the logarithm goes through Eigen's vectorized log.
template <class T, bool KL>
double ratio_log_chunks(const T* x, const T* v, Index n) {
  constexpr Index C = 256;
  alignas(64) T u[C];
  alignas(64) T L[C];
  double total = 0.0;
  for (Index j0 = 0; j0 < n; j0 += C) {
    const Index c = std::min(C, n - j0);
    const T* xs = x + j0;
    const T* vs = v + j0;
    for (Index k = 0; k < c; ++k) {
      const T num = KL ? vs[k] : xs[k], den = KL ? xs[k] : vs[k];
      u[k] = den > T(0) ? num / (den > T(0) ? den : T(1)) : T(1);
    }
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(L, c) =
        Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(u, c).log();
    alignas(64) T d[C];
    for (Index k = 0; k < c; ++k) {
      const T um1 = u[k] - T(1);
      const T g = T(1) - L[k] / (um1 == T(0) ? T(1) : um1);
      const T f = KL ? vs[k] - xs[k] : (xs[k] - vs[k]) / (vs[k] > T(0) ? vs[k] : T(1));
      const T dk = um1 == T(0) ? T(0) : f * g;
      d[k] = KL ? (xs[k] > T(0) ? dk : vs[k]) : dk;  // KL: d(0|v) = v
    }
    const double s = ordered_chunk_sum(d, c);
    total += s;
  }
  return total;
}

}  // namespace detail

/// Σ_j dβ(y_j | v_j) in double. Exact zeros of y follow beta_divergence_pair's conventions.
/// The vectorized forms avoid cancellation near y = v; a row whose fast sum is not finite
/// (a ratio overflowed, or an infinite term) is recomputed entry by entry in double.
template <class T>
double divergence_row(const T* y, const T* v, Index n, const Beta& b) {
  double s = std::numeric_limits<double>::quiet_NaN();  // general β: the exact path below
  if (b.kind == Beta::EUC) {
    s = detail::half_squared_distance(y, v, n);
  } else if (b.kind == Beta::KL) {
    s = detail::ratio_log_chunks<T, true>(y, v, n);
  } else if (b.kind == Beta::IS) {
    s = detail::ratio_log_chunks<T, false>(y, v, n);
  }
  if (std::isfinite(s)) return s;
  double exact = 0.0;
  for (Index j = 0; j < n; ++j) exact += beta_divergence_pair(double(y[j]), double(v[j]), b);
  return exact;
}

/// Whether the majorizer of β needs A = V^(β−1) (for β = 1 it is all ones: P = row/column sums).
inline bool needs_A(const Beta& b) { return b.kind != Beta::KL; }

/// In place: v ← B = y ⊙ v^(β−2); a ← A = v^(β−1) (when needs_A). For β < 2 the product is
/// first floored at wh_floor (inactive on floored factors; guards user zeros).
template <class T>
void majorizer_row(const T* y, T* v, T* a, Index n, const Beta& b) {
  CArrMap<T> x(y, n);
  ArrMap<T> w(v, n);
  const T fl = wh_floor<T>();
  switch (b.kind) {
    case Beta::KL:
      w = x / w.max(fl);
      break;
    case Beta::EUC: {
      ArrMap<T> A(a, n);
      A = w;
      w = x;
      break;
    }
    case Beta::IS: {
      ArrMap<T> A(a, n);
      A = w.max(fl).inverse();
      w = x * A.square();
      break;
    }
    case Beta::HALF: {
      ArrMap<T> A(a, n);
      A = w.max(fl).rsqrt();
      w = x * A.cube();
      break;
    }
    case Beta::THREE_HALVES: {
      ArrMap<T> A(a, n);
      A = w.max(fl).sqrt();
      w = x / A;
      break;
    }
    default: {
      ArrMap<T> A(a, n);
      const T bm1 = T(b.value - 1.0);
      if (b.value < 2.0) {
        A = (bm1 * w.max(fl).log()).exp();
        w = x * A / w.max(fl);
      } else {
        const T bm2 = T(b.value - 2.0);
        const auto logw = w.log();  // log 0 = −inf → powers 0 (β > 2)
        A = (bm1 * logw).exp();
        w = x * (bm2 * logw).exp();
      }
    }
  }
}

}  // namespace deepnmf
