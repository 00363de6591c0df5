// C = A B on the library's own threads (row blocks, core/parallel.hpp): the small products of the
// layer loop (W̄ = Wℓ+1 Hℓ+1, features Hℓ⋯H1) follow n_threads like every kernel, instead of
// whatever thread pool NumPy's BLAS was built with.
#pragma once

#include "deepnmf/core/types.hpp"

namespace deepnmf {

template <class T>
void product(const CMatRef<T>& A, const CMatRef<T>& B, MatRef<T> C, int n_threads);

}  // namespace deepnmf
