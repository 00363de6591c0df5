// Sparse data (scipy.sparse CSR for row passes, CSC for column passes) for the first layer:
// the KL majorizer needs W H only on the nonzeros of Y — Q = (Y ⊘ WH) Hᵀ or Wᵀ (Y ⊘ WH) costs
// O(nnz·r), and P = 1 Hᵀ or Wᵀ 1 are row / column sums — so an update costs O(nnz·r + (m+n)·r)
// and never forms an m×n array. Same sink interface as majorizer.hpp's dense passes, so every
// KL update (plain MU, sum-to-one H, coupled W) runs on sparse data unchanged.
#pragma once

#include <cmath>
#include <vector>

#include "deepnmf/beta.hpp"
#include "deepnmf/majorizer.hpp"
#include "deepnmf/parallel.hpp"

namespace deepnmf {

/// Compressed sparse rows (or columns, with rows/cols swapped): outer index ptr[k]..ptr[k+1]
/// into idx (inner indices, sorted, no duplicates) and val (positive values).
template <class T, class I>
struct Compressed {
  Index outer = 0, inner = 0;
  const I* ptr = nullptr;
  const I* idx = nullptr;
  const T* val = nullptr;
};

/// Checks the structure once per call (the kernels index with it): sizes, monotone ptr,
/// inner indices in range; values nonnegative and not NaN.
template <class T, class I>
void check_compressed(const Compressed<T, I>& c, Index nnz, const char* who) {
  require(c.outer >= 0 && c.inner >= 0, std::string(who) + ": negative shape");
  require(Index(c.ptr[0]) == 0 && Index(c.ptr[c.outer]) == nnz,
          std::string(who) + ": index pointer does not span the stored entries");
  for (Index k = 0; k < c.outer; ++k)
    require(c.ptr[k] <= c.ptr[k + 1], std::string(who) + ": index pointer not monotone");
  for (Index p = 0; p < nnz; ++p) {
    require(c.idx[p] >= 0 && Index(c.idx[p]) < c.inner, std::string(who) + ": index out of range");
    require(c.val[p] >= T(0), std::string(who) + ": values must be nonnegative and not NaN");
  }
}

/// Σ over the stored entries of d_KL(x | v) − v, and the dot products v = W_i · Ht_j.
template <class T>
inline T dot_r(const T* a, const T* b, Index r) {
  T s = 0;
  for (Index k = 0; k < r; ++k) s += a[k] * b[k];
  return s;
}

/// KL W-type pass on CSR Y (m×n): sink(i0, mb, P, Q) with Q = (Y ⊘ WH) Hᵀ, P = 1 Hᵀ. Returns
/// D_KL(Y, W H) when want_loss: Σ_nz [x ln(x/v) − x] + Σ_all v, Σ_all v = (1ᵀW)(H1).
template <class T, class I, class Sink>
double w_pass_sparse(const Compressed<T, I>& Y, const CMatRef<T>& W, const CMatRef<T>& H,
                     int n_threads, bool want_loss, Sink&& sink) {
  const Index m = Y.outer, r = W.cols();
  const Mat<T> Ht = H.transpose();  // n×r: rows contiguous for the dot products
  const Eigen::Matrix<T, 1, Eigen::Dynamic> rowsum_H = row_sums<T>(H).transpose();
  // Σ_all (WH)_ij = (1ᵀW)(H1), taken before the sink updates W in place
  const double total_v = want_loss ? double(column_sums<T>(W).dot(row_sums<T>(H))) : 0.0;
  const Blocking blocks(m, block_length(std::max<Index>(1, Y.ptr[m] / std::max<Index>(1, m)) * r + r, m));
  std::vector<double> loss(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return std::pair<Mat<T>, Mat<T>>(); },
      [&](Index blk, std::pair<Mat<T>, Mat<T>>& ws) {
        const Index i0 = blocks.begin(blk), mb = blocks.length(blk);
        Mat<T>& P = ws.first;
        Mat<T>& Q = ws.second;
        Q.setZero(mb, r);
        P = rowsum_H.replicate(mb, 1);
        double part = 0.0;
        for (Index i = 0; i < mb; ++i) {
          const T* w = W.data() + (i0 + i) * W.outerStride();
          T* q = Q.row(i).data();
          for (Index p = Y.ptr[i0 + i]; p < Y.ptr[i0 + i + 1]; ++p) {
            const T* h = Ht.row(Y.idx[p]).data();
            const T v = std::max(dot_r(w, h, r), wh_floor<T>());
            const T x = Y.val[p];
            const T ratio = x / v;
            for (Index k = 0; k < r; ++k) q[k] += ratio * h[k];
            if (want_loss && x > T(0)) part += beta_divergence_pair(double(x), double(v), Beta(1.0)) - double(v);
          }
        }
        loss[static_cast<size_t>(blk)] = part;
        sink(i0, mb, P, Q);
      });
  return want_loss ? ordered_sum(loss) + total_v : 0.0;
}

/// KL H-type pass on CSC Y (m×n as n columns): sink(j0, nb, P, Q), Q = Wᵀ (Y ⊘ WH), P = Wᵀ 1.
template <class T, class I, class Sink>
double h_pass_sparse(const Compressed<T, I>& Yc, const CMatRef<T>& W, const CMatRef<T>& H,
                     int n_threads, bool want_loss, Sink&& sink) {
  const Index n = Yc.outer, r = W.cols();
  const Mat<T> Ht = H.transpose();
  const Vec<T> colsum_W = column_sums<T>(W);
  const double total_v = want_loss ? double(colsum_W.dot(row_sums<T>(H))) : 0.0;  // before H moves
  const Blocking blocks(n, block_length(std::max<Index>(1, Yc.ptr[n] / std::max<Index>(1, n)) * r + r, n));
  std::vector<double> loss(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return std::pair<Mat<T>, Mat<T>>(); },
      [&](Index blk, std::pair<Mat<T>, Mat<T>>& ws) {
        const Index j0 = blocks.begin(blk), nb = blocks.length(blk);
        Mat<T>& P = ws.first;
        Mat<T>& Q = ws.second;
        Mat<T> Qt = Mat<T>::Zero(nb, r);  // column j of Q as a contiguous row
        double part = 0.0;
        for (Index j = 0; j < nb; ++j) {
          const T* h = Ht.row(j0 + j).data();
          T* q = Qt.row(j).data();
          for (Index p = Yc.ptr[j0 + j]; p < Yc.ptr[j0 + j + 1]; ++p) {
            const T* w = W.data() + Index(Yc.idx[p]) * W.outerStride();
            const T v = std::max(dot_r(w, h, r), wh_floor<T>());
            const T x = Yc.val[p];
            const T ratio = x / v;
            for (Index k = 0; k < r; ++k) q[k] += ratio * w[k];
            if (want_loss && x > T(0)) part += beta_divergence_pair(double(x), double(v), Beta(1.0)) - double(v);
          }
        }
        loss[static_cast<size_t>(blk)] = part;
        Q = Qt.transpose();
        P = colsum_W.replicate(1, nb);
        sink(j0, nb, P, Q);
      });
  return want_loss ? ordered_sum(loss) + total_v : 0.0;
}

}  // namespace deepnmf
