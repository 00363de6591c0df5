// A run-time width (rows or columns handled side by side) turned into a compile-time constant,
// so that the kernel keeps its accumulators in registers and unrolls over them.
#pragma once

#include <type_traits>
#include <utility>

#include "deepnmf/core/types.hpp"

namespace deepnmf {

template <int K>
using Width = std::integral_constant<int, K>;

namespace detail {
template <class F, int... K>
void call_with_width(Index w, F& f, std::integer_sequence<int, K...>) {
  // the first K + 1 equal to w; none (w outside 1 … Max): Width<1>
  if (!((w == K + 1 ? (f(Width<K + 1>{}), true) : false) || ...)) f(Width<1>{});
}
}  // namespace detail

/// Calls f(Width<w>{}) for 1 ≤ w ≤ Max (w outside that range: f(Width<1>{})). The kernel reads
/// the width as `decltype(k)::value`.
template <int Max = 8, class F>
void with_width(Index w, F&& f) {
  detail::call_with_width(w, f, std::make_integer_sequence<int, Max>{});
}

}  // namespace deepnmf
