#include "deepnmf/minvol/minvol.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "deepnmf/beta/beta.hpp"
#include "deepnmf/core/error.hpp"
#include "deepnmf/core/finite.hpp"
#include "deepnmf/special/wright_omega.hpp"
#include "deepnmf/beta/passes.hpp"
#include "deepnmf/core/scalar_solve.hpp"
#include "deepnmf/beta/passes_sparse.hpp"

namespace deepnmf {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Root w > 0 of a w² + b w − w̃R = 0 written with T = 2 a w̃ and S = 2 T R (see header), and
/// dw/dμ = −w / √(b² + S).
inline std::pair<double, double> wstep_entry(double wt, double R, double T, double S, double b) {
  // √(b² + S), through hypot where b² would overflow: with a volume weight α of 1e200 every
  // entry of the column went to the floor (its sum 30 ε instead of one). hypot is several
  // times the cost of the square root, and this is the inner loop of the column solves.
  const double D = std::abs(b) < 1e150 && S < 1e300 ? std::sqrt(b * b + S)
                                                    : std::hypot(b, std::sqrt(S));
  double w;
  if (b >= 0.0) w = (D + b) > 0.0 ? 2.0 * wt * R / (D + b) : 0.0;  // no cancellation
  else w = wt * (D - b) / T;
  return {w, D > 0.0 ? -w / D : 0.0};
}

/// One column of a W-step: the multiplier μ with Σ_i max(w_i(μ), ε) = 1, where entry(i, μ)
/// returns {w_i(μ), dw_i/dμ} (w decreasing in μ), solved by safeguarded Newton from `start` on
/// (lo, ∞); then writes the floored column into W(·, k), rescaling the entries above the floor
/// so it sums to one to the last bits. ε is the floor of the factor's dtype (`floor`): the
/// solve runs in double, but a float32 W must not get entries below float32's ε. Returns the
/// root (μ and iterations).
template <class Entry>
Root solve_column(Entry&& entry, Index m, double start, double lo, double scale, double floor,
                  MatD& W, Index k) {
  const double tol = std::numeric_limits<double>::epsilon(), eps = floor;
  auto F = [&](double mu) {  // 1 − Σ max(w_i(μ), ε): increasing in μ
    double s = 0.0, ds = 0.0;
    for (Index i = 0; i < m; ++i) {
      auto [w, dw] = entry(i, mu);
      if (w > eps) {
        s += w;
        ds += dw;
      } else {
        s += eps;
      }
    }
    return std::pair<double, double>{1.0 - s, -ds};
  };
  const Root root = solve_increasing(F, start, lo, kInf, scale, 4 * tol, 4 * tol);
  double total = 0.0, floored = 0.0;
  for (Index i = 0; i < m; ++i) {
    W(i, k) = std::max(entry(i, root.x).first, eps);
    total += W(i, k);
    if (W(i, k) <= eps) floored += W(i, k);
  }
  if (total - floored > 0.0) {
    const double sc = (1.0 - floored) / (total - floored);
    for (Index i = 0; i < m; ++i)
      if (W(i, k) > eps) W(i, k) = std::max(eps, W(i, k) * sc);
  }
  return root;
}

}  // namespace

template <class T>
double logdet_gram(const CMatRef<T>& W, double delta) {
  const MatD Wd = W.template cast<double>();
  MatD G = Wd.transpose() * Wd;
  G.diagonal().array() += delta;
  Eigen::LLT<MatD> llt(G);
  require(llt.info() == Eigen::Success, "logdet: W^T W + delta I is not positive definite");
  return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
}

template <class T>
LogdetMajorizer logdet_majorizer(const CMatRef<T>& W, double delta) {
  require(delta > 0.0 && std::isfinite(delta), "delta must be a positive finite number");
  const MatD Wd = W.template cast<double>();
  MatD G = Wd.transpose() * Wd;
  G.diagonal().array() += delta;
  Eigen::LLT<MatD> llt(G);
  require(llt.info() == Eigen::Success, "logdet: W^T W + delta I is not positive definite");
  LogdetMajorizer maj;
  maj.A = llt.solve(MatD::Identity(G.rows(), G.cols()));
  maj.A = 0.5 * (maj.A + maj.A.transpose());  // exactly symmetric
  maj.A_pos = maj.A.cwiseMax(0.0);
  maj.A_neg = (-maj.A).cwiseMax(0.0);
  return maj;
}

/// The fixed pieces at W̃ from a row pass that streams the KL majorizer's P (= 1 cᵀ) and Q (= R).
template <class T, class Pass>
MinvolBlock minvol_block_with(Pass&& pass, const CMatRef<T>& W, const LogdetMajorizer& maj,
                              double alpha, double rho) {
  const Index m = W.rows(), r = W.cols();
  MinvolBlock blk;
  blk.alpha = alpha;
  blk.floor = floor_eps<T>();
  blk.W_tilde = W.template cast<double>();
  blk.R.resize(m, r);
  Vec<T> c_t;
  pass([&](Index i0, Index mb, const Mat<T>& P, const Mat<T>& Q) {
    require_finite_majorizer<T>(P, Q, 1.0, "minvol_w");
    blk.R.middleRows(i0, mb) = Q.template cast<double>();
    if (i0 == 0) c_t = P.row(0).transpose();
  });
  blk.c = c_t.template cast<double>();
  blk.T_alpha = 4.0 * alpha * (blk.W_tilde * (maj.A_pos + maj.A_neg));
  blk.set_rho(rho);
  blk.C0 = blk.c.transpose().replicate(m, 1) - 4.0 * alpha * (blk.W_tilde * maj.A_neg);
  return blk;
}

template <class T>
MinvolBlock minvol_block(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H,
                         const LogdetMajorizer& maj, double alpha, double rho, int n_threads) {
  const Beta kl(1.0);
  return minvol_block_with<T>(
      [&](auto&& sink) { return w_pass<T>(Y, W, H, kl, n_threads, false, sink); }, W, maj, alpha, rho);
}

int minvol_wstep(const MinvolBlock& blk, const CMatRef<double>& V, VecD& mu, MatD& W) {
  const Index m = blk.W_tilde.rows(), r = blk.W_tilde.cols();
  W.resize(m, r);
  int worst = 0;
  for (Index k = 0; k < r; ++k) {
    // C for this column, and the open lower edge of μ where an entry with T = 0 would blow up
    VecD C = blk.C0.col(k);
    if (blk.rho != 0.0) C -= blk.rho * V.col(k);
    double lo = -kInf;
    for (Index i = 0; i < m; ++i)
      if (blk.T(i, k) <= 0.0 && blk.R(i, k) > 0.0) lo = std::max(lo, -C[i]);
    auto entry = [&](Index i, double muk) {
      return wstep_entry(blk.W_tilde(i, k), blk.R(i, k), blk.T(i, k), blk.S(i, k), C[i] + muk);
    };
    double start = mu[k];
    if (!(start > lo)) start = lo + std::max(1.0, std::abs(lo));
    const double scale = std::max({1.0, blk.c.cwiseAbs().maxCoeff(), C.cwiseAbs().maxCoeff()});
    const Root root = solve_column(entry, m, start, lo, scale, blk.floor, W, k);
    mu[k] = root.x;
    worst = std::max(worst, root.iterations);
  }
  return worst;
}

int minvol_exact_wstep(const MinvolBlock& blk, const LogdetMajorizer& maj, const CMatRef<double>* W_bar,
                       double lam, VecD& mu, MatD& W) {
  const Index m = blk.W_tilde.rows(), r = blk.W_tilde.cols();
  const double eps = std::numeric_limits<double>::epsilon();
  const MatD& Wt = blk.W_tilde;
  // Fixed coefficients: b = w̃R, a = 2α(W̃(A⁺+A⁻))/w̃ (= T_alpha / (2 w̃)), e = c − 4αW̃A⁻.
  const MatD a = blk.T_alpha.cwiseQuotient(2.0 * Wt);
  const MatD e = blk.c.transpose().replicate(m, 1) - 4.0 * blk.alpha * (Wt * maj.A_neg);
  const double lam_eff = W_bar != nullptr ? lam : 0.0;
  W.resize(m, r);
  MatD u = Wt.array().log().matrix();  // warm starts, ln w
  int worst = 0;
  for (Index k = 0; k < r; ++k) {
    auto entry = [&](Index i, double muk) {  // w_i(μ) and dw/dμ
      const double b = Wt(i, k) * blk.R(i, k), ai = a(i, k);
      const double shift = e(i, k) + muk - (lam_eff > 0.0 ? lam_eff * std::log((*W_bar)(i, k)) : 0.0);
      auto psi = [&](double ui) {
        const double ew = std::exp(ui);
        const double val = shift - b / ew + ai * ew + lam_eff * ui;
        return std::pair<double, double>{val, b / ew + ai * ew + lam_eff};
      };
      const double ui = solve_increasing(psi, u(i, k), -kInf, kInf, 1.0, 0.0, 4 * eps).x;
      u(i, k) = ui;
      const double w = std::exp(ui);
      const double dpsi = b / w + ai * w + lam_eff;
      return std::pair<double, double>{w, dpsi > 0.0 ? -w / dpsi : 0.0};
    };
    const double scale = std::max({1.0, blk.c.cwiseAbs().maxCoeff(), e.col(k).cwiseAbs().maxCoeff()});
    const Root root = solve_column(entry, m, mu[k], -kInf, scale, blk.floor, W, k);
    mu[k] = root.x;
    worst = std::max(worst, root.iterations);
  }
  return worst;
}

void minvol_zstep(const MatD& V, const MatD& log_W_bar, double nu, MatD& Z) {
  Z.resize(V.rows(), V.cols());
  const double log_nu = std::log(nu);
  MatD y = nu * V + log_W_bar;
  y.array() += log_nu;
  wright_omega(y.data(), Z.data(), y.size());
  Z /= nu;
}

double minvol_block_objective(const MinvolBlock& blk, const LogdetMajorizer& maj, const CMatRef<double>* W_bar,
                              double lam, const MatD& W) {
  const MatD& Wt = blk.W_tilde;
  double data = 0.0;
  for (Index i = 0; i < W.rows(); ++i)
    for (Index k = 0; k < W.cols(); ++k)
      data += blk.c[k] * W(i, k) - Wt(i, k) * blk.R(i, k) * std::log(W(i, k));
  double coupling = 0.0;
  if (W_bar != nullptr) {
    const Beta kl(1.0);
    for (Index i = 0; i < W.rows(); ++i)
      for (Index k = 0; k < W.cols(); ++k) coupling += beta_divergence_pair(W(i, k), (*W_bar)(i, k), kl);
  }
  double volume = 0.0;
  if (blk.alpha != 0.0) {
    const MatD D = W - Wt;
    const MatD AW = Wt * maj.A;                          // rows: (A w̃_i)ᵀ
    const MatD phi = 2.0 * (Wt * (maj.A_pos + maj.A_neg)).cwiseQuotient(Wt);  // Φ_i diagonals
    volume = 2.0 * D.cwiseProduct(AW).sum() + 0.5 * D.cwiseProduct(D).cwiseProduct(phi).sum();
  }
  return data + lam * coupling + blk.alpha * volume;
}

namespace {

template <class T, class Pass>
AdmmReport minvol_w_with(Pass&& pass, MatRef<T> W, const CMatRef<double>* W_bar,
                         const MinvolWOptions& options) {
  const double alpha = options.alpha, lam = options.lam, rho = options.rho, tol = options.tol;
  const int max_iter = options.max_iter;
  const bool adaptive_rho = options.adaptive_rho, exact = options.exact;
  const double delta = options.delta;
  require(std::isfinite(alpha) && alpha >= 0.0, "alpha must be a nonnegative finite number");
  require(all_positive(W), "minvol_w: W must be positive (floor it at eps)");
  const Index m = W.rows(), r = W.cols();
  // columns of W sum to one: no column can be empty (m = 0 crashed the solve)
  require(m > 0 && r > 0, "minvol_w: W must have at least one row and one column, got " +
                              shape_str(m, r));
  const CMatRef<T> Wc(W);
  const LogdetMajorizer maj = logdet_majorizer<T>(Wc, delta);
  AdmmReport rep;
  VecD mu = VecD::Zero(r);
  MatD Wn;
  if (W_bar == nullptr) {  // last layer: one exact W-step, ρ = 0 (docs/minvol-deep-kl.md, "WL")
    const MinvolBlock blk = minvol_block_with<T>(pass, Wc, maj, alpha, 0.0);
    minvol_wstep(blk, MatD::Zero(m, r), mu, Wn);
    rep.iterations = 1;
    rep.block_decrease = minvol_block_objective(blk, maj, nullptr, 0.0, blk.W_tilde) -
                         minvol_block_objective(blk, maj, nullptr, 0.0, Wn);
  } else {
    require(W_bar->rows() == m && W_bar->cols() == r, "minvol_w: W_bar has the wrong shape");
    require(std::isfinite(lam) && lam > 0.0, "minvol_w: lam must be positive");
    require(std::isfinite(rho) && rho > 0.0, "rho must be a positive finite number");
    require(all_positive(*W_bar), "minvol_w: W_bar must be positive");
    MinvolBlock blk = minvol_block_with<T>(pass, Wc, maj, alpha, exact ? 0.0 : rho);
    if (exact) {  // the exact BSUM step: no ADMM
      rep.iterations = minvol_exact_wstep(blk, maj, W_bar, lam, mu, Wn);
      rep.block_decrease = minvol_block_objective(blk, maj, W_bar, lam, blk.W_tilde) -
                           minvol_block_objective(blk, maj, W_bar, lam, Wn);
      W = Wn.cast<T>();  // entries ≥ T's ε already (solve_column), rounding keeps them so
      return rep;
    }
    const MatD log_W_bar = W_bar->array().log().matrix();
    MatD Z = blk.W_tilde, U = MatD::Zero(m, r), Z_prev;
    Wn = blk.W_tilde;
    for (int it = 1; it <= max_iter; ++it) {
      Z_prev = Z;
      minvol_wstep(blk, Z - U, mu, Wn);            // (24)
      minvol_zstep(Wn + U, log_W_bar, blk.rho / lam, Z);  // (25), ν = ρ/λ
      U += Wn - Z;                                 // (26)
      rep.iterations = it;
      rep.residual = (Wn - Z).norm();
      if (rep.residual <= tol) break;
      if (adaptive_rho) {
        const double dual = blk.rho * (Z - Z_prev).norm();
        if (rep.residual > 10.0 * dual) {
          blk.set_rho(2.0 * blk.rho);
          U *= 0.5;
        } else if (dual > 10.0 * rep.residual) {
          blk.set_rho(0.5 * blk.rho);
          U *= 2.0;
        }
      }
    }
    rep.rho = blk.rho;
    // Inexact BSUM safeguard: the ADMM stops at a tolerance; keep W̃ should its (feasible)
    // iterate not decrease the subproblem (21) objective, so F can never increase.
    rep.block_decrease = minvol_block_objective(blk, maj, W_bar, lam, blk.W_tilde) -
                         minvol_block_objective(blk, maj, W_bar, lam, Wn);
    if (!(rep.block_decrease >= 0.0)) {
      rep.accepted = false;
      return rep;
    }
  }
  W = Wn.cast<T>();  // entries ≥ T's ε already (solve_column), rounding keeps them so
  return rep;
}

}  // namespace

template <class T>
AdmmReport minvol_w(const CMatRef<T>& Y, MatRef<T> W, const CMatRef<T>& H, const CMatRef<double>* W_bar,
                    const MinvolWOptions& options, int n_threads) {
  require_product_shapes(Y, W, H, "minvol_w");
  require_distinct(span_of(W), span_of(Y), "minvol_w", "W", "Y");
  require_distinct(span_of(W), span_of(H), "minvol_w", "W", "H");
  require_product_in_range<T>(W, H, "minvol_w");
  const CMatRef<T> Wc(W);
  const Beta kl(1.0);
  return minvol_w_with<T>(
      [&](auto&& sink) { return w_pass<T>(Y, Wc, H, kl, n_threads, false, sink); }, W, W_bar,
      options);
}

template <class T, class I>
AdmmReport minvol_w_sparse(const Compressed<T, I>& Ycsr, MatRef<T> W, const CMatRef<T>& Ht,
                           const CMatRef<double>* W_bar, const MinvolWOptions& options,
                           int n_threads) {
  require_sparse_product_shapes(Ycsr, true, W, Ht, "minvol_w");
  require_distinct(span_of(W), span_of(Ht), "minvol_w", "W", "H");
  require_distinct_from(span_of(W), Ycsr, "minvol_w", "W");
  require_product_in_range_t<T>(W, Ht, "minvol_w");
  const CMatRef<T> Wc(W);
  return minvol_w_with<T>(
      [&](auto&& sink) { return w_pass_sparse<T, I>(Ycsr, Wc, Ht, n_threads, false, sink); }, W,
      W_bar, options);
}

#define DEEPNMF_INSTANTIATE(T)                                                                   \
  template double logdet_gram<T>(const CMatRef<T>&, double);                                    \
  template LogdetMajorizer logdet_majorizer<T>(const CMatRef<T>&, double);                      \
  template MinvolBlock minvol_block<T>(const CMatRef<T>&, const CMatRef<T>&, const CMatRef<T>&, \
                                       const LogdetMajorizer&, double, double, int);            \
  template AdmmReport minvol_w<T>(const CMatRef<T>&, MatRef<T>, const CMatRef<T>&, const CMatRef<double>*, \
                                  const MinvolWOptions&, int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

#define DEEPNMF_INSTANTIATE_SPARSE(T, I)                                                        \
  template AdmmReport minvol_w_sparse<T, I>(const Compressed<T, I>&, MatRef<T>,                 \
                                            const CMatRef<T>&, const CMatRef<double>*,                     \
                                            const MinvolWOptions&, int);
DEEPNMF_FOR_EACH_SPARSE_TYPE(DEEPNMF_INSTANTIATE_SPARSE)
#undef DEEPNMF_INSTANTIATE_SPARSE

}  // namespace deepnmf
