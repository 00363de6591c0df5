"""Results depend on the values only: not on where the arrays live in memory (alignment),
not on the thread count, not on running twice."""

import numpy as np
import pytest

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
