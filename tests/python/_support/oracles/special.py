"""NumPy oracles: the Wright omega function at 120 bits (mpmath), written for clarity, not speed."""

from __future__ import annotations


def wright_omega_ref(y, mpmath):
    """ω(y) to 120 bits: W0(e^y) for moderate y; Newton on z + ln z = y for large y."""
    mpmath.mp.prec = 120
    y = mpmath.mpf(float(y))
    if y > 700:
        z = y - mpmath.log(y)
        for _ in range(10):
            z = z - (z + mpmath.log(z) - y) / (1 + 1 / z)
        return float(z)
    return float(mpmath.re(mpmath.lambertw(mpmath.exp(y))))
