// The library owns its parallel loops: a fixed partition of the work into blocks (independent of
// the thread count) and per-block partial sums reduced in block order — so the results never
// depend on the thread count or on which thread ran which block. Blocks are handed out one at a
// time (dynamic schedule): on a shared machine a thread preempted by another process delays
// only the block it holds, where a static partition would make the whole team wait for its
// share. Exceptions thrown by a block are captured and rethrown after the region.
#pragma once

#include <algorithm>
#include <exception>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "deepnmf/core/error.hpp"

namespace deepnmf {

/// Number of threads the machine offers (OpenMP's view), 1 without OpenMP.
inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline bool have_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

inline void require_threads(int n_threads) {
  require(n_threads >= 1, "n_threads must be a positive integer (got " +
                              std::to_string(n_threads) + ")");
}

/// Runs body(block, state) for block = 0..n_blocks-1 on n_threads threads, with one `State`
/// per thread made by make_state() inside the thread (its own workspace).
template <class MakeState, class Body>
void parallel_blocks(Index n_blocks, int n_threads, MakeState&& make_state, Body&& body) {
  require_threads(n_threads);
  std::exception_ptr error = nullptr;
  const int team = static_cast<int>(std::max<Index>(1, std::min<Index>(n_threads, n_blocks)));
#ifdef _OPENMP
#pragma omp parallel num_threads(team)
#endif
  {
    try {
      auto state = make_state();
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (Index b = 0; b < n_blocks; ++b) {
        try {
          body(b, state);
        } catch (...) {
#ifdef _OPENMP
#pragma omp critical(deepnmf_error)
#endif
          if (!error) error = std::current_exception();
        }
      }
    } catch (...) {  // e.g. std::bad_alloc from make_state
#ifdef _OPENMP
#pragma omp critical(deepnmf_error)
#endif
      if (!error) error = std::current_exception();
    }
  }
  (void)team;
  if (error) std::rethrow_exception(error);
}

/// Stateless variant.
template <class Body>
void parallel_for(Index n, int n_threads, Body&& body) {
  parallel_blocks(n, n_threads, [] { return 0; }, [&](Index i, int&) { body(i); });
}

/// A fixed partition of [0, n) into blocks of about `block` items (the last may be shorter).
struct Blocking {
  Index n = 0, size = 1, count = 0;
  Blocking(Index n_items, Index block) : n(n_items), size(std::max<Index>(1, block)) {
    count = (n + size - 1) / size;
  }
  Index begin(Index b) const { return b * size; }
  Index length(Index b) const { return std::min(size, n - b * size); }
};

/// Block length for streaming an (other × n) slice through cache: blocks of about `target`
/// entries (2^17 doubles = 1 MiB, one L2, measured best on CBCL), at least `min_blocks` of them
/// when n allows (load balance on a few threads), equal lengths rounded up to a multiple of 8.
/// Depends on the shapes only, never on the thread count (reproducibility).
inline Index block_length(Index other, Index n, Index target = Index(1) << 17,
                          Index min_blocks = 8) {
  n = std::max<Index>(1, n);
  Index count = (other * n + target - 1) / std::max<Index>(1, target);
  count = std::max(count, std::min(min_blocks, n / 8));
  count = std::max<Index>(1, count);
  Index b = (n + count - 1) / count;
  b = ((b + 7) / 8) * 8;
  return std::min(b, n);
}

}  // namespace deepnmf
