"""A fit next to CPU hogs: how much slower than on an idle machine.

Runs deep KL-NMF of CBCL (ranks [80, 40, 20], 50 multilayer + 50 deep iterations) with the
default thread count, then with one busy-loop process per core taken (1 and all), and prints
each median wall time and its slowdown against the idle one. The fit's fair share with k of c
cores taken is (c − k) / c of the machine plus its part of the shared cores, so the target with
one of two cores taken is a slowdown of at most 2.2 (issue 20).

    python bench/python/bench_shared_machine.py [--repeats 3] [--threads N] [--hogs 0 1 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings

import numpy as np

import deepnmf
from deepnmf.datasets import load_cbcl_faces

HOG = "while True: pass"


def fit(X: np.ndarray, n_threads: int | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deepnmf.DeepNMF([80, 40, 20], beta=1, init_iter=50, max_iter=50, tol=0,
                        random_state=0, n_threads=n_threads).fit(X)


def timed(X: np.ndarray, n_threads: int | None, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit(X, n_threads)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="n_threads of the fit (default: the library's default)")
    parser.add_argument("--hogs", type=int, nargs="+", default=None,
                        help="numbers of busy cores to try (default: 0, 1 and all)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    hogs_list = args.hogs if args.hogs is not None else sorted({0, 1, cores})
    X = load_cbcl_faces().X.T.copy()
    fit(X, args.threads)  # warm-up: build caches, load the core
    print(f"deepnmf {deepnmf.__version__}, {cores} cores, n_threads={args.threads}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset: deepnmf loads OpenMP passive)')}")
    print(f"{'busy cores':>10} {'median s':>9} {'min s':>7} {'max s':>7} {'slowdown':>9}")
    idle = None
    for k in hogs_list:
        procs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(k)]
        try:
            time.sleep(0.5 if k else 0.0)
            t = timed(X, args.threads, args.repeats)
        finally:
            for p in procs:
                p.kill()
                p.wait()
        med = float(np.median(t))
        if k == 0:
            idle = med
        ratio = f"{med / idle:9.2f}" if idle else f"{'-':>9}"
        print(f"{k:>10} {med:9.2f} {min(t):7.2f} {max(t):7.2f} {ratio}")


if __name__ == "__main__":
    main()
