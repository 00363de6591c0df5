// The library's reductions in one place: every sum over blocks of a parallel loop is taken in
// block order, so that it depends on the shapes only — never on the thread count or on which
// thread ran which block (core/parallel.hpp hands the blocks out dynamically).
#pragma once

#include <algorithm>
#include <array>
#include <vector>

#include "deepnmf/core/parallel.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// Sum of per-block partial sums, in block order (deterministic).
inline double ordered_sum(const std::vector<double>& parts) {
  double s = 0.0;
  for (double p : parts) s += p;
  return s;
}

/// Matrix sums Σ_b S_k(b), k < n_sums, over the blocks of a pass whose blocks each add a
/// rows×cols product into the sums (Y Hᵀ over column blocks of Y, Wᵀ Y over row blocks): the
/// blocks go into a fixed number of partials — consecutive blocks, in order; at most 64 and at
/// most max_parts (callers bound the partials' memory by it) — which are then added in order.
/// add(block, state, sums) adds block's products into sums[0..n_sums) (rows×cols, zeroed) and
/// returns the block's scalar part (a loss term; 0 if none); state is the thread's workspace,
/// made by make_state(). Fills `out` (n_sums matrices); returns the scalar parts summed in
/// block order.
template <class T, int MaxSums, class MakeState, class AddBlock>
double reduce_block_sums(const Blocking& blocks, Index max_parts, Index rows, Index cols,
                         int n_sums, int n_threads, std::array<Mat<T>, MaxSums>& out,
                         MakeState&& make_state, AddBlock&& add) {
  const Index n_parts =
      std::max<Index>(1, std::min<Index>({blocks.count, Index(64), max_parts}));
  std::vector<std::array<Mat<T>, MaxSums>> parts(static_cast<size_t>(n_parts));
  std::vector<double> scalar(static_cast<size_t>(blocks.count), 0.0);
  parallel_blocks(n_parts, n_threads, make_state, [&](Index part, auto& state) {
    auto& sums = parts[static_cast<size_t>(part)];
    for (int k = 0; k < n_sums; ++k) sums[static_cast<size_t>(k)].setZero(rows, cols);
    const Index b0 = part * blocks.count / n_parts, b1 = (part + 1) * blocks.count / n_parts;
    for (Index blk = b0; blk < b1; ++blk) scalar[static_cast<size_t>(blk)] = add(blk, state, sums);
  });
  for (int k = 0; k < n_sums; ++k) {
    const auto K = static_cast<size_t>(k);
    out[K] = std::move(parts[0][K]);
    for (Index p = 1; p < n_parts; ++p) out[K] += parts[static_cast<size_t>(p)][K];
  }
  return ordered_sum(scalar);
}

}  // namespace deepnmf
