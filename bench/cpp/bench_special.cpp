// Microbenchmarks of the special functions: Wright ω.
// Names are parseable: BM_<kernel>/<size args>/threads:<n> (Google Benchmark's own threads are
// not used: the kernels run their own OpenMP team of `n_threads`). All families link into one
// binary, deepnmf_bench (bench_main.cpp).
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <vector>

#include "deepnmf/special/wright_omega.hpp"
#include "bench_util.hpp"

using namespace deepnmf;
using deepnmf::bench::fma_peak_gflops;

namespace {

/// Wright omega over y uniform in [lo, hi] (args): evaluations per second (items/s) on one
/// thread; `per_peak` = evaluations per second per GFLOP/s of this core's FMA peak, and
/// `vs_target` = that over the target (150 M/s on a 122 GFLOP/s core), so machines
/// of different FMA rates compare. [−50, 50] is the reference; [0, 50] is the costliest region
/// (one accurate and two polynomial logarithms; one polynomial one above y = 10), [−50, −7]
/// the cheapest (one exponential and a series); [12, 25] is where the deep KL W-update's
/// layer-1 arguments lie on CBCL.
void BM_WrightOmega(benchmark::State& st) {
  const Index n = 1 << 16;
  std::vector<double> y(n), w(n);
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> d(double(st.range(0)), double(st.range(1)));
  for (auto& v : y) v = d(g);
  const double peak = fma_peak_gflops();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    wright_omega(y.data(), w.data(), n);
    benchmark::DoNotOptimize(w.data());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rate = double(st.iterations()) * n / s;
  st.SetItemsProcessed(st.iterations() * n);
  st.counters["peak_GFLOPs"] = peak;
  st.counters["per_peak"] = rate / peak;
  st.counters["vs_target"] = (rate / peak) / (150e6 / 122.0);
}
BENCHMARK(BM_WrightOmega)->Args({-50, 50})->Args({0, 50})->Args({-7, 0})->Args({-50, -7})
    ->Args({12, 25});

}  // namespace
