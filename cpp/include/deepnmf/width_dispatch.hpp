// A run-time width of 1 … 8 (rows or columns handled side by side) turned into a compile-time
// constant, so that the kernel keeps its accumulators in registers and unrolls over them.
#pragma once

#include <type_traits>

#include "deepnmf/types.hpp"

namespace deepnmf {

template <int K>
using Width = std::integral_constant<int, K>;

/// Calls f(Width<w>{}) for 1 ≤ w ≤ 8 (w outside that range: f(Width<1>{})). The kernel reads
/// the width as `decltype(k)::value`.
template <class F>
void with_width(Index w, F&& f) {
  switch (w) {
    case 8: f(Width<8>{}); break;
    case 7: f(Width<7>{}); break;
    case 6: f(Width<6>{}); break;
    case 5: f(Width<5>{}); break;
    case 4: f(Width<4>{}); break;
    case 3: f(Width<3>{}); break;
    case 2: f(Width<2>{}); break;
    default: f(Width<1>{}); break;
  }
}

}  // namespace deepnmf
