// Special functions: the Wright omega function and the principal branch of Lambert W.
#include "deepnmf/special/wright_omega.hpp"
#include "util.hpp"

namespace deepnmf {
namespace {

/// Elementwise special functions over C-contiguous arrays of any shape.
template <class T>
void register_special_t(py::module_& m) {
  using Arr = py::array_t<T, py::array::c_style>;
  m.def(
      "wright_omega",
      [](Arr y) {
        require_aligned_ptr(y.data(), "wright_omega", "y");
        Arr out(std::vector<py::ssize_t>(y.shape(), y.shape() + y.ndim()));
        const T* in = y.data();
        T* o = out.mutable_data();
        const Index n = static_cast<Index>(y.size());
        {
          py::gil_scoped_release nogil;
          wright_omega<T>(in, o, n);
        }
        return out;
      },
      "y"_a.noconvert(), "Wright omega: z with z + log z = y.");
  m.def(
      "lambert_w0",
      [](Arr x) {
        require_aligned_ptr(x.data(), "lambert_w0", "x");
        Arr out(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
        const T* in = x.data();
        T* o = out.mutable_data();
        const Index n = static_cast<Index>(x.size());
        {
          py::gil_scoped_release nogil;
          lambert_w0<T>(in, o, n);
        }
        return out;
      },
      "x"_a.noconvert(), "Principal branch W0 for x >= 0 (NaN elsewhere).");
}

}  // namespace

void register_special(py::module_& m) {
  register_special_t<float>(m);
  register_special_t<double>(m);
}

}  // namespace deepnmf
