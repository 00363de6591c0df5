// HALS (Cichocki, Zdunek & Amari 2007; spec §2.5, F6) with elastic-net terms (§3.2) and the
// accelerated inner loop of Gillis & Glineur 2012 (F7: sweeps until one moves U by at most δ
// times the first).
#include <algorithm>
#include <vector>

#include "block.hpp"
#include "deepnmf/core/reduce.hpp"

namespace deepnmf {

using frobenius_detail::check_block;
using frobenius_detail::row_blocks;

template <class T>
SweepReport hals_update(const CMatRef<double>& G_in, const CMatRef<T>& C, MatRef<T> U, Penalty pen,
                        int max_sweeps, double delta, int n_threads) {
  const Mat<double> G = frobenius_detail::owned(G_in);
  check_block<T>(G, C, U, pen, "hals_update");
  require(max_sweeps >= 1, "hals_update: max_sweeps must be at least 1");
  require(std::isfinite(delta) && delta >= 0, "hals_update: delta must be finite and >= 0");
  const Index N = U.rows(), r = U.cols();
  // the curvature of component k: G_kk + λ₂; 0 means the component is dead (no update)
  // (multiplied by its inverse: a division per coordinate would be the sweep's latency chain)
  Vec<double> inv_hess(r);
  for (Index k = 0; k < r; ++k) {
    const double h = G(k, k) + pen.l2;
    inv_hess[k] = h > 0.0 ? 1.0 / h : 0.0;
  }
  const Blocking blocks = row_blocks(N, r);
  std::vector<double> change(static_cast<size_t>(blocks.count));
  SweepReport rep;
  for (int s = 0; s < max_sweeps; ++s) {
    parallel_blocks(blocks.count, n_threads, [] { return Mat<double>(); },
                    [&](Index b, Mat<double>& grad) {
      const Index i0 = blocks.begin(b), nb = blocks.length(b);
      Mat<double> Ub = U.middleRows(i0, nb).template cast<double>();
      // ∂F/∂u = u G − c + λ₁ + λ₂u of every row of the block (one GEMM), then kept exact
      // through the sweep: a change Δ of u_k moves the row's gradient by Δ (G_k + λ₂e_k)
      grad = Ub * G;
      grad -= C.middleRows(i0, nb).template cast<double>();
      grad.array() += pen.l1;
      if (pen.l2 != 0.0) grad += pen.l2 * Ub;
      double d2 = 0.0;
      // rows in groups of four, their coordinate chains interleaved (each k waits on the
      // previous k's gradient update; four independent rows hide that latency)
      constexpr Index lanes = 4;
      for (Index i = 0; i < nb; i += lanes) {
        const Index nl = std::min(lanes, nb - i);
        for (Index k = 0; k < r; ++k) {
          if (inv_hess[k] == 0.0) continue;
          const double* Gk = G.row(k).data();
          for (Index j = 0; j < nl; ++j) {
            double* u = Ub.row(i + j).data();
            double* g = grad.row(i + j).data();
            // the exact minimizer over u_k ≥ 0 with the other components fixed
            const double delta_k = std::max(u[k] - g[k] * inv_hess[k], 0.0) - u[k];
            if (delta_k == 0.0) continue;
            u[k] += delta_k;
            d2 += delta_k * delta_k;
            for (Index l = 0; l < r; ++l) g[l] += delta_k * Gk[l];
            g[k] += delta_k * pen.l2;
          }
        }
      }
      change[static_cast<size_t>(b)] = d2;
      U.middleRows(i0, nb) = Ub.template cast<T>();
    });
    const double d2 = ordered_sum(change);
    rep.sweeps = s + 1;
    rep.last_change = d2;
    if (s == 0) rep.first_change = d2;
    if (d2 <= delta * delta * rep.first_change) break;  // (F7); also when nothing moved
  }
  return rep;
}

#define DEEPNMF_INSTANTIATE(T)                                                                 \
  template SweepReport hals_update<T>(const CMatRef<double>&, const CMatRef<T>&, MatRef<T>, \
                                      Penalty, int, double, int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
