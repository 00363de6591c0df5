// Microbenchmarks of the core's hot kernels, with thread sweeps. Names are parseable:
// BM_<kernel>/<size args>/threads:<n> (Google Benchmark's own threads are not used: the
// kernels run their own OpenMP team of `n_threads`).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/special/wright_omega.hpp"
#include "deepnmf/beta/mu.hpp"
#include "deepnmf/core/linalg.hpp"
#include "deepnmf/beta/passes_sparse.hpp"

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

/// This core's fp64 FMA peak in GFLOP/s, measured once: 16 independent chains of 8-wide FMAs
/// (enough to cover the FMA latency on AVX-512 and AVX2 machines), best of 5.
double fma_peak_gflops() {
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

/// A document–term-like matrix shaped like `classic` (7094 × 41681, 224k nonzeros,
/// Zipf-distributed terms) in both CSR and CSC.
struct ClassicLike {
  static constexpr Index m = 7094, n = 41681, nnz_target = 223839;
  std::vector<int> rp, ri, cp, ci;
  std::vector<double> rv, cv;

  ClassicLike() : rp(m + 1, 0), cp(n + 1, 0) {
    std::mt19937_64 g(7);
    // terms by a Zipf law (exponent 1) via the inverse CDF of a continuous approximation
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::vector<int>> rows(m);
    const Index per_row = nnz_target / m;
    for (Index i = 0; i < m; ++i) {
      for (Index k = 0; k < per_row; ++k)
        rows[i].push_back(static_cast<int>(std::min<double>(n - 1, std::pow(double(n), u(g)) - 1.0)));
      std::sort(rows[i].begin(), rows[i].end());
      rows[i].erase(std::unique(rows[i].begin(), rows[i].end()), rows[i].end());
    }
    for (Index i = 0; i < m; ++i) {
      for (int j : rows[i]) ri.push_back(j), rv.push_back(1.0 + double(g() % 5)), ++cp[j + 1];
      rp[i + 1] = static_cast<int>(ri.size());
    }
    for (Index j = 0; j < n; ++j) cp[j + 1] += cp[j];
    ci.resize(ri.size()), cv.resize(ri.size());
    std::vector<int> fill(cp.begin(), cp.end() - 1);
    for (Index i = 0; i < m; ++i)
      for (int p = rp[i]; p < rp[i + 1]; ++p) ci[fill[ri[p]]] = int(i), cv[fill[ri[p]]++] = rv[p];
  }
  Compressed<double, int> csr() const { return {m, n, rp.data(), ri.data(), rv.data()}; }
  Compressed<double, int> csc() const { return {n, m, cp.data(), ci.data(), cv.data()}; }
};

/// One sparse KL MU iteration (W on CSR, then H on CSC) on the `classic`-like matrix, rank
/// r = arg 0, n_threads = arg 1.
void BM_SparseKlIteration(benchmark::State& st) {
  static const ClassicLike X;
  const Index r = st.range(0);
  const int threads = static_cast<int>(st.range(1));
  const auto csr = X.csr(), csc = X.csc();
  // Ht = Hᵀ (n×r): the layout the sparse kernels take (an F-ordered H on the Python side)
  Mat<double> W = uniform<double>(X.m, r, 0.05, 0.5, 2), Ht = uniform<double>(X.n, r, 0.05, 0.5, 3);
  for (auto _ : st) {
    mu_w_sparse<double, int>(csr, W, Ht, 1.0, threads, false);
    mu_h_sparse<double, int>(csc, W, Ht, 1.0, false, threads, false);
    benchmark::DoNotOptimize(W.data());
  }
  st.counters["nnz"] = double(X.ri.size());
}
BENCHMARK(BM_SparseKlIteration)->Args({20, 1})->Args({20, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

/// The H update of deep KL-NMF's first layer on the `classic`-like matrix: MU with rows of H
/// summing to one (arg 2 = 1) or plain (arg 2 = 0), rank r = arg 0, n_threads = arg 1. H
/// starts from rows that sum to one, with most entries at the floor as after a multilayer
/// init (Zipf terms: a topic holds few of them).
void BM_SparseKlH(benchmark::State& st) {
  static const ClassicLike X;
  const Index r = st.range(0);
  const int threads = static_cast<int>(st.range(1));
  const bool row_sums_one = st.range(2) != 0;
  const auto csc = X.csc();
  const Mat<double> W = uniform<double>(X.m, r, 0.05, 0.5, 2);
  Mat<double> Ht = uniform<double>(X.n, r, 0.05, 0.5, 3);
  std::mt19937_64 g(11);
  for (Index j = 0; j < X.n; ++j)
    for (Index k = 0; k < r; ++k)
      if (g() % 10 != 0) Ht(j, k) = floor_eps<double>();  // 90 % at the floor
  Ht.array().rowwise() /= Ht.colwise().sum().array();
  const Mat<double> H0 = Ht;
  for (auto _ : st) {
    st.PauseTiming();
    Ht = H0;  // every repetition from the same H (the update moves it)
    st.ResumeTiming();
    mu_h_sparse<double, int>(csc, W, Ht, 1.0, row_sums_one, threads, false);
    benchmark::DoNotOptimize(Ht.data());
  }
}
BENCHMARK(BM_SparseKlH)
    ->Args({20, 1, 0})->Args({20, 1, 1})->Args({20, 2, 0})->Args({20, 2, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

/// The W update of deep KL-NMF's first layer on the `classic`-like matrix: plain MU (arg 2 =
/// 0) or coupled to W̄ = W2 H2 with λ2/λ1 = 5.7, the ratio of weights='auto' for ranks [20, 10]
/// on `classic` (arg 2 = 1); rank r = arg 0, n_threads = arg 1. H has rows summing to one.
void BM_SparseKlW(benchmark::State& st) {
  static const ClassicLike X;
  const Index r = st.range(0);
  const int threads = static_cast<int>(st.range(1));
  const bool coupled = st.range(2) != 0;
  const auto csr = X.csr();
  Mat<double> Ht = uniform<double>(X.n, r, 0.05, 0.5, 3);
  Ht.array().rowwise() /= Ht.colwise().sum().array();
  const Mat<double> W0 = uniform<double>(X.m, r, 0.05, 0.5, 2);
  const Mat<double> W2 = uniform<double>(X.m, r / 2, 0.05, 0.5, 4);
  Mat<double> H2 = uniform<double>(r / 2, r, 0.05, 0.5, 5);
  H2.array().colwise() /= H2.rowwise().sum().array();
  Mat<double> W_bar = W2 * H2, W = W0;
  for (auto _ : st) {
    st.PauseTiming();
    W = W0;
    st.ResumeTiming();
    if (coupled) coupled_w_sparse<double, int>(csr, W, Ht, W_bar, 5.7, 1.0, threads, false);
    else mu_w_sparse<double, int>(csr, W, Ht, 1.0, threads, false);
    benchmark::DoNotOptimize(W.data());
  }
}
BENCHMARK(BM_SparseKlW)
    ->Args({20, 1, 0})->Args({20, 1, 1})->Args({20, 2, 0})->Args({20, 2, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
