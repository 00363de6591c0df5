import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("DEEPNMF_HYPOTHESIS_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def positive_problem(rng, m, n, r, dtype=np.float64, zeros=0.0):
    """Y (m×n, optionally with a fraction of exact zeros), W, H positive."""
    Y = rng.gamma(2.0, 1.0, size=(m, n))
    if zeros:
        Y[rng.random((m, n)) < zeros] = 0.0
    W = rng.uniform(0.1, 1.0, size=(m, r))
    H = rng.uniform(0.1, 1.0, size=(r, n))
    return Y.astype(dtype), W.astype(dtype), H.astype(dtype)
