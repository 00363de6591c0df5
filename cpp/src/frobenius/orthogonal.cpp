// The EM-ONMF assignment (spec §4.2): argmax of the cosines, the weight and the residual of
// every row, from the cross product X Hᵀ the caller already formed.
#include "deepnmf/frobenius/orthogonal.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "deepnmf/core/error.hpp"
#include "deepnmf/core/parallel.hpp"

namespace deepnmf {

template <class T>
void onmf_assign(const CMatRef<T>& C, const CVecRef<double>& h_sq, const CVecRef<double>& x_sq,
                 LabelRef labels, VecRef<double> weight, VecRef<double> residual, int n_threads) {
  const Index m = C.rows(), r = C.cols();
  require(r >= 1 && h_sq.size() == r && x_sq.size() == m && labels.size() == m &&
              weight.size() == m && residual.size() == m,
          "onmf_assign: shapes do not agree: C " + shape_of(C) + ", h_sq of " +
              std::to_string(h_sq.size()) + ", x_sq of " + std::to_string(x_sq.size()) +
              ", labels/weight/residual of " + std::to_string(labels.size()) + "/" +
              std::to_string(weight.size()) + "/" + std::to_string(residual.size()));
  for (Index k = 0; k < r; ++k)
    require(std::isfinite(h_sq[k]) && h_sq[k] >= 0,
            "onmf_assign: h_sq must be finite and nonnegative");
  // 1/‖hₖ‖ once; a zero centroid scores −∞ (its cosine is undefined)
  Vec<double> inv_norm(r);
  for (Index k = 0; k < r; ++k) inv_norm[k] = h_sq[k] > 0 ? 1.0 / std::sqrt(h_sq[k]) : 0.0;
  const Blocking blocks(m, block_length(r, m));
  parallel_for(blocks.count, n_threads, [&](Index b) {
    for (Index i = blocks.begin(b), end = i + blocks.length(b); i < end; ++i) {
      const T* c = row_ptr(C, i);
      Index best = -1;
      double best_score = -std::numeric_limits<double>::infinity();
      for (Index k = 0; k < r; ++k) {
        if (h_sq[k] <= 0) continue;
        const double score = static_cast<double>(c[k]) * inv_norm[k];
        if (score > best_score) best_score = score, best = k;
      }
      if (best < 0) {  // every centroid is zero: nothing explains the row
        labels[i] = 0;
        weight[i] = 0.0;
        residual[i] = x_sq[i];
        continue;
      }
      const double cb = static_cast<double>(c[best]);
      labels[i] = best;
      weight[i] = cb / h_sq[best];
      const double explained = cb * weight[i];
      residual[i] = explained < x_sq[i] ? x_sq[i] - explained : 0.0;
    }
  });
}

#define DEEPNMF_INSTANTIATE(T)                                                              \
  template void onmf_assign<T>(const CMatRef<T>&, const CVecRef<double>&,                   \
                               const CVecRef<double>&, LabelRef, VecRef<double>, VecRef<double>, \
                               int);
DEEPNMF_INSTANTIATE(float)
DEEPNMF_INSTANTIATE(double)
#undef DEEPNMF_INSTANTIATE

}  // namespace deepnmf
