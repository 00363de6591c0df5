// Microbenchmarks of the core's hot kernels, with thread sweeps. Names are parseable:
// BM_<kernel>/<size args>/threads:<n> (Google Benchmark's own threads are not used: the
// kernels run their own OpenMP team of `n_threads`).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "deepnmf/lambert_w.hpp"
#include "deepnmf/mu.hpp"

using namespace deepnmf;

namespace {

template <class T>
Mat<T> uniform(Index r, Index c, T lo, T hi, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  Mat<T> m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(d(g));
  return m;
}

/// Wright omega over y ∈ [−50, 50]: evaluations per second (items/s) on one thread.
void BM_WrightOmega(benchmark::State& st) {
  const Index n = 1 << 16;
  std::vector<double> y(n), w(n);
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> d(-50, 50);
  for (auto& v : y) v = d(g);
  for (auto _ : st) {
    wright_omega(y.data(), w.data(), n);
    benchmark::DoNotOptimize(w.data());
  }
  st.SetItemsProcessed(st.iterations() * n);
}
BENCHMARK(BM_WrightOmega);

/// One KL MU iteration (W then H) on a CBCL-sized problem (m × n, rank r), n_threads = arg 3.
template <class T>
void BM_KlIteration(benchmark::State& st) {
  const Index m = st.range(0), n = st.range(1), r = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  const Mat<T> X = uniform<T>(m, n, T(0.01), T(1), 1);
  Mat<T> W = uniform<T>(m, r, T(0.05), T(0.5), 2), H = uniform<T>(r, n, T(0.05), T(0.5), 3);
  for (auto _ : st) {
    mu_w<T>(X, W, H, 1.0, threads, true);
    mu_h<T>(X, W, H, 1.0, false, threads, false);
    benchmark::DoNotOptimize(W.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(8.0 * m * n * r * st.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
}
BENCHMARK_TEMPLATE(BM_KlIteration, double)->Args({361, 2429, 80, 1})->Args({361, 2429, 80, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_KlIteration, float)->Args({361, 2429, 80, 1})->Args({361, 2429, 80, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
