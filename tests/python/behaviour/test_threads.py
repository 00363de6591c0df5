"""Threads: results do not depend on the thread count or on the machine's load (the blocks of
every parallel loop are fixed by the shapes, handed out dynamically, and reduced in block
order), and OpenMP's workers sleep rather than spin while they wait (shared machines)."""

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from _support.estimators import CONFIGS, IDS, factors

SPARSE_OK = {"BetaNMF", "BetaNMF-hals", "MultilayerNMF", "DeepNMF"}


def _data(sparse: bool):
    rng = np.random.default_rng(4)
    X = rng.uniform(0.1, 1, (230, 170)) * (rng.uniform(size=(230, 170)) < 0.6)
    return sp.csr_matrix(X) if sparse else X


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_every_thread_count_gives_the_same_fit_bit_for_bit(config, sparse):
    if sparse and config.name not in SPARSE_OK:
        pytest.skip(f"{config.name} takes dense data")
    X = _data(sparse)
    fits = [config.make(n_threads=k, max_iter=8).fit(X) for k in (1, 2, 3, 5)]
    for other in fits[1:]:
        for a, b in zip(factors(fits[0]), factors(other)):
            assert np.array_equal(a, b)


def test_a_busy_machine_gives_the_same_fit_bit_for_bit():
    """With the cores taken by other processes the blocks go to whichever thread is running;
    the fit is the same as on an idle machine."""
    from deepnmf import DeepNMF

    X = _data(False)

    def fit():
        return DeepNMF([12, 6], init_iter=10, max_iter=10, tol=0, n_threads=2,
                       random_state=0).fit(X)

    idle = fit()
    hogs = [subprocess.Popen([sys.executable, "-c", "print(flush=True)\nwhile True: pass"],
                             stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for p in hogs:  # each is spinning before the fit starts
            p.stdout.readline()
        busy = fit()
    finally:
        for p in hogs:
            p.kill()
            p.wait()
            p.stdout.close()
    for a, b in zip(factors(idle), factors(busy)):
        assert np.array_equal(a, b)


def _reported_spin_count(env: dict[str, str]) -> tuple[str, bool]:
    """How long GNU OpenMP's idle workers spin before they sleep, as the runtime reports it at
    load (OMP_DISPLAY_ENV=VERBOSE: 0 when passive, 300000 when the policy is unset), and
    whether the process's environment has OMP_WAIT_POLICY after importing deepnmf."""
    code = "import os, deepnmf; print('OMP_WAIT_POLICY' in os.environ)"
    out = subprocess.run([sys.executable, "-c", code],
                         env={**env, "OMP_DISPLAY_ENV": "VERBOSE"},
                         capture_output=True, text=True, check=True, timeout=120)
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if "GOMP_SPINCOUNT" in ln]
    if not lines:
        pytest.skip("the OpenMP runtime is not GNU's (it does not report GOMP_SPINCOUNT)")
    return lines[0].split("=")[1].strip().strip("'\""), out.stdout.split()[-1] == "True"


def _without_policy() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}


def test_openmp_workers_wait_passively_and_the_environment_is_left_alone():
    assert _reported_spin_count(_without_policy()) == ("0", False)


def test_a_wait_policy_the_user_set_is_kept():
    spin, kept = _reported_spin_count({**_without_policy(), "OMP_WAIT_POLICY": "active"})
    assert spin != "0" and kept
