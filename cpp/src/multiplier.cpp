#include "deepnmf/multiplier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "deepnmf/parallel.hpp"
#include "deepnmf/scalar_solve.hpp"

namespace deepnmf {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// t(μ) solving M(t) = μ for one entry (spec §3), and dt/dμ = 1/M'(t). `t_warm` is the last
/// solution, a starting point for the 1 < β < 2 branch (no closed form there).
std::pair<double, double> entry_t(double p, double q, double mu, const Beta& b, double t_warm) {
  const double beta = b.value;
  if (beta <= 1.0) {  // M(t) = P − Q t^(β−2): t = (Q / (P − μ))^(1/(2−β)), μ < P
    if (q <= 0.0) return {0.0, 0.0};
    const double d = p - mu, g = 1.0 / (2.0 - beta);
    if (!(d > 0.0)) return {kInf, kInf};
    const double t = (g == 1.0) ? q / d : std::pow(q / d, g);
    return {t, g * t / d};
  }
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
  auto f = [&](double u) {
    const double t = std::exp(u);
    const double a = p * std::pow(t, beta - 1.0), c = q * std::pow(t, beta - 2.0);
    return std::pair<double, double>{a - c - mu, (beta - 1.0) * a - (beta - 2.0) * c};
  };
  const double u0 = t_warm > 0.0 && std::isfinite(t_warm) ? std::log(t_warm) : std::log(q / p);
  const double u = solve_increasing(f, u0, -kInf, kInf, 1.0, 0.0, 4 * 2.2e-16).x;
  const double t = std::exp(u);
  const double dM = (beta - 1.0) * p * std::pow(t, beta - 2.0) - (beta - 2.0) * q * std::pow(t, beta - 3.0);
  return {t, 1.0 / dM};
}

/// Rescales the entries above the floor so each row sums to one exactly (to rounding): the
/// solves leave |Σh − 1| at the 1e-15 level; this removes the rest without moving any entry by
/// more than that relative amount. Rows l < w of length n, entry j at h(j, l).
template <class T, class At>
void renormalize_rows(Index n, Index w, At&& h) {
  const T eps = floor_eps<T>();
  std::vector<double> total(static_cast<size_t>(w), 0.0), floored(static_cast<size_t>(w), 0.0);
  for (Index j = 0; j < n; ++j)
    for (Index l = 0; l < w; ++l) {
      total[l] += double(h(j, l));
      if (h(j, l) <= eps) floored[l] += double(h(j, l));
    }
  for (Index l = 0; l < w; ++l) {
    const double free_mass = total[l] - floored[l];
    if (!(free_mass > 0.0)) continue;
    const double scale = (1.0 - floored[l]) / free_mass;
    for (Index j = 0; j < n; ++j)
      if (h(j, l) > eps) h(j, l) = std::max(eps, static_cast<T>(double(h(j, l)) * scale));
  }
}

template <class T>
void renormalize(T* h, Index n) {
  renormalize_rows<T>(n, 1, [h](Index j, Index) -> T& { return h[j]; });
}

/// β = 1: P is constant along the row, so h_j = max(c h̃_j Q_j, ε) with c fixed by the row
/// sum; the set of floored entries only grows as c is recomputed (c decreases), so this
/// active-set loop ends after at most n rounds. Solves w rows at once, one sweep over their
/// entries per round (entry j of row l: h̃ = ht(j, l), Q = q(j, l), result in out(j, l), which
/// may be h̃'s own storage: every entry is read before it is written). Returns each row's c,
/// 0 for a row with nothing to scale (kept as h̃, normalized).
template <class T, class HtAt, class QAt, class OutAt>
std::vector<double> solve_rows_kl(Index n, Index w, HtAt&& ht, QAt&& q, OutAt&& out) {
  const double eps = floor_eps<T>();
  const size_t W = static_cast<size_t>(w);
  std::vector<char> floored(static_cast<size_t>(n) * W, 0);
  auto is_floored = [&](Index j, Index l) -> char& { return floored[static_cast<size_t>(j) * W + l]; };
  auto scaled = [&](double c, Index j, Index l) { return c * double(ht(j, l)) * double(q(j, l)); };
  std::vector<double> c(W, 0.0), n_floored(W, 0.0), s(W);
  std::vector<char> solving(W, 1), degenerate(W, 0), changed(W);
  for (bool any = true; any;) {
    std::fill(s.begin(), s.end(), 0.0);
    for (Index j = 0; j < n; ++j)
      for (Index l = 0; l < w; ++l)
        if (solving[l] && !is_floored(j, l)) s[l] += double(ht(j, l)) * double(q(j, l));
    for (Index l = 0; l < w; ++l) {
      if (!solving[l]) continue;
      const double rest = 1.0 - n_floored[l] * eps;
      if (!(s[l] > 0.0) || !(rest > 0.0)) {  // nothing to scale: keep h̃ (normalized)
        degenerate[l] = 1;
        solving[l] = 0;
      } else {
        c[l] = rest / s[l];
      }
      changed[l] = 0;
    }
    for (Index j = 0; j < n; ++j)
      for (Index l = 0; l < w; ++l)
        if (solving[l] && !is_floored(j, l) && scaled(c[l], j, l) < eps) {
          is_floored(j, l) = 1;
          n_floored[l] += 1.0;
          changed[l] = 1;
        }
    any = false;
    for (Index l = 0; l < w; ++l) {
      if (solving[l] && !changed[l]) solving[l] = 0;
      any = any || solving[l];
    }
  }
  std::vector<double> total(W, 0.0);  // Σ h̃ of the rows with nothing to scale
  for (Index j = 0; j < n; ++j)
    for (Index l = 0; l < w; ++l)
      if (degenerate[l]) total[l] += double(ht(j, l));
  for (Index j = 0; j < n; ++j)
    for (Index l = 0; l < w; ++l) {
      if (degenerate[l]) out(j, l) = std::max<T>(T(eps), T(double(ht(j, l)) / total[l]));
      else out(j, l) = is_floored(j, l) ? T(eps) : std::max<T>(T(eps), T(scaled(c[l], j, l)));
    }
  renormalize_rows<T>(n, w, out);
  for (Index l = 0; l < w; ++l)
    if (degenerate[l]) c[l] = 0.0;
  return c;
}

/// One row of solve_rows_kl; returns μ = P − 1/c (0 when there is nothing to scale).
template <class T>
double solve_row_kl(const T* ht, double p, const T* q, T* h, Index n) {
  const double c = solve_rows_kl<T>(
      n, 1, [ht](Index j, Index) { return ht[j]; }, [q](Index j, Index) { return q[j]; },
      [h](Index j, Index) -> T& { return h[j]; })[0];
  return c > 0.0 ? p - 1.0 / c : 0.0;
}

}  // namespace

template <class T>
double solve_row_multiplier(const T* ht, const T* p, const T* q, T* h, Index n,
                            const Beta& b) {
  if (b.kind == Beta::KL) return solve_row_kl(ht, double(p[0]), q, h, n);
  const double eps = floor_eps<T>();
  std::vector<double> t_warm(static_cast<size_t>(n), 0.0);
  // Domain of μ: for β ≤ 1, t blows up as μ → min P over the entries with Q > 0.
  double hi = kInf, scale = 0.0;
  for (Index j = 0; j < n; ++j) {
    if (b.value <= 1.0 && q[j] > 0) hi = std::min(hi, double(p[j]));
    scale = std::max({scale, double(p[j]), double(q[j])});
  }
  // g(μ) = Σ_j max(h̃_j t_j(μ), ε) − 1, increasing; entries at the floor do not move.
  auto g = [&](double mu) {
    double s = -1.0, ds = 0.0;
    for (Index j = 0; j < n; ++j) {
      auto [t, dt] = entry_t(double(p[j]), double(q[j]), mu, b, t_warm[j]);
      t_warm[j] = t;
      const double hj = double(ht[j]) * t;
      if (hj > eps) {
        s += hj;
        ds += double(ht[j]) * dt;
      } else {
        s += eps;
      }
    }
    return std::pair<double, double>{s, ds};
  };
  // μ = 0 is the unconstrained MU step: the natural start (exact when h̃ is stationary).
  double mu0 = 0.0;
  if (!(mu0 < hi)) mu0 = hi - std::max(1.0, std::abs(hi));
  const double ftol = 4 * std::numeric_limits<double>::epsilon();
  const double mu = solve_increasing(g, mu0, -kInf, hi, std::max(scale, 1e-300), ftol,
                                     4 * std::numeric_limits<double>::epsilon())
                        .x;
  for (Index j = 0; j < n; ++j) {
    const double t = entry_t(double(p[j]), double(q[j]), mu, b, t_warm[j]).first;
    h[j] = std::max<T>(T(eps), static_cast<T>(std::min(double(ht[j]) * t, 1.0)));
  }
  renormalize(h, n);
  return mu;
}

template <class T>
void rowsum_update(MatRef<T> H, const Mat<T>& P, const Mat<T>& Q, const Beta& b, int n_threads) {
  const Index r = H.rows(), n = H.cols();
  parallel_blocks(
      r, n_threads, [] { return std::vector<T>(); },
      [&](Index k, std::vector<T>& row) {
        row.resize(static_cast<size_t>(n));
        solve_row_multiplier<T>(row_ptr(H, k), P.row(k).data(), Q.row(k).data(), row.data(), n, b);
        std::copy(row.begin(), row.end(), row_ptr(H, k));
      });
}

template <class T>
void rowsum_update_kl_transposed(MatRef<T> Ht, const Mat<T>& Qt, int n_threads) {
  const Index n = Ht.rows(), r = Ht.cols();
  require(Qt.rows() == n && Qt.cols() == r, "rowsum_update: Q and H differ in shape");
  const Blocking groups(r, 8);
  parallel_for(groups.count, n_threads, [&](Index g) {
    const Index k0 = groups.begin(g);  // rows k0.. of H: columns of Ht, updated in place
    solve_rows_kl<T>(
        n, groups.length(g), [&](Index j, Index l) { return Ht(j, k0 + l); },
        [&](Index j, Index l) { return Qt(j, k0 + l); },
        [&](Index j, Index l) -> T& { return Ht(j, k0 + l); });
  });
}

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
