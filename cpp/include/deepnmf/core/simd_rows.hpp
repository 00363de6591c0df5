// Dot products and axpys over one factor row of length r (the rank, typically 5..100): the
// inner work of the sparse passes, done once per nonzero. A loop the compiler vectorizes leaves
// a scalar tail and loop control that cost more than the arithmetic at these lengths, so the
// AVX-512 and AVX2 builds handle the tail with one masked load (masked-off lanes never touch
// memory: reading a row's last partial vector is safe at the end of an array).
//
// Every build gives each product to the same one of 8 partial sums (entry k goes to lane k mod 8)
// and adds the partial sums in the same tree, so the cores of all ISA levels agree to
// rounding (FMA or not) and a fixed core is bit-reproducible.
#pragma once

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Σ_k a[k] b[k] over k < r: 8 partial sums (lane k mod 8), reduced as
/// ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)).
template <class T>
inline T dot_r(const T* a, const T* b, Index r) {
  T s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  Index k = 0;
  for (; k + 8 <= r; k += 8)
    for (int l = 0; l < 8; ++l) s[l] += a[k + l] * b[k + l];
  for (int l = 0; k < r; ++k, ++l) s[l] += a[k] * b[k];
  return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

/// y[k] += alpha x[k] for k < r.
template <class T>
inline void axpy_r(T alpha, const T* x, T* y, Index r) {
  for (Index k = 0; k < r; ++k) y[k] += alpha * x[k];
}

/// Entries of a padded accumulator row: r rounded up to 64 bytes.
template <class T>
constexpr Index padded_length(Index r) {
  constexpr Index kLine = 64 / sizeof(T);
  return (r + kLine - 1) / kLine * kLine;
}

/// axpy_r into an accumulator y that is 64-byte aligned, padded_length(r) long and zero past
/// r: the tail is loaded and stored whole (x masked, so the padding stays zero). The sparse
/// passes run one axpy per nonzero into the same q, and a masked store is not forwarded to the
/// next masked load of the same address (Zen 4: the load waits for the store to retire) —
/// the H-pass's samples sat on that load (perf, BM_SparseKlIteration/20/1).
template <class T>
inline void axpy_r_padded(T alpha, const T* x, T* y, Index r) {
  axpy_r(alpha, x, y, r);
}

#if defined(__AVX512F__)
namespace detail {
inline __mmask8 tail_mask8(Index left) { return static_cast<__mmask8>((1u << left) - 1u); }
// (lo256 + hi256), then (lo128 + hi128), then the pair: the tree of the generic dot_r
inline double reduce8(__m512d s) {
  const __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1));
  const __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}
}  // namespace detail

template <>
inline double dot_r<double>(const double* a, const double* b, Index r) {
  __m512d s = _mm512_setzero_pd();
  Index k = 0;
  for (; k + 8 <= r; k += 8) s = _mm512_fmadd_pd(_mm512_loadu_pd(a + k), _mm512_loadu_pd(b + k), s);
  if (k < r) {
    const __mmask8 m = detail::tail_mask8(r - k);
    s = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, a + k), _mm512_maskz_loadu_pd(m, b + k), s);
  }
  return detail::reduce8(s);
}

template <>
inline void axpy_r<double>(double alpha, const double* x, double* y, Index r) {
  const __m512d a = _mm512_set1_pd(alpha);
  Index k = 0;
  for (; k + 8 <= r; k += 8)
    _mm512_storeu_pd(y + k, _mm512_fmadd_pd(a, _mm512_loadu_pd(x + k), _mm512_loadu_pd(y + k)));
  if (k < r) {
    const __mmask8 m = detail::tail_mask8(r - k);
    _mm512_mask_storeu_pd(y + k, m, _mm512_fmadd_pd(a, _mm512_maskz_loadu_pd(m, x + k),
                                                    _mm512_maskz_loadu_pd(m, y + k)));
  }
}

template <>
inline void axpy_r_padded<double>(double alpha, const double* x, double* y, Index r) {
  const __m512d a = _mm512_set1_pd(alpha);
  Index k = 0;
  for (; k + 8 <= r; k += 8)
    _mm512_store_pd(y + k, _mm512_fmadd_pd(a, _mm512_loadu_pd(x + k), _mm512_load_pd(y + k)));
  if (k < r)
    _mm512_store_pd(y + k, _mm512_fmadd_pd(a, _mm512_maskz_loadu_pd(detail::tail_mask8(r - k), x + k),
                                           _mm512_load_pd(y + k)));
}
// float: the 8 partial sums are one 256-bit register (AVX-512VL masks), the axpy 16 wide
namespace detail {
inline float reduce8(__m256 s) {
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));  // (q0 + q2), (q1 + q3)
  return _mm_cvtss_f32(_mm_add_ss(p, _mm_movehdup_ps(p)));
}
}  // namespace detail

template <>
inline float dot_r<float>(const float* a, const float* b, Index r) {
  __m256 s = _mm256_setzero_ps();
  Index k = 0;
  for (; k + 8 <= r; k += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s);
  if (k < r) {
    const __mmask8 m = detail::tail_mask8(r - k);
    s = _mm256_fmadd_ps(_mm256_maskz_loadu_ps(m, a + k), _mm256_maskz_loadu_ps(m, b + k), s);
  }
  return detail::reduce8(s);
}

template <>
inline void axpy_r<float>(float alpha, const float* x, float* y, Index r) {
  const __m512 a = _mm512_set1_ps(alpha);
  Index k = 0;
  for (; k + 16 <= r; k += 16)
    _mm512_storeu_ps(y + k, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + k), _mm512_loadu_ps(y + k)));
  if (k < r) {
    const __mmask16 m = static_cast<__mmask16>((1u << (r - k)) - 1u);
    _mm512_mask_storeu_ps(y + k, m, _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + k),
                                                    _mm512_maskz_loadu_ps(m, y + k)));
  }
}

template <>
inline void axpy_r_padded<float>(float alpha, const float* x, float* y, Index r) {
  const __m512 a = _mm512_set1_ps(alpha);
  Index k = 0;
  for (; k + 16 <= r; k += 16)
    _mm512_store_ps(y + k, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + k), _mm512_load_ps(y + k)));
  if (k < r) {
    const __mmask16 m = static_cast<__mmask16>((1u << (r - k)) - 1u);
    _mm512_store_ps(y + k, _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + k), _mm512_load_ps(y + k)));
  }
}
#elif defined(__AVX2__) && defined(__FMA__)
namespace detail {
// lanes 0..3 of the 8-entry chunk at k, masked to k + l < r
inline __m256i tail_mask4(Index left) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(left), _mm256_setr_epi64x(0, 1, 2, 3));
}
}  // namespace detail

template <>
inline double dot_r<double>(const double* a, const double* b, Index r) {
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();  // lanes 0..3 and 4..7
  Index k = 0;
  for (; k + 8 <= r; k += 8) {
    lo = _mm256_fmadd_pd(_mm256_loadu_pd(a + k), _mm256_loadu_pd(b + k), lo);
    hi = _mm256_fmadd_pd(_mm256_loadu_pd(a + k + 4), _mm256_loadu_pd(b + k + 4), hi);
  }
  if (k < r) {
    const __m256i m0 = detail::tail_mask4(r - k), m1 = detail::tail_mask4(r - k - 4);
    lo = _mm256_fmadd_pd(_mm256_maskload_pd(a + k, m0), _mm256_maskload_pd(b + k, m0), lo);
    hi = _mm256_fmadd_pd(_mm256_maskload_pd(a + k + 4, m1), _mm256_maskload_pd(b + k + 4, m1), hi);
  }
  const __m256d h = _mm256_add_pd(lo, hi);
  const __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}

template <>
inline void axpy_r<double>(double alpha, const double* x, double* y, Index r) {
  const __m256d a = _mm256_set1_pd(alpha);
  Index k = 0;
  for (; k + 4 <= r; k += 4)
    _mm256_storeu_pd(y + k, _mm256_fmadd_pd(a, _mm256_loadu_pd(x + k), _mm256_loadu_pd(y + k)));
  if (k < r) {
    const __m256i m = detail::tail_mask4(r - k);
    _mm256_maskstore_pd(y + k, m, _mm256_fmadd_pd(a, _mm256_maskload_pd(x + k, m),
                                                  _mm256_maskload_pd(y + k, m)));
  }
}

template <>
inline void axpy_r_padded<double>(double alpha, const double* x, double* y, Index r) {
  const __m256d a = _mm256_set1_pd(alpha);
  Index k = 0;
  for (; k + 4 <= r; k += 4)
    _mm256_store_pd(y + k, _mm256_fmadd_pd(a, _mm256_loadu_pd(x + k), _mm256_load_pd(y + k)));
  if (k < r)
    _mm256_store_pd(y + k, _mm256_fmadd_pd(a, _mm256_maskload_pd(x + k, detail::tail_mask4(r - k)),
                                           _mm256_load_pd(y + k)));
}
// float: the 8 partial sums are one 256-bit register
namespace detail {
inline __m256i tail_mask8i(Index left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline float reduce8(__m256 s) {
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));  // (q0 + q2), (q1 + q3)
  return _mm_cvtss_f32(_mm_add_ss(p, _mm_movehdup_ps(p)));
}
}  // namespace detail

template <>
inline float dot_r<float>(const float* a, const float* b, Index r) {
  __m256 s = _mm256_setzero_ps();
  Index k = 0;
  for (; k + 8 <= r; k += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s);
  if (k < r) {
    const __m256i m = detail::tail_mask8i(r - k);
    s = _mm256_fmadd_ps(_mm256_maskload_ps(a + k, m), _mm256_maskload_ps(b + k, m), s);
  }
  return detail::reduce8(s);
}

template <>
inline void axpy_r<float>(float alpha, const float* x, float* y, Index r) {
  const __m256 a = _mm256_set1_ps(alpha);
  Index k = 0;
  for (; k + 8 <= r; k += 8)
    _mm256_storeu_ps(y + k, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + k), _mm256_loadu_ps(y + k)));
  if (k < r) {
    const __m256i m = detail::tail_mask8i(r - k);
    _mm256_maskstore_ps(y + k, m, _mm256_fmadd_ps(a, _mm256_maskload_ps(x + k, m),
                                                  _mm256_maskload_ps(y + k, m)));
  }
}

template <>
inline void axpy_r_padded<float>(float alpha, const float* x, float* y, Index r) {
  const __m256 a = _mm256_set1_ps(alpha);
  Index k = 0;
  for (; k + 8 <= r; k += 8)
    _mm256_store_ps(y + k, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + k), _mm256_load_ps(y + k)));
  if (k < r)
    _mm256_store_ps(y + k, _mm256_fmadd_ps(a, _mm256_maskload_ps(x + k, detail::tail_mask8i(r - k)),
                                           _mm256_load_ps(y + k)));
}
#endif

}  // namespace deepnmf
