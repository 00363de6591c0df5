// The β-divergence dβ(x|y) and the elementwise pieces of its majorizer (Févotte & Idier 2011;
// docs/deep-beta-updates.md §1), shared by the divergence, MU, multiplier and coupled kernels.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "deepnmf/core/error.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// β with its special cases resolved once: 0 (Itakura–Saito), 1 (Kullback–Leibler),
/// 2 (squared Euclidean / 2), 1/2 and 3/2 (square roots instead of pow), any other real.
struct Beta {
  enum Kind { IS, KL, EUC, HALF, THREE_HALVES, GENERAL };
  double value;
  Kind kind;

  explicit Beta(double beta) : value(beta), kind(GENERAL) {
    require(std::isfinite(beta), "beta must be a finite real number");
    if (beta == 0.0) kind = IS;
    else if (beta == 1.0) kind = KL;
    else if (beta == 2.0) kind = EUC;
    else if (beta == 0.5) kind = HALF;
    else if (beta == 1.5) kind = THREE_HALVES;
  }

  /// Exponent γ(β) of the MU (Févotte & Idier 2011): the majorizer's exact minimizer.
  double gamma() const {
    if (value < 1.0) return 1.0 / (2.0 - value);
    if (value > 2.0) return 1.0 / (value - 1.0);
    return 1.0;
  }
};

namespace detail {

/// δ − log1p(δ) = Σ_{k≥2} (−δ)^k / k for δ > −1, to a few ulp: near 0 through s = δ/(2 + δ),
/// where log1p(δ) = 2 atanh(s) and δ = 2s/(1 − s) give δ − log1p δ = 2s²/(1 − s) −
/// 2 Σ_{k≥1} s^(2k+1)/(2k + 1), a sum without cancellation (|s| ≤ 1/7 for |δ| ≤ 1/4: ten
/// terms); beyond, the subtraction loses at most a factor 10.
inline double log1p_gap(double delta) {
  if (!(std::abs(delta) <= 0.25)) return delta - std::log1p(delta);
  const double s = delta / (2.0 + delta), z = s * s;
  double series = 0.0;  // Σ_{k≥1} z^(k−1) / (2k + 1), Horner from k = 10
  for (int k = 10; k >= 1; --k) series = series * z + 1.0 / (2 * k + 1);
  return 2.0 * z / (1.0 - s) - 2.0 * s * z * series;
}

/// (e^(a ℓ) − 1)/a for any real a (a = 0: ℓ), without dividing two tiny numbers: for
/// |a ℓ| < 1e-5 by its series ℓ (1 + aℓ/2 + (aℓ)²/6 + (aℓ)³/24); for |a ℓ| > 1/2 as
/// e^(aℓ) − 1, which then loses at most 1.6 ulp and costs half of expm1 (the far branch of
/// the divergence runs this twice per entry of every general-β loss).
inline double expm1_over(double a, double l) {
  const double t = a * l;
  if (std::abs(t) < 1e-5) return l * (1.0 + t * (0.5 + t * (1.0 / 6.0 + t / 24.0)));
  return (std::abs(t) > 0.5 ? std::exp(t) - 1.0 : std::expm1(t)) / a;
}

/// dβ(x|y)/x^β = φ(ℓ) = (e^(βℓ) − 1)/β − (e^((β−1)ℓ) − 1)/(β−1), ℓ = ln(y/x), for |ℓ| small:
/// φ = Σ_{k≥2} c_k ℓ^k / k! with c_k = β^(k−1) − (β−1)^(k−1) = Σ_{i<k−1} β^i (β−1)^(k−2−i)
/// (c_2 = 1, c_3 = 2β − 1, …; recurrence c_{k+1} = β^(k−1) + (β−1) c_k) — no division by β
/// or β − 1, so no cancellation of terms of size 1/β near the special β, and φ = ℓ²/2 (1 + …)
/// keeps its relative accuracy as x → y. The coefficients are carried as γ_k = c_k / M^(k−2),
/// M = max(1, |β|, |β−1|), so |γ_k| ≤ k − 1 and nothing overflows for any β; the sum stops
/// when that bound times the next power of ℓ is below an ulp (some c_k vanish: β = 1/2 has
/// c_3 = c_5 = 0). For |ℓ| M ≤ 3/2 (kSeriesReach) that is within 40 terms; beyond it the
/// brackets of general_pair cancel by a factor of about 2/(|ℓ| M) at most.
inline constexpr double kSeriesReach = 1.5;
inline double phi_series(double beta, double l) {
  static constexpr auto inverse = [] {  // 1/k: no division in the loop
    std::array<double, 64> t{};
    for (int k = 1; k < 64; ++k) t[k] = 1.0 / k;
    return t;
  }();
  const double M = std::max({1.0, std::abs(beta), std::abs(beta - 1.0)});
  const double bb = beta / M, b1 = (beta - 1.0) / M, Ml = M * l;
  double gamma = 1.0, bb_pow = bb;  // γ_k and (β/M)^(k−1), from k = 2
  double scale = l * l / 2.0;       // ℓ² (Mℓ)^(k−2) / k!
  double sum = 0.0;
  for (int k = 2; k < 62; ++k) {
    sum += gamma * scale;
    if (double(k) * std::abs(scale * Ml) <= 1e-18 * std::abs(sum)) break;
    gamma = bb_pow + b1 * gamma;
    bb_pow *= bb;
    scale *= Ml * inverse[k + 1];
  }
  return sum;
}

/// x^β e^m g for g ≥ 0 and m ≥ 0: through pow where x^β and the result are normal numbers
/// (an ulp or two), else in the log domain, where x^β alone would over- or underflow.
inline double times_power(double x, double beta, double m, double g) {
  constexpr double kMin = std::numeric_limits<double>::min();
  if (!(g > 0.0)) return 0.0;  // the rounding of a divergence that is ≥ 0
  const double xb = std::pow(x, beta);
  if (xb >= kMin && m < 700.0) {
    const double d = xb * (m == 0.0 ? g : std::exp(m) * g);
    if (d >= kMin && d <= std::numeric_limits<double>::max()) return d;
  }
  return std::exp(beta * std::log(x) + m + std::log(g));
}

/// The general-β divergence for x, y > 0 finite.
inline double general_pair(double x, double y, double beta) {
  const double M = std::max({1.0, std::abs(beta), std::abs(beta - 1.0)});
  // ℓ = ln(y/x): through log1p of the exact difference near x = y (Sterbenz), through the
  // ratio where it is a normal number, else as a difference of logarithms
  const double r = y / x;
  const double l = (r > 0.5 && r < 2.0) ? std::log1p((y - x) / x)
                   : (r > 1e-300 && r < 1e300) ? std::log(r) : std::log(y) - std::log(x);
  if (std::abs(l) * M <= kSeriesReach) return times_power(x, beta, 0.0, phi_series(beta, l));
  // d = x^β [(e^(βℓ) − 1)/β − (e^((β−1)ℓ) − 1)/(β−1)]. Each bracket (e^(aℓ) − 1)/a is
  // e^max(aℓ, 0) times a factor below |ℓ| in size: (e^t − 1)/a for t < 0, (1 − e^(−t))/a
  // for t ≥ 0, both through expm1_over (β near 0 or 1: t tiny, no division of tiny numbers).
  // The two are combined under their larger exponent m, so that neither e^(βℓ) nor x^β
  // overflows on its own: d = x^β e^m g.
  auto bracket = [&](double a, double& top) {
    const double t = a * l;
    top = std::max(t, 0.0);
    return t >= 0.0 ? -expm1_over(a, -l) : expm1_over(a, l);
  };
  double t1 = 0.0, t2 = 0.0;
  const double b1 = bracket(beta, t1), b2 = bracket(beta - 1.0, t2);
  const double m = std::max(t1, t2);  // one of the two exponentials below is e^0
  const double g = t1 == m ? b1 - b2 * std::exp(t2 - m) : b1 * std::exp(t1 - m) - b2;
  return times_power(x, beta, m, g);
}

}  // namespace detail

/// The β the updates support for factors of type T: the majorizer's powers of W H at the
/// factors' floor, (ε²)^(β−2), and at the top of the data band the estimators keep the data
/// in (2^64 for double, 2^16 for float), times the factors and summed over up to 2^24 rows,
/// stay inside T's range. Beyond, an update could overflow or lose its digits (at β = 50 the
/// coupled update raised its objective by 1e79): the kernels refuse such β. The divergence
/// itself is defined, and computed, for every real β.
template <class T>
struct SupportedBeta {
  static constexpr double lo = sizeof(T) == 8 ? -5.0 : 0.0;
  static constexpr double hi = sizeof(T) == 8 ? 10.0 : 5.0;
};

template <class T>
void require_supported_beta(const Beta& b, const char* who) {
  if (b.value >= SupportedBeta<T>::lo && b.value <= SupportedBeta<T>::hi) return;
  std::ostringstream s;
  s << who << ": beta = " << b.value << " is outside the range the updates support for "
    << (sizeof(T) == 8 ? "float64" : "float32") << " factors, [" << SupportedBeta<T>::lo << ", "
    << SupportedBeta<T>::hi << "]: the powers of W H they form would leave its range";
  throw std::invalid_argument(s.str());
}

/// dβ(x|y) for one pair, in double precision, for any real β. Conventions: 0·log 0 = 0, so
/// d(0|y) = y^β/β for β > 0; d(x|0) = +inf for x > 0 and β ≤ 1; d(x|+inf) is the limit (+inf,
/// or x^β/(β(β−1)) for β < 0). d(0|y) for β ≤ 0 is not defined (infinite): callers reject
/// zeros in x first (zero_x_undefined()). Relative accuracy within 10 ulp of the exact value
/// for the double inputs for |β| ≤ 4 (21 at β = 10), also as x → y (series in δ = (y − x)/x
/// or ℓ = ln(y/x), where dβ is O(δ²)) and for β near 0 or 1 (no terms of size 1/β or
/// 1/(β − 1) cancel).
inline double beta_divergence_pair(double x, double y, const Beta& b) {
  const double inf = std::numeric_limits<double>::infinity();
  switch (b.kind) {
    case Beta::EUC: {
      const double d = x - y;
      return 0.5 * d * d;
    }
    case Beta::KL: {  // x ln(x/y) − x + y = x (δ − log1p δ), δ = (y − x)/x
      if (x == 0.0) return y;
      if (y == 0.0 || y == inf) return inf;
      const double r = y / x;
      if (r > 0.5 && r < 2.0) return x * detail::log1p_gap((y - x) / x);  // y − x exact
      const double lr = (r > 1e-300 && r < 1e300) ? std::log(r) : std::log(y) - std::log(x);
      return x * (-lr) + (y - x);  // far from x = y: the terms do not cancel
    }
    case Beta::IS: {  // x/y − ln(x/y) − 1 = δ − log1p δ, δ = (x − y)/y
      if (y == 0.0 || y == inf) return inf;  // x > 0 here (zeros rejected by the caller)
      const double u = x / y;
      if (u > 0.5 && u < 2.0) return detail::log1p_gap((x - y) / y);
      const double lu = (u > 1e-300 && u < 1e300) ? std::log(u) : std::log(x) - std::log(y);
      return u - lu - 1.0;
    }
    default: {
      const double beta = b.value;
      if (x == 0.0) return std::pow(y, beta) / beta;  // β > 0 here
      if (y == 0.0) return beta > 1.0 ? std::pow(x, beta) / (beta * (beta - 1.0)) : inf;
      if (y == inf) return beta < 0.0 ? std::pow(x, beta) / (beta * (beta - 1.0)) : inf;
      return detail::general_pair(x, y, beta);
    }
  }
}

/// Whether d(0|y) is undefined (β ≤ 0: the divergence is infinite at x = 0).
inline bool zero_x_undefined(const Beta& b) { return b.value <= 0.0; }

inline std::string zero_x_message(const Beta& b) {
  return "the beta-divergence with beta = " + std::to_string(b.value) +
         " <= 0 is infinite where the data has exact zeros; add a small positive offset to "
         "the data or use beta > 0";
}

/// Floor applied to WH before its negative powers (β < 2). Factors floored at ε (paper
/// Section 3.2.1) give WH ≥ ε², so the floor never binds on iterates the algorithms produce;
/// it only keeps user-supplied factors with exact zeros from dividing by zero.
template <class T>
constexpr T wh_floor() {
  return floor_eps<T>() * floor_eps<T>();
}

}  // namespace deepnmf
