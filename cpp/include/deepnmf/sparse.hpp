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
  const std::string w(who);
  require(c.outer >= 0 && c.inner >= 0, w + ": negative shape");
  require(Index(c.ptr[0]) == 0 && Index(c.ptr[c.outer]) == nnz,
          w + ": index pointer does not span the stored entries");
  bool monotone = true, in_range = true, nonnegative = true;  // messages only on failure
  for (Index k = 0; k < c.outer; ++k) monotone &= c.ptr[k] <= c.ptr[k + 1];
  for (Index p = 0; p < nnz; ++p) {
    in_range &= c.idx[p] >= 0 && Index(c.idx[p]) < c.inner;
    nonnegative &= c.val[p] >= T(0);
  }
  require(monotone, w + ": index pointer not monotone");
  require(in_range, w + ": index out of range");
  require(nonnegative, w + ": values must be nonnegative and not NaN");
}

/// v = a · b over the rank r, with 8 independent partial sums in a fixed order: the compiler
/// may not reassociate one running sum (no -ffast-math), which made every dot product a chain
/// of r dependent FMAs; this form vectorizes and stays bit-reproducible.
template <class T>
inline T dot_r(const T* a, const T* b, Index r) {
  T s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  Index k = 0;
  for (; k + 8 <= r; k += 8)
    for (int l = 0; l < 8; ++l) s[l] += a[k + l] * b[k + l];
  for (int l = 0; k < r; ++k, ++l) s[l] += a[k] * b[k];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/// Fetch the r entries of a factor row into cache ahead of use. The W-pass reads the rows of
/// Hᵀ in the order of the data's column indices — no hardware prefetcher follows that, and Hᵀ
/// of a large vocabulary (n·r entries) lives in L3: fetching 6 nonzeros ahead cut a sparse
/// KL iteration by ~11 % (BM_SparseKlIteration). The H-pass's rows of W (m·r) stay in L2.
constexpr Index kPrefetchAhead = 6;
template <class T>
inline void prefetch_row(const T* row, Index r) {
#if defined(__GNUC__) || defined(__clang__)
  const char* p = reinterpret_cast<const char*>(row);
  for (Index b = 0; b < Index(r * sizeof(T)); b += 64) __builtin_prefetch(p + b);
#else
  (void)row, (void)r;
#endif
}

/// Hᵀ (n×r, rows contiguous) from H (r×n), in parallel column tiles that stay in cache — a
/// plain strided copy touches a new cache line per entry and cost more than the pass itself.
template <class T>
Mat<T> transpose_tiled(const CMatRef<T>& H, int n_threads) {
  const Index r = H.rows(), n = H.cols();
  Mat<T> Ht(n, r);
  const Blocking tiles(n, 256);
  parallel_for(tiles.count, n_threads, [&](Index t) {
    const Index j0 = tiles.begin(t), nb = tiles.length(t);
    for (Index k = 0; k < r; ++k) {
      const T* h = H.data() + k * H.outerStride() + j0;
      for (Index j = 0; j < nb; ++j) Ht(j0 + j, k) = h[j];
    }
  });
  return Ht;
}

/// KL W-type pass on CSR Y (m×n): sink(i0, mb, P, Q) with Q = (Y ⊘ WH) Hᵀ, P = 1 Hᵀ. Returns
/// D_KL(Y, W H) when want_loss: Σ_nz [x ln(x/v) − x] + Σ_all v, Σ_all v = (1ᵀW)(H1).
template <class T, class I, class Sink>
double w_pass_sparse(const Compressed<T, I>& Y, const CMatRef<T>& W, const CMatRef<T>& H,
                     int n_threads, bool want_loss, Sink&& sink) {
  const Index m = Y.outer, r = W.cols(), nnz = Y.ptr[m];
  const Mat<T> Ht = transpose_tiled<T>(H, n_threads);  // n×r: rows contiguous for the dots
  const Eigen::Matrix<T, 1, Eigen::Dynamic> rowsum_H = row_sums<T>(H).transpose();
  // Σ_all (WH)_ij = (1ᵀW)(H1), taken before the sink updates W in place
  const double total_v = want_loss ? double(column_sums<T>(W).dot(row_sums<T>(H))) : 0.0;
  const Blocking blocks(m, block_length(std::max<Index>(1, Y.ptr[m] / std::max<Index>(1, m)) * r + r, m));
  std::vector<double> loss(static_cast<size_t>(blocks.count), 0.0);
  const Beta kl(1.0);
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
            if (p + kPrefetchAhead < nnz) prefetch_row(Ht.row(Y.idx[p + kPrefetchAhead]).data(), r);
            const T* h = Ht.row(Y.idx[p]).data();
            const T v = std::max(dot_r(w, h, r), wh_floor<T>());
            const T x = Y.val[p];
            const T ratio = x / v;
            for (Index k = 0; k < r; ++k) q[k] += ratio * h[k];
            if (want_loss && x > T(0)) part += beta_divergence_pair(double(x), double(v), kl) - double(v);
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
  const Vec<T> colsum_W = column_sums<T>(W);
  const double total_v = want_loss ? double(colsum_W.dot(row_sums<T>(H))) : 0.0;  // before H moves
  const Blocking blocks(n, block_length(std::max<Index>(1, Yc.ptr[n] / std::max<Index>(1, n)) * r + r, n));
  std::vector<double> loss(static_cast<size_t>(blocks.count), 0.0);
  const Beta kl(1.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return std::pair<Mat<T>, Mat<T>>(); },
      [&](Index blk, std::pair<Mat<T>, Mat<T>>& ws) {
        const Index j0 = blocks.begin(blk), nb = blocks.length(blk);
        Mat<T>& P = ws.first;
        Mat<T>& Q = ws.second;
        Mat<T> Qt = Mat<T>::Zero(nb, r);  // column j of Q as a contiguous row
        // column j of H, gathered once per column: the block's columns of H stay in cache
        // (r × nb entries), so no transposed copy of H is needed
        Vec<T> h_col(r);
        const T* h = h_col.data();
        double part = 0.0;
        for (Index j = 0; j < nb; ++j) {
          for (Index k = 0; k < r; ++k) h_col[k] = H(k, j0 + j);
          T* q = Qt.row(j).data();
          for (Index p = Yc.ptr[j0 + j]; p < Yc.ptr[j0 + j + 1]; ++p) {
            const T* w = W.data() + Index(Yc.idx[p]) * W.outerStride();
            const T v = std::max(dot_r(w, h, r), wh_floor<T>());
            const T x = Yc.val[p];
            const T ratio = x / v;
            for (Index k = 0; k < r; ++k) q[k] += ratio * w[k];
            if (want_loss && x > T(0)) part += beta_divergence_pair(double(x), double(v), kl) - double(v);
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
