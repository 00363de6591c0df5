// Errors cross the Python boundary as standard exceptions (std::invalid_argument -> ValueError,
// std::domain_error -> ValueError, std::runtime_error -> RuntimeError). They are never thrown
// from inside an OpenMP region: parallel.hpp captures and rethrows after the loop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <initializer_list>
#include <string>
#include <utility>
#include <type_traits>

#include "deepnmf/core/types.hpp"

namespace deepnmf {

inline void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

/// Overload for literals: no std::string is built unless the check fails (hot paths).
inline void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

inline std::string shape_str(Index rows, Index cols) {
  std::ostringstream s;
  s << "(" << rows << ", " << cols << ")";
  return s.str();
}

template <class A>
std::string shape_of(const A& a) {
  return shape_str(a.rows(), a.cols());
}

/// Memory handed over from NumPy must be aligned to its element type: NumPy allows arrays at
/// any byte offset (np.frombuffer with an offset), and loading a double from an address that
/// is not a multiple of 8 is undefined behaviour (the compiler's vectorized loops assume it).
template <class T>
void require_aligned_ptr(const T* p, const std::string& who, const char* name) {
  require(reinterpret_cast<std::uintptr_t>(p) % alignof(T) == 0,
          who + ": " + name + " is not aligned to its dtype (an array at an odd byte offset); "
                              "pass a copy (numpy.require(a, requirements='A'))");
}
template <class A>
void require_aligned(const A& a, const std::string& who, const char* name) {
  require_aligned_ptr(a.data(), who, name);
}

/// Y ≈ W H: check that the three shapes agree (and that the arrays are aligned).
template <class Y, class W, class H>
void require_product_shapes(const Y& y, const W& w, const H& h, const char* who) {
  require(w.cols() == h.rows() && y.rows() == w.rows() && y.cols() == h.cols(),
          std::string(who) + ": shapes do not agree for Y ≈ W H: Y " + shape_of(y) + ", W " +
              shape_of(w) + ", H " + shape_of(h));
  require_aligned(y, who, "Y");
  require_aligned(w, who, "W");
  require_aligned(h, who, "H");
}

/// The bytes a row-major view (unit column stride) spans: rows of `row_bytes` starting every
/// `stride_bytes` from `base`.
struct Span {
  std::uintptr_t base = 0;
  std::intptr_t rows = 0, row_bytes = 0, stride_bytes = 0;
  bool empty() const { return rows == 0 || row_bytes == 0; }
  std::uintptr_t end() const { return base + (rows - 1) * stride_bytes + row_bytes; }
};

template <class A>
Span span_of(const A& a) {
  using T = std::remove_cv_t<typename A::Scalar>;
  return {reinterpret_cast<std::uintptr_t>(a.data()), std::intptr_t(a.rows()),
          std::intptr_t(a.cols() * sizeof(T)), std::intptr_t(a.outerStride() * sizeof(T))};
}

/// A contiguous range of n entries (a sparse matrix's values, a vector).
template <class T>
Span span_of_range(const T* p, Index n) {
  return {reinterpret_cast<std::uintptr_t>(p), 1, std::intptr_t(n * sizeof(T)),
          std::intptr_t(n * sizeof(T))};
}

/// Whether the byte ranges of two spans intersect. Exact for contiguous views — the only ones
/// the bindings accept (pybind11 takes C-contiguous arrays) — and conservative for strided ones.
inline bool spans_overlap(const Span& a, const Span& b) {
  return !(a.empty() || b.empty() || a.end() <= b.base || b.end() <= a.base);
}

/// An output must not share memory with an input of the same call: the kernels read their
/// inputs while they write (the blocks of one pass read all of Y, W, H), so an alias gives a
/// silently wrong result. The updated factor itself is the one array written in place.
inline void require_distinct(const Span& out, const Span& in, const std::string& who,
                             const char* out_name, const char* in_name) {
  require(!spans_overlap(out, in), who + ": " + out_name + " (updated in place) shares memory "
                                       "with " + in_name + "; pass separate arrays");
}

/// P and Q must have `rows`×`cols` and share no memory with each other or the inputs.
/// (The majorizer primitives' outputs.)
template <class M>
void require_outputs(const M& P, const M& Q, Index rows, Index cols,
                     const char* who, std::initializer_list<std::pair<Span, const char*>> inputs) {
  require(P.rows() == rows && P.cols() == cols && Q.rows() == rows && Q.cols() == cols,
          std::string(who) + ": P and Q must have shape " + shape_str(rows, cols) + ", got " +
              shape_of(P) + " and " + shape_of(Q));
  require_distinct(span_of(P), span_of(Q), who, "P", "Q");
  for (const auto& [span, name] : inputs) {
    require_distinct(span_of(P), span, who, "P", name);
    require_distinct(span_of(Q), span, who, "Q", name);
  }
}

/// Whether every entry of A is > 0 (NaN is not): one branch-free, vectorized sweep per row.
/// Eigen's `(A.array() > 0).all()` stops at the first failure, so it runs one compare and
/// branch per entry — measurable in a deep KL outer iteration (the coupled W update's checks).
template <class A>
bool all_positive(const A& a) {
  using T = typename A::Scalar;
  for (Index i = 0; i < a.rows(); ++i) {
    const T* row = a.data() + i * a.outerStride();
    SameWidthInt<T> bad = 0;
    for (Index j = 0; j < a.cols(); ++j) bad |= SameWidthInt<T>(!(row[j] > T(0)));
    if (bad) return false;
  }
  return true;
}

}  // namespace deepnmf
