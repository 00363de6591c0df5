// Sparse data (scipy.sparse CSR for row passes, CSC for column passes) for the first layer:
// the KL majorizer needs W H only on the nonzeros of Y — Q = (Y ⊘ WH) Hᵀ or Wᵀ (Y ⊘ WH) costs
// O(nnz·r), and P = 1 Hᵀ or Wᵀ 1 are row / column sums — so an update costs O(nnz·r + (m+n)·r)
// and never forms an m×n array. Same sink interface as passes.hpp's dense passes, so every
// KL update (plain MU, sum-to-one H, coupled W) runs on sparse data unchanged.
//
// The kernels take H as Hᵀ (n×r, row j = column j of H, contiguous): both passes read H one
// column at a time, at the data's column indices. An r×n row-major H would need a transposed
// copy per pass and strided updates, which cost more than the passes' own O(nnz·r) work (perf
// on BM_SparseKlIteration; figures in bench/HISTORY.md); the estimators therefore keep the first
// layer's H in Fortran order for sparse data, whose transpose is this layout without a copy.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "deepnmf/beta/beta.hpp"
#include "deepnmf/beta/passes.hpp"
#include "deepnmf/core/compressed.hpp"
#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/reduce.hpp"
#include "deepnmf/core/simd_rows.hpp"
#include "deepnmf/core/vector_log.hpp"

namespace deepnmf {

/// A partition of the lines (rows of CSR, columns of CSC) into blocks of about equal work, the
/// line's nonzeros times r plus r for its own rows of the factor and the majorizer, about 2^17
/// entries per block (cache-sized, as block_length) and at least 8 blocks when the lines allow.
/// Fixed by the structure alone, so results do not depend on the thread count. On Zipf-shaped
/// data (a few words in most documents) blocks of equal line counts differed in work by an
/// order of magnitude, which blocks of equal line counts cannot balance.
struct LineBlocks {
  std::vector<Index> start;  // block b is lines [start[b], start[b + 1])
  Index count() const { return Index(start.size()) - 1; }
  Index begin(Index b) const { return start[static_cast<size_t>(b)]; }
  Index length(Index b) const { return start[static_cast<size_t>(b) + 1] - begin(b); }
};

template <class T, class I>
LineBlocks balanced_blocks(const Compressed<T, I>& Y, Index r) {
  LineBlocks blocks;
  blocks.start.push_back(0);
  if (Y.outer == 0) return blocks;
  const double line = double(std::max<Index>(1, r));
  const double total = (double(Y.ptr[Y.outer]) + double(Y.outer)) * line;
  const double count = std::max(std::ceil(total / double(Index(1) << 17)),
                                double(std::min<Index>(8, Y.outer)));
  const double per_block = total / count;
  // Block b ends after the first line k whose work so far, (ptr[k+1] + k + 1)·r (ptr is the
  // running nonzero count; exact in double), reaches b·per_block; k only moves forward. A
  // binary search per block instead of a walk over all lines (BM_SparseKlIteration).
  const auto work_below = [&](Index k, double bound) {
    return double(Index(Y.ptr[k + 1]) + k + 1) * line < bound;
  };
  Index first = 0;  // lines before `first` closed earlier blocks
  while (first + 1 < Y.outer) {
    const double bound = per_block * double(blocks.start.size());
    Index lo = first, hi = Y.outer - 1;  // the first k in [first, outer − 1) not below bound
    while (lo < hi) {
      const Index mid = lo + (hi - lo) / 2;
      if (work_below(mid, bound)) lo = mid + 1;
      else hi = mid;
    }
    if (lo == Y.outer - 1) break;
    blocks.start.push_back(lo + 1);
    first = lo + 1;
  }
  blocks.start.push_back(Y.outer);
  return blocks;
}

/// Fetch the r entries of a factor row into cache ahead of use. The W-pass reads the rows of
/// Hᵀ in the order of the data's column indices — no hardware prefetcher follows that, and Hᵀ
/// of a large vocabulary (n·r entries) lives in L3: fetching ahead shortens a sparse KL iteration
/// (BM_SparseKlIteration). The H-pass's rows of W (m·r, 1.1 MB for `classic`) fit L2 only in
/// part: it gains less there.
template <class T>
inline void prefetch_row(const T* row, Index r) {
#if defined(__GNUC__) || defined(__clang__)
  const char* p = reinterpret_cast<const char*>(row);
  for (Index b = 0; b < Index(r * sizeof(T)); b += 64) __builtin_prefetch(p + b);
#else
  (void)row, (void)r;
#endif
}

/// B = Aᵀ in square tiles that stay in cache, tiles in parallel: a plain strided copy touches
/// a new cache line per entry. For factors handed over in the other layout (bindings).
template <class T>
void transpose_into(const CMatRef<T>& A, MatRef<T> B, int n_threads) {
  constexpr Index kTile = 64;
  const Blocking rows(A.rows(), kTile), cols(A.cols(), kTile);
  parallel_for(rows.count * cols.count, n_threads, [&](Index t) {
    const Index i0 = rows.begin(t / cols.count), mb = rows.length(t / cols.count);
    const Index j0 = cols.begin(t % cols.count), nb = cols.length(t % cols.count);
    for (Index i = i0; i < i0 + mb; ++i)
      for (Index j = j0; j < j0 + nb; ++j) B(j, i) = A(i, j);
  });
}

/// Σ_nz [x ln(x/v) − x] over a pass's nonzeros (the part of D_KL(Y, W H) that needs W H on the
/// nonzeros; Σ_all v is added in closed form), from the ratios x/v. The pairs are buffered so
/// the logarithms run vectorized (Eigen), in double. An explicit zero x contributes 0
/// (0·ln 0 = 0). Sums in a fixed order: reproducible.
class SparseKlLoss {
 public:
  void add(double x, double u) {
    x_[n_] = x;
    u_[n_] = x > 0.0 ? u : 1.0;
    if (++n_ == kChunk) flush();
  }
  double total() {
    flush();
    return sum_;
  }

 private:
  static constexpr Index kChunk = 64;
  void flush() {
    log_into(u_, u_, n_);
    const Eigen::Map<const Eigen::ArrayXd> x(x_, n_), log_u(u_, n_);
    sum_ += (x * log_u - x).sum();
    n_ = 0;
  }
  alignas(64) double x_[kChunk];
  alignas(64) double u_[kChunk];
  double sum_ = 0.0;
  Index n_ = 0;
};

/// The sink of a pass run for its loss only (beta_divergence_wh_sparse): the pass then skips
/// forming Q.
struct LossOnly {
  template <class P, class Q>
  void operator()(Index, Index, const P&, const Q&) const {}
};

/// One line of a pass — a row of CSR Y (W-pass) or a column of CSC Y (H-pass): f is the fixed
/// factor row (Wᵢ or column j of H), the nonzeros pick rows of G (Hᵀ or W) by index. Adds
/// Σ_p (x_p / v_p) G_p to q, with v_p = max(f · G_p, floor) (the KL majorizer's Q, docs/deep-beta-updates.md §1).
/// The rows kPrefetchAhead nonzeros ahead are fetched (idx[p] is valid for p < readable: the
/// prefetch runs on into the next lines). Gathering 8 nonzeros' dots before
/// their axpys measured slower than this plain order.
constexpr Index kPrefetchAhead = 6;
template <class T, class I, bool kFormsQ>
inline void kl_line(const T* f, const T* G, Index g_stride, const I* idx, const T* val,
                    Index count, Index readable, Index r, T* q, SparseKlLoss* loss) {
  for (Index p = 0; p < count; ++p) {
    if (p + kPrefetchAhead < readable)  // the data's order defeats the hardware prefetcher
      prefetch_row(G + Index(idx[p + kPrefetchAhead]) * g_stride, r);
    const T* g = G + Index(idx[p]) * g_stride;
    const T v = std::max(dot_r(f, g, r), wh_floor<T>());
    if (loss) loss->add(double(val[p]), double(val[p]) / double(v));
    if constexpr (kFormsQ) axpy_r_padded(val[p] / v, g, q, r);
  }
}

/// The plain KL MU applied inside a pass, line by line (mu_w_sparse, mu_h_sparse): as soon as
/// line k's q is complete, F_k ← max(F_k ⊙ q ⊙ (1/p), ε) with p the repeated row of P — line k
/// is the only reader of F_k, so in place is safe — and no block P or Q is formed (filling and
/// streaming them was a measurable part of a sparse iteration, BM_SparseKlIteration). Same arithmetic as apply_mu on the blocks
/// up to the one division per column.
template <class T>
struct KlMuInPlace {
  MatRef<T> F;  // the factor the pass updates, one row per line: W, or Hᵀ
};
template <class S>
struct is_kl_mu_in_place : std::false_type {};
template <class T>
struct is_kl_mu_in_place<KlMuInPlace<T>> : std::true_type {};

/// A thread's workspace in a pass: a block's P and Q, and one line's q (64-byte aligned,
/// padded_length(r) long: axpy_r_padded). q is written at every nonzero, so it sits alone on
/// its cache lines: two threads' small buffers on one line (neighbours on the heap) made 2
/// threads slower than 1.
template <class T>
struct PassWorkspace {
  Mat<T> P, Q;
  T* line_q(Index r) {
    constexpr Index kLine = 64 / sizeof(T);
    if (q_.size() < static_cast<size_t>(r + 3 * kLine)) q_.assign(static_cast<size_t>(r + 3 * kLine), T(0));
    const auto at = reinterpret_cast<std::uintptr_t>(q_.data() + kLine);
    return reinterpret_cast<T*>((at + 63) / 64 * 64);
  }

 private:
  std::vector<T> q_;
};

/// Both KL passes over the lines of Y (rows of CSR for the W-pass, columns of CSC for the
/// H-pass) — the same computation with the roles swapped: line k has a fixed factor row F_k
/// (Wᵢ, or column j of H as row j of Hᵀ) and its nonzeros gather rows of G (Hᵀ, or W).
/// Q_k = Σ_p (x_p / v_p) G_p, P_k = 1ᵀG on every line. sink(k0, nk, P, Q) gets each block's
/// nk×r P and Q, or the update runs line by line (KlMuInPlace). Returns D_KL(Y, W H) when
/// want_loss: Σ_nz [x ln(x/v) − x] + Σ_all v, Σ_all v = (1ᵀF)(1ᵀG)ᵀ, taken before F moves.
template <class T, class I, class Sink>
double kl_pass_sparse(const Compressed<T, I>& Y, const CMatRef<T>& F, const CMatRef<T>& G,
                      int n_threads, bool want_loss, Sink&& sink) {
  using S = std::decay_t<Sink>;
  constexpr bool kFormsQ = !std::is_same_v<S, LossOnly>;
  constexpr bool kInPlace = is_kl_mu_in_place<S>::value;
  const Index r = F.cols(), nnz = Y.ptr[Y.outer];
  const Eigen::Matrix<T, 1, Eigen::Dynamic> p = column_sums<T>(G).transpose();
  const Eigen::Array<T, 1, Eigen::Dynamic> inv_p =
      p.array().max(std::numeric_limits<T>::min()).inverse();
  const double total_v = want_loss ? double(column_sums<T>(F).dot(p.transpose())) : 0.0;
  const LineBlocks blocks = balanced_blocks(Y, r);
  std::vector<double> loss(static_cast<size_t>(blocks.count()), 0.0);
  parallel_blocks(
      blocks.count(), n_threads, [] { return PassWorkspace<T>(); },
      [&](Index blk, PassWorkspace<T>& ws) {
        const Index k0 = blocks.begin(blk), nk = blocks.length(blk);
        T* q = nullptr;  // where line k's Q row accumulates
        if constexpr (kFormsQ) q = ws.line_q(r);
        if constexpr (kFormsQ && !kInPlace) ws.Q.resize(nk, r);
        SparseKlLoss part;
        for (Index k = k0; k < k0 + nk; ++k) {
          const Index p0 = Y.ptr[k], count = Index(Y.ptr[k + 1]) - p0;
          if constexpr (kFormsQ) std::fill(q, q + padded_length<T>(r), T(0));
          kl_line<T, I, kFormsQ>(row_ptr(F, k), G.data(), G.outerStride(), Y.idx + p0,
                                            Y.val + p0, count, nnz - p0, r, q,
                                            want_loss ? &part : nullptr);
          if constexpr (kFormsQ && !kInPlace) std::copy(q, q + r, ws.Q.row(k - k0).data());
          if constexpr (kInPlace) {
            Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>> f(row_ptr(sink.F, k), r);
            f = (f * (Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>>(q, r) * inv_p))
                    .max(floor_eps<T>());
          }
        }
        loss[static_cast<size_t>(blk)] = want_loss ? part.total() : 0.0;
        if constexpr (!kInPlace && kFormsQ) {
          ws.P = p.colwise().replicate(nk);  // (not .replicate(nk, 1): a modulo per entry)
          sink(k0, nk, ws.P, ws.Q);
        }
      });
  return want_loss ? ordered_sum(loss) + total_v : 0.0;
}

/// KL W-type pass on CSR Y (m×n) with Ht = Hᵀ (n×r): sink(i0, mb, P, Q) with the mb×r blocks
/// Q = (Y ⊘ WH) Hᵀ, P = 1 Hᵀ (or KlMuInPlace{W}). Returns D_KL(Y, W H) when want_loss. The rows
/// of Hᵀ it gathers (n·r entries) live in L3 for a large vocabulary: prefetched.
template <class T, class I, class Sink>
double w_pass_sparse(const Compressed<T, I>& Y, const CMatRef<T>& W, const CMatRef<T>& Ht,
                     int n_threads, bool want_loss, Sink&& sink) {
  return kl_pass_sparse<T, I>(Y, W, Ht, n_threads, want_loss, std::forward<Sink>(sink));
}

/// KL H-type pass on CSC Y (m×n as n columns) with Ht = Hᵀ (n×r): sink(j0, nb, P, Q) with
/// the blocks of Hᵀ's majorizer, nb×r: Q = (Wᵀ (Y ⊘ WH))ᵀ, P = (Wᵀ 1)ᵀ on every row (or
/// KlMuInPlace{Hᵀ}). Returns D_KL(Y, W H) when want_loss. The rows of W it gathers: prefetched.
template <class T, class I, class Sink>
double h_pass_sparse(const Compressed<T, I>& Yc, const CMatRef<T>& W, const CMatRef<T>& Ht,
                     int n_threads, bool want_loss, Sink&& sink) {
  return kl_pass_sparse<T, I>(Yc, Ht, W, n_threads, want_loss, std::forward<Sink>(sink));
}

}  // namespace deepnmf
