"""Cost of the sum-to-one H update (spec §3) for every β: `updates.mu_h(row_sums_one=True)`
against the plain MU update on the same factors, the two interleaved round by round, and
the extra time (medians) with its ratio. β = 1 and 3/2 solve each entry in closed form;
1 < β < 2 otherwise solves each entry by Newton inside the row's Newton on μ (all the
row's entries in lockstep sweeps).

    python bench/python/bench_rowsum.py [--shape 300 1000] [--rank 30] [--threads 1] [--repeats 15]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import interleaved_times

import deepnmf
from deepnmf import updates

BETAS = [0.0, 0.5, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", type=int, nargs=2, default=[300, 1000])
    ap.add_argument("--rank", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--betas", type=float, nargs="+", default=BETAS)
    args = ap.parse_args()
    m, n = args.shape
    r = args.rank
    rng = np.random.default_rng(0)
    # Y of the size of W H, so the unconstrained step already nearly sums to one per row (the
    # regime of a fit past its first iterations)
    W = rng.uniform(0.1, 1.0, size=(m, r))
    H = rng.uniform(0.1, 1.0, size=(r, n))
    H /= H.sum(axis=1, keepdims=True)
    Y = (W @ H) * rng.gamma(4.0, 0.25, size=(m, n))
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}; Y {m}x{n}, r = {r}, "
          f"{args.threads} thread(s), medians of {args.repeats} interleaved rounds")
    print(f"{'beta':>5} {'plain ms':>9} {'row sums ms':>12} {'extra ms':>9} {'ratio':>6} {'max |sum-1|':>12}")
    for beta in args.betas:
        def plain(beta=beta):
            return updates.mu_h(Y, W, H, beta, n_threads=args.threads)

        def rowsum(beta=beta):
            return updates.mu_h(Y, W, H, beta, row_sums_one=True, n_threads=args.threads)

        t = interleaved_times([plain, rowsum], repeats=args.repeats)
        t_plain, t_rows = np.median(t, axis=0)
        err = np.abs(rowsum().sum(axis=1) - 1.0).max()
        print(f"{beta:5.2f} {1e3 * t_plain:9.2f} {1e3 * t_rows:12.2f} {1e3 * (t_rows - t_plain):9.2f} "
              f"{t_rows / t_plain:6.2f} {err:12.1e}")


if __name__ == "__main__":
    main()
