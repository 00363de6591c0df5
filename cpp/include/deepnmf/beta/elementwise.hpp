// Row-segment kernels on contiguous arrays: the sum of dβ(y|v) and the majorizer pieces
// A = V^(β−1), B = Y ⊙ V^(β−2) (docs/deep-beta-updates.md §1: P = A Hᵀ or Wᵀ A, Q = B Hᵀ or Wᵀ B).
// β ∈ {0, 1/2, 1, 3/2, 2} use Eigen's vectorized log/sqrt; other β use exp((β−1) log v).
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepnmf/beta/beta.hpp"
#include "deepnmf/core/vector_log.hpp"

namespace deepnmf {

template <class T>
using ArrMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using CArrMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

/// Entries per chunk of the loss kernels (their aligned buffers).
constexpr Index kLossChunk = 256;

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
  for (Index t = 0; k + t < c; ++t) lanes[t] += double(d[k + t]);  // k is a multiple of 8
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// Σ (x − v)² / 2 over one chunk of at most 256 entries (see ordered_chunk_sum).
template <class T>
double half_squared_chunk(const T* x, const T* v, Index c) {
  alignas(64) T d[kLossChunk];
  for (Index k = 0; k < c; ++k) {
    const T e = x[k] - v[k];
    d[k] = e * e;
  }
  return 0.5 * ordered_chunk_sum(d, c);
}

/// Σ over one chunk (≤ 256 entries) of φ(u) = u − 1 − ln u times a factor: d = x φ(v/x) for
/// KL (d(0|v) = v), d = φ(x/v) for IS. One division per entry. Near u = 1, u − 1 is exact and
/// ln u carries a relative error of an ulp, so d keeps a relative error of about 2 ulp/|u − 1|
/// — no worse than what rounding the input costs (test_accurate_near_equality). NaN when a
/// ratio is subnormal (its precision lost): the caller then sums exactly. Eigen 3.4 does not
/// vectorize `select`, so the branches are blends in a plain loop and only the logarithm goes
/// through Eigen's vectorized log (log_into).
template <class T, bool KL>
double ratio_log_chunk(const T* xs, const T* vs, Index c) {
  alignas(64) T u[kLossChunk];
  alignas(64) T L[kLossChunk];
  alignas(64) T d[kLossChunk];
  for (Index k = 0; k < c; ++k) {
    const T num = KL ? vs[k] : xs[k], den = KL ? xs[k] : vs[k];
    // den = 0: KL's x = 0 is d = v (below); IS's v = 0 gives u = inf, so a NaN sends the
    // block to the exact path, where d(x|0) = inf
    u[k] = den > T(0) ? num / (den > T(0) ? den : T(1))
                      : (KL ? T(1) : std::numeric_limits<T>::infinity());
  }
  // a subnormal ratio has lost its precision to underflow: the caller's exact path
  if (log_into(u, L, c)) return std::numeric_limits<double>::quiet_NaN();
  for (Index k = 0; k < c; ++k) {
    const T phi = std::max((u[k] - T(1)) - L[k], T(0));  // ≥ 0: a last-bit tie of ln u
    d[k] = KL ? (xs[k] > T(0) ? xs[k] * phi : vs[k]) : phi;  // KL: d(0|v) = v
  }
  return ordered_chunk_sum(d, c);
}

/// Σ chunk(x, v, c) over a rows×cols block (row i at x + i·xs, v + i·vs) in chunks of 256
/// entries that run across row ends: short rows (the column blocks of a tall matrix) pay the
/// chunk kernel's fixed cost once per 256 entries, not once per row. Full chunks inside a row
/// are read in place; the others are gathered into aligned buffers. The chunking depends on
/// the shape only (reproducible).
template <class T, double (*chunk)(const T*, const T*, Index)>
double chunked_rows(const T* x, Index xs, const T* v, Index vs, Index rows, Index cols) {
  constexpr Index C = kLossChunk;
  alignas(64) T xb[C];
  alignas(64) T vb[C];
  double total = 0.0;
  Index fill = 0;
  for (Index i = 0; i < rows; ++i) {
    const T* xi = x + i * xs;
    const T* vi = v + i * vs;
    for (Index j = 0; j < cols;) {
      if (fill == 0 && cols - j >= C) {
        total += chunk(xi + j, vi + j, C);
        j += C;
        continue;
      }
      const Index c = std::min(C - fill, cols - j);
      std::copy(xi + j, xi + j + c, xb + fill);
      std::copy(vi + j, vi + j + c, vb + fill);
      fill += c;
      j += c;
      if (fill == C) {
        total += chunk(xb, vb, C);
        fill = 0;
      }
    }
  }
  if (fill > 0) total += chunk(xb, vb, fill);
  return total;
}

}  // namespace detail

/// Σ dβ(y | v) in double over a rows×cols block (row i at y + i·ys, v + i·vs). Exact zeros of
/// y follow beta_divergence_pair's conventions. A block whose fast sum is not finite (a ratio
/// overflowed, or an infinite term) is recomputed entry by entry in double.
template <class T>
double divergence_rows(const T* y, Index ys, const T* v, Index vs, Index rows, Index cols,
                       const Beta& b) {
  double s = std::numeric_limits<double>::quiet_NaN();  // general β: the exact path below
  if (b.kind == Beta::EUC) {
    s = detail::chunked_rows<T, detail::half_squared_chunk<T>>(y, ys, v, vs, rows, cols);
  } else if (b.kind == Beta::KL) {
    s = detail::chunked_rows<T, detail::ratio_log_chunk<T, true>>(y, ys, v, vs, rows, cols);
  } else if (b.kind == Beta::IS) {
    s = detail::chunked_rows<T, detail::ratio_log_chunk<T, false>>(y, ys, v, vs, rows, cols);
  }
  if (std::isfinite(s)) return s;
  double exact = 0.0;
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j)
      exact += beta_divergence_pair(double(y[i * ys + j]), double(v[i * vs + j]), b);
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
        log_into(v, a, n);  // A ← ln V first; ln 0 = −inf → powers 0 (β > 2)
        w = x * (bm2 * A).exp();
        A = (bm1 * A).exp();
      }
    }
  }
}

}  // namespace deepnmf
