#include "deepnmf/lambert_w.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>

namespace deepnmf {
namespace {

constexpr Index kChunk = 256;
// Below this y, ω(y) = e^y to within e^y relative (< 2^-57): the exponential is the answer.
constexpr double kExpRegion = -40.0;

using ArrD = Eigen::Array<double, Eigen::Dynamic, 1>;
using MapD = Eigen::Map<ArrD>;
using CMapD = Eigen::Map<const ArrD>;

/// Initial approximation of ω(y) by region (error ≤ 5% at the region edges, far less inside):
///   y < −2:       W0(x) = x − x² + 3/2 x³ − 8/3 x⁴ + 125/24 x⁵, x = e^y (Lagrange series);
///   −2 ≤ y ≤ 1:   Taylor series of ω about y = 1, where ω(1) = 1;
///   y > 1:        asymptotic ω ≈ y − ln y + ln y / y + ln y (ln y − 2) / (2 y²).
inline double omega_initial(double y, double ey, double ly) {
  const double x = ey;
  const double series = x * (1.0 - x * (1.0 - x * (1.5 - x * (8.0 / 3.0 - x * (125.0 / 24.0)))));
  const double d = y - 1.0;
  const double taylor =
      1.0 + d * (0.5 + d * (1.0 / 16.0 + d * (-1.0 / 192.0 + d * (-1.0 / 3072.0 + d * (13.0 / 61440.0)))));
  const double iy = 1.0 / std::max(y, 1.0);
  const double asym = y - ly + ly * iy + ly * (ly - 2.0) * 0.5 * iy * iy;
  return y < -2.0 ? series : (y <= 1.0 ? taylor : asym);
}

/// One Fritsch–Shafer–Crowley step for z + ln z = y (fourth order): with r = y − z − ln z and
/// q = r/(1+z), z ← z (1 + q (1 + 2q/3 − q/(2(1+z))) / (1 + 2q/3 − q/(1+z))). Written in q so
/// nothing overflows for z near the largest double.
inline double fsc_step(double y, double z, double lz) {
  const double r = y - z - lz;
  const double opz = 1.0 + z;
  const double q = r / opz;
  const double a = 1.0 + (2.0 / 3.0) * q;
  const double ratio = (a - 0.5 * q / opz) / (a - q / opz);
  return z * (1.0 + q * ratio);
}

/// One Halley step on f(z) = z e^z − x (third order), for y ≤ 0 where x = e^y is accurate:
/// the residual is formed in the linear domain, so its rounding error is ulp·x and z keeps
/// full relative accuracy (the log-domain residual y − z − ln z would lose ulp·|y|/z).
inline double halley_step(double x, double z, double ez) {
  const double f = z * ez - x;
  const double zp1 = z + 1.0;
  return z - f / (ez * zp1 - (z + 2.0) * f / (2.0 * zp1));
}

/// ω on one chunk of doubles (c ≤ kChunk), vectorized: the transcendental functions go through
/// Eigen's packet exp/log, the rest is branch-free arithmetic the compiler vectorizes. y ≤ 0
/// iterates on z e^z = e^y (Halley), y > 0 on z + ln z = y (FSC): each where it is accurate.
void omega_chunk(const double* y, double* out, Index c) {
  alignas(64) double ey[kChunk], ly[kChunk], z[kChunk], ez[kChunk], lz[kChunk];
  for (Index k = 0; k < c; ++k) {
    ey[k] = std::min(y[k], 0.0);
    ly[k] = std::max(y[k], 1.0);
  }
  MapD(ey, c) = CMapD(ey, c).exp();
  MapD(ly, c) = CMapD(ly, c).log();
  for (Index k = 0; k < c; ++k) z[k] = omega_initial(y[k], ey[k], ly[k]);
  for (int step = 0; step < 2; ++step) {
    for (Index k = 0; k < c; ++k) {
      ez[k] = y[k] <= 0.0 ? z[k] : 0.0;
      lz[k] = y[k] > 0.0 ? z[k] : 1.0;
    }
    MapD(ez, c) = CMapD(ez, c).exp();
    MapD(lz, c) = CMapD(lz, c).log();
    for (Index k = 0; k < c; ++k)
      z[k] = y[k] <= 0.0 ? halley_step(ey[k], z[k], ez[k]) : fsc_step(y[k], z[k], lz[k]);
  }
  // y may alias out: read each y[k] before writing out[k]. Rare inputs are fixed up exactly:
  // Eigen's packet exp produces no subnormals, and ±inf / NaN pass through.
  for (Index k = 0; k < c; ++k) {
    const double v = y[k];
    double o = v < kExpRegion ? ey[k] : z[k];
    if (v < -700.0) o = std::exp(v);
    else if (!(v < std::numeric_limits<double>::infinity())) o = v;  // +inf and NaN
    out[k] = o;
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
  double out;
  omega_chunk(&y, &out, 1);
  return out;
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
