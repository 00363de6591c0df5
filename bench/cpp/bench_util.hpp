// What the microbenchmarks share: random factors and this core's measured FMA peak.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "deepnmf/core/types.hpp"

namespace deepnmf::bench {

template <class T>
Mat<T> uniform(Index r, Index c, T lo, T hi, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  Mat<T> m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(d(g));
  return m;
}

/// This core's fp64 FMA peak in GFLOP/s, measured once: 16 independent chains of 8-wide FMAs
/// (enough to cover the FMA latency on AVX-512 and AVX2 machines), best of 5.
inline double fma_peak_gflops() {
  static const double peak = [] {
    constexpr int kLanes = 128;
    alignas(64) double acc[kLanes];
    for (int j = 0; j < kLanes; ++j) acc[j] = 1.0 + j * 1e-3;
    const double a = 0.999999, b = 1e-7;
    const long iters = 2000000;
    double best = 0.0;
    for (int trial = 0; trial < 5; ++trial) {
      const auto t0 = std::chrono::steady_clock::now();
      for (long i = 0; i < iters; ++i) {
#pragma omp simd
        for (int j = 0; j < kLanes; ++j) acc[j] = acc[j] * a + b;
      }
      benchmark::DoNotOptimize(acc);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, 2.0 * kLanes * double(iters) / s / 1e9);
    }
    return best;
  }();
  return peak;
}

}  // namespace deepnmf::bench
