// The β-divergence dβ(x|y) and the elementwise pieces of its majorizer (Févotte & Idier 2011;
// spec deep-beta-updates.md §1), shared by the divergence, MU, multiplier and coupled kernels.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "deepnmf/error.hpp"
#include "deepnmf/types.hpp"

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

/// dβ(x|y) for one pair, in double precision, for any real β. Conventions: 0·log 0 = 0, so
/// d(0|y) = y^β/β for β > 0; d(x|0) = +inf for x > 0 and β ≤ 1. d(0|y) for β ≤ 0 is not
/// defined (infinite): callers reject zeros in x first (zero_x_undefined()).
/// Written to avoid cancellation near x = y: with u = y/x, KL is (y−x)(1 − ln u/(u−1)) and the
/// general case factors x^β out and uses expm1, so relative accuracy holds for β near 0 or 1.
inline double beta_divergence_pair(double x, double y, const Beta& b) {
  const double inf = std::numeric_limits<double>::infinity();
  switch (b.kind) {
    case Beta::EUC: {
      const double d = x - y;
      return 0.5 * d * d;
    }
    case Beta::KL: {
      if (x == 0.0) return y;
      if (y == 0.0) return inf;
      const double u = y / x;
      if (u == 1.0) return 0.0;
      if (u > 0.5 && u < 2.0) return (y - x) * (1.0 - std::log(u) / (u - 1.0));
      return x * (std::log(x) - std::log(y)) + (y - x);  // far from x = y: no cancellation,
                                                         // and no overflow of y/x
    }
    case Beta::IS: {
      if (y == 0.0) return inf;
      const double u = x / y;  // x > 0 here (zeros rejected by the caller)
      if (u == 1.0) return 0.0;
      if (u > 0.5 && u < 2.0) return ((x - y) / y) * (1.0 - std::log(u) / (u - 1.0));
      return u - (std::log(x) - std::log(y)) - 1.0;
    }
    default: {
      const double beta = b.value;
      if (x == 0.0) return std::pow(y, beta) / beta;  // β > 0 here
      if (y == 0.0) return beta > 1.0 ? std::pow(x, beta) / (beta * (beta - 1.0)) : inf;
      // d = x^β/(β(β−1)) · [(β−1)(e^{βℓ}−1) − β(e^{(β−1)ℓ}−1)],  ℓ = ln(y/x)
      const double lx = std::log(x), ly = std::log(y), l = ly - lx;
      if (std::abs(l) <= 1.0) {
        const double bracket = (beta - 1.0) * std::expm1(beta * l) - beta * std::expm1((beta - 1.0) * l);
        return std::exp(beta * lx) * (bracket / (beta * (beta - 1.0)));
      }
      // far from x = y (ratio beyond e): the three terms, each through logs; a term that
      // overflows makes the (nonnegative) divergence overflow too
      const double d = std::exp(beta * lx) / (beta * (beta - 1.0)) + std::exp(beta * ly) / beta -
                       std::exp(lx + (beta - 1.0) * ly) / (beta - 1.0);
      return std::isnan(d) ? inf : std::max(d, 0.0);
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
