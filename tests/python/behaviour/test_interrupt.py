"""Ctrl-C during fit: the process stops within a second or two with a warning, no traceback,
and the model keeps the last consistent iterate."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import deepnmf
from deepnmf._engine.data import DenseData

SCRIPT = r"""
import signal, sys, time, warnings
# a launcher that runs the tests in the background (`cmd &` in a script) starts them with
# SIGINT ignored, and Python keeps that; a terminal's Ctrl-C, which this test stands for,
# reaches a process with Python's default handler
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
import deepnmf
X = np.random.default_rng(0).uniform(0.1, 1, (600, 500))
kind = sys.argv[1]
model = {"beta": deepnmf.BetaNMF(20, max_iter=10**6, tol=0),
         "deep": deepnmf.DeepNMF([20, 10], init_iter=5, max_iter=10**6, tol=0),
         "deep_every_7": deepnmf.DeepNMF([20, 10], init_iter=5, max_iter=10**6, tol=0,
                                         loss_every=7),
         "minvol": deepnmf.MinVolDeepNMF([20, 10], init_iter=5, max_iter=10**6),
         # the signal lands in the first layer of the multilayer initialization
         "deep_in_init": deepnmf.DeepNMF([20, 10], init_iter=10**6, max_iter=10**6, tol=0),
         "minvol_in_init": deepnmf.MinVolDeepNMF([20, 10], init_iter=10**6, max_iter=10**6),
         "multilayer": deepnmf.MultilayerNMF([20, 10], max_iter=10**6, tol=0),
         "transform": deepnmf.DeepNMF([20, 10], init_iter=5, max_iter=5)}[kind]
def progress(m, it):
    if it == 3:
        print("FITTING", flush=True)
    return False
if kind in ("deep", "deep_every_7", "minvol"):
    model.callback = progress
elif kind != "transform":
    print("FITTING", flush=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    if kind == "transform":
        model.fit(X[:50])
        model.max_iter, model.tol = 10**6, 0
        print("FITTING", flush=True)
        codes = model.transform_layers(X)
        ok = all(np.all(np.isfinite(w)) and w.shape == (600, r) for w, r in zip(codes, [20, 10]))
        print("DONE", 0, ok, [str(w.category.__name__) for w in caught], flush=True)
        sys.exit(0)
    model.fit(X)
if kind.endswith("in_init"):  # no iteration after the initialization
    assert model.n_iter_ == 0 and model.loss_history_.shape[0] == 1, model.loss_history_
if kind == "multilayer":  # the second layer holds its initial factors
    assert model.n_iter_per_layer_[1] == 0 and len(model.W_) == 2
    print("DONE", model.n_iter_, all(np.isfinite(e) for e in model.errors_),
          [str(w.category.__name__) for w in caught], flush=True)
    sys.exit(0)
h = model.loss_history_
F = h if h.ndim == 1 else h[:, -1]
ok = bool(np.all(np.isfinite(F))) and bool(np.all(np.diff(F) <= 1e-12 * np.abs(F[:-1]) + 1e-9))
at = getattr(model, "loss_iterations_", None)
if kind.startswith("deep"):  # one record per iteration listed, ending at the last one
    ok = ok and len(at) == len(F) and at[-1] == model.n_iter_ and bool(np.all(np.diff(at) > 0))
if kind == "beta":  # the last record is labelled with the iteration in progress
    ok = ok and at[-1] == model.n_iter_ and bool(np.all(np.diff(at) > 0))
if kind == "minvol":  # a row per iteration and the start, ADMM counts per iteration
    ok = ok and len(F) == model.n_iter_ + 1 and len(model.volume_history_) == len(F)
    ok = ok and model.admm_iterations_.shape == (model.n_iter_, 1)
print("DONE", model.n_iter_, ok, [str(w.category.__name__) for w in caught], flush=True)
"""


@pytest.mark.parametrize("kind", ["beta", "deep", "deep_every_7", "minvol", "deep_in_init",
                                  "minvol_in_init", "multilayer", "transform"])
def test_sigint_stops_cleanly(kind):
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, kind], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    for line in proc.stdout:
        if "FITTING" in line or time.time() > deadline:
            break
    time.sleep(1.5 if kind.endswith("in_init") or kind == "multilayer" else 0.5)
    proc.send_signal(signal.SIGINT)
    t0 = time.time()
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()  # no fit left running for 10⁶ iterations behind a failed test
        proc.communicate()
        pytest.fail("the fit did not stop within 30 s of SIGINT")
    elapsed = time.time() - t0
    assert proc.returncode == 0, err
    assert elapsed < 2.0, f"took {elapsed:.2f}s to stop"
    assert "Traceback" not in err
    done = [line for line in out.splitlines() if line.startswith("DONE")][0]
    assert "True" in done and "InterruptedFitWarning" in done


def interrupt_after(monkeypatch, method: str, calls: int) -> None:
    """DenseData.<method> raises KeyboardInterrupt on its `calls`-th call: a Ctrl-C that lands
    exactly there, deterministically and in this process."""
    original = getattr(DenseData, method)
    count = {"n": 0}

    def patched(self, *args, **kwargs):
        count["n"] += 1
        if count["n"] == calls:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DenseData, method, patched)


@pytest.mark.parametrize("calls", [3, 8])  # in layer 1, in layer 2 (5 iterations per layer)
def test_one_ctrl_c_stops_every_layer_of_a_multilayer_fit(monkeypatch, calls):
    X = np.random.default_rng(0).uniform(0.1, 1, (40, 30))
    interrupt_after(monkeypatch, "mu_w", calls)
    with pytest.warns(deepnmf.InterruptedFitWarning) as record:
        model = deepnmf.MultilayerNMF([6, 4, 2], max_iter=5, tol=0).fit(X)
    assert len(record) == 1  # one warning for the model, not one per layer
    done = [5, 5, 5]
    stopped = (calls - 1) // 5  # the layer, from 0
    done[stopped] = calls - 5 * stopped  # the iteration in progress, as BetaNMF labels it
    done[stopped + 1:] = [0] * (2 - stopped)
    assert model.n_iter_per_layer_ == done
    assert len(model.W_) == 3 and all(np.isfinite(e) for e in model.errors_)
    for H in model.H_:
        np.testing.assert_allclose(H.sum(axis=1), 1, rtol=1e-12)


def test_ctrl_c_in_the_initialization_of_a_deep_fit_leaves_the_initial_factors(monkeypatch):
    X = np.random.default_rng(1).uniform(0.1, 1, (40, 30))
    interrupt_after(monkeypatch, "mu_w", 3)
    with pytest.warns(deepnmf.InterruptedFitWarning, match="initialization") as record:
        model = deepnmf.DeepNMF([6, 3], init_iter=5, max_iter=50, tol=0).fit(X)
    assert len(record) == 1
    assert model.n_iter_ == 0 and model.loss_history_.shape == (1, 3)
    assert model.init_model_.n_iter_per_layer_ == [3, 0]


@pytest.mark.parametrize("make", [lambda: deepnmf.BetaNMF(4, max_iter=30, tol=0),
                                  lambda: deepnmf.MultilayerNMF([4, 2], max_iter=30, tol=0),
                                  lambda: deepnmf.DeepNMF([4, 2], init_iter=5, max_iter=30, tol=0)])
def test_ctrl_c_in_transform_returns_the_codes_with_a_warning(monkeypatch, make):
    X = np.random.default_rng(2).uniform(0.1, 1, (40, 30))
    model = make().fit(X)
    method = "coupled_w" if isinstance(model, deepnmf.DeepNMF) else "mu_w"
    interrupt_after(monkeypatch, method, 4)
    with pytest.warns(deepnmf.InterruptedFitWarning, match="transform"):
        W = model.transform(X)
    assert W.shape == (40, 4) and np.all(np.isfinite(W)) and np.all(W > 0)


RANDOM_SCRIPT = r"""
import signal, sys, warnings
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
import scipy.sparse as sp
import deepnmf
# the estimators load on first use (scikit-learn with them, about 1 s): load them here, as a
# script's `from deepnmf import ...` does, so that the signal lands in a fit, not in an import
# (a Ctrl-C inside `import scipy.stats` is Python's own business: it may surface as a
# RuntimeError from a class body, or end the process by SIGINT after being caught)
from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF
rng = np.random.default_rng(int(sys.argv[1]))
X = rng.uniform(0.1, 1, (300, 200))
makers = [lambda: BetaNMF(10, max_iter=10**6, tol=0),
          lambda: DeepNMF([10, 5], init_iter=50, max_iter=10**6, tol=0),
          lambda: MultilayerNMF([10, 5], max_iter=10**6, tol=0),
          lambda: MinVolDeepNMF([10, 5], init_iter=50, max_iter=10**6),
          lambda: DeepNMF([10, 5], init_iter=50, max_iter=10**6, tol=0)]
print("READY", flush=True)
warnings.simplefilter("ignore")
try:
    which = int(sys.argv[2])
    model = makers[which]()
    model.fit(sp.csr_matrix(X) if which == 4 else X)  # the last one on sparse data
    W = model.W_ if isinstance(model.W_, list) else [model.W_]
    assert all(np.all(np.isfinite(w)) and np.all(w > 0) for w in W)
    print("STOPPED", flush=True)
except KeyboardInterrupt:  # landed outside the iterations: Python's own Ctrl-C
    print("OUTSIDE", flush=True)
"""


@pytest.mark.parametrize("seed", range(10))  # each estimator twice, at two random moments
def test_sigint_at_a_random_moment_ends_the_process_cleanly(seed):
    """Whenever the signal lands — validation, the SVD of the initialization, a layer of the
    multilayer start, a block update in C++ — the fit stops within a second or two: either
    with its iterate and a warning, or with Python's KeyboardInterrupt where no iterate exists
    yet; never a hang, a crash or an inconsistent model."""
    delay = np.random.default_rng(seed).uniform(0.05, 3.0)
    proc = subprocess.Popen([sys.executable, "-c", RANDOM_SCRIPT, str(seed), str(seed % 5)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("READY")
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    t0 = time.time()
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"did not stop within 30 s of SIGINT (after {delay:.2f} s)")
    assert time.time() - t0 < 5.0
    assert proc.returncode == 0, err
    assert ("STOPPED" in out or "OUTSIDE" in out) and "Traceback" not in err


INIT_SCRIPT = r"""
import os, signal, sys, warnings
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
import deepnmf
from deepnmf._engine import init as init_module
real = init_module._leading_svd
def svd_with_ctrl_c(*args):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands inside NNDSVD's SVD
    return real(*args)
init_module._leading_svd = svd_with_ctrl_c
X = np.random.default_rng(0).uniform(0.1, 1, (60, 50))
model = {"beta": deepnmf.BetaNMF(5, max_iter=50, tol=0),
         "deep": deepnmf.DeepNMF([5, 3], init_iter=20, max_iter=50, tol=0),
         "multilayer": deepnmf.MultilayerNMF([5, 3], max_iter=20, tol=0)}[sys.argv[1]]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model.fit(X)
n_iter = model.n_iter_per_layer_[0] if sys.argv[1] == "multilayer" else model.n_iter_
print("DONE", n_iter, [w.category.__name__ for w in caught])
"""


@pytest.mark.parametrize("kind", ["beta", "deep", "multilayer"])
def test_ctrl_c_in_the_initialization_svd(kind):
    """A SIGINT inside NNDSVD's SVD (LAPACK, which cannot stop) is held until the set-up ends:
    the fit then stops cleanly at 0 iterations with an InterruptedFitWarning — no traceback
    from inside NumPy (the set-up used to raise it raw)."""
    proc = subprocess.run([sys.executable, "-c", INIT_SCRIPT, kind], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "DONE 0" in proc.stdout and "InterruptedFitWarning" in proc.stdout, proc.stdout
