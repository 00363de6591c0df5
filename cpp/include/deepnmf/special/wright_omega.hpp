// The Wright omega function ω(y), the solution z > 0 of z + ln z = y (ω(y) = W0(e^y)), and the
// principal real branch W0(x), x ≥ 0, built on it. Evaluated in the log domain so that no
// exponential of a large argument is ever formed: the deep KL W-update (paper eq. (18)) and the
// min-vol Z-step (paper eq. (29)) call ω directly with y = a/λ + ln(b/λ).
#pragma once

#include "deepnmf/core/types.hpp"

namespace deepnmf {

/// w[i] = ω(y[i]) for any real y (−inf → 0, +inf → +inf, NaN → NaN); w may alias y.
/// Double, by region: y < −7 the Lagrange series of W0(e^y) (no iteration); −7 ≤ y ≤ 0 two
/// Halley steps on z e^z = e^y; y > 0 fourth-order Fritsch–Shafer–Crowley steps on
/// z + ln z = y (Lawrence, Corless & Jeffrey 2012), two up to y = 10 and one above. Worst error
/// 2 ulp. Float: computed in double and rounded.
template <class T>
void wright_omega(const T* y, T* w, Index n);

/// w[i] = W0(x[i]) for x ≥ 0 (NaN for x < 0 or NaN): ω(ln x), then for x < 1 one Newton step
/// on w e^w = x in the linear domain (ln x loses relative accuracy as x → 0).
template <class T>
void lambert_w0(const T* x, T* w, Index n);

/// Scalar ω in double (the same algorithm), for scalar code paths.
double wright_omega_scalar(double y);

}  // namespace deepnmf
