"""Every core built into this installation (one per x86-64 level) that this CPU can run gives
the same results, to rounding: the run-time dispatch picks speed, never different answers."""

import json
import os
import subprocess
import sys

import pytest

from deepnmf import _isa
from deepnmf._build_info import BUILT_LEVELS

CHILD = r"""
import json, numpy as np, deepnmf
from deepnmf import updates
rng = np.random.default_rng(0)
Y = rng.uniform(0.1, 1, (53, 47)); W = rng.uniform(0.1, 1, (53, 4)); H = rng.uniform(0.1, 1, (4, 47))
out = {"level": deepnmf.build_info()["isa_level"],
       "mu_h": updates.mu_h(Y, W, H, 1.0, row_sums_one=True).tolist(),
       "mu_w": updates.mu_w(Y, W, H, 0.5).tolist(),
       "coupled": updates.coupled_w(Y, W, H, W * 0.9, 0.3, 1.0).tolist(),
       "omega": deepnmf.special.wright_omega(np.linspace(-50, 50, 101)).tolist(),
       "div": deepnmf.beta_divergence(Y, (W, H), 1.5)}
# the sparse passes' masked-tail row kernels (short_rows.hpp), ranks with tails of 5 and 3
import scipy.sparse as sp
from deepnmf._engine.data import SparseData
S = sp.random(53, 47, density=0.3, random_state=1, format="csr") * 3
for r in (13, 3):
    Ws, Hs = rng.uniform(0.1, 1, (53, r)), np.asfortranarray(rng.uniform(0.1, 1, (r, 47)))
    Hf = Hs.astype(np.float32, order="F")
    SparseData(S).mu_w(Ws, Hs, 1.0, 1)
    SparseData(S).mu_h(Ws, Hs, 1.0, False, 1)
    SparseData(S.astype(np.float32)).mu_h(Ws.astype(np.float32), Hf, 1.0, False, 1)
    out[f"sparse_w{r}"], out[f"sparse_h{r}"] = Ws.tolist(), Hs.tolist()
    out[f"sparse_h{r}_f32"] = Hf.tolist()
    SparseData(S).mu_h(Ws, Hs, 1.0, True, 1)  # rows summing to one: the vector sweeps
    out[f"sparse_rowsum_h{r}"] = Hs.tolist()
print(json.dumps(out))
"""


def runnable_levels():
    cpu = set(_isa.supported_levels())
    return [lvl for lvl in BUILT_LEVELS if lvl in cpu or lvl in ("native", "generic")]


@pytest.mark.skipif(len(runnable_levels()) < 2, reason="one core level built or runnable here")
def test_all_levels_agree():
    import numpy as np

    results = {}
    for lvl in runnable_levels():
        env = dict(os.environ, DEEPNMF_ISA=lvl)
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()[-1]
        res = json.loads(out)
        assert res["level"] == lvl
        results[lvl] = res
    ref = results[runnable_levels()[0]]
    for lvl, res in results.items():
        for key in ("mu_h", "mu_w", "coupled", "omega", "sparse_w13", "sparse_h13", "sparse_w3",
                    "sparse_h3", "sparse_rowsum_h13", "sparse_rowsum_h3"):
            np.testing.assert_allclose(res[key], ref[key], rtol=1e-13, err_msg=f"{lvl} {key}")
        for key in ("sparse_h13_f32", "sparse_h3_f32"):
            np.testing.assert_allclose(res[key], ref[key], rtol=1e-5, err_msg=f"{lvl} {key}")
        assert res["div"] == pytest.approx(ref["div"], rel=1e-13)


def test_forcing_an_unbuilt_level_is_a_clear_error():
    env = dict(os.environ, DEEPNMF_ISA="v9")
    proc = subprocess.run([sys.executable, "-c", "import deepnmf"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "DEEPNMF_ISA='v9'" in proc.stderr
