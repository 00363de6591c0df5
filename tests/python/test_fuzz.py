"""Bounded fuzzing of the compiled boundary: arbitrary arrays (shapes, dtypes, layouts, zero
sizes, mismatches) into every _core function must give a Python exception or a result —
never a crash. The number of examples is fixed (DEEPNMF_FUZZ_EXAMPLES, default 300)."""

import os

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deepnmf import _core

N = int(os.environ.get("DEEPNMF_FUZZ_EXAMPLES", "300"))
EXPECTED = (ValueError, TypeError, RuntimeError, OverflowError)

dims = st.integers(0, 6)
dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.complex128, bool])
values = st.sampled_from([0.0, 1.0, -1.0, np.nan, np.inf, 1e-300, 1e300, 0.5])


@st.composite
def arrays(draw):
    shape = (draw(dims), draw(dims))
    fill = draw(values)
    a = np.full(shape, fill)
    if a.size and draw(st.booleans()):
        a = a * np.random.default_rng(draw(st.integers(0, 99))).uniform(0, 2, shape)
    with np.errstate(all="ignore"):  # 1e300 → float32 is inf, NaN → int is garbage: fine
        a = a.astype(draw(dtypes)) if draw(st.booleans()) else a
    layout = draw(st.sampled_from(["C", "F", "strided", "readonly"]))
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "strided" and a.shape[1] > 1:
        a = a[:, ::2]
    elif layout == "readonly":
        a = a.copy()
        a.flags.writeable = False
    return a


CALLS = [
    ("beta_divergence", lambda a, b, c, d, beta: _core.beta_divergence(a, b, beta, 1)),
    ("beta_divergence_wh", lambda a, b, c, d, beta: _core.beta_divergence_wh(a, b, c, beta, 2)),
    ("mu_h", lambda a, b, c, d, beta: _core.mu_h(a, b, c, beta, False, 2, True)),
    ("mu_h_rowsum", lambda a, b, c, d, beta: _core.mu_h(a, b, c, beta, True, 1, False)),
    ("mu_w", lambda a, b, c, d, beta: _core.mu_w(a, b, c, beta, 2, True)),
    ("coupled_w", lambda a, b, c, d, beta: _core.coupled_w(a, b, c, d, 0.5, beta, 2, False)),
    ("product", lambda a, b, c, d, beta: _core.product(a, b, c, 1)),
    ("minvol_w", lambda a, b, c, d, beta: _core.minvol_w(a, b, c, d, 0.1, 1.0, 1.0, 10.0, 1e-6, 5, 1)),
    ("minvol_w_last", lambda a, b, c, d, beta: _core.minvol_w(a, b, c, None, 0.1, 1.0, 1.0, 10.0, 1e-6, 5, 1)),
    ("wright_omega", lambda a, b, c, d, beta: _core.wright_omega(a)),
    ("lambert_w0", lambda a, b, c, d, beta: _core.lambert_w0(a)),
    ("logdet_gram", lambda a, b, c, d, beta: _core.logdet_gram(a, 1.0)),
]


@settings(max_examples=N, deadline=None)
@given(call=st.sampled_from(CALLS), a=arrays(), b=arrays(), c=arrays(), d=arrays(),
       beta=st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, -1.0, np.nan]))
def test_core_never_crashes(call, a, b, c, d, beta):
    _, fn = call
    try:
        fn(a, b, c, d, beta)
    except EXPECTED:
        pass
