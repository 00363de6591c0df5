#include "deepnmf/special/wright_omega.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#if defined(__AVX512F__) && defined(__AVX512VL__)
#include <immintrin.h>
#endif

namespace deepnmf {
namespace {

constexpr Index kChunk = 256;

using ArrD = Eigen::Array<double, Eigen::Dynamic, 1>;
using MapD = Eigen::Map<ArrD>;
using CMapD = Eigen::Map<const ArrD>;
// The chunk buffers are 64-byte aligned: Eigen then needs no scalar head.
using AMapD = Eigen::Map<ArrD, Eigen::Aligned64>;
using ACMapD = Eigen::Map<const ArrD, Eigen::Aligned64>;

/// Initial approximations of ω(y) (error ≤ 5% at the region edges, far less inside):
///   y < −2:       W0(x) = x − x² + 3/2 x³ − 8/3 x⁴ + 125/24 x⁵, x = e^y (Lagrange series);
///   −2 ≤ y ≤ 1:   Taylor series of ω about y = 1, where ω(1) = 1;
///   y > 1:        asymptotic ω ≈ y − ln y + ln y / y + ln y (ln y − 2) / (2 y²).
inline double omega_taylor(double y) {
  const double d = y - 1.0;
  return 1.0 + d * (0.5 + d * (1.0 / 16.0 + d * (-1.0 / 192.0 + d * (-1.0 / 3072.0 + d * (13.0 / 61440.0)))));
}
inline double omega_initial_negative(double y, double x) {  // y ≤ 0, x = e^y
  const double series = x * (1.0 - x * (1.0 - x * (1.5 - x * (8.0 / 3.0 - x * (125.0 / 24.0)))));
  return y < -2.0 ? series : omega_taylor(y);
}
inline double omega_initial_positive(double y, double ly) {  // y > 0, ly = ln max(y, 1)
  const double iy = 1.0 / std::max(y, 1.0);
  const double asym = y - ly + ly * iy + ly * (ly - 2.0) * 0.5 * iy * iy;
  return y <= 1.0 ? omega_taylor(y) : asym;
}

/// One Fritsch–Shafer–Crowley step for z + ln z = y (fourth order): with r = y − z − ln z and
/// q = r/(1+z), z ← z (1 + q (1 + 2q/3 − q/(2(1+z))) / (1 + 2q/3 − q/(1+z))). With
/// a = (1 + 2q/3)(1+z) = (1+z) + 2r/3, the correction q·ratio is r (a(1+z) − r/2) /
/// ((1+z)(a(1+z) − r)): one division. It is homogeneous of degree 0 in r, 1+z and a, so
/// where 1+z > 2^300 (the product would overflow near z ~ 1e103) all three are scaled by
/// 2^−600 first (exact; a correction that underflows there is below z's ulp anyway).
inline double fsc_step(double y, double z, double lz) {
  const double r0 = y - z - lz;
  const double opz0 = 1.0 + z;
  const double scale = opz0 > 0x1p300 ? 0x1p-600 : 1.0;
  const double r = r0 * scale, opz = opz0 * scale;
  const double a_opz = (opz + (2.0 / 3.0) * r) * opz;
  const double correction = r * (a_opz - 0.5 * r) / (opz * (a_opz - r));
  return z + z * correction;  // z (1 + q·ratio), without rounding 1 + q·ratio to 1 ulp of 1
}

/// One Halley step on f(z) = z e^z − x (third order), for y ≤ 0 where x = e^y is accurate:
/// the residual is formed in the linear domain, so its rounding error is ulp·x and z keeps
/// full relative accuracy (the log-domain residual y − z − ln z would lose ulp·|y|/z).
/// z − f / (f' − f f''/(2f')) with f' = e^z (z+1), f'' = e^z (z+2), as one division.
inline double halley_step(double x, double z, double ez) {
  const double f = z * ez - x;
  const double zp1 = z + 1.0;
  return z - 2.0 * f * zp1 / (2.0 * ez * zp1 * zp1 - (z + 2.0) * f);
}

/// Below this y, the Lagrange series of W0(e^y) through x⁷ is ω(y) to < 2⁻⁶⁰ relative (the
/// first omitted term is 52.0 x⁸/x ≤ 3e-20 at y = −7): no iteration is needed.
constexpr double kSeriesRegion = -7.0;

/// W0(x) = Σ (−n)^(n−1)/n! xⁿ through n = 7, for x ≤ e⁻⁷ (Horner).
inline double w0_series(double x) {
  return x * (1.0 - x * (1.0 - x * (1.5 - x * (8.0 / 3.0 - x * (125.0 / 24.0 -
             x * (10.8 - x * (117649.0 / 5040.0)))))));
}

/// ω where y < kSeriesRegion: one exponential and the series (no iteration).
void omega_series(double* y, Index c) {
  AMapD(y, c) = ACMapD(y, c).exp();
  for (Index k = 0; k < c; ++k) y[k] = w0_series(y[k]);
}

/// ω where kSeriesRegion ≤ y ≤ 0: x = e^y, then two Halley steps on z e^z = x (the residual in
/// the linear domain keeps full relative accuracy).
void omega_negative(double* y, Index c) {
  alignas(64) double x[kChunk], z[kChunk], ez[kChunk];
  AMapD(x, c) = ACMapD(y, c).exp();
  for (Index k = 0; k < c; ++k) z[k] = omega_initial_negative(y[k], x[k]);
  for (int step = 0; step < 2; ++step) {
    AMapD(ez, c) = ACMapD(z, c).exp();
    for (Index k = 0; k < c; ++k) z[k] = halley_step(x[k], z[k], ez[k]);
  }
  for (Index k = 0; k < c; ++k) y[k] = z[k];
}

/// ln y for y ≥ 1 to within 1e-5 (absolute), cheaply: the exponent times ln 2 plus a degree-5
/// least-squares polynomial of ln(1 + t) on the mantissa 1 + t ∈ [1, 2). Good enough for the
/// initial guess (fourth-order steps follow); finite for +inf and NaN (fixed up later).
inline double log_for_initial_guess(double y) {
  const auto bits = __builtin_bit_cast(std::uint64_t, y);
  // the biased exponent as a double without an int→double conversion: 2^52 + k − 2^52
  const double e = __builtin_bit_cast(double, (bits >> 52) | 0x4330000000000000ull) -
                   (4503599627370496.0 + 1023.0);
  const double t =
      __builtin_bit_cast(double, (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull) - 1.0;
  const double ln1pt = 9.949508033124665e-06 + t * (0.9992359203110663 + t * (-0.4902327532285396 +
                       t * (0.2852763732840212 + t * (-0.13158456992108497 + t * 0.03044965816456355))));
  return e * 0.6931471805599453 + ln1pt;
}

/// Above this y the initial guess is within 2.2e-4 relative (the asymptotic series' error,
/// (ln y)³/y³ in order, and the approximate ln y's 1e-5), and one FSC step with an accurate
/// ln z lands within 1 ulp (0.05 ulp on average from y = 8 on; the threshold leaves a margin).
constexpr double kOneStepAbove = 10.0;

/// ω where y > 0 (and NaN): initial guess from an approximate ln y, then FSC steps on
/// z + ln z = y. Up to kOneStepAbove the guess is only within 5 %, and a first step on the
/// approximate ln z brings it within about 1e-5 (that log's error, over 1 + z); above it the
/// guess goes to the last step as it is. The last step, with an accurate ln z, leaves the
/// error's fourth power — below half an ulp. Whether an entry takes the first step depends on
/// its y alone; a chunk with no entry up to kOneStepAbove skips that loop.
void omega_positive(double* y, Index c) {
  alignas(64) double z[kChunk], lz[kChunk];
  Index n_near = 0;  // entries that take the first step (y ≤ kOneStepAbove, or NaN)
  for (Index k = 0; k < c; ++k) {
    lz[k] = log_for_initial_guess(std::max(y[k], 1.0));
    n_near += !(y[k] > kOneStepAbove);
  }
  for (Index k = 0; k < c; ++k) z[k] = omega_initial_positive(y[k], lz[k]);
  if (n_near > 0)
    for (Index k = 0; k < c; ++k) {
      const double z1 = fsc_step(y[k], z[k], log_for_initial_guess(z[k]));
      z[k] = y[k] > kOneStepAbove ? z[k] : z1;
    }
  AMapD(lz, c) = ACMapD(z, c).log();
  for (Index k = 0; k < c; ++k) y[k] = fsc_step(y[k], z[k], lz[k]);
}

/// Below this y (and for ±inf, NaN) an entry is a rare input, fixed up exactly after the
/// regions: Eigen's packet exp produces no subnormals, and ±inf / NaN pass through.
constexpr double kSpecialBelow = -700.0;

// Each region's list is padded to whole packets with a value of that region, so Eigen's
// exp/log run on full vectors only: a scalar tail would cost more than the vector body, and
// Eigen's scalar exp is std::exp, which would make an entry's bits depend on its position.
constexpr Index kPad = 8;
constexpr double kFill[3] = {-10.0, -1.0, 1.0};
void (*const kEvaluate[3])(double*, Index) = {omega_series, omega_negative, omega_positive};

/// Evaluates region `region`'s method on buf[0, count), padding it in place (buf holds at
/// least kChunk entries).
void evaluate_region(int region, double* buf, Index count) {
  const Index padded = (count + kPad - 1) / kPad * kPad;
  for (Index j = count; j < padded; ++j) buf[j] = kFill[region];
  kEvaluate[region](buf, padded);
}

/// Where a mixed chunk's entries went: per region the positions k of its entries (its values
/// are in the caller's buffers), and the rare inputs (below −700, ±inf, NaN) with their values.
/// The lists are a vector longer than a chunk: a masked store of 8 lanes at a list's end stays
/// inside the array (and inside what a sanitizer checks).
constexpr Index kListLength = kChunk + 8;
struct RegionLists {
  Index count[3] = {0, 0, 0}, n_special = 0;
  std::int32_t idx[3][kListLength], special_k[kListLength];
  alignas(64) double special_y[kListLength];
};

/// Sorts y[0, c) by region into buf[region] (y < −7, −7 ≤ y ≤ 0, y > 0 or NaN), keeping the
/// order within each region, and collects the rare inputs.
void sort_into_regions(const double* y, Index c, double (*buf)[kListLength], RegionLists& out) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  Index k = 0, m0 = 0, m1 = 0, m2 = 0, n_spec = 0;
#if defined(__AVX512F__) && defined(__AVX512VL__)
  // 8 entries per step: each region's entries and their positions are packed by a register
  // compress (the compress-to-memory form is slow on Zen 4) and stored under the mask of the
  // packed lanes, so nothing is written past a list's end; its count advances by the mask's
  // population.
  const __m512d series = _mm512_set1_pd(kSeriesRegion), zero = _mm512_setzero_pd();
  const __m512d low = _mm512_set1_pd(kSpecialBelow), inf_v = _mm512_set1_pd(inf);
  const __m256i step = _mm256_set1_epi32(8);
  __m256i pos = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  auto append = [](double* vals, std::int32_t* ks, Index& n, __mmask8 m, __m512d v, __m256i p) {
    const Index add = __builtin_popcount(static_cast<unsigned>(m));
    const __mmask8 first = static_cast<__mmask8>((1u << add) - 1u);
    _mm512_mask_storeu_pd(vals + n, first, _mm512_maskz_compress_pd(m, v));
    _mm256_mask_storeu_epi32(ks + n, first, _mm256_maskz_compress_epi32(m, p));
    n += add;
  };
  for (; k < c; k += 8, pos = _mm256_add_epi32(pos, step)) {
    const __mmask8 valid = static_cast<__mmask8>(c - k >= 8 ? 0xFFu : (1u << (c - k)) - 1u);
    const __m512d v = _mm512_maskz_loadu_pd(valid, y + k);
    const __mmask8 r0 = _mm512_mask_cmp_pd_mask(valid, v, series, _CMP_LT_OQ);
    const __mmask8 r2 = _mm512_mask_cmp_pd_mask(valid, v, zero, _CMP_NLE_UQ);  // > 0, NaN
    const __mmask8 r1 = static_cast<__mmask8>(valid & ~(r0 | r2));
    const __mmask8 ok = static_cast<__mmask8>(_mm512_cmp_pd_mask(v, low, _CMP_GE_OQ) &
                                              _mm512_cmp_pd_mask(v, inf_v, _CMP_LT_OQ));
    const __mmask8 special = static_cast<__mmask8>(valid & ~ok);
    append(buf[0], out.idx[0], m0, r0, v, pos);
    append(buf[1], out.idx[1], m1, r1, v, pos);
    append(buf[2], out.idx[2], m2, r2, v, pos);
    if (special) append(out.special_y, out.special_k, n_spec, special, v, pos);
  }
#else
  for (; k < c; ++k) {
    // Branch-free sorting with the counts in registers: v is stored into every list and only
    // its own list's count advances (no dependence through memory from one k to the next).
    const double v = y[k];
    const auto kk = static_cast<std::int32_t>(k);
    const Index r0 = v < kSeriesRegion;
    const Index r2 = !(v <= 0.0);
    buf[0][m0] = v, out.idx[0][m0] = kk, m0 += r0;
    buf[1][m1] = v, out.idx[1][m1] = kk, m1 += 1 - r0 - r2;
    buf[2][m2] = v, out.idx[2][m2] = kk, m2 += r2;
    out.special_y[n_spec] = v, out.special_k[n_spec] = kk;
    n_spec += 1 - (Index(v >= kSpecialBelow) & Index(v < inf));
  }
#endif
  out.count[0] = m0, out.count[1] = m1, out.count[2] = m2, out.n_special = n_spec;
}

/// ω on one chunk of doubles (c ≤ kChunk). Each entry is evaluated with only the
/// transcendental functions its region needs (Eigen's packet exp/log, vectorized): y < −7 by
/// the series (1 exp), −7 ≤ y ≤ 0 by Halley on z e^z = e^y (3 exp), y > 0 by FSC on
/// z + ln z = y (3 log; 2 above y = 10). A chunk within one region (the common case: the deep
/// KL W-update's arguments on CBCL lie in [12, 25] at layer 1) is evaluated as it stands; a
/// mixed chunk is sorted into per-region buffers and scattered back. An entry's result is the
/// same either way.
void omega_chunk(const double* y, double* out, Index c) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  // One vectorized scan: the count of each region, and of the rare inputs (below −700, ±inf,
  // NaN), which Eigen's packet exp does not handle (no subnormals) and which are fixed up
  // exactly at the end.
  using Int = SameWidthInt<double>;  // integer flags as wide as double: the scan vectorizes
  Int n0 = 0, n2 = 0, n_special = 0;
  for (Index k = 0; k < c; ++k) {
    const double v = y[k];
    n0 += Int(v < kSeriesRegion);
    n2 += Int(!(v <= 0.0));  // y > 0 and NaN
    n_special += Int(!(v >= kSpecialBelow)) | Int(!(v < inf));
  }
  alignas(64) double buf[3][kListLength];
  if (n_special == 0 && (n0 == c || n2 == c || n0 + n2 == 0)) {
    const int region = n0 == c ? 0 : n2 == c ? 2 : 1;
    std::copy(y, y + c, buf[0]);
    evaluate_region(region, buf[0], c);
    std::copy(buf[0], buf[0] + c, out);
    return;
  }
  RegionLists lists;
  sort_into_regions(y, c, buf, lists);
  for (int region = 0; region < 3; ++region)
    if (lists.count[region] > 0) evaluate_region(region, buf[region], lists.count[region]);
  for (int region = 0; region < 3; ++region)  // y may alias out: y is not read from here on
    for (Index j = 0; j < lists.count[region]; ++j) out[lists.idx[region][j]] = buf[region][j];
  for (Index j = 0; j < lists.n_special; ++j) {  // −inf → 0; +inf, NaN → themselves
    const double v = lists.special_y[j];
    out[lists.special_k[j]] = v < kSpecialBelow ? std::exp(v) : v;
  }
}

/// One Newton step on f(w) = w e^w − x: restores full relative accuracy for small x, where
/// ln x carries an absolute error of ulp·|ln x|.
inline double w0_newton(double x, double w) {
  const double ew = std::exp(w);
  const double f = w * ew - x;
  const double df = ew * (1.0 + w);
  return df > 0.0 ? w - f / df : w;
}

}  // namespace

double wright_omega_scalar(double y) {
  alignas(64) double buf[8] = {y};  // a whole vector: the sort may load 8 lanes (masked)
  omega_chunk(buf, buf, 1);
  return buf[0];
}

template <class T>
void wright_omega(const T* y, T* w, Index n) {
  alignas(64) double buf[kChunk];
  for (Index j0 = 0; j0 < n; j0 += kChunk) {
    const Index c = std::min(kChunk, n - j0);
    for (Index k = 0; k < c; ++k) buf[k] = double(y[j0 + k]);
    omega_chunk(buf, buf, c);
    for (Index k = 0; k < c; ++k) w[j0 + k] = static_cast<T>(buf[k]);
  }
}

template <class T>
void lambert_w0(const T* x, T* w, Index n) {
  alignas(64) double buf[kChunk], xs[kChunk];
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Index j0 = 0; j0 < n; j0 += kChunk) {
    const Index c = std::min(kChunk, n - j0);
    for (Index k = 0; k < c; ++k) {
      xs[k] = double(x[j0 + k]);
      buf[k] = xs[k] >= 0.0 ? xs[k] : 1.0;
    }
    MapD(buf, c) = CMapD(buf, c).log();
    for (Index k = 0; k < c; ++k)
      if (xs[k] == 0.0) buf[k] = -std::numeric_limits<double>::infinity();
    omega_chunk(buf, buf, c);
    for (Index k = 0; k < c; ++k) {
      double v = buf[k];
      if (xs[k] < 1.0) v = w0_newton(xs[k], v);
      if (xs[k] == 0.0) v = 0.0;
      if (!(xs[k] >= 0.0)) v = nan;  // negative or NaN
      w[j0 + k] = static_cast<T>(v);
    }
  }
}

template void wright_omega<float>(const float*, float*, Index);
template void wright_omega<double>(const double*, double*, Index);
template void lambert_w0<float>(const float*, float*, Index);
template void lambert_w0<double>(const double*, double*, Index);

}  // namespace deepnmf
