// Microbenchmarks of the β family on sparse data (a `classic`-like corpus).
// Names are parseable: BM_<kernel>/<size args>/threads:<n> (Google Benchmark's own threads are
// not used: the kernels run their own OpenMP team of `n_threads`). All families link into one
// binary, deepnmf_bench (bench_main.cpp).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "deepnmf/beta/coupled_w.hpp"
#include "deepnmf/beta/mu.hpp"
#include "deepnmf/beta/passes_sparse.hpp"
#include "bench_util.hpp"

using namespace deepnmf;
using deepnmf::bench::uniform;

namespace {

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
