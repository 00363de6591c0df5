# The C++ sources of the core: the one list (the wheel's cores, the sanitizer build and
# bench/cpp read it; tests/python/tools/test_layout.py checks it against cpp/src/**/*.cpp).
# Paths are relative to the repository root.
set(DEEPNMF_KERNEL_SOURCES
  cpp/src/core/linalg.cpp
  cpp/src/beta/divergence.cpp
  cpp/src/beta/mu.cpp
  cpp/src/beta/majorizer.cpp
  cpp/src/beta/rowsum.cpp
  cpp/src/beta/coupled_w.cpp
  cpp/src/beta/masked.cpp
  cpp/src/beta/shared_w.cpp
  cpp/src/special/wright_omega.cpp
  cpp/src/minvol/minvol.cpp
  cpp/src/frobenius/products.cpp
  cpp/src/frobenius/hals.cpp
  cpp/src/frobenius/gradient.cpp
  cpp/src/frobenius/als.cpp
  cpp/src/frobenius/orthogonal.cpp
  cpp/src/lsq/nnls.cpp)
set(DEEPNMF_BINDING_SOURCES
  cpp/bindings/module.cpp
  cpp/bindings/register_core.cpp
  cpp/bindings/register_beta.cpp
  cpp/bindings/register_sparse.cpp
  cpp/bindings/register_special.cpp
  cpp/bindings/register_minvol.cpp
  cpp/bindings/register_frobenius.cpp
  cpp/bindings/register_masked.cpp
  cpp/bindings/register_testing.cpp)
