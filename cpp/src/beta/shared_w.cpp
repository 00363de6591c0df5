#include "deepnmf/beta/shared_w.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "deepnmf/beta/apply_mu.hpp"
#include "deepnmf/beta/beta.hpp"
#include "deepnmf/core/error.hpp"
#include "deepnmf/core/finite.hpp"
#include "deepnmf/core/parallel.hpp"

namespace deepnmf {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// One term's majorizer derivative (deep-beta-updates.md §1) at t = e^s, scaled by `weight`:
///   β < 1: P − Q t^(β−2);   1 ≤ β ≤ 2: P t^(β−1) − Q t^(β−2);   β > 2: P t^(β−1) − Q,
/// and its derivative in s (t dM/dt), for the Newton step in log t.
struct Term {
  double P, Q, beta, weight;

  bool absent() const { return weight == 0.0 || (P == 0.0 && Q == 0.0); }

  /// The term's own root, (Q/P)^γ(β): 0 when Q = 0, +inf when P = 0.
  double root() const {
    if (Q == 0.0) return 0.0;
    if (P == 0.0) return kInf;
    const double g = beta < 1.0 ? 1.0 / (2.0 - beta) : beta <= 2.0 ? 1.0 : 1.0 / (beta - 1.0);
    return std::exp(g * (std::log(Q) - std::log(P)));  // no overflow in Q/P
  }

  void eval(double s, double& f, double& df) const {
    const double up = beta < 1.0 ? 0.0 : std::exp((beta - 1.0) * s) * P;   // P t^(β−1)
    const double dn = beta > 2.0 ? 0.0 : std::exp((beta - 2.0) * s) * Q;   // Q t^(β−2)
    const double p = beta < 1.0 ? P : up;
    const double q = beta > 2.0 ? Q : dn;
    f += weight * (p - q);
    df += weight * ((beta < 1.0 ? 0.0 : (beta - 1.0) * up) - (beta > 2.0 ? 0.0 : (beta - 2.0) * dn));
  }
};

/// The positive root of a t² − b t − c = 0 (a, c ≥ 0) without cancellation; +inf when a = 0
/// and no root exists, 1 when the equation is void.
double quadratic_root(double a, double b, double c) {
  if (a == 0.0) {
    if (b < 0.0) return c / -b;
    return c > 0.0 ? kInf : 1.0;
  }
  const double disc = std::sqrt(b * b + 4.0 * a * c);
  if (b >= 0.0) return (b + disc) / (2.0 * a);
  const double den = disc - b;
  return den > 0.0 ? 2.0 * c / den : 0.0;
}

/// Safeguarded Newton on f(s) = Σ weight·M(e^s), increasing in s, between the terms' own
/// roots (at the smaller both are ≤ 0, at the larger ≥ 0). Bounded: at most 200 steps.
double newton_root(const Term& x, const Term& y) {
  const double rx = x.root(), ry = y.root();
  double lo = std::min(rx, ry), hi = std::max(rx, ry);
  if (lo == hi) return lo;
  const auto f_at = [&](double s, double& f, double& df) {
    f = 0.0;
    df = 0.0;
    x.eval(s, f, df);
    y.eval(s, f, df);
  };
  double f, df;
  // an end at 0 or +inf: step out from a finite end (or t = 1) in log t until f changes sign
  const bool lo_ok = lo > 0.0, hi_ok = hi < kInf;
  double s_lo = lo_ok ? std::log(lo) : 0.0, s_hi = hi_ok ? std::log(hi) : 0.0;
  const double anchor = lo_ok ? s_lo : hi_ok ? s_hi : 0.0;
  if (!lo_ok) {
    double step = 1.0;
    for (s_lo = anchor - step; s_lo > -746.0; step *= 2.0, s_lo = anchor - step) {
      f_at(s_lo, f, df);
      if (f <= 0.0) break;
    }
    if (s_lo <= -746.0) return 0.0;  // below every positive double: the floor takes it
  }
  if (!hi_ok) {
    double step = 1.0;
    for (s_hi = anchor + step; s_hi < 710.0; step *= 2.0, s_hi = anchor + step) {
      f_at(s_hi, f, df);
      if (f >= 0.0) break;
    }
    if (s_hi >= 710.0) return kInf;
  }
  double s = 0.5 * (s_lo + s_hi);
  for (int it = 0; it < 200; ++it) {
    f_at(s, f, df);
    if (f == 0.0) break;
    if (f < 0.0) s_lo = s;
    else s_hi = s;
    double next = df > 0.0 ? s - f / df : 0.5 * (s_lo + s_hi);
    if (!(next > s_lo && next < s_hi)) next = 0.5 * (s_lo + s_hi);  // left the bracket: bisect
    const double tol = 4.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(s));
    if (std::abs(next - s) <= tol || s_hi - s_lo <= tol) {
      s = next;
      break;
    }
    s = next;
  }
  return std::exp(s);
}

}  // namespace

double shared_w_root(double PX, double QX, double beta_x, double PY, double QY, double beta_y,
                     double lam) {
  const Term x{PX, QX, beta_x, 1.0}, y{PY, QY, beta_y, lam};
  if (x.absent() && y.absent()) return 1.0;  // no observed data, no label: 0/0 := 1
  if (y.absent()) return x.root();
  if (x.absent()) return y.root();
  if (beta_x == beta_y) return Term{PX + lam * PY, QX + lam * QY, beta_x, 1.0}.root();
  if (beta_x == 2.0 && beta_y == 1.0) return quadratic_root(PX, QX - lam * PY, lam * QY);
  if (beta_x == 1.0 && beta_y == 2.0) return quadratic_root(lam * PY, lam * QY - PX, QX);
  return newton_root(x, y);
}

template <class T>
void shared_w_update(MatRef<T> W, const CMatRef<T>& PX, const CMatRef<T>& QX, double beta_x,
                     const CMatRef<T>& PY, const CMatRef<T>& QY, double beta_y, double lam,
                     bool mediant, int n_threads) {
  const Index m = W.rows(), r = W.cols();
  for (const auto* A : {&PX, &QX, &PY, &QY})
    require(A->rows() == m && A->cols() == r,
            "shared_w_update: P and Q must have W's shape " + shape_of(W) + ", got " +
                shape_of(*A));
  require(std::isfinite(lam) && lam >= 0.0,
          "shared_w_update: the label weight must be a nonnegative number");
  (void)Beta(beta_x);  // a valid β (throws otherwise)
  (void)Beta(beta_y);
  require_finite_majorizer<T>(PX, QX, beta_x, "shared_w_update");
  require_finite_majorizer<T>(PY, QY, beta_y, "shared_w_update");
  const T eps = floor_eps<T>();
  if (beta_x == beta_y || mediant) {
    // the summed pieces, then the MU step of the plain update (the same operations: λ = 0
    // gives mu_w's result bit for bit); `mediant` with mixed β: the ratio, γ = 1
    const Mat<T> P = PX + T(lam) * PY, Q = QX + T(lam) * QY;
    apply_mu<T>(W.block(0, 0, m, r), P, Q, beta_x == beta_y ? Beta(beta_x).gamma() : 1.0);
    return;
  }
  std::vector<char> overflow(static_cast<size_t>(m), 0);
  parallel_for(m, n_threads, [&](Index i) {
    for (Index k = 0; k < r; ++k) {
      const double t = shared_w_root(double(PX(i, k)), double(QX(i, k)), beta_x,
                                     double(PY(i, k)), double(QY(i, k)), beta_y, lam);
      const double w = std::max(double(W(i, k)) * t, double(eps));
      if (!(w <= double(std::numeric_limits<T>::max()))) overflow[static_cast<size_t>(i)] = 1;
      W(i, k) = T(w);
    }
  });
  require(std::find(overflow.begin(), overflow.end(), 1) == overflow.end(),
          "shared_w_update: the update overflows (a row with labels but no data, or "
                  "data but no labels, whose term has no minimizer); rescale the data");
}

template void shared_w_update<float>(MatRef<float>, const CMatRef<float>&, const CMatRef<float>&,
                                     double, const CMatRef<float>&, const CMatRef<float>&, double,
                                     double, bool, int);
template void shared_w_update<double>(MatRef<double>, const CMatRef<double>&,
                                      const CMatRef<double>&, double, const CMatRef<double>&,
                                      const CMatRef<double>&, double, double, bool, int);

}  // namespace deepnmf
