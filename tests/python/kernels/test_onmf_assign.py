"""The EM-ONMF assignment kernel against NumPy: argmax of the cosines (ties: lowest index; a zero
centroid never chosen), the weight C/‖h‖² and the residual ‖x‖² − C²/‖h‖²."""

import numpy as np
import pytest

from deepnmf import _core


def reference(X, H):
    C = X @ H.T
    h_sq = np.sum(H**2, axis=1)
    score = np.where(h_sq > 0, C / np.sqrt(np.where(h_sq > 0, h_sq, 1)), -np.inf)
    b = np.argmax(score, axis=1)
    c = C[np.arange(len(X)), b]
    w = np.where(h_sq[b] > 0, c / np.where(h_sq[b] > 0, h_sq[b], 1), 0.0)
    res = np.maximum(np.sum(X**2, axis=1) - c * w, 0.0)
    return b, w, res


def run(X, H, dtype=np.float64, nt=1):
    C = np.ascontiguousarray((X @ H.T).astype(dtype))
    m = len(X)
    labels, weight, residual = np.empty(m, np.int64), np.empty(m), np.empty(m)
    _core.onmf_assign(C, np.sum(H**2, axis=1), np.sum(X**2, axis=1), labels, weight, residual,
                      nt)
    return labels, weight, residual


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_numpy(dtype):
    rng = np.random.default_rng(0)
    X, H = rng.uniform(0, 1, (500, 20)), rng.uniform(0, 1, (6, 20))
    H[2] = 0  # a zero centroid is never chosen
    X[7] = 0  # a zero row: weight 0, residual 0
    b, w, res = reference(X, H)
    labels, weight, residual = run(X, H, dtype)
    np.testing.assert_array_equal(labels, b)
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(weight, w, rtol=rtol)
    np.testing.assert_allclose(residual, res, rtol=1e-9 if dtype == np.float64 else 1e-3,
                               atol=1e-12)
    assert not np.any(labels == 2)


def test_ties_go_to_the_lowest_index_and_threads_do_not_matter():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (3000, 8))
    H = np.vstack([X[0], X[0], 2 * X[0], rng.uniform(0, 1, 8)])  # three equal directions
    labels, weight, residual = run(X, H)
    assert labels[0] == 0 and residual[0] == pytest.approx(0, abs=1e-12)
    assert weight[0] == pytest.approx(1.0)
    assert not np.any(np.isin(labels, [1, 2]))
    for nt in (2, 3):
        other = run(X, H, nt=nt)
        for a, b in zip(other, (labels, weight, residual)):
            np.testing.assert_array_equal(a, b)


def test_all_zero_centroids_and_bad_shapes():
    X = np.ones((4, 3))
    labels, weight, residual = run(X, np.zeros((2, 3)))
    np.testing.assert_array_equal(labels, 0)
    np.testing.assert_array_equal(weight, 0)
    np.testing.assert_array_equal(residual, 3.0)
    C = np.ones((4, 2))
    with pytest.raises(ValueError, match="shapes"):
        _core.onmf_assign(C, np.ones(3), np.ones(4), np.empty(4, np.int64), np.empty(4),
                          np.empty(4), 1)
    with pytest.raises(ValueError, match="h_sq"):
        _core.onmf_assign(C, np.array([1.0, np.nan]), np.ones(4), np.empty(4, np.int64),
                          np.empty(4), np.empty(4), 1)
