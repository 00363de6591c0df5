// The microbenchmark binary: the families' benchmarks (bench_<family>.cpp) register
// themselves; run with --benchmark_filter=<regex> to pick some.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
