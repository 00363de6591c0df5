#include "deepnmf/beta/coupled_w.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "deepnmf/core/finite.hpp"
#include "deepnmf/special/wright_omega.hpp"
#include "deepnmf/beta/passes.hpp"
#include "deepnmf/core/scalar_solve.hpp"
#include "deepnmf/beta/passes_sparse.hpp"
#include "deepnmf/core/vector_log.hpp"

namespace deepnmf {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The majorizer's derivative M(t) in t = w/w̃ (docs/deep-beta-updates.md §1) plus the penalty's λ g(w̃ t), and the
/// derivative of the sum in u = ln t: safeguarded Newton for β without closed form (and the
/// fallback of the closed forms should they leave the floating-point range). The powers of t
/// are exponentials of u, and those of w̃ and w̄ are taken once: two exponentials per
/// evaluation (four powers and an exponential before). f''/f' is of order one in u (rates
/// β − 1 and β − 2), so a Newton step below 1e-9 ends the solve unevaluated.
double coupled_newton(double wt, double wb, double p, double q, double lam, double beta) {
  const double bm1 = beta - 1.0, bm2 = beta - 2.0;
  const bool kl = beta == 1.0;
  const double wt_pow = kl ? 1.0 : std::pow(wt, bm1), wb_pow = kl ? 1.0 : std::pow(wb, bm1);
  const double log_ratio = kl ? std::log(wt / wb) : 0.0;
  auto F = [&](double u) {
    const double e1 = std::exp(bm1 * u), e2 = std::exp(bm2 * u);  // t^(β−1), t^(β−2)
    double M, dM;  // M(t) and t M'(t)
    if (beta < 1.0) {
      const double c = q * e2;
      M = p - c;
      dM = -bm2 * c;
    } else if (beta <= 2.0) {
      const double a = p * e1, c = q * e2;
      M = a - c;
      dM = bm1 * a - bm2 * c;
    } else {
      const double a = p * e1;
      M = a - q;
      dM = bm1 * a;
    }
    double g, dg;  // g(w̃ t) and t d/dt g(w̃ t) = w g'(w) = w^(β−1)
    if (kl) {
      g = log_ratio + u;
      dg = 1.0;
    } else {
      const double wpow = wt_pow * e1;
      g = (wpow - wb_pow) / bm1;
      dg = wpow;
    }
    return std::pair<double, double>{M + lam * g, dM + lam * dg};
  };
  const double u = solve_increasing(F, 0.0, -kInf, kInf, 1.0, 0.0, 4 * 2.2e-16, 200, 1.0, 1e-9).x;
  return wt * std::exp(u);
}

/// Closed forms of docs/deep-beta-updates.md §2 for one entry (β ∈ {0, 1/2, 3/2, 2}); NaN when they do not apply.
double coupled_closed_form(double wt, double wb, double p, double q, double lam, const Beta& b) {
  switch (b.kind) {
    case Beta::EUC:  // t = (Q + λ w̄) / (P + λ w̃)
      return wt * (q + lam * wb) / (p + lam * wt);
    case Beta::THREE_HALVES: {  // s = √t: (P + 2λ√w̃) s² − 2λ√w̄ s − Q = 0
      const double A = p + 2.0 * lam * std::sqrt(wt);
      const double c = lam * std::sqrt(wb);
      const double D = std::sqrt(c * c + A * q);
      const double s = c >= 0.0 ? (c + D) / A : q / (D - c);
      return wt * s * s;
    }
    case Beta::IS: {  // A t² − (λ/w̃) t − Q = 0, A = P + λ/w̄
      const double A = p + lam / wb;
      const double c = lam / wt;
      const double D = std::sqrt(c * c + 4.0 * A * q);
      return wt * (c + D) / (2.0 * A);
    }
    case Beta::HALF: {  // s = t^(−1/2): Q s³ + (2λ/√w̃) s − (P + 2λ/√w̄) = 0
      const double c1 = 2.0 * lam / std::sqrt(wt), c0 = p + 2.0 * lam / std::sqrt(wb);
      double s;
      if (q == 0.0) {
        s = c0 / c1;
      } else {  // depressed cubic s³ + a s − c = 0, a > 0: s = c / (u² + a/3 + (a/(3u))²),
        // u = ∛(c/2 + √(c²/4 + a³/27)): the sum-of-squares form has no cancellation.
        const double a = c1 / q, c = c0 / q;
        const double u = std::cbrt(0.5 * c + std::sqrt(0.25 * c * c + a * a * a / 27.0));
        const double v = a / (3.0 * u);
        s = c / (u * u + a / 3.0 + v * v);
      }
      return wt / (s * s);
    }
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

/// β = 1 (paper eq. (18)) in the log domain, for r entries: with a = P − λ ln w̄ and b = w̃ Q,
/// w = b / (λ z), z = ω(y), y = a/λ + ln(b/λ) = P/λ + ln(b/(λ w̄)) — e^(a/λ) is never formed.
/// A chunk whose quotients b/(λ w̄) are all normal numbers takes one logarithm per entry; one
/// where a quotient under- or overflows takes ln b − ln w̄ − ln λ. When y < −40,
/// ω(y) = e^y and w = b/(λ e^y) = e^(−a/λ) = w̄ e^(−P/λ): also the exact limit for a zero data
/// row (b = 0), where the penalty alone decides. The logarithms and ω run vectorized over
/// chunks; out may alias w̃.
template <class T>
void coupled_kl_entries(const T* wt, const T* wb, const T* P, const T* Q, T* out, Index r,
                        double lam) {
  constexpr Index C = 256;
  constexpr double kMin = std::numeric_limits<double>::min();
  constexpr double kMax = std::numeric_limits<double>::max();
  alignas(64) double b[C], log_b[C], log_wb[C], y[C], z[C];
  const double log_lam = std::log(lam);
  for (Index j0 = 0; j0 < r; j0 += C) {
    const Index c = std::min(C, r - j0);
    SameWidthInt<double> off_range = 0;  // an integer flag as wide as double: vectorizes
    for (Index k = 0; k < c; ++k) {
      b[k] = double(wt[j0 + k]) * double(Q[j0 + k]);
      y[k] = b[k] / (lam * double(wb[j0 + k]));
      off_range |= SameWidthInt<double>(!(y[k] >= kMin)) | SameWidthInt<double>(!(y[k] <= kMax));
    }
    if (!off_range) {
      log_into(y, y, c);
      for (Index k = 0; k < c; ++k) y[k] += double(P[j0 + k]) / lam;
    } else {
      for (Index k = 0; k < c; ++k) log_wb[k] = double(wb[j0 + k]);
      log_into(b, log_b, c);
      log_into(log_wb, log_wb, c);
      for (Index k = 0; k < c; ++k)
        y[k] = double(P[j0 + k]) / lam - log_wb[k] + log_b[k] - log_lam;
    }
    wright_omega(y, z, c);
    for (Index k = 0; k < c; ++k) out[j0 + k] = static_cast<T>(b[k] / (lam * z[k]));
    for (Index k = 0; k < c; ++k)  // rare: the series limit
      if (y[k] < -40.0)
        out[j0 + k] = static_cast<T>(std::exp(std::log(double(wb[j0 + k])) - double(P[j0 + k]) / lam));
  }
}

}  // namespace

template <class T>
void coupled_w_row(const T* w_tilde, const T* w_bar, const T* P, const T* Q, T* w_new, Index r,
                   double lam, const Beta& b) {
  const T eps = floor_eps<T>();
  if (b.kind == Beta::KL) {
    coupled_kl_entries(w_tilde, w_bar, P, Q, w_new, r, lam);
  } else {
    for (Index k = 0; k < r; ++k) {
      const double wt = w_tilde[k], wb = w_bar[k], p = P[k], q = Q[k];
      double w = coupled_closed_form(wt, wb, p, q, lam, b);
      if (!(std::isfinite(w) && w > 0.0)) w = coupled_newton(wt, wb, p, q, lam, b.value);
      w_new[k] = static_cast<T>(w);
    }
  }
  for (Index k = 0; k < r; ++k) w_new[k] = std::max(eps, w_new[k]);  // paper Section 3.2.1
}

namespace {

template <class T>
void check_coupled_args(const CMatRef<T>& W, const CMatRef<T>& W_bar, double lam) {
  require(W_bar.rows() == W.rows() && W_bar.cols() == W.cols(),
          "coupled_w: W_bar has shape " + shape_of(W_bar) + ", W has " + shape_of(W));
  require_aligned(W, "coupled_w", "W");
  require_aligned(W_bar, "coupled_w", "W_bar");
  require(std::isfinite(lam) && lam > 0.0, "coupled_w: lam must be a positive finite number");
  require(all_positive(W_bar), "coupled_w: W_bar must be positive (floor it at eps)");
  require(all_positive(W), "coupled_w: W must be positive (floor it at eps)");
}

/// The coupled update given a row pass (dense or sparse) that streams P, Q. The update is
/// entrywise: a block whose rows of W and W̄ are contiguous goes in one call (the vectorized
/// logarithms and ω run over full chunks rather than one row of r entries at a time).
template <class T, class Pass>
double coupled_w_with(Pass&& pass, MatRef<T> W, const CMatRef<T>& W_bar, double lam, const Beta& b) {
  const Index r = W.cols();
  const bool contiguous = W.outerStride() == r && W_bar.outerStride() == r;
  return pass([&](Index i0, Index mb, const Mat<T>& P, const Mat<T>& Q) {
    require_finite_majorizer<T>(P, Q, b.value, "coupled_w");
    if (contiguous) {
      coupled_w_row<T>(row_ptr(W, i0), row_ptr(W_bar, i0), P.data(), Q.data(), row_ptr(W, i0),
                       mb * r, lam, b);
      return;
    }
    for (Index i = 0; i < mb; ++i)
      coupled_w_row<T>(row_ptr(W, i0 + i), row_ptr(W_bar, i0 + i), P.row(i).data(),
                       Q.row(i).data(), row_ptr(W, i0 + i), r, lam, b);
  });
}

}  // namespace

template <class T>
double coupled_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, const CMatRef<T>& W_bar,
                 double lam, double beta, int n_threads, bool want_loss) {
  const Beta b(beta);
  require_supported_beta<T>(b, "coupled_w");
  require_product_shapes(Y, W, H, "coupled_w");
  require_distinct(span_of(W), span_of(Y), "coupled_w", "W", "Y");
  require_distinct(span_of(W), span_of(H), "coupled_w", "W", "H");
  require_distinct(span_of(W), span_of(W_bar), "coupled_w", "W", "W_bar");
  const CMatRef<T> Wc(W);
  check_coupled_args<T>(Wc, W_bar, lam);
  require_product_in_range<T>(W, H, "coupled_w");
  return coupled_w_with<T>(
      [&](auto&& sink) { return w_pass<T>(Y, Wc, H, b, n_threads, want_loss, sink); }, W, W_bar,
      lam, b);
}

template <class T, class I>
double coupled_w_sparse(const Compressed<T, I>& Ycsr, MatRef<T> W, const CMatRef<T>& Ht,
                        const CMatRef<T>& W_bar, double lam, double beta, int n_threads,
                        bool want_loss) {
  const Beta b(beta);
  require(b.kind == Beta::KL, "coupled_w: sparse data is supported for beta = 1 only");
  require_sparse_product_shapes(Ycsr, true, W, Ht, "coupled_w");
  require_distinct(span_of(W), span_of(Ht), "coupled_w", "W", "H");
  require_distinct(span_of(W), span_of(W_bar), "coupled_w", "W", "W_bar");
  require_distinct_from(span_of(W), Ycsr, "coupled_w", "W");
  const CMatRef<T> Wc(W);
  check_coupled_args<T>(Wc, W_bar, lam);
  require_product_in_range_t<T>(W, Ht, "coupled_w");
  return coupled_w_with<T>(
      [&](auto&& sink) { return w_pass_sparse<T, I>(Ycsr, Wc, Ht, n_threads, want_loss, sink); }, W,
      W_bar, lam, b);
}

#define DEEPNMF_INSTANTIATE(T)                                                                   \
  template double coupled_w<T>(const CMatRef<T>&, MatRef<T>, const CMatRef<T>&,                 \
                               const CMatRef<T>&, double, double, int, bool);                    \
  template void coupled_w_row<T>(const T*, const T*, const T*, const T*, T*, Index, double,     \
                                 const Beta&);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

#define DEEPNMF_INSTANTIATE_SPARSE(T, I)                                                        \
  template double coupled_w_sparse<T, I>(const Compressed<T, I>&, MatRef<T>, const CMatRef<T>&, \
                                         const CMatRef<T>&, double, double, int, bool);
DEEPNMF_FOR_EACH_SPARSE_TYPE(DEEPNMF_INSTANTIATE_SPARSE)
#undef DEEPNMF_INSTANTIATE_SPARSE

}  // namespace deepnmf
