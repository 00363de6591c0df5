#!/usr/bin/env bash
# Build the core in place for development: one ISA level (default v1; DEV_ISA=v3 for the
# AVX2 kernels), Release, the modules copied into python/deepnmf so that
# `PYTHONPATH=$PWD/python python -m pytest` runs against this tree without `pip install`.
#
#   tools/dev_build.sh            (needs pybind11, cmeel-eigen and ninja in the active Python)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python}
level=${DEV_ISA:-v1}
build=build/dev
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEEPNMF_ISA_LEVELS="$level" \
      -DPython_EXECUTABLE="$(command -v "$py")" \
      -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" 2>&1 | tail -3
rm -f python/deepnmf/_core_*.so python/deepnmf/_isa*.so
cp "$build"/_core_*.so "$build"/_isa*.so "$build"/_build_info.py python/deepnmf/
echo "built $level into python/deepnmf"
