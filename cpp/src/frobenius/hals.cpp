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
  Vec<double> hess(r);
  for (Index k = 0; k < r; ++k) hess[k] = G(k, k) + pen.l2;
  const Blocking blocks = row_blocks(N, r);
  std::vector<double> change(static_cast<size_t>(blocks.count));
  SweepReport rep;
  for (int s = 0; s < max_sweeps; ++s) {
    parallel_blocks(blocks.count, n_threads, [r] { return Vec<double>(r); },
                    [&](Index b, Vec<double>& u) {
      double d2 = 0.0;
      for (Index i = blocks.begin(b), end = i + blocks.length(b); i < end; ++i) {
        T* ui = row_ptr(U, i);
        const T* ci = C.data() + i * C.outerStride();
        for (Index k = 0; k < r; ++k) u[k] = double(ui[k]);
        for (Index k = 0; k < r; ++k) {
          if (!(hess[k] > 0.0)) continue;
          // ∂F/∂u_k = (G u)_k − c_k + λ₁ + λ₂u_k; the exact minimizer over u_k ≥ 0
          const double grad = G.row(k).dot(u) - double(ci[k]) + pen.l1 + pen.l2 * u[k];
          const double next = std::max(u[k] - grad / hess[k], 0.0);
          d2 += (next - u[k]) * (next - u[k]);
          u[k] = next;
        }
        for (Index k = 0; k < r; ++k) ui[k] = T(u[k]);
      }
      change[static_cast<size_t>(b)] = d2;
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
