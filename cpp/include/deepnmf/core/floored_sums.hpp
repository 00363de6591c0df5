// The sweep of the β = 1 row-sum solve (src/beta/rowsum.cpp): for L rows side by side, how many
// entries a scale c puts below the floor ε and the sum of the others. One vector compare and
// masked adds per entry with GCC/Clang vector extensions, in registers of the ISA level the
// file is compiled for (Eigen's select and compares stay scalar); each lane still sums in entry
// order, so the result is the scalar loop's to the bit on every level. The sums are Kahan-
// compensated: a row of H has as many entries as X has columns, and a plain running sum of
// the ~4000 free entries of a `classic` row was off by 1.3e-14 – 3.2e-14 relative (too high
// on each of the 5 rows checked), which c = (1 − kε)/s hands on to Σh.
#pragma once

#include <cstdint>
#include <cstring>

#include "deepnmf/core/types.hpp"

namespace deepnmf {

#if defined(__AVX512F__)
inline constexpr int kSweepBytes = 64;
#elif defined(__AVX__)
inline constexpr int kSweepBytes = 32;
#else
inline constexpr int kSweepBytes = 16;
#endif

/// Kahan's compensated sum, one step: s + e holds the sum to about one rounding of the total.
template <class V>
inline void kahan_add(V& s, V& e, V v) {
  const V y = v - e, t = s + y;
  e = (t - s) - y;
  s = t;
}

/// For l < L (a multiple of 8, or a power of two): k[l] = #{j : c[l]·a[j·stride + l] < ε} and
/// s[l] = Σ of the other a[j·stride + l], in order of j, compensated (stride ≥ L). c[l] = ∞
/// floors nothing (∞·a is ∞, or NaN for a = 0): s is then the plain compensated sum.
template <int L>
void floored_count_and_sum(const double* a, Index stride, Index n, const double* c, double eps,
                           double* k, double* s) {
#if defined(__GNUC__)
  constexpr int per_vector = kSweepBytes / 8;
  if constexpr (L % per_vector == 0) {
    typedef double Vd __attribute__((vector_size(kSweepBytes)));
    typedef std::int64_t Vi __attribute__((vector_size(kSweepBytes)));
    constexpr int V = L / per_vector;  // vectors per entry
    Vd cv[V], kv[V], sv[V], ev[V];
    std::memcpy(cv, c, sizeof cv);
    const Vd zero = {}, eps_v = zero + eps;
    const Vi one_bits = (Vi)(zero + 1.0);
    for (int u = 0; u < V; ++u) kv[u] = sv[u] = ev[u] = zero;
    for (Index j = 0; j < n; ++j)
      for (int u = 0; u < V; ++u) {
        Vd v;
        std::memcpy(&v, a + j * stride + u * per_vector, sizeof v);
        const Vi floored = cv[u] * v < eps_v;  // all ones where floored
        kv[u] += (Vd)(one_bits & floored);     // 1.0 or +0.0
        kahan_add(sv[u], ev[u], (Vd)((Vi)v & ~floored));  // v or +0.0
      }
    std::memcpy(k, kv, sizeof kv);
    std::memcpy(s, sv, sizeof sv);
    return;
  }
#endif
  double e[L];
  for (int l = 0; l < L; ++l) k[l] = s[l] = e[l] = 0.0;
  for (Index j = 0; j < n; ++j)
    for (int l = 0; l < L; ++l) {
      const double v = a[j * stride + l];
      const bool floored = c[l] * v < eps;
      k[l] += floored ? 1.0 : 0.0;
      kahan_add(s[l], e[l], floored ? 0.0 : v);
    }
}

}  // namespace deepnmf
