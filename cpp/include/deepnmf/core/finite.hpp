// Checks that the numbers a kernel forms stay inside the floating-point range of its dtype:
// an update whose product W H or majorizer P, Q overflows gives no error by itself, only a
// silently wrong factor (for β < 1 an infinite W H makes P and Q zero) or a solve without a
// root. Each check is one sweep over a factor-sized array, never over the data.
#pragma once

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepnmf/core/floored_sums.hpp"
#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// The largest magnitude in a matrix (a row-major view), NaN when an entry is NaN: one sweep
/// in vector registers (GCC/Clang vector extensions, as floored_sums.hpp) — a scalar running
/// maximum is a dependency chain of 5 instructions per entry, a visible part of a dense MU
/// update on CBCL for the check of W alone.
template <class A>
double largest_entry(const A& a) {
  using T = std::remove_cv_t<typename A::Scalar>;
  T best = T(0);
  bool nan = false;
  Index j0 = 0;  // first column of the scalar tail
#if defined(__GNUC__)
  constexpr int per = kSweepBytes / int(sizeof(T));
  typedef T Vt __attribute__((vector_size(kSweepBytes)));
  typedef SameWidthInt<T> Vi __attribute__((vector_size(kSweepBytes)));
  Vt top = {};
  Vi bad = {};
  const Index cols = a.cols() / per * per;
  for (Index i = 0; i < a.rows(); ++i) {
    const T* row = a.data() + i * a.outerStride();
    for (Index j = 0; j < cols; j += per) {
      Vt x;
      std::memcpy(&x, row + j, sizeof x);
      bad |= (Vi)(x != x);
      x = x < 0 ? -x : x;
      top = top < x ? x : top;
    }
  }
  for (int l = 0; l < per; ++l) best = std::max(best, top[l]), nan |= bad[l] != 0;
  j0 = cols;
#endif
  for (Index i = 0; i < a.rows(); ++i) {
    const T* row = a.data() + i * a.outerStride();
    for (Index j = j0; j < a.cols(); ++j) {
      nan |= row[j] != row[j];
      best = std::max(best, std::abs(row[j]));
    }
  }
  return nan ? std::numeric_limits<double>::quiet_NaN() : double(best);
}

/// Whether every entry of a matrix is finite.
template <class A>
bool all_finite(const A& a) {
  using T = std::remove_cv_t<typename A::Scalar>;
  const T big = std::numeric_limits<T>::max();
  SameWidthInt<T> bad = 0;
  for (Index i = 0; i < a.rows(); ++i) {
    const T* row = a.data() + i * a.outerStride();
    for (Index j = 0; j < a.cols(); ++j) bad |= SameWidthInt<T>(!(std::abs(row[j]) <= big));
  }
  return !bad;
}

inline std::string magnitude(double v) {
  std::ostringstream s;
  s.precision(3);
  s << v;
  return s.str();
}

/// The largest magnitude in each column of a row-major matrix, NaN for a column with a NaN:
/// one sweep over the rows, the running maxima side by side (they vectorize across columns).
template <class A>
std::vector<double> column_maxima(const A& a) {
  using T = std::remove_cv_t<typename A::Scalar>;
  std::vector<T> top(static_cast<size_t>(a.cols()), T(0));
  std::vector<SameWidthInt<T>> nan(static_cast<size_t>(a.cols()), 0);
  for (Index i = 0; i < a.rows(); ++i) {
    const T* row = a.data() + i * a.outerStride();
    for (Index k = 0; k < a.cols(); ++k) {
      const T x = std::abs(row[k]);
      top[size_t(k)] = top[size_t(k)] < x ? x : top[size_t(k)];
      nan[size_t(k)] |= SameWidthInt<T>(x != x);
    }
  }
  std::vector<double> out(top.begin(), top.end());
  for (size_t k = 0; k < out.size(); ++k)
    if (nan[k]) out[k] = std::numeric_limits<double>::quiet_NaN();
  return out;
}

/// The same for each row (largest_entry of the row).
template <class A>
std::vector<double> row_maxima(const A& a) {
  std::vector<double> out(static_cast<size_t>(a.rows()));
  for (Index i = 0; i < a.rows(); ++i) out[size_t(i)] = largest_entry(a.row(i));
  return out;
}

/// W H must be representable in T: every entry of it is at most Σ_k max_i W_ik max_j H_kj,
/// kept a factor 16 below T's largest number (the majorizer sums such entries times the
/// factors). `w_max` and `h_max` are those maxima per rank (column_maxima of W, and of Hᵀ or
/// row_maxima of H). Factors this large are outside the range the updates can represent: the
/// update is invariant to scaling the data and W by the same power of two, which brings
/// them back.
template <class T>
void require_product_in_range(const std::vector<double>& w_max, const std::vector<double>& h_max,
                              const char* who) {
  double bound = 0.0, w_top = 0.0, h_top = 0.0;
  for (size_t k = 0; k < w_max.size(); ++k) {
    if (std::isnan(w_max[k]) || std::isnan(h_max[k]))
      throw std::invalid_argument(std::string(who) + ": " + (std::isnan(w_max[k]) ? "W" : "H") +
                                  " must be nonnegative and free of NaN");
    bound += w_max[k] * h_max[k];
    w_top = std::max(w_top, w_max[k]), h_top = std::max(h_top, h_max[k]);
  }
  if (bound <= double(std::numeric_limits<T>::max()) / 16.0) return;
  throw std::domain_error(std::string(who) + ": W H may overflow " +
                          (sizeof(T) == 4 ? "float32" : "float64") + " (largest entry of W " +
                          magnitude(w_top) + ", of H " + magnitude(h_top) + "): scale the data "
                          "and W down by the same power of two (the update is invariant to it)");
}

/// W (m×r) and H (r×n) of a dense update.
template <class T, class FW, class FH>
void require_product_in_range(const FW& W, const FH& H, const char* who) {
  require_product_in_range<T>(column_maxima(W), row_maxima(H), who);
}

/// W (m×r) and Ht = Hᵀ (n×r) of a sparse update.
template <class T, class FW, class FHt>
void require_product_in_range_t(const FW& W, const FHt& Ht, const char* who) {
  require_product_in_range<T>(column_maxima(W), column_maxima(Ht), who);
}

/// The majorizer of an update must be finite: P = Wᵀ(W H)^(β−1) or Q = Wᵀ(Y ⊙ (W H)^(β−2))
/// (or their W-type forms) overflowed — data far above W H, or a β whose powers of W H leave
/// the range.
template <class T, class MP, class MQ>
void require_finite_majorizer(const MP& P, const MQ& Q, double beta, const char* who) {
  if (all_finite(P) && all_finite(Q)) return;
  std::ostringstream s;
  s << who << ": the update's majorizer overflows " << (sizeof(T) == 4 ? "float32" : "float64")
    << " at beta = " << beta << " (powers of W H, or the data over them, are too large): the "
       "data and the factors lie outside the range the update can represent; rescale the data "
       "and the factors to unit size (the fit is invariant to it)"
    << (sizeof(T) == 4 ? " or use float64" : "");
  throw std::domain_error(s.str());
}

/// The same for a factor updated line by line in a pass that forms no P, Q blocks (the
/// sparse KL MU): its result must be finite.
template <class T, class F>
void require_finite_update(const F& factor, const char* who, const char* name) {
  if (all_finite(factor)) return;
  throw std::domain_error(std::string(who) + ": the update of " + name + " overflows " +
                          (sizeof(T) == 4 ? "float32" : "float64") + " (the data over W H is "
                          "too large): rescale the data and the factors to unit size (the fit "
                          "is invariant to it)" + (sizeof(T) == 4 ? " or use float64" : ""));
}

}  // namespace deepnmf
