#!/usr/bin/env bash
# Build the core with AddressSanitizer + UndefinedBehaviorSanitizer (CMake option
# DEEPNMF_SANITIZE, baseline ISA only) and run the Python tests through it. Any sanitizer
# report fails the run (UBSan halts on the first error; ASan aborts on the first).
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
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEEPNMF_SANITIZE=ON \
      -DDEEPNMF_ISA_LEVELS=v1 -DPython_EXECUTABLE="$(command -v python)" \
      -Dpybind11_DIR="$(python -m pybind11 --cmakedir)" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" > "$build.build.log" 2>&1 || { tail -50 "$build.build.log"; exit 1; }
rm -rf "$stage" && mkdir -p "$stage"
cp -r python/deepnmf "$stage/"
cp "$build"/_core_v1*.so "$build"/_isa*.so "$build"/_build_info.py "$stage/deepnmf/"
built=$(date +%s)
cxx=$(grep -m1 CMAKE_CXX_COMPILER: "$build/CMakeCache.txt" | cut -d= -f2)
export LD_PRELOAD="$($cxx -print-file-name=libasan.so):$($cxx -print-file-name=libubsan.so)"
# Python itself is not leak-clean at exit: leaks are not checked; everything else is.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_init_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONPATH="$PWD/$stage"
export DEEPNMF_ISA=v1
python -c "import deepnmf, sys; assert deepnmf.__file__.startswith('$PWD/$stage'), deepnmf.__file__; print('sanitized core:', deepnmf.build_info())"
if [ $# -eq 0 ]; then set -- tests/python -q -m "not slow" -p no:cacheprovider; fi
python -m pytest "$@"
end=$(date +%s)
echo "sanitizer run: build $((built - start))s, tests $((end - built))s, zero sanitizer reports"
