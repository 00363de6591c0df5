// Root of an increasing scalar function by Newton's method safeguarded with bisection
// (Numerical Recipes' rtsafe, with bracket search). Used for the row multipliers of the
// constrained H-update (spec §3), the entries of the W-updates without closed form (spec §2),
// and their tests. Domain edges may be open and infinite.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace deepnmf {

struct Root {
  double x;
  int iterations;
};

/// f(x) -> std::pair<double, double>{value, derivative}; f increasing on (lo, hi), with a root.
/// Starts at x0 ∈ (lo, hi); where lo (hi) is infinite, the bracket is searched from x0 with
/// steps `step`, doubling. Stops when |f| ≤ ftol, when the bracket is narrower than
/// xtol·max(x_unit, |x|), or at max_iter (the best bracketed point is returned). x_unit is
/// the size of x below which its tolerance is absolute: 1 for a logarithm, the scale of the
/// problem's data for a multiplier (an absolute 4ε would end the solve of a multiplier of
/// size 1e-30 on its first bracket).
template <class F>
Root solve_increasing(F&& f, double x0, double lo, double hi, double step, double ftol,
                      double xtol, int max_iter = 200, double x_unit = 1.0) {
  double x = x0;
  auto [fx, dfx] = f(x);
  int it = 0;
  if (std::abs(fx) <= ftol) return {x, it};
  step = std::abs(step) > 0 ? std::abs(step) : 1.0;
  // 1. Bracket: walk from x0 towards the root, doubling the step, while the edge is infinite.
  if (fx < 0) {
    lo = x;
    if (!std::isfinite(hi)) {
      for (;; step *= 2) {
        if (++it > 4000) throw std::runtime_error("solve_increasing: no sign change found");
        const double xn = x + step;
        auto [fn, dn] = f(xn);
        if (fn >= 0) {
          hi = xn;
          if (std::abs(fn) <= ftol) return {xn, it};
          break;
        }
        lo = x = xn;
        fx = fn;
        dfx = dn;
      }
    }
  } else {
    hi = x;
    if (!std::isfinite(lo)) {
      for (;; step *= 2) {
        if (++it > 4000) throw std::runtime_error("solve_increasing: no sign change found");
        const double xn = x - step;
        auto [fn, dn] = f(xn);
        if (fn <= 0) {
          lo = xn;
          if (std::abs(fn) <= ftol) return {xn, it};
          break;
        }
        hi = x = xn;
        fx = fn;
        dfx = dn;
      }
    }
  }
  // 2. Newton inside the bracket; bisect whenever the Newton point leaves it.
  for (; it < max_iter; ++it) {
    double xn = (dfx > 0 && std::isfinite(dfx)) ? x - fx / dfx : std::numeric_limits<double>::quiet_NaN();
    if (!(xn > lo && xn < hi)) xn = lo + 0.5 * (hi - lo);
    if (xn == x) break;
    auto [fn, dn] = f(xn);
    x = xn;
    fx = fn;
    dfx = dn;
    if (std::abs(fx) <= ftol) break;
    if (fx < 0) lo = x;
    else hi = x;
    if (hi - lo <= xtol * std::max(x_unit, std::abs(x))) break;
  }
  return {x, it};
}

}  // namespace deepnmf
