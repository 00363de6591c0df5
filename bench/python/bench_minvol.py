"""Seconds per outer iteration of min-vol deep KL-NMF on the paper's hyperspectral data sets,
and the iterations each W-block update used (ADMM iterations, or Newton iterations of the exact
solver), for both W solvers.

    python bench/python/bench_minvol.py [--data ../shared/data] [--threads 1] [--iters 50]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import deepnmf
from deepnmf import MinVolDeepNMF

SETS = {"moffett": ([4, 2], [4.0, 1.0]), "tumor": ([3, 2], [2.5e-5, 1e-2]), "samson": ([4, 2], [0.45, 0.45])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--sets", nargs="+", default=["moffett", "tumor"])
    args = ap.parse_args()
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}; {args.threads} thread(s), "
          f"{args.iters} outer iterations after a 100-iteration multilayer init")
    print(f"{'data':>8} {'solver':>6} {'ms/outer it':>12} {'W-block its (median/max)':>25} {'F start -> end':>24}")
    for name in args.sets:
        ranks, at = SETS[name]
        X = np.load(args.data / f"{name}.npz")["X"]
        init = MinVolDeepNMF(ranks, alpha_tilde=at, init_iter=100, max_iter=1, random_state=0).fit(X)
        # start both solvers from the same column-normalized multilayer factors
        W0 = [w.copy() for w in init.init_factors_[0]]
        H0 = [h.copy() for h in init.init_factors_[1]]
        for solver in ("exact", "admm"):
            t0 = time.perf_counter()
            m = MinVolDeepNMF(ranks, alpha_tilde=at, w_solver=solver, rho=100.0, admm_tol=1e-6,
                              admm_max_iter=200, init=(W0, H0), max_iter=args.iters,
                              n_threads=args.threads).fit(X)
            dt = (time.perf_counter() - t0) / args.iters
            F = m.loss_history_[:, -1]
            its = m.admm_iterations_
            print(f"{name:>8} {solver:>6} {1e3 * dt:>12.2f} {np.median(its):>12.0f} / {its.max():<10d} "
                  f"{F[0]:>10.4f} -> {F[-1]:<10.4f}")


if __name__ == "__main__":
    main()
