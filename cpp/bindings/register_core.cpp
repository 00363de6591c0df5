// The core: OpenMP and build facts, the supported β range, and C = A B on deepnmf's threads.
#include "deepnmf/beta/beta.hpp"
#include "deepnmf/core/parallel.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

template <class T>
void register_product_t(py::module_& m) {
  m.def(
      "product",
      [](CMatRef<T> A, CMatRef<T> B, MatRef<T> C, int n_threads) {
        py::gil_scoped_release nogil;
        product<T>(A, B, C, n_threads);
      },
      "A"_a.noconvert(), "B"_a.noconvert(), "C"_a.noconvert(), "n_threads"_a = 1,
      "C = A B on deepnmf's threads.");
}

}  // namespace

void register_core(py::module_& m) {
  register_product_t<float>(m);
  register_product_t<double>(m);
  m.def("max_threads", &max_threads, "OpenMP's default thread count (1 without OpenMP).");
  m.attr("openmp") = have_openmp();
  m.attr("core_name") = DEEPNMF_STR(DEEPNMF_CORE_NAME);
  m.attr("beta_range") = py::dict(
      "float64"_a = py::make_tuple(SupportedBeta<double>::lo, SupportedBeta<double>::hi),
      "float32"_a = py::make_tuple(SupportedBeta<float>::lo, SupportedBeta<float>::hi));
}

}  // namespace deepnmf
