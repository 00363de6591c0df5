// Microbenchmarks of the β family on dense data: the KL iteration, the deep KL outer iteration.
// Names are parseable: BM_<kernel>/<size args>/threads:<n> (Google Benchmark's own threads are
// not used: the kernels run their own OpenMP team of `n_threads`). All families link into one
// binary, deepnmf_bench (bench_main.cpp).
#include <benchmark/benchmark.h>

#include <vector>

#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/beta/mu.hpp"
#include "deepnmf/core/linalg.hpp"
#include "bench_util.hpp"

using namespace deepnmf;
using deepnmf::bench::uniform;

namespace {

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

/// One outer iteration of deep KL-NMF (paper Algorithm 1) without the Python loop: for each
/// layer ℓ, Hℓ by MU with the row-sum multiplier, then Wℓ coupled to W̄ = Wℓ+1 Hℓ+1 (plain MU
/// for the last layer) — the block updates DeepNMF._sweep calls, on CBCL-transposed shapes
/// (2429 × 361, ranks [80, 40, 20]), no loss evaluated (DeepNMF with a large loss_every).
/// n_threads = arg 0. `GFLOP/s` counts the products' flops: 8·m·r·c per layer of c columns
/// plus 2·m·rℓ+1·rℓ per W̄.
void BM_DeepKlIteration(benchmark::State& st) {
  const int threads = static_cast<int>(st.range(0));
  const Index m = 2429, n = 361;
  const std::vector<Index> ranks = {80, 40, 20};
  const Mat<double> X = uniform<double>(m, n, 0.01, 1.0, 1);
  std::vector<Mat<double>> W, H;
  Index cols = n;
  for (size_t l = 0; l < ranks.size(); ++l) {
    W.push_back(uniform<double>(m, ranks[l], 0.05, 0.5, 10 + unsigned(l)));
    Mat<double> h = uniform<double>(ranks[l], cols, 0.05, 0.5, 20 + unsigned(l));
    H.push_back((h.array().colwise() / h.rowwise().sum().array()).matrix());  // rows sum to 1
    cols = ranks[l];
  }
  // λℓ with the ratios of DeepNMF's weights='auto' on CBCL (λ2/λ1 ≈ 0.05, λ3/λ2 ≈ 0.72): the
  // coupled W-updates then see the arguments of ω a real fit gives (layer 1: y ≈ 12 … 25, all
  // in one region; layer 2: y ≈ −8 … 6, mixed)
  const std::vector<double> lam = {1.0, 0.05, 0.036};
  double flops = 0.0;
  cols = n;
  for (size_t l = 0; l < ranks.size(); ++l) {
    flops += 8.0 * double(m) * double(ranks[l]) * double(cols);
    if (l + 1 < ranks.size()) flops += 2.0 * double(m) * double(ranks[l + 1]) * double(ranks[l]);
    cols = ranks[l];
  }
  std::vector<Mat<double>> W_bar(ranks.size() - 1);
  for (size_t l = 0; l + 1 < ranks.size(); ++l) W_bar[l].resize(m, ranks[l]);
  for (auto _ : st) {
    for (size_t l = 0; l < ranks.size(); ++l) {
      const Mat<double>& Y = l == 0 ? X : W[l - 1];
      mu_h<double>(Y, W[l], H[l], 1.0, true, threads, false);
      if (l + 1 < ranks.size()) {
        product<double>(W[l + 1], H[l + 1], W_bar[l], threads);
        coupled_w<double>(Y, W[l], H[l], W_bar[l], lam[l + 1] / lam[l], 1.0, threads, false);
      } else {
        mu_w<double>(Y, W[l], H[l], 1.0, threads, false);
      }
    }
    benchmark::DoNotOptimize(W[0].data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(flops * double(st.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DeepKlIteration)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
