// Which x86-64 micro-architecture levels this CPU (and OS) can run, checked once at import so
// deepnmf._core loads the fastest core that is safe here. Compiled for the baseline ISA.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> supported_levels() {
  std::vector<std::string> levels;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // x86-64-v3: AVX2 + FMA + BMI1/2 + F16C + MOVBE + LZCNT; v4 adds AVX-512 F/BW/CD/DQ/VL.
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XGETBV).
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                  __builtin_cpu_supports("f16c") && __builtin_cpu_supports("movbe");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
  if (v4) levels.emplace_back("v4");
  if (v3) levels.emplace_back("v3");
  levels.emplace_back("v1");
#endif
  return levels;  // best first; empty on other architectures
}

}  // namespace

PYBIND11_MODULE(_isa, m) {
  m.doc() = "CPU feature check for deepnmf's multi-versioned core";
  m.def("supported_levels", &supported_levels,
        "x86-64 levels this CPU runs, best first (empty list off x86-64).");
}
