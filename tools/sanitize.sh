#!/usr/bin/env bash
# Build the core with AddressSanitizer + UndefinedBehaviorSanitizer (CMake option
# DEEPNMF_SANITIZE) for the baseline ISA and for the widest level this CPU runs (v4 with
# AVX-512, else v3), and run the Python tests through them: all of them on the baseline
# core, the kernel tests (the folder tests/python/kernels) on the wide one (its hand-written vector sweeps and masked row
# tails differ from the baseline's), and the cross-level test on both. Any sanitizer report
# fails the run (UBSan halts on the first error; ASan aborts on the first).
#
#   tools/sanitize.sh [pytest args]       (default: the tests not marked slow)
#
# Needs: cmake, a C++17 compiler with the sanitizer runtimes, and a Python that has numpy,
# scipy, pybind11, cmeel-eigen, pytest, hypothesis, mpmath (e.g. after `pip install ".[test]"`).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/sanitize
stage=$build/stage
start=$(date +%s)
# the widest level this CPU runs, from the kernel's flags (x86-64 Linux)
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
wide=""
if [[ " $flags " == *" avx512f "* && " $flags " == *" avx512bw "* && " $flags " == *" avx512vl "* ]]; then
  wide=v4
elif [[ " $flags " == *" avx2 "* && " $flags " == *" fma "* && " $flags " == *" bmi2 "* ]]; then
  wide=v3
fi
levels="v1${wide:+;$wide}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEEPNMF_SANITIZE=ON \
      -DDEEPNMF_ISA_LEVELS="$levels" -DPython_EXECUTABLE="$(command -v python)" \
      -Dpybind11_DIR="$(python -m pybind11 --cmakedir)" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" > "$build.build.log" 2>&1 || { tail -50 "$build.build.log"; exit 1; }
rm -rf "$stage" && mkdir -p "$stage"
cp -r python/deepnmf "$stage/"
cp "$build"/_core_v1*.so "$build"/_isa*.so "$build"/_build_info.py "$stage/deepnmf/"
if [ -n "$wide" ]; then cp "$build"/_core_"$wide"*.so "$stage/deepnmf/"; fi
built=$(date +%s)
cxx=$(grep -m1 CMAKE_CXX_COMPILER: "$build/CMakeCache.txt" | cut -d= -f2)
export LD_PRELOAD="$($cxx -print-file-name=libasan.so):$($cxx -print-file-name=libubsan.so)"
# Python itself is not leak-clean at exit: leaks are not checked; everything else is.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_init_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONPATH="$PWD/$stage"
export DEEPNMF_ISA=v1
python -c "import deepnmf, sys; assert deepnmf.__file__.startswith('$PWD/$stage'), deepnmf.__file__; print('sanitized core:', deepnmf.build_info())"
if [ $# -gt 0 ]; then
  python -m pytest "$@"
else
  python -m pytest tests/python -q -m "not slow" -p no:cacheprovider
  if [ -n "$wide" ]; then
    export DEEPNMF_ISA=$wide
    python -c "import deepnmf; print('sanitized core:', deepnmf.build_info())"
    python -m pytest -q -m "not slow" -p no:cacheprovider tests/python/kernels
  fi
fi
end=$(date +%s)
echo "sanitizer run (levels $levels): build $((built - start))s, tests $((end - built))s, zero sanitizer reports"
