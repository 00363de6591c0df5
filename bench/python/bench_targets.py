"""Where deepnmf stands against the performance issue's targets, measured in one run:

1. KL-MU iteration on CBCL (361×2429, r = 80, fp64): time, and the fraction of the machine's
   floor — 4 GEMMs (8·m·n·r flops) at the GEMM rate measured here with a large NumPy/OpenBLAS
   matrix product (the practical FMA peak of this core).
3. float32 time / float64 time on the same work, and the agreement of the two fits.
5. Thread sweep 1…N on the same iteration.
8. Peak RSS of fitting a dense X, next to the size of X (in a fresh subprocess).

    python bench/python/bench_targets.py [--threads-max N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np
from _timing import gemm_peak, median_time

import deepnmf
from deepnmf.datasets import load_cbcl_faces

RSS_CHILD = r"""
import json, resource, sys, numpy as np, deepnmf


def kib(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":")) * 1024


m, n = int(sys.argv[1]), int(sys.argv[2])
deepnmf.BetaNMF(2, init="random", max_iter=2, tol=0).fit(np.ones((20, 10)))  # warm up (OpenMP)
# The peak from here on: reset the kernel's high-water mark (Linux: clear_refs 5), so that
# transient peaks of the imports (scikit-learn's, when installed) do not mask the fit's.
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before, peak = kib("VmRSS"), lambda: kib("VmHWM")
except OSError:  # no procfs: the peak since the start
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
X = np.empty((m, n))
np.random.default_rng(0).random(out=X)  # filled in place: no temporary inflates the peak
X += 0.1
deepnmf.BetaNMF(20, init="random", random_state=0, max_iter=3, tol=0).fit(X)
print(json.dumps({"X": X.nbytes, "before": before, "after": peak()}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads-max", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    X = load_cbcl_faces(transpose=False).X
    m, n, r, it = X.shape[0], X.shape[1], 80, args.iters
    rng = np.random.default_rng(0)
    W0 = rng.uniform(0.05, 0.5, (m, r))
    H0 = rng.uniform(0.05, 0.5, (r, n))
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")

    peak = gemm_peak()
    floor = 8 * m * n * r / peak

    def fit(dtype, nt):
        return deepnmf.BetaNMF(r, beta=1, init="custom", max_iter=it, tol=0, n_threads=nt).fit(
            X.astype(dtype), W=W0.astype(dtype), H=H0.astype(dtype))

    t64 = median_time(lambda: fit(np.float64, 1)) / it
    print(f"[1] KL-MU iteration, CBCL r=80, fp64, 1 thread: {1e3 * t64:.2f} ms; GEMM rate here "
          f"{peak / 1e9:.1f} GFLOP/s -> 4-GEMM floor {1e3 * floor:.2f} ms; "
          f"time / floor = {t64 / floor:.2f} (fraction of peak {floor / t64:.0%})")
    t32 = median_time(lambda: fit(np.float32, 1)) / it
    a, b = fit(np.float64, 1), fit(np.float32, 1)
    rel = np.max(np.abs(b.loss_history_ - a.loss_history_) / a.loss_history_)
    print(f"[3] float32 / float64 time: {t32 / t64:.2f} ({1e3 * t32:.2f} vs {1e3 * t64:.2f} ms); "
          f"largest relative loss difference over {it} iterations {rel:.1e}")
    base = None
    for nt in range(1, args.threads_max + 1):
        t = median_time(lambda: fit(np.float64, nt)) / it
        base = base or t
        print(f"[5] threads {nt:2d}: {1e3 * t:7.2f} ms per iteration, speedup {base / t:.2f}x")
    out = subprocess.run([sys.executable, "-c", RSS_CHILD, "4000", "3000"], capture_output=True,
                         text=True, check=True).stdout
    rss = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    extra = (rss["after"] - rss["before"] - rss["X"]) / rss["X"]
    print(f"[8] fit on dense X of {rss['X'] / 2**20:.0f} MiB (r = 20, random init): peak RSS "
          f"{rss['before'] / 2**20:.0f} MiB before X, {rss['after'] / 2**20:.0f} MiB after the "
          f"fit: beyond X itself {(rss['after'] - rss['before'] - rss['X']) / 2**20:.1f} MiB "
          f"= {extra:.2f} x size(X)")


if __name__ == "__main__":
    main()
