#include "deepnmf/beta/rowsum.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "deepnmf/core/floored_sums.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/scalar_solve.hpp"
#include "deepnmf/core/width_dispatch.hpp"

namespace deepnmf {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// β ≤ 1: M(t) = P − Q t^(β−2) = μ gives t = (Q / d)^γ with the gap d = P − μ > 0 and
/// γ = 1/(2 − β); returns t and dt/dμ = γ t / d.
std::pair<double, double> pole_t(double q, double d, double gam) {
  if (q <= 0.0) return {0.0, 0.0};
  if (!(d > 0.0)) return {kInf, kInf};
  const double t = gam == 1.0 ? q / d : std::pow(q / d, gam);
  return {t, gam * t / d};
}

/// t(μ) solving M(t) = μ for one entry (docs/deep-beta-updates.md §3), and dt/dμ = 1/M'(t). `t_warm` is the last
/// solution, a starting point for the 1 < β < 2 branch (no closed form there).
std::pair<double, double> entry_t(double p, double q, double mu, const Beta& b, double t_warm) {
  const double beta = b.value;
  if (beta <= 1.0) return pole_t(q, p - mu, 1.0 / (2.0 - beta));
  if (beta >= 2.0) {  // M(t) = P t^(β−1) − Q: t = (max(Q + μ, 0) / P)^(1/(β−1))
    const double s = q + mu;
    if (s <= 0.0) return {0.0, 0.0};
    if (beta == 2.0) return {s / p, 1.0 / p};
    const double g = 1.0 / (beta - 1.0), t = std::pow(s / p, g);
    return {t, g * t / s};
  }
  // 1 < β < 2: M(t) = P t^(β−1) − Q t^(β−2), increasing from −∞ to +∞.
  if (q <= 0.0) {
    if (mu <= 0.0) return {0.0, 0.0};
    const double g = 1.0 / (beta - 1.0), t = std::pow(mu / p, g);
    return {t, g * t / mu};
  }
  if (b.kind == Beta::THREE_HALVES) {  // s = √t solves P s² − μ s − Q = 0
    const double D = std::sqrt(mu * mu + 4.0 * p * q);
    const double s = mu >= 0.0 ? (mu + D) / (2.0 * p) : 2.0 * q / (D - mu);  // no cancellation
    const double t = s * s;
    return {t, 2.0 * t / D};
  }
  // Newton in u = ln t on M(e^u) − μ (increasing in u).
  auto f = [&](double u) {  // two exponentials, where exp(u) and two powers of it took three
    const double a = p * std::exp((beta - 1.0) * u), c = q * std::exp((beta - 2.0) * u);
    return std::pair<double, double>{a - c - mu, (beta - 1.0) * a - (beta - 2.0) * c};
  };
  // ln(q/p) as a difference: q/p itself overflows for p = 1e-300, q = 1e30
  const double u0 = t_warm > 0.0 && std::isfinite(t_warm) ? std::log(t_warm) : std::log(q) - std::log(p);
  // f''/f' is of order one in u (rates β − 1, β − 2 in (−1, 1)): a Newton step below 1e-9
  // leaves u within about 1e-18 of the root, and ends the solve unevaluated
  const Root root = solve_increasing(f, u0, -kInf, kInf, 1.0, 0.0, 4 * 2.2e-16, 200, 1.0, 1e-9);
  const double t = std::exp(root.x);
  // dt/dμ = t / (dM/du), with dM/du from the last evaluation (within 1e-9 of the root): the
  // derivative only steers the row's Newton steps on μ
  return {t, t / root.slope};
}

/// t_j(μ) and dt_j/dμ for every entry of a row, each solve starting from the entry's last
/// solution (the row's solve on μ moves μ a little at a time). For 1 < β < 2 without closed
/// form (β ≠ 3/2) the entries with Q > 0 are solved in lockstep: Newton in u = ln t on
/// P e^((β−1)u) − Q e^((β−2)u) = μ, one sweep over the row per step, so that the two
/// exponentials of every entry run vectorized (Eigen's packet exp) instead of as two scalar
/// calls per entry and step. A step below 1e-9·max(1, |u|) is accepted unevaluated, as
/// entry_t's solve does (the root is then within about 1e-18); an entry still moving after
/// kSweeps sweeps, or whose step is not finite, takes entry_t's bracketed solve from its
/// start. Entries with Q ≤ 0 (closed form) and every other β go through entry_t.
class RowEntries {
 public:
  template <class T>
  RowEntries(const T* p, const T* q, double shift, Index n, const Beta& b)
      : b_(b), n_(n), p_(n), q_(n), t_(n), dt_(n) {
    for (Index j = 0; j < n; ++j) p_[j] = double(p[j]), q_[j] = double(q[j]) - shift;
    t_.setZero();
    lockstep_ = b.value > 1.0 && b.value < 2.0 && b.kind != Beta::THREE_HALVES;
    if (lockstep_) {
      for (Index j = 0; j < n; ++j)
        if (q_[j] > 0.0) positive_.push_back(j);
      const Index k = Index(positive_.size());
      pp_.resize(k), qp_.resize(k), u_.resize(k), slope_.resize(k);
      for (Index i = 0; i < k; ++i) {
        pp_[i] = p_[positive_[i]], qp_[i] = q_[positive_[i]];
        u_[i] = std::log(qp_[i]) - std::log(pp_[i]);  // entry_t's start without a last one
      }
    }
  }

  /// Solves every entry at μ; then t(j), dt(j).
  void at(double mu) {
    if (!lockstep_) {
      for (Index j = 0; j < n_; ++j) std::tie(t_[j], dt_[j]) = entry_t(p_[j], q_[j], mu, b_, t_[j]);
      return;
    }
    for (Index j = 0; j < n_; ++j)  // Q ≤ 0: closed form
      if (!(q_[j] > 0.0)) std::tie(t_[j], dt_[j]) = entry_t(p_[j], q_[j], mu, b_, t_[j]);
    solve_lockstep(mu);
  }
  double t(Index j) const { return t_[j]; }
  double dt(Index j) const { return dt_[j]; }

 private:
  using Arr = Eigen::ArrayXd;
  static constexpr int kSweeps = 8;

  void solve_lockstep(double mu) {
    const Index k = Index(positive_.size());
    if (k == 0) return;
    const double bm1 = b_.value - 1.0, bm2 = b_.value - 2.0;
    const Arr u_start = u_;
    enum State : char { kMoving, kConverged, kBracketed };
    std::vector<State> state(static_cast<size_t>(k), kMoving);
    Arr a(k), c(k), fp(k);
    Index left = k;
    for (int sweep = 0; sweep < kSweeps && left > 0; ++sweep) {
      a = pp_ * (bm1 * u_).exp();
      c = qp_ * (bm2 * u_).exp();
      fp = bm1 * a - bm2 * c;
      for (Index i = 0; i < k; ++i) {
        if (state[i] != kMoving) continue;
        const double step = (a[i] - c[i] - mu) / fp[i];
        if (!std::isfinite(step)) {
          state[i] = kBracketed, --left;
          continue;
        }
        const bool converged = std::abs(step) <= 1e-9 * std::max(1.0, std::abs(u_[i]));
        u_[i] -= step;
        if (converged) {
          slope_[i] = fp[i];
          state[i] = kConverged, --left;
        }
      }
    }
    for (Index i = 0; i < k; ++i) {
      const Index j = positive_[i];
      if (state[i] == kConverged) {
        t_[j] = std::exp(u_[i]);
        dt_[j] = t_[j] / slope_[i];
      } else {  // not converged in kSweeps sweeps, or a step that was not finite
        std::tie(t_[j], dt_[j]) = entry_t(p_[j], q_[j], mu, b_, std::exp(u_start[i]));
        u_[i] = std::log(t_[j]);
      }
    }
  }

  Beta b_;
  Index n_;
  Arr p_, q_, t_, dt_;
  bool lockstep_ = false;
  std::vector<Index> positive_;  // the entries with Q > 0 (lockstep)
  Arr pp_, qp_, u_, slope_;      // their P, Q, ln t, and dM/du at the last evaluation
};

/// The general-β solves end where |g| ≤ 4ε, or on a converged step, with g summed plainly
/// (its rounding grows with n) and each entry rounded on its own: Σh − 1 is then some ulps
/// of n, not of 1 (up to 63 ulp on rows of 10⁵ entries when this rescale's sums were plain
/// too). Rescaling the entries above the floor by compensated sums brings it to about one
/// rounding, and moves no entry by more than that relative amount. In place: the row h.
template <class T>
void renormalize(T* h, Index n) {
  const T eps = floor_eps<T>();
  double free_mass = 0.0, free_err = 0.0, floored = 0.0, floored_err = 0.0;
  for (Index j = 0; j < n; ++j) {
    if (h[j] <= eps) kahan_add(floored, floored_err, double(h[j]));
    else kahan_add(free_mass, free_err, double(h[j]));
  }
  free_mass -= free_err, floored -= floored_err;
  if (!(free_mass > 0.0)) return;
  const double scale = (1.0 - floored) / free_mass;
  for (Index j = 0; j < n; ++j)
    if (h[j] > eps) h[j] = std::max(eps, static_cast<T>(double(h[j]) * scale));
}

/// Entry j of row l at data[j·entry_stride + l·row_stride]: rows of H side by side in Hᵀ
/// (entry stride r, row stride 1) or in H itself (entry stride 1, row stride n).
template <class T>
struct RowsView {
  T* data;
  Index entry_stride, row_stride;
  T& operator()(Index j, int l) const { return data[j * entry_stride + l * row_stride]; }
};

/// Lanes of the β = 1 solve: W rows padded to a power of two (floored_sums.hpp).
constexpr int padded_lanes(int w) { return w <= 1 ? 1 : w <= 2 ? 2 : w <= 4 ? 4 : 8; }

/// Lane l of a (entry j at a[j·stride + l]) multiplied by the power of two that brings its
/// largest entry into [0.5, 1). The row's result h = max(c a, ε) with c = (1 − kε)/Σ a does
/// not change (the scaling is exact), but its sums stay representable: products a = h̃ ⊙ Q
/// near 1/DBL_MAX (subnormal data, or a W column 1e300 times another's) summed to s with
/// c = 1/s = inf, and the rounds never settled. An infinite entry (a product that overflowed)
/// is the limit where it takes all the mass: the infinite entries become 1, the others 0.
/// Returns the exponent s of the scaling a ← 2^s a (so that a lane's c in the caller's units
/// is 2^s times the scaled lane's), 0 when the lane has no positive entry (nothing changed),
/// and kInfiniteLane for the limit of infinite entries.
inline constexpr int kInfiniteLane = std::numeric_limits<int>::min();
inline int normalize_lane(double* a, Index stride, Index n, int l) {
  double top = 0.0;
  for (Index j = 0; j < n; ++j) top = std::max(top, a[j * stride + l]);  // NaN is skipped
  if (!(top > 0.0)) return 0;
  if (top == kInf) {
    for (Index j = 0; j < n; ++j) a[j * stride + l] = a[j * stride + l] == kInf ? 1.0 : 0.0;
    return kInfiniteLane;
  }
  int e = 0;
  std::frexp(top, &e);  // top = f 2^e, f in [0.5, 1)
  for (Index j = 0; j < n; ++j) a[j * stride + l] = std::ldexp(a[j * stride + l], -e);
  return -e;
}

/// β = 1: P is constant along the row, so h_j = max(c a_j, ε), a_j = h̃_j Q_j, with c fixed by
/// the row sum: c = (1 − k ε) / Σ_{c a_j ≥ ε} a_j, k = #{c a_j < ε}. From c = ∞ (nothing
/// floored: the first round is the plain sum of a) each round recomputes c from the entries
/// the current c floors; c only decreases, so the floored set only grows and the loop ends
/// after at most n + 1 rounds, when it stops growing. c a_j at that c sum to one exactly, so
/// the result needs no rescaling: |Σh − 1| is the rounding of the sums alone.
///
/// Solves the first w of L lanes held side by side in a (entry j of lane l at a[j·stride + l],
/// lanes ≥ w zero), so the sweeps vectorize across lanes while each lane's sums still run in
/// entry order: a lane's result depends neither on the other lanes nor on how rows are grouped
/// into lanes. A lane with nothing to scale (a = 0 on the whole row, where every feasible h has
/// the same majorizer) is refilled by refill(pass, redo) — a = h̃ (pass 0: the projection of
/// h̃ onto the floored simplex), then a = 1 (pass 1: of the uniform row, where h̃ is 0 too) —
/// and solved again. Returns each lane's c (0 for lanes with nothing to scale) and the scale
/// that gives h from the final a.
template <int L, class Refill>
std::pair<std::array<double, L>, std::array<double, L>> kl_lane_scales(double* a, Index stride,
                                                                       Index n, int w,
                                                                       double eps,
                                                                       Refill&& refill) {
  std::array<double, L> s{}, c, k;
  std::array<bool, L> degenerate{};
  std::array<int, L> shift{};  // the exponent each lane's a was scaled by (normalize_lane)
  // The rounds for the lanes in `todo`, from c = ∞ (the first sweep: the plain sums, k = 0).
  auto fixed_point = [&](std::array<bool, L> todo) {
    std::array<double, L> k_before{};
    c.fill(kInf);  // c·0 = NaN never compares below ε
    floored_count_and_sum<L>(a, stride, n, c.data(), eps, k.data(), s.data());
    // lanes whose plain sum or its inverse left the range (an infinite entry makes the
    // compensated sum NaN): brought to unit scale
    bool rescaled = false;
    shift.fill(0);
    for (int l = 0; l < w; ++l)
      if (todo[l] && !(s[l] < kInf && 1.0 / s[l] < kInf)) {
        shift[l] = normalize_lane(a, stride, n, l);
        rescaled |= shift[l] != 0;
      }
    if (rescaled) floored_count_and_sum<L>(a, stride, n, c.data(), eps, k.data(), s.data());
    // c decreases from round to round, so the floored set only grows and n + 1 rounds
    // suffice; the bound stops a cycle that rounding might make (the last c is then kept:
    // it differs from the fixed point's by a rounding)
    for (Index round = 0, any = 1; any && round <= n + 1; ++round) {
      any = 0;
      for (int l = 0; l < w; ++l) {
        if (!todo[l]) continue;
        const double rest = 1.0 - k[l] * eps;
        if (c[l] != kInf && k[l] == k_before[l]) {  // the floored set stopped growing
          todo[l] = false;
        } else if (!(s[l] > 0.0) || !(rest > 0.0)) {  // nothing to scale
          degenerate[l] = true;
          todo[l] = false;
        } else {
          k_before[l] = k[l];
          c[l] = rest / s[l];
          any = 1;
        }
      }
      if (any) floored_count_and_sum<L>(a, stride, n, c.data(), eps, k.data(), s.data());
    }
  };
  std::array<bool, L> lanes{};
  for (int l = 0; l < w; ++l) lanes[l] = true;
  fixed_point(lanes);
  // c of the row's own products: the scaled lanes' c times 2^shift (0 for an infinite entry:
  // the limit c → 0, μ → −∞); the products themselves keep the scaled lanes' c
  std::array<double, L> c_row{}, c_out{};
  for (int l = 0; l < w; ++l) {
    c_out[l] = degenerate[l] ? 0.0 : c[l];
    c_row[l] = shift[l] == kInfiniteLane ? 0.0 : std::ldexp(c_out[l], shift[l]);
  }
  for (int pass = 0; pass < 2; ++pass) {  // lanes with nothing to scale: a = h̃, then a = 1
    const std::array<bool, L> redo = degenerate;
    if (std::none_of(redo.begin(), redo.end(), [](bool b) { return b; })) break;
    refill(pass, redo);
    degenerate.fill(false);
    fixed_point(redo);
    for (int l = 0; l < w; ++l)  // still nothing to scale after a = 1: n ε ≥ 1, h = ε
      if (redo[l]) c_out[l] = degenerate[l] ? 0.0 : c[l];
  }
  return {c_row, c_out};
}

/// kl_lane_scales for W rows given as views (h̃, Q and the result out, which may be h̃'s own
/// storage: every entry is read before it is written), through a buffer of their products.
/// Returns each row's c, 0 for rows with nothing to scale.
template <class T, int W>
std::array<double, W> solve_rows_kl(Index n, RowsView<const T> ht, RowsView<const T> q,
                                    RowsView<T> out) {
  constexpr int L = padded_lanes(W);
  const double eps = floor_eps<T>();
  std::unique_ptr<double[]> a(new double[static_cast<size_t>(n) * L]());  // lanes ≥ W stay 0
  for (Index j = 0; j < n; ++j)
    for (int l = 0; l < W; ++l) a[j * L + l] = double(ht(j, l)) * double(q(j, l));
  auto refill = [&](int pass, const std::array<bool, L>& redo) {
    for (Index j = 0; j < n; ++j)
      for (int l = 0; l < W; ++l)
        if (redo[l]) a[j * L + l] = pass == 0 ? double(ht(j, l)) : 1.0;
  };
  const auto [c_row, c_out] = kl_lane_scales<L>(a.get(), L, n, W, eps, refill);
  for (Index j = 0; j < n; ++j)
    for (int l = 0; l < W; ++l)  // an entry with c a < ε is the floor itself
      out(j, l) = std::max<T>(T(eps), T(c_out[l] * a[j * L + l]));
  std::array<double, W> c;
  std::copy(c_row.begin(), c_row.begin() + W, c.begin());
  return c;
}

/// One row of solve_rows_kl; returns μ = P − 1/c (0 when there is nothing to scale, −∞ when
/// a product h̃ Q is infinite: the limit c → 0).
template <class T>
double solve_row_kl(const T* ht, double p, const T* q, T* h, Index n) {
  bool infinite = false;
  for (Index j = 0; j < n; ++j) infinite |= double(ht[j]) * double(q[j]) == kInf;
  const double c = solve_rows_kl<T, 1>(n, {ht, 1, 0}, {q, 1, 0}, {h, 1, 0})[0];
  return infinite ? -kInf : c > 0.0 ? p - 1.0 / c : 0.0;
}

/// solve_rows_kl for w ≤ 8 rows side by side, with the lane count a compile-time constant.
template <class T>
void solve_rows_kl_lanes(Index w, Index n, RowsView<const T> ht, RowsView<const T> q,
                         RowsView<T> out) {
  with_width(w, [&](auto k) { solve_rows_kl<T, decltype(k)::value>(n, ht, q, out); });
}

}  // namespace

/// The limit of a row whose multiplier lies beyond the floating-point range: h̃ so small
/// (1e-300, from a caller's own factors) that even the largest representable t leaves Σ h far
/// below one. Then the entries `in` of the limit share the mass `rest` in proportion to
/// h̃_j c_j^g (log_weight(j) = ln h̃_j + g ln c_j, taken in the log domain; an infinite weight
/// takes it all), at the floor ε at least.
template <class T, class In, class LogWeight>
void share_in_the_limit(T* h, Index n, double rest, In&& in, LogWeight&& log_weight) {
  const double eps = floor_eps<T>();
  double top = -kInf;
  for (Index j = 0; j < n; ++j)
    if (in(j)) top = std::max(top, log_weight(j));
  if (!(top > -kInf)) return;
  double total = 0.0;
  auto weight = [&](Index j) {  // relative to the largest, and the infinite ones alone
    const double lw = log_weight(j);
    return top == kInf ? (lw == kInf ? 1.0 : 0.0) : std::exp(lw - top);
  };
  for (Index j = 0; j < n; ++j)
    if (in(j)) total += weight(j);
  for (Index j = 0; j < n; ++j)
    if (in(j)) h[j] = std::max<T>(T(eps), static_cast<T>(rest * weight(j) / total));
}

/// Whether a solved row missed the simplex by far (its root beyond the range; see
/// share_in_the_limit).
template <class T>
bool missed_the_simplex(const T* h, Index n) {
  double total = 0.0;
  for (Index j = 0; j < n; ++j) total += double(h[j]);
  return total < 1.0 - 1e-6;
}

/// β < 1: the entries with Q > 0 have t = (Q / (P − μ))^γ, which blows up at the pole
/// p_pos = min P over them, so μ < p_pos. An entry with Q = 0 has the linear majorizer P h:
/// it sits at the floor while μ < P and would absorb any mass at μ = P, so μ ≤ p_zero = min P
/// over those entries as well. With g(μ) = Σ_j max(h̃_j t_j(μ), ε) − 1:
///  - the root of g when it lies below p_zero;
///  - otherwise μ = p_zero: the entries with Q > 0 take t(p_zero), and the entries with Q = 0
///    and P = p_zero share the rest of the unit mass (in proportion to h̃; evenly if h̃ is 0
///    there) — the KKT point of the convex block problem, where the root of g alone would
///    leave them at the floor with a larger majorizer.
/// The unknown is the gap d = p_pos − μ rather than μ: an entry at the pole has t = (Q / d)^γ
/// from d itself, with full relative accuracy however close μ is to p_pos. In μ it would be
/// resolved to ulp(p_pos) only — a row whose pole entry needs d = 1e-13 got 0.5009 for 0.5,
/// and one needing d < ulp(p_pos) lost the entry's share to the others. Every other entry
/// sees the gap (P_j − p_pos) + d. The solve runs in x = −ln d (bracketing over any number of
/// decades, g(x) increasing), then Newton in d itself polishes the root to the resolution of d.
template <class T>
double solve_row_below_pole(const T* ht, const T* p, const T* q, T* h, Index n, const Beta& b) {
  const double eps = floor_eps<T>(), gam = 1.0 / (2.0 - b.value);
  double p_pos = kInf, p_zero = kInf;
  for (Index j = 0; j < n; ++j) {
    double& bound = q[j] > 0 ? p_pos : p_zero;
    bound = std::min(bound, double(p[j]));
  }
  // h_j for the gap d = p_pos − μ, and Σ_j h_j − 1 with its derivative in d (negative:
  // dt_j/dd = −γ t_j / gap_j); entries with Q = 0 at the floor
  auto entry = [&](Index j, double d) {
    const auto [t, dt] = pole_t(double(q[j]), (double(p[j]) - p_pos) + d, gam);
    const double hj = double(ht[j]) * t;
    return hj > eps ? std::pair<double, double>{hj, -double(ht[j]) * dt}
                    : std::pair<double, double>{eps, 0.0};
  };
  auto g_of_d = [&](double d) {
    double s = -1.0, ds = 0.0;
    for (Index j = 0; j < n; ++j) {
      const auto [hj, dhj] = entry(j, d);
      s += hj, ds += dhj;
    }
    return std::pair<double, double>{s, ds};
  };
  // μ = p_zero is reached when the entries with Q > 0 sum to less than one there
  const double d_cap = p_zero < p_pos ? p_pos - p_zero : 0.0;
  double d;
  if (d_cap > 0.0 && g_of_d(d_cap).first < 0.0) {
    d = d_cap;
  } else {
    auto g_of_x = [&](double x) {  // dg/dx = −d · dg/dd
      const double dx = std::exp(-x);
      const auto [s, ds] = g_of_d(dx);
      return std::pair<double, double>{s, -dx * ds};
    };
    // μ = 0 (the unconstrained MU step) when it lies in the domain, as in the μ solve
    const double d0 = std::max(p_pos > 0.0 ? p_pos : std::max(1.0, std::abs(p_pos)), d_cap);
    const double x_hi = d_cap > 0.0 ? -std::log(d_cap) : kInf;
    const double x0 = d0 > d_cap ? -std::log(d0) : x_hi - 1.0;
    const double ftol = 4 * std::numeric_limits<double>::epsilon();
    d = std::exp(-solve_increasing(g_of_x, x0, -kInf, x_hi, 1.0, ftol,
                                   4 * std::numeric_limits<double>::epsilon())
                      .x);
    // x is resolved to ulp(x) ≈ ε |ln d|, d to ε: Newton in d while it lowers |g|
    auto [s, ds] = g_of_d(d);
    for (int k = 0; k < 4 && std::abs(s) > ftol && ds < 0.0; ++k) {
      const double dn = d - s / ds;
      if (!(dn > d_cap)) break;
      const auto [sn, dsn] = g_of_d(dn);
      if (!(std::abs(sn) < std::abs(s))) break;
      d = dn, s = sn, ds = dsn;
    }
  }
  double rest = 1.0, tied_ht = 0.0;  // the mass left for the entries with Q = 0, P = p_zero
  Index tied = 0;
  for (Index j = 0; j < n; ++j) {
    const bool at_p_zero = d == d_cap && !(q[j] > 0) && double(p[j]) == p_zero;
    const double hj = at_p_zero ? 0.0 : std::min(entry(j, d).first, 1.0);
    h[j] = std::max<T>(T(eps), static_cast<T>(hj));
    if (at_p_zero) tied_ht += double(ht[j]), ++tied;
    else rest -= double(h[j]);
  }
  for (Index j = 0; tied > 0 && j < n; ++j)
    if (!(q[j] > 0) && double(p[j]) == p_zero) {
      const double share = tied_ht > 0.0 ? double(ht[j]) / tied_ht : 1.0 / double(tied);
      h[j] = std::max<T>(T(eps), static_cast<T>(rest * share));
    }
  if (tied == 0 && missed_the_simplex(h, n)) {
    // the gap d that sums the row lies below the smallest double: d → 0, the entries at the
    // pole (P = p_pos, Q > 0) have t = (Q/d)^γ with one d, and share what the others leave
    auto at_pole = [&](Index j) { return q[j] > 0 && double(p[j]) == p_pos && ht[j] > 0; };
    double others = 0.0;
    for (Index j = 0; j < n; ++j)
      if (!at_pole(j)) others += double(h[j]);
    share_in_the_limit(h, n, 1.0 - others, at_pole, [&](Index j) {
      return std::log(double(ht[j])) + gam * std::log(double(q[j]));
    });
    d = 0.0;
  }
  renormalize(h, n);
  return d_cap > 0.0 && d == d_cap ? p_zero : p_pos - d;
}

/// A row whose h̃ has no positive entry: h = h̃ t = 0 for every multiplier, so Σ max(h, ε) = nε
/// whatever μ is and there is no root. Every feasible row then has the same majorizer (each
/// entry's term is weighted by h̃), and the row becomes the projection of h̃ = 0 onto the
/// floored simplex, the uniform row — what the β = 1 solve gives (μ reported as 0).
template <class T>
bool uniform_if_nothing_to_scale(const T* ht, T* h, Index n) {
  for (Index j = 0; j < n; ++j)
    if (ht[j] > T(0)) return false;
  const T eps = floor_eps<T>();
  for (Index j = 0; j < n; ++j) h[j] = std::max(eps, static_cast<T>(1.0 / double(n)));
  return true;
}

template <class T>
double solve_row_multiplier(const T* ht, const T* p, const T* q, T* h, Index n,
                            const Beta& b) {
  if (b.kind == Beta::KL) return solve_row_kl(ht, double(p[0]), q, h, n);
  if (uniform_if_nothing_to_scale(ht, h, n)) return 0.0;
  if (b.value < 1.0) return solve_row_below_pole(ht, p, q, h, n, b);
  const double eps = floor_eps<T>();
  // β ≥ 2: t = max(Q + μ, 0)/P^… depends on μ through Q + μ only. The unknown is ν = μ + q_max
  // and entry j sees (Q_j − q_max) + ν: when μ cancels most of a large Q (data far above
  // W H), ν keeps the digits that μ itself would round away (a row with Q = 1e14 + (0.3,
  // 0.7, 0.45) summed to 1 − 0.016 before the final rescale).
  double shift = 0.0, scale = 0.0;
  if (b.value >= 2.0)
    for (Index j = 0; j < n; ++j) shift = std::max(shift, double(q[j]));
  // the size of ν at t ~ 1, where M(t) is of the size of P and of Q − shift
  for (Index j = 0; j < n; ++j)
    scale = std::max({scale, double(p[j]), std::abs(double(q[j]) - shift)});
  // g(ν) = Σ_j max(h̃_j t_j, ε) − 1, increasing; entries at the floor do not move.
  RowEntries entries(p, q, shift, n, b);
  auto g = [&](double nu) {
    entries.at(nu);
    double s = -1.0, ds = 0.0;
    for (Index j = 0; j < n; ++j) {
      const double hj = double(ht[j]) * entries.t(j);
      if (hj > eps) {
        s += hj;
        ds += double(ht[j]) * entries.dt(j);
      } else {
        s += eps;
      }
    }
    return std::pair<double, double>{s, ds};
  };
  // μ = 0 is the unconstrained MU step: the natural start (exact when h̃ is stationary).
  const double ftol = 4 * std::numeric_limits<double>::epsilon();
  const double unit = std::max(scale, 1e-300);
  double nu = kInf;  // no root below the largest double: the limit μ → ∞ below
  try {
    nu = solve_increasing(g, shift, -kInf, kInf, unit, ftol,
                          4 * std::numeric_limits<double>::epsilon(), 200, unit).x;
    entries.at(nu);
    for (Index j = 0; j < n; ++j)
      h[j] = std::max<T>(T(eps), static_cast<T>(std::min(double(ht[j]) * entries.t(j), 1.0)));
  } catch (const std::domain_error&) {
    std::fill(h, h + n, T(0));
  }
  if (missed_the_simplex(h, n)) {
    // the multiplier that sums the row lies beyond the largest double: as μ → ∞ every entry
    // has t ≈ (μ/P)^(1/(β−1)), the data's Q no longer counts, and the row is h̃ P^(−1/(β−1))
    // normalized (P = 0: those entries take the row)
    const double g = -1.0 / (b.value - 1.0);
    share_in_the_limit(h, n, 1.0, [&](Index j) { return ht[j] > 0; }, [&](Index j) {
      return std::log(double(ht[j])) + g * std::log(double(p[j]));
    });
  }
  renormalize(h, n);
  return nu - shift;
}

template <class T>
void rowsum_update(MatRef<T> H, const Mat<T>& P, const Mat<T>& Q, const Beta& b, int n_threads) {
  const Index r = H.rows(), n = H.cols();
  if (b.kind == Beta::KL) {  // 8 rows side by side, in place (P is not needed)
    const Blocking groups(r, 8);
    parallel_for(groups.count, n_threads, [&](Index g) {
      const Index k0 = groups.begin(g), hs = H.outerStride();
      T* h = H.data() + k0 * hs;
      solve_rows_kl_lanes<T>(groups.length(g), n, {h, 1, hs}, {Q.data() + k0 * n, 1, n},
                             {h, 1, hs});
    });
    return;
  }
  parallel_blocks(
      r, n_threads, [] { return std::vector<T>(); },
      [&](Index k, std::vector<T>& row) {
        row.resize(static_cast<size_t>(n));
        solve_row_multiplier<T>(row_ptr(H, k), P.row(k).data(), Q.row(k).data(), row.data(), n, b);
        std::copy(row.begin(), row.end(), row_ptr(H, k));
      });
}

template <class T>
void rowsum_update_kl_products(MatRef<T> Ht, Mat<double>& A, int n_threads) {
  const Index n = Ht.rows(), r = Ht.cols(), stride = A.cols();
  require(A.rows() == n && stride >= r && stride % kProductLanes == 0,
          "rowsum_update: the products buffer does not fit H");
  const double eps = floor_eps<T>();
  // Lane blocks of up to 32 rows of H: each block's sweeps read whole cache lines of A and
  // keep their sums in registers; blocks run in parallel (a lane's result does not depend on
  // its block, so neither does it on the thread count).
  constexpr Index kBlockLanes = 32;
  const Blocking blocks(r, kBlockLanes);
  std::vector<double> scale(static_cast<size_t>(r));
  parallel_for(blocks.count, n_threads, [&](Index b) {
    const Index l0 = blocks.begin(b);
    const int w = static_cast<int>(blocks.length(b));
    double* a = A.data() + l0;
    with_width<kBlockLanes / kProductLanes>((w + kProductLanes - 1) / kProductLanes, [&](auto v) {
      constexpr int L = kProductLanes * decltype(v)::value;
      auto refill = [&](int pass, const std::array<bool, L>& redo) {
        for (Index j = 0; j < n; ++j)
          for (int l = 0; l < w; ++l)
            if (redo[l]) a[j * stride + l] = pass == 0 ? double(Ht(j, l0 + l)) : 1.0;
      };
      const auto c_out = kl_lane_scales<L>(a, stride, n, w, eps, refill).second;
      std::copy(c_out.begin(), c_out.begin() + w, scale.begin() + l0);
    });
  });
  // h = max(c a, ε), by blocks of entries: every row of Ht is written whole by one thread
  const Blocking entries(n, 1024);
  parallel_for(entries.count, n_threads, [&](Index b) {
    for (Index j = entries.begin(b), j1 = j + entries.length(b); j < j1; ++j) {
      T* h = row_ptr(Ht, j);
      const double* a = A.data() + j * stride;
      for (Index l = 0; l < r; ++l) h[l] = std::max<T>(T(eps), T(scale[l] * a[l]));
    }
  });
}

template <class T>
void kl_products_into(const CMatRef<T>& Ht, const CMatRef<T>& Qt, Index j0, Mat<double>& A) {
  const Index r = Ht.cols(), stride = A.cols();
  for (Index i = 0; i < Qt.rows(); ++i) {
    const T* h = row_ptr(Ht, j0 + i);
    const T* q = row_ptr(Qt, i);
    double* a = A.data() + (j0 + i) * stride;
    for (Index l = 0; l < r; ++l) a[l] = double(h[l]) * double(q[l]);
    for (Index l = r; l < stride; ++l) a[l] = 0.0;
  }
}

template <class T>
void rowsum_update_kl_transposed(MatRef<T> Ht, const Mat<T>& Qt, int n_threads) {
  const Index n = Ht.rows(), r = Ht.cols();
  require(Qt.rows() == n && Qt.cols() == r, "rowsum_update: Q and H differ in shape");
  Mat<double> A(n, kl_products_stride(r));
  kl_products_into<T>(Ht, Qt, 0, A);
  rowsum_update_kl_products<T>(Ht, A, n_threads);
}

#define DEEPNMF_INSTANTIATE_PRODUCTS(T)                                                        \
  template void rowsum_update_kl_products<T>(MatRef<T>, Mat<double>&, int);                   \
  template void kl_products_into<T>(const CMatRef<T>&, const CMatRef<T>&, Index, Mat<double>&);
DEEPNMF_INSTANTIATE_PRODUCTS(float)
DEEPNMF_INSTANTIATE_PRODUCTS(double)
#undef DEEPNMF_INSTANTIATE_PRODUCTS

template void rowsum_update_kl_transposed<float>(MatRef<float>, const Mat<float>&, int);
template void rowsum_update_kl_transposed<double>(MatRef<double>, const Mat<double>&, int);

template void rowsum_update<float>(MatRef<float>, const Mat<float>&, const Mat<float>&,
                                   const Beta&, int);
template void rowsum_update<double>(MatRef<double>, const Mat<double>&, const Mat<double>&,
                                    const Beta&, int);
template double solve_row_multiplier<float>(const float*, const float*, const float*, float*,
                                            Index, const Beta&);
template double solve_row_multiplier<double>(const double*, const double*, const double*,
                                             double*, Index, const Beta&);

}  // namespace deepnmf
