// The gradient solvers of the lecture: projected gradient with the OPL step (F5, §2.2), the
// interior-point gradient of Merritt & Zhang 2005 (steps 1.1–1.7, §2.3), and the projected-
// gradient norm of the stopping rule (Lin 2007). A block of rows is one GEMM with G.
#include <algorithm>
#include <limits>
#include <vector>

#include "block.hpp"
#include "deepnmf/core/reduce.hpp"

namespace deepnmf {

using frobenius_detail::block_gradient;
using frobenius_detail::check_block;
using frobenius_detail::row_blocks;

namespace {

template <class T>
Mat<double> rows_of(const CMatRef<T>& A, Index i0, Index nb) {
  return A.middleRows(i0, nb).template cast<double>();
}

}  // namespace

template <class T>
SweepReport opl_update(const CMatRef<double>& G_in, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                       int steps, int n_threads) {
  const Mat<double> G = frobenius_detail::owned(G_in);
  check_block<T>(G, C, U, pen, "opl_update");
  require(steps >= 1, "opl_update: steps must be at least 1");
  const Index N = U.rows(), r = U.cols();
  // η_k = 1/(rowsum_k(G) + λ₂): D = diag(G e) ⪰ G (G ≥ 0), so the step minimizes a separable
  // majorizer exactly (F5); a zero row sum (a dead component) gets no step
  Vec<double> eta(r);
  for (Index k = 0; k < r; ++k) {
    const double d = G.row(k).sum() + pen.l2;
    eta[k] = d > 0.0 ? 1.0 / d : 0.0;
  }
  const Blocking blocks = row_blocks(N, r);
  std::vector<double> change(static_cast<size_t>(blocks.count));
  parallel_for(blocks.count, n_threads, [&](Index b) {
    const Index i0 = blocks.begin(b), nb = blocks.length(b);
    Mat<double> Ub = rows_of<T>(U, i0, nb);
    const Mat<double> Cb = rows_of<T>(C, i0, nb);
    const Mat<double> U0 = Ub;
    for (int s = 0; s < steps; ++s) {
      const Mat<double> grad = block_gradient(Ub, Cb, G, pen);
      Ub = (Ub - grad * eta.asDiagonal()).cwiseMax(0.0);
    }
    change[static_cast<size_t>(b)] = (Ub - U0).squaredNorm();
    U.middleRows(i0, nb) = Ub.template cast<T>();
  });
  SweepReport rep;
  rep.sweeps = steps;
  rep.first_change = rep.last_change = ordered_sum(change);
  return rep;
}

namespace {

/// Steps 1.1–1.3 of a block: ∇ (1.1), D = U ⊘ (U G + λ₁ + λ₂U) (1.2, the gradient's positive
/// part) and P = −D ⊙ ∇ (1.3).
Mat<double> ipg_direction(const Mat<double>& Ub, const Mat<double>& Cb, const CMatRef<double>& G,
                          Penalty pen, Mat<double>& grad) {
  Mat<double> pos = Ub * G;
  pos.array() += pen.l1;
  if (pen.l2 != 0.0) pos += pen.l2 * Ub;
  grad = pos - Cb;
  Mat<double> P(Ub.rows(), Ub.cols());
  for (Index i = 0; i < Ub.rows(); ++i)
    for (Index k = 0; k < Ub.cols(); ++k) {
      const double d = pos(i, k) > 0.0 ? Ub(i, k) / pos(i, k) : 0.0;
      P(i, k) = -d * grad(i, k);
    }
  return P;
}

/// η′ = max{η : u + ηp ≥ 0} of one row (step 1.5): ∞ when p ≥ 0.
double interior_limit(const double* u, const double* p, Index r) {
  double lim = std::numeric_limits<double>::infinity();
  for (Index k = 0; k < r; ++k)
    if (p[k] < 0.0) lim = std::min(lim, -u[k] / p[k]);
  return lim;
}

}  // namespace

template <class T>
SweepReport ipg_update(const CMatRef<double>& G_in, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                       int steps, IpgOptions opt, int n_threads) {
  const Mat<double> G = frobenius_detail::owned(G_in);
  check_block<T>(G, C, U, pen, "ipg_update");
  require(steps >= 1, "ipg_update: steps must be at least 1");
  require(opt.tau > 0.0 && opt.tau < 1.0, "ipg_update: tau must lie in (0, 1)");
  const Index N = U.rows(), r = U.cols();
  const Blocking blocks = row_blocks(N, r);
  const auto nblk = static_cast<size_t>(blocks.count);
  std::vector<double> change(nblk), num(nblk), den(nblk), lim(nblk);
  SweepReport rep;
  Mat<double> Pall;  // the global step keeps the directions between its two passes
  if (opt.global_step && !opt.unit_step) Pall.resize(N, r);
  for (int s = 0; s < steps; ++s) {
    const bool global = opt.global_step && !opt.unit_step;
    parallel_for(blocks.count, n_threads, [&](Index b) {
      const Index i0 = blocks.begin(b), nb = blocks.length(b);
      Mat<double> Ub = rows_of<T>(U, i0, nb);
      const Mat<double> Cb = rows_of<T>(C, i0, nb);
      Mat<double> grad;
      const Mat<double> P = ipg_direction(Ub, Cb, G, pen, grad);
      const Mat<double> GP = P * G;
      double d2 = 0.0, nsum = 0.0, dsum = 0.0, lmin = std::numeric_limits<double>::infinity();
      for (Index i = 0; i < nb; ++i) {
        // 1.4: η* = −⟨p, ∇⟩ / (⟨p, G p⟩ + λ₂‖p‖²), the exact line minimum (never W P)
        const double pn = -P.row(i).dot(grad.row(i));
        const double pd = P.row(i).dot(GP.row(i)) + pen.l2 * P.row(i).squaredNorm();
        const double li = interior_limit(Ub.row(i).data(), P.row(i).data(), r);
        if (global) {
          nsum += pn, dsum += pd, lmin = std::min(lmin, li);
          continue;
        }
        double eta = 1.0;  // Lee–Seung MU when forced
        if (!opt.unit_step) {
          if (!(pd > 0.0) || !(pn > 0.0)) continue;  // p = 0: this row is converged
          eta = std::min(opt.tau * li, pn / pd);    // 1.5–1.6
        }
        const Vec<double> step = eta * P.row(i).transpose();  // 1.7
        d2 += step.squaredNorm();
        Ub.row(i) += step.transpose();
      }
      if (global) {
        num[static_cast<size_t>(b)] = nsum, den[static_cast<size_t>(b)] = dsum;
        lim[static_cast<size_t>(b)] = lmin;
        Pall.middleRows(i0, nb) = P;
        return;
      }
      change[static_cast<size_t>(b)] = d2;
      U.middleRows(i0, nb) = Ub.cwiseMax(0.0).template cast<T>();
    });
    if (global) {  // the lecture's one η for the whole block
      const double pn = ordered_sum(num), pd = ordered_sum(den);
      const double li = *std::min_element(lim.begin(), lim.end());
      if (!(pd > 0.0) || !(pn > 0.0)) break;
      const double eta = std::min(opt.tau * li, pn / pd);
      parallel_for(blocks.count, n_threads, [&](Index b) {
        const Index i0 = blocks.begin(b), nb = blocks.length(b);
        const Mat<double> step = eta * Pall.middleRows(i0, nb);
        change[static_cast<size_t>(b)] = step.squaredNorm();
        U.middleRows(i0, nb) =
            (rows_of<T>(U, i0, nb) + step).cwiseMax(0.0).template cast<T>();
      });
    }
    const double d2 = ordered_sum(change);
    rep.sweeps = s + 1;
    rep.last_change = d2;
    if (s == 0) rep.first_change = d2;
  }
  return rep;
}

template <class T>
double projected_gradient_sq(const CMatRef<double>& G_in, const CMatRef<T>& C, const CMatRef<T>& U,
                             Penalty pen, int n_threads) {
  const Mat<double> G = frobenius_detail::owned(G_in);
  require(G.rows() == U.cols() && G.cols() == U.cols() && C.rows() == U.rows() &&
              C.cols() == U.cols(),
          "projected_gradient_sq: shapes do not agree: G " + shape_of(G) + ", C " + shape_of(C) +
              ", U " + shape_of(U));
  const Index N = U.rows(), r = U.cols();
  const Blocking blocks = row_blocks(N, r);
  std::vector<double> part(static_cast<size_t>(blocks.count));
  parallel_for(blocks.count, n_threads, [&](Index b) {
    const Index i0 = blocks.begin(b), nb = blocks.length(b);
    const Mat<double> Ub = rows_of<T>(U, i0, nb);
    const Mat<double> grad = block_gradient(Ub, rows_of<T>(C, i0, nb), G, pen);
    double s = 0.0;
    for (Index i = 0; i < nb; ++i)
      for (Index k = 0; k < r; ++k) {
        const double g = Ub(i, k) > 0.0 ? grad(i, k) : std::min(grad(i, k), 0.0);
        s += g * g;
      }
    part[static_cast<size_t>(b)] = s;
  });
  return ordered_sum(part);
}

#define DEEPNMF_INSTANTIATE(T)                                                                  \
  template SweepReport opl_update<T>(const CMatRef<double>&, const CMatRef<T>&, MatRef<T>,     \
                                     Penalty, int, int);                                       \
  template SweepReport ipg_update<T>(const CMatRef<double>&, const CMatRef<T>&, MatRef<T>,     \
                                     Penalty, int, IpgOptions, int);                           \
  template double projected_gradient_sq<T>(const CMatRef<double>&, const CMatRef<T>&,          \
                                           const CMatRef<T>&, Penalty, int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
