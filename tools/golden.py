"""Bit-identity of every estimator across a restructuring: SHA-256 of every fitted array.

    python tools/golden.py record FILE   # at the base commit
    python tools/golden.py check FILE    # at every later commit, on the same runner

Each case fits one estimator on a fixed small problem ({dense, CSR} × {float32, float64} ×
{1, 2 threads} × a few β) and hashes the fitted factors, the loss records, the codes of
``transform`` and the score. The digests hold for one ISA level, one compiler and one NumPy
(NNDSVD uses its SVD): the file records that fingerprint and ``check`` refuses another.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import warnings

import numpy as np
import scipy
import scipy.sparse as sp

import deepnmf


def fingerprint() -> dict:
    info = deepnmf.build_info()
    return {"isa_level": info["isa_level"], "numpy": np.__version__, "scipy": scipy.__version__,
            "machine": platform.machine(), "python": platform.python_version()}


def problem(kind: str, dtype, beta: float = 1.0) -> object:
    rng = np.random.default_rng(20261202)
    X = rng.gamma(1.5, 1.0, size=(40, 30))
    if beta > 0:  # exact zeros where the divergence allows them
        X[rng.random(X.shape) < 0.3] = 0.0
    X = X.astype(dtype)
    return sp.csr_matrix(X) if kind == "csr" else X


def estimators(beta: float, nt: int) -> dict:
    common = {"n_threads": nt, "random_state": 3}
    return {
        "BetaNMF": deepnmf.BetaNMF(6, beta=beta, max_iter=40, tol=1e-3, loss_every=3, **common),
        "BetaNMF-random": deepnmf.BetaNMF(5, beta=beta, init="random", max_iter=25, tol=0,
                                          **common),
        "MultilayerNMF": deepnmf.MultilayerNMF([8, 4], beta=beta, max_iter=30, tol=1e-3,
                                               loss_every=4, **common),
        "DeepNMF": deepnmf.DeepNMF([8, 5, 3], beta=beta, init_iter=20, max_iter=25, tol=1e-5,
                                   **common),
        "DeepNMF-every": deepnmf.DeepNMF([8, 4], beta=beta, weights=[1.0, 0.5], init_iter=15,
                                         max_iter=20, tol=0, loss_every=3, layer_init="random",
                                         **common),
    }


def minvol(nt: int) -> dict:
    common = {"n_threads": nt, "random_state": 3, "init_iter": 15, "max_iter": 12}
    return {"MinVolDeepNMF": deepnmf.MinVolDeepNMF([8, 4], tol=1e-4, **common),
            "MinVolDeepNMF-admm": deepnmf.MinVolDeepNMF([8, 4], w_solver="admm", alpha=0.05,
                                                        **common)}


def digest(value) -> str:
    h = hashlib.sha256()
    for a in value if isinstance(value, list) else [value]:
        a = np.ascontiguousarray(np.asarray(a))
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:24]


FITTED = ("W_", "H_", "components_", "loss_history_", "loss_iterations_", "n_iter_", "weights_",
          "alpha_", "errors_", "volume_history_", "admm_iterations_", "n_iter_per_layer_")


def case(model, X) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
        out = {name: digest(getattr(model, name)) for name in FITTED if hasattr(model, name)}
        out["transform"] = digest(model.transform(X[:7]))
        out["score"] = digest(np.float64(model.score(X[:7])))
    return out


def run() -> dict:
    results = {}
    for kind in ("dense", "csr"):
        for dtype in (np.float64, np.float32):
            for nt in (1, 2):
                betas = (1.0,) if kind == "csr" else (1.0, 2.0, 0.5, 0.0)
                tag = f"{kind}/{np.dtype(dtype).name}/t{nt}"
                for beta in betas:
                    for name, model in estimators(beta, nt).items():
                        results[f"{name}/b{beta:g}/{tag}"] = case(model, problem(kind, dtype, beta))
                for name, model in minvol(nt).items():
                    results[f"{name}/{tag}"] = case(model, problem(kind, dtype))
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("record", "check"):
        print(__doc__)
        return 2
    path = argv[2]
    if argv[1] == "record":
        with open(path, "w") as f:
            json.dump({"fingerprint": fingerprint(), "cases": run()}, f, indent=1, sort_keys=True)
        print(f"recorded {path}")
        return 0
    with open(path) as f:
        saved = json.load(f)
    if saved["fingerprint"] != fingerprint():
        print(f"{path} was recorded on {saved['fingerprint']}, this is {fingerprint()}")
        return 2
    now = run()
    bad = [(c, k) for c, v in saved["cases"].items() for k in v if now.get(c, {}).get(k) != v[k]]
    missing = sorted(set(saved["cases"]) - set(now))
    for c, k in bad:
        print(f"DIFFERS {c} {k}")
    for c in missing:
        print(f"MISSING {c}")
    n = sum(len(v) for v in saved["cases"].values())
    print(f"{n - len(bad)} of {n} digests identical ({len(saved['cases'])} cases)")
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
