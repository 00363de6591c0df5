// Root of an increasing scalar function by Newton's method safeguarded with bisection
// (Numerical Recipes' rtsafe, with bracket search). Used for the row multipliers of the
// constrained H-update (docs/deep-beta-updates.md §3), the entries of the W-updates without closed form (docs/deep-beta-updates.md §2),
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
  double slope;  // f' at the last point where f was evaluated (x, or next to it)
};

/// f(x) -> std::pair<double, double>{value, derivative}; f increasing on (lo, hi), with a root.
/// Starts at x0 ∈ (lo, hi); where lo (hi) is infinite, the bracket is searched from x0 with
/// steps `step`, doubling. Stops when |f| ≤ ftol, when the bracket is narrower than
/// xtol·max(x_unit, |x|), or at max_iter (the best bracketed point is returned). x_unit is
/// the size of x below which its tolerance is absolute: 1 for a logarithm, the scale of the
/// problem's data for a multiplier (an absolute 4ε would end the solve of a multiplier of
/// size 1e-30 on its first bracket). With accept_newton > 0, a Newton step shorter than
/// accept_newton·max(x_unit, |x|) ends the solve at its point without evaluating f there: for
/// a smooth f with f''/f' of order one in x's units, the point is then within about the
/// step squared of the root (1e-9 leaves 1e-18), and one evaluation of f is saved.
template <class F>
Root solve_increasing(F&& f, double x0, double lo, double hi, double step, double ftol,
                      double xtol, int max_iter = 200, double x_unit = 1.0,
                      double accept_newton = 0.0) {
  double x = x0;
  auto [fx, dfx] = f(x);
  int it = 0;
  if (std::abs(fx) <= ftol) return {x, it, dfx};
  step = std::abs(step) > 0 ? std::abs(step) : 1.0;
  // 1. Bracket, where the edge on the root's side is infinite: walk from x0 towards the root.
  //    Each step is the Newton step when f' allows one, kept between twice the last step (any
  //    distance in O(log) steps) and 64 times the plain doubling schedule step·2^k (a nearly
  //    flat f must not throw x across the axis); without a Newton step, the schedule's step.
  //    The walk ends at the first sign change, from the end point with the smaller |f|.
  const double dir = fx < 0 ? 1.0 : -1.0;
  (dir > 0 ? lo : hi) = x;
  if (!std::isfinite(dir > 0 ? hi : lo)) {
    double least = 0.0, schedule = step;
    for (;; schedule *= 2) {
      if (++it > 4000)  // the walk doubled past the largest double: f has no root there
        throw std::domain_error(
            "the update's scalar equation has no root within the floating-point range: its "
            "inputs (the factors, the data's majorizer) lie outside the range it can represent");
      const double newton = dfx > 0 && std::isfinite(dfx) ? std::abs(fx / dfx) : 0.0;
      const double dx = std::max(least, newton > 0 ? std::min(newton, 64 * schedule) : schedule);
      least = 2 * dx;
      const double xn = x + dir * dx;
      auto [fn, dn] = f(xn);
      if (dir * fn >= 0) {
        (dir > 0 ? hi : lo) = xn;
        if (std::abs(fn) <= ftol) return {xn, it, dn};
        if (std::abs(fn) < std::abs(fx)) x = xn, fx = fn, dfx = dn;
        break;
      }
      (dir > 0 ? lo : hi) = x = xn;
      fx = fn;
      dfx = dn;
    }
  }
  // 2. Newton inside the bracket; bisect whenever the Newton point leaves it, or when the
  //    Newton step is more than half the step before it (rtsafe's safeguard, against the
  //    last step rather than the one before): from the convex side of a steep f (e^(7u) in
  //    the coupled W-update at β = 8) Newton moves by 1/7 per step and 200 steps stopped far
  //    from the root; bisection halves the bracket instead.
  //    A Newton step shorter than the tolerance ends the solve: the root is then within a
  //    rounding of x, and further steps only follow the rounding noise of f (|f| ≤ ftol is
  //    out of reach when f sums many terms, so they went on until the bracket closed from
  //    both sides).
  double step_before = hi - lo;  // the bracket is finite on both sides here
  for (; it < max_iter; ++it) {
    double xn = (dfx > 0 && std::isfinite(dfx)) ? x - fx / dfx : std::numeric_limits<double>::quiet_NaN();
    const bool newton = xn > lo && xn < hi && !(std::abs(2.0 * (xn - x)) > step_before);
    if (!newton) xn = lo + 0.5 * (hi - lo);
    step_before = std::abs(xn - x);
    if (xn == x) break;
    if (newton && std::abs(xn - x) <= accept_newton * std::max(x_unit, std::abs(x)))
      return {xn, it, dfx};
    auto [fn, dn] = f(xn);
    const double moved = std::abs(xn - x);
    x = xn;
    fx = fn;
    dfx = dn;
    if (std::abs(fx) <= ftol) break;
    if (fx < 0) lo = x;
    else hi = x;
    const double tol = xtol * std::max(x_unit, std::abs(x));
    if (hi - lo <= tol || (newton && moved <= tol)) break;
  }
  return {x, it, dfx};
}

}  // namespace deepnmf
