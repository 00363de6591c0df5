// Streaming passes that compute the majorizer matrices of Dβ(Y, W H) block by block, without
// ever forming the m×n product (docs/deep-beta-updates.md §1):
//   H-type (columns of Y are separable):  P = Wᵀ V^(β−1),  Q = Wᵀ (Y ⊙ V^(β−2))
//   W-type (rows of Y are separable):     P = V^(β−1) Hᵀ,  Q = (Y ⊙ V^(β−2)) Hᵀ
// with V = W H evaluated one block of columns (rows) at a time, so the workspace per thread is
// one cache-sized slab. Each block hands its P, Q to a `sink` that applies the update to the
// factor's matching columns (rows) in place — other blocks never read them, so in-place is safe.
// The blocks are fixed by the shapes alone, so the result does not depend on the thread count.
#pragma once

#include <array>
#include <vector>

#include "deepnmf/beta/elementwise.hpp"
#include "deepnmf/beta/weights.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/reduce.hpp"
#include "deepnmf/core/width_dispatch.hpp"

namespace deepnmf {

/// Columns k0 .. k0 + K − 1 of A summed over the rows in order, the K sums in registers.
template <int K, class T>
void sum_columns(const CMatRef<T>& A, Index k0, T* s) {
  T acc[K] = {};
  for (Index i = 0; i < A.rows(); ++i) {
    const T* a = row_ptr(A, i) + k0;
    for (int l = 0; l < K; ++l) acc[l] += a[l];
  }
  std::copy(acc, acc + K, s + k0);
}

/// Column sums of a row-major matrix, each summed over the rows in order (reproducible): up to
/// 32 columns in registers in one sweep over the rows, so tall, narrow factors (Hᵀ of a large
/// vocabulary) do not pay a store and reload of the sums per row, nor one sweep per 8 columns,
/// whose sums are each a dependency chain as long as A (BM_SparseKlIteration at r = 20).
template <class T>
Vec<T> column_sums(const CMatRef<T>& A) {
  constexpr int kSweep = 32;
  const Index c = A.cols();
  Vec<T> s(c);
  Index k0 = 0;
  for (; k0 + kSweep <= c; k0 += kSweep) sum_columns<kSweep>(A, k0, s.data());
  if (k0 < c)
    with_width<kSweep>(c - k0, [&](auto k) { sum_columns<decltype(k)::value>(A, k0, s.data()); });
  return s;
}

/// Row sums, each through ordered_chunk_sum (reproducible whatever the alignment).
template <class T>
Vec<T> row_sums(const CMatRef<T>& A) {
  Vec<T> s(A.rows());
  for (Index i = 0; i < A.rows(); ++i) {
    const T* a = A.data() + i * A.outerStride();
    double total = 0.0;
    alignas(64) T buf[256];
    for (Index j0 = 0; j0 < A.cols(); j0 += 256) {
      const Index c = std::min<Index>(256, A.cols() - j0);
      std::copy(a + j0, a + j0 + c, buf);
      total += detail::ordered_chunk_sum(buf, c);
    }
    s[i] = static_cast<T>(total);
  }
  return s;
}

template <class T>
struct SlabWorkspace {
  Mat<T> V, A, P, Q;
  Mat<T> Yw, Vw;  // the weighted loss's copies of one row group (weights.hpp)
};

/// Whether a pass needs A: β ≠ 1, or weights (β = 1: A = Ω, the P products WᵀΩ, ΩHᵀ).
template <class Wt>
bool pass_needs_A(const Beta& b) { return needs_A(b) || Wt::active; }

/// The step shared by the passes, on the block of Y at rows [i0, i0+mb), columns [j0, j0+nb):
/// ws.V ← B = Y ⊙ V^(β−2) and ws.A ← A = V^(β−1) (when needed), with V = W H on the block;
/// with weights Ω (weights.hpp), B = Ω ⊙ Y ⊙ V^(β−2) and A = Ω ⊙ V^(β−1) (M2).
/// Returns Σ dβ(Y | V) (weighted: Σ Ω dβ) over the block when want_loss (else 0). Rows go in
/// groups of about one loss chunk, so short rows share the loss kernel's fixed cost and a
/// group is still in L1 for the majorizer.
template <class T, class Wt = NoWeights>
double block_slab(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, const Beta& b,
                  Index i0, Index mb, Index j0, Index nb, bool want_loss, SlabWorkspace<T>& ws,
                  const Wt& wt = Wt()) {
  const bool use_A = pass_needs_A<Wt>(b);
  ws.V.resize(mb, nb);
  ws.V.noalias() = W.middleRows(i0, mb) * H.middleCols(j0, nb);
  if (use_A) ws.A.resize(mb, nb);
  double part = 0.0;
  const Index group = std::max<Index>(1, kLossChunk / std::max<Index>(1, nb));
  if constexpr (Wt::active) {
    if (want_loss) {
      ws.Yw.resize(std::min(group, mb), nb);
      ws.Vw.resize(std::min(group, mb), nb);
    }
  }
  for (Index g0 = 0; g0 < mb; g0 += group) {
    const Index g1 = std::min(mb, g0 + group);
    if constexpr (Wt::active) {
      if (want_loss)
        part += weighted_divergence_rows(row_ptr(Y, i0 + g0) + j0, Y.outerStride(),
                                         ws.V.row(g0).data(), nb,
                                         row_ptr(wt.M, i0 + g0) + j0, wt.M.outerStride(),
                                         g1 - g0, nb, b, ws.Yw.data(), ws.Vw.data());
    } else if (want_loss) {
      part += divergence_rows(row_ptr(Y, i0 + g0) + j0, Y.outerStride(), ws.V.row(g0).data(), nb,
                              g1 - g0, nb, b);
    }
    for (Index i = g0; i < g1; ++i) {
      majorizer_row(row_ptr(Y, i0 + i) + j0, ws.V.row(i).data(),
                    use_A ? ws.A.row(i).data() : nullptr, nb, b);
      if constexpr (Wt::active)
        weigh_majorizer_row(row_ptr(wt.M, i0 + i) + j0, ws.V.row(i).data(), ws.A.row(i).data(),
                            nb, !needs_A(b));
    }
  }
  return part;
}

/// The reduction of the passes that sum over Y's long dimension (h_pass_by_rows,
/// w_pass_by_cols), core/reduce.hpp's block sums: add(blk, ws, Ps, Qs) runs block blk and adds
/// its products to the partials Qs and *Ps (Ps null when needs_A is false), returning the
/// block's loss. Fills Q (and P when use_A); returns the blocks' losses summed in order.
template <class T, class AddBlock>
double reduce_blocks(const Blocking& blocks, Index max_parts, Index rows, Index cols, bool use_A,
                     int n_threads, Mat<T>& P, Mat<T>& Q, AddBlock&& add) {
  std::array<Mat<T>, 2> sums;  // Q, then P
  const double loss = reduce_block_sums<T, 2>(
      blocks, max_parts, rows, cols, use_A ? 2 : 1, n_threads, sums,
      [] { return SlabWorkspace<T>(); },
      [&](Index blk, SlabWorkspace<T>& ws, std::array<Mat<T>, 2>& part) {
        return add(blk, ws, use_A ? &part[1] : nullptr, part[0]);
      });
  Q = std::move(sums[0]);
  if (use_A) P = std::move(sums[1]);
  return loss;
}

/// Whether the W-type pass runs over column blocks (w_pass_by_cols): the mirror of
/// h_pass_wants_rows, for wide Y, whose row blocks would pack all of H for each block.
/// Chosen on CBCL (361×2429, r = 80) by calls alternated in one process (figures in
/// bench/HISTORY.md).
inline bool w_pass_wants_cols(Index m, Index n) { return n >= 4 * m; }

/// W-type pass over column blocks of Y, the mirror of h_pass_by_rows: block b adds B_b H_bᵀ to
/// Q (and A_b H_bᵀ to P), m×r partials (reduce_blocks). sink(0, m, P, Q) gets the whole m×r
/// P and Q.
template <class T, class Sink, class Wt = NoWeights>
double w_pass_by_cols(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H,
                      const Beta& b, int n_threads, bool want_loss, Sink&& sink,
                      const Wt& wt = Wt()) {
  const Index m = Y.rows(), n = Y.cols(), r = W.cols();
  const Blocking blocks(n, block_length(m, n));
  Mat<T> P, Q;
  const double loss = reduce_blocks<T>(
      blocks, n / std::max<Index>(1, 2 * r), m, r, pass_needs_A<Wt>(b), n_threads, P, Q,
      [&](Index blk, SlabWorkspace<T>& ws, Mat<T>* Ps, Mat<T>& Qs) {
        const Index j0 = blocks.begin(blk), nb = blocks.length(blk);
        const double part = block_slab(Y, W, H, b, 0, m, j0, nb, want_loss, ws, wt);
        Qs.noalias() += ws.V * H.middleCols(j0, nb).transpose();
        if (Ps) Ps->noalias() += ws.A * H.middleCols(j0, nb).transpose();
        return part;
      });
  if (!pass_needs_A<Wt>(b))
    P = row_sums(H).transpose().colwise().replicate(m);  // β = 1: P = 1 Hᵀ
  sink(Index(0), m, P, Q);
  return want_loss ? loss : 0.0;
}

/// W-type pass; sink(i0, mb, P, Q) gets the mb×r blocks for rows [i0, i0+mb).
template <class T, class Sink, class Wt = NoWeights>
double w_pass(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, const Beta& b,
              int n_threads, bool want_loss, Sink&& sink, const Wt& wt = Wt()) {
  const Index m = Y.rows(), n = Y.cols(), r = W.cols();
  if (w_pass_wants_cols(m, n)) return w_pass_by_cols<T>(Y, W, H, b, n_threads, want_loss, sink, wt);
  const Blocking blocks(m, block_length(n, m));
  const bool use_A = pass_needs_A<Wt>(b);
  Eigen::Matrix<T, 1, Eigen::Dynamic> rowsum_H;
  if (!use_A) rowsum_H = row_sums(H).transpose();  // β = 1: P = 1 Hᵀ
  std::vector<double> loss(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return SlabWorkspace<T>(); },
      [&](Index blk, SlabWorkspace<T>& ws) {
        const Index i0 = blocks.begin(blk), mb = blocks.length(blk);
        loss[static_cast<size_t>(blk)] = block_slab(Y, W, H, b, i0, mb, 0, n, want_loss, ws, wt);
        ws.Q.resize(mb, r);
        ws.Q.noalias() = ws.V * H.transpose();
        ws.P.resize(mb, r);
        if (use_A) ws.P.noalias() = ws.A * H.transpose();
        else ws.P = rowsum_H.colwise().replicate(mb);  // fixed factor 1: no modulo per entry
        sink(i0, mb, ws.P, ws.Q);
      });
  return want_loss ? ordered_sum(loss) : 0.0;
}

/// Whether the H-type pass runs over row blocks (h_pass_by_rows): for tall Y, whose column
/// blocks would be rows of a few cache lines read in strided stripes, with all of W packed for
/// each block and GEMMs of a narrow shape. Chosen on CBCL transposed (layers 1 and 2 of the
/// deep model) by calls alternated in one process (figures in bench/HISTORY.md).
inline bool h_pass_wants_rows(Index m, Index n) { return m >= 4 * n; }

/// H-type pass over row blocks of Y: block b adds W_bᵀ B_b to Q (and W_bᵀ A_b to P) — Y's rows
/// are read whole and each product packs only W's block; r×n partials (reduce_blocks).
/// sink(0, n, P, Q) gets the whole r×n P and Q.
template <class T, class Sink, class Wt = NoWeights>
double h_pass_by_rows(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H,
                      const Beta& b, int n_threads, bool want_loss, Sink&& sink,
                      const Wt& wt = Wt()) {
  const Index m = Y.rows(), n = Y.cols(), r = W.cols();
  const Blocking blocks(m, block_length(n, m));
  Mat<T> P, Q;
  const double loss = reduce_blocks<T>(
      blocks, m / std::max<Index>(1, 2 * r), r, n, pass_needs_A<Wt>(b), n_threads, P, Q,
      [&](Index blk, SlabWorkspace<T>& ws, Mat<T>* Ps, Mat<T>& Qs) {
        const Index i0 = blocks.begin(blk), mb = blocks.length(blk);
        const double part = block_slab(Y, W, H, b, i0, mb, 0, n, want_loss, ws, wt);
        Qs.noalias() += W.middleRows(i0, mb).transpose() * ws.V;
        if (Ps) Ps->noalias() += W.middleRows(i0, mb).transpose() * ws.A;
        return part;
      });
  if (!pass_needs_A<Wt>(b)) P = column_sums(W).rowwise().replicate(n);  // β = 1: P = Wᵀ 1
  sink(Index(0), n, P, Q);
  return want_loss ? loss : 0.0;
}

/// H-type pass; sink(j0, nb, P, Q) gets the r×nb blocks for columns [j0, j0+nb).
/// Returns Σ dβ(Y | W H) at the incoming H when want_loss (else 0).
template <class T, class Sink, class Wt = NoWeights>
double h_pass(const CMatRef<T>& Y, const CMatRef<T>& W, const CMatRef<T>& H, const Beta& b,
              int n_threads, bool want_loss, Sink&& sink, const Wt& wt = Wt()) {
  const Index m = Y.rows(), n = Y.cols(), r = W.cols();
  if (h_pass_wants_rows(m, n)) return h_pass_by_rows<T>(Y, W, H, b, n_threads, want_loss, sink, wt);
  const Blocking blocks(n, block_length(m, n));
  const bool use_A = pass_needs_A<Wt>(b);
  Vec<T> colsum_W;
  if (!use_A) colsum_W = column_sums(W);  // β = 1: P = Wᵀ 1
  std::vector<double> loss(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(
      blocks.count, n_threads, [] { return SlabWorkspace<T>(); },
      [&](Index blk, SlabWorkspace<T>& ws) {
        const Index j0 = blocks.begin(blk), nb = blocks.length(blk);
        loss[static_cast<size_t>(blk)] = block_slab(Y, W, H, b, 0, m, j0, nb, want_loss, ws, wt);
        ws.Q.resize(r, nb);
        ws.Q.noalias() = W.transpose() * ws.V;
        ws.P.resize(r, nb);
        if (use_A) ws.P.noalias() = W.transpose() * ws.A;
        else ws.P = colsum_W.rowwise().replicate(nb);  // fixed factor 1: no modulo per entry
        sink(j0, nb, ws.P, ws.Q);
      });
  return want_loss ? ordered_sum(loss) : 0.0;
}

}  // namespace deepnmf
