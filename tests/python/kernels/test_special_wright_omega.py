"""Wright omega and Lambert W against a high-precision (mpmath) reference and SciPy."""

import numpy as np
import pytest
from _support.oracles.special import wright_omega_ref

from deepnmf import special

mpmath = pytest.importorskip("mpmath")


def ulp_error(got, ref):
    """|got − ref| in units of the last place of ref (the spacing just below |ref|, which is
    finite even at the largest double)."""
    ref = np.asarray(ref)
    ulp = np.abs(np.abs(ref) - np.nextafter(np.abs(ref), 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ref == 0, np.where(got == 0, 0.0, np.inf), np.abs(got - ref) / ulp)


def sweep():
    rng = np.random.default_rng(0)
    return np.concatenate([
        np.linspace(-60, 60, 1201),                 # the regions and their edges
        -np.logspace(-300, 3.3, 300),               # down to y = −2000 (e^y subnormal, then 0)
        np.logspace(-300, 307.9, 300),              # up to 8e307
        rng.uniform(-3, 3, 300),
        [-2.0, 1.0, np.nextafter(-2.0, -3), np.nextafter(1.0, 2), -40.0, -700.0, -708.5,
         -7.0, np.nextafter(-7.0, -8), np.nextafter(-7.0, 0),
         -744.0, -745.2, 0.0, 5e-324, -5e-324, np.finfo(float).max],
    ])


def test_wright_omega_within_4_ulp_on_the_whole_line():
    y = sweep()
    got = special.wright_omega(y)
    ref = np.array([wright_omega_ref(v, mpmath) for v in y])
    err = ulp_error(got, ref)
    assert np.max(err) <= 4, f"worst {np.max(err)} ulp at y = {y[np.argmax(err)]!r}"


def test_wright_omega_within_1_ulp_for_positive_arguments():
    # y > 0 (fourth-order steps on z + ln z = y: up to y = 10 a first one with a cheap
    # logarithm, then one with an accurate one): the region of the deep KL W-update's large
    # arguments, held to a tighter bound
    rng = np.random.default_rng(1)
    y = sweep()
    y = np.concatenate([y[y > 0], rng.uniform(0, 3, 1500), rng.uniform(0, 60, 1500),
                        np.exp(rng.uniform(-20, 690, 1000)),
                        np.linspace(9.9, 10.1, 401)])  # about y = 10: one FSC step above
    got = special.wright_omega(y)
    ref = np.array([wright_omega_ref(v, mpmath) for v in y])
    err = ulp_error(got, ref)
    assert np.max(err) <= 1, f"worst {np.max(err)} ulp at y = {y[np.argmax(err)]!r}"
    # nearly always the correctly rounded double (0.03 ulp on average; 0.13 when the last
    # step rounded 1 + q·ratio before scaling z)
    assert np.mean(err) <= 0.1


def test_lambertw_within_4_ulp_including_subnormals():
    rng = np.random.default_rng(1)
    x = np.concatenate([np.logspace(-323, 308, 600), rng.uniform(0, 20, 300),
                        [0.0, 5e-324, 1e-310, 1.0, np.e, np.finfo(float).max]])
    got = special.lambertw(x)
    mpmath.mp.prec = 120
    ref = np.array([float(mpmath.re(mpmath.lambertw(mpmath.mpf(float(v))))) for v in x])
    err = ulp_error(got, ref)
    assert np.max(err) <= 4, f"worst {np.max(err)} ulp at x = {x[np.argmax(err)]!r}"


def test_agrees_with_scipy():
    scipy_special = pytest.importorskip("scipy.special")
    y = np.linspace(-30, 30, 1001)
    np.testing.assert_allclose(special.wright_omega(y), scipy_special.wrightomega(y).real, rtol=5e-15)
    x = np.logspace(-20, 20, 500)
    np.testing.assert_allclose(special.lambertw(x), scipy_special.lambertw(x).real, rtol=5e-15)


def test_special_values_and_no_overflow():
    y = np.array([-np.inf, np.inf, np.nan, -1e308, 1e308])
    w = special.wright_omega(y)
    assert w[0] == 0 and w[1] == np.inf and np.isnan(w[2]) and w[3] == 0
    assert w[4] == pytest.approx(1e308 - np.log(1e308), rel=1e-15)
    assert special.lambertw(0.0) == 0.0 and special.lambertw(np.inf) == np.inf
    assert special.wright_omega(1.0) == 1.0  # ω(1) = 1 exactly


def test_float32_and_shapes():
    y = np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 4)
    w = special.wright_omega(y)
    assert w.dtype == np.float32 and w.shape == (3, 4)
    ref = special.wright_omega(y.astype(np.float64))
    np.testing.assert_allclose(w, ref, rtol=np.finfo(np.float32).eps)
    assert isinstance(special.wright_omega(0.0), float)


def test_lambertw_rejects_negative():
    with pytest.raises(ValueError, match=">= 0"):
        special.lambertw([-0.1])


def test_an_entry_does_not_depend_on_its_neighbours():
    # A chunk within one region is evaluated as it stands, a mixed one sorted by region: the
    # same method per entry either way, so the same bits. Sorted, the sweep's entries come in
    # chunks of one region; shuffled, in mixed chunks; one at a time, in chunks of one.
    # Entries above y = 10 skip the first FSC step: a chunk of them alone skips its loop.
    rng = np.random.default_rng(2)
    y = np.sort(np.concatenate([sweep(), rng.uniform(-12, 12, 3000), rng.uniform(8, 14, 1500)]))
    shuffled = np.random.default_rng(3).permutation(len(y))
    in_order = special.wright_omega(y)
    mixed = np.empty_like(y)
    mixed[shuffled] = special.wright_omega(y[shuffled])
    alone = np.array([special.wright_omega(v) for v in y[::7]])
    np.testing.assert_array_equal(in_order.view(np.int64), mixed.view(np.int64))
    np.testing.assert_array_equal(in_order[::7].view(np.int64), alone.view(np.int64))


def test_wright_omega_within_4_ulp_in_chunks_of_one_region():
    # sorted arguments: every 256-entry chunk lies in one region (the path without sorting)
    rng = np.random.default_rng(4)
    y = np.sort(np.concatenate([rng.uniform(-60, -7, 600), rng.uniform(-7, 0, 600),
                                rng.uniform(0, 60, 600), np.linspace(-7.0, 0.0, 300)]))
    got = special.wright_omega(y)
    ref = np.array([wright_omega_ref(v, mpmath) for v in y])
    err = ulp_error(got, ref)
    assert np.max(err) <= 4, f"worst {np.max(err)} ulp at y = {y[np.argmax(err)]!r}"
