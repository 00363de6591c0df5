"""Results depend on the values only: not on where the arrays live in memory (alignment),
not on the thread count, not on running twice."""

import numpy as np
import pytest
from _support.estimators import CONFIGS, IDS, factors

from deepnmf import _core, updates


def at_offset(a, k):
    """A copy of `a` whose data starts k elements past a 64-byte boundary."""
    buf = np.empty(a.size + 32, dtype=a.dtype)
    start = (-buf.ctypes.data // a.itemsize) % (64 // a.itemsize) + k
    out = buf[start:start + a.size].reshape(a.shape)
    out[...] = a
    assert out.flags.c_contiguous
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta", [0.0, 1.0, 1.5, 2.0])
def test_kernels_ignore_alignment(dtype, beta):
    rng = np.random.default_rng(0)
    m, n, r = 37, 29, 3  # small: exercises the paths Eigen would treat as "tiny products"
    Y = rng.uniform(0.1, 1, (m, n)).astype(dtype)
    W = rng.uniform(0.1, 1, (m, r)).astype(dtype)
    H = rng.uniform(0.1, 1, (r, n)).astype(dtype)
    H = H / H.sum(axis=1, keepdims=True)
    Wb = rng.uniform(0.1, 1, (m, r)).astype(dtype)
    results = []
    for k in range(8):
        Yk, Wk, Hk, Wbk = (at_offset(a, k) for a in (Y, W, H, Wb))
        C = np.empty((m, n), dtype=dtype)
        _core.product(Wk, Hk, C, 2)
        results.append((
            updates.mu_h(Yk, Wk, Hk, beta, row_sums_one=True),
            updates.mu_w(Yk, Wk, Hk, beta),
            updates.coupled_w(Yk, Wk, Hk, Wbk, 0.3, beta),
            C,
            _core.beta_divergence_wh(Yk, Wk, Hk, beta, 2),
        ))
    for res in results[1:]:
        for a, b in zip(results[0], res):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("update", ["mu_w", "mu_h", "mu_h_rowsum", "coupled_w"])
def test_outputs_ignore_alignment(dtype, beta, update):
    """The updated factor written at every offset from a 64-byte boundary, the inputs fixed:
    Eigen peels unaligned heads with scalar code, so a transcendental (the MU exponent γ for
    β < 1 and β > 2) written straight into the output would change with its address."""
    rng = np.random.default_rng(3)
    m, n, r = 37, 29, 3
    Y = rng.uniform(0.1, 1, (m, n)).astype(dtype)
    W = rng.uniform(0.1, 1, (m, r)).astype(dtype)
    H = rng.uniform(0.1, 1, (r, n)).astype(dtype)
    H /= H.sum(axis=1, keepdims=True)
    Wb = rng.uniform(0.1, 1, (m, r)).astype(dtype)
    call = {"mu_w": lambda o: updates.mu_w(Y, W, H, beta, out=o),
            "mu_h": lambda o: updates.mu_h(Y, W, H, beta, out=o),
            "mu_h_rowsum": lambda o: updates.mu_h(Y, W, H, beta, row_sums_one=True, out=o),
            "coupled_w": lambda o: updates.coupled_w(Y, W, H, Wb, 0.7, beta, out=o)}[update]
    start = H if update.startswith("mu_h") else W
    results = [call(at_offset(start, k)).copy() for k in range(64 // np.dtype(dtype).itemsize)]
    for res in results[1:]:
        assert np.array_equal(results[0], res)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_estimator_is_reproducible(config, dtype):
    """A fixed seed and thread count give the same fit twice, bit for bit, in both dtypes;
    float32 data stays float32."""
    X = np.random.default_rng(10).uniform(0.1, 1, (30, 22)).astype(dtype)
    a, b = config.make(n_threads=2).fit(X), config.make(n_threads=2).fit(X)
    for x, y in zip(factors(a), factors(b)):
        assert x.dtype == dtype and np.array_equal(x, y)
