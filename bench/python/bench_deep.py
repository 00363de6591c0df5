"""Milliseconds per outer iteration of deep KL-NMF (Algorithm 1) on CBCL transposed
(2429×361), ranks [80, 40, 20], next to one single-layer KL-MU iteration (r = 80) on the same
matrix.

    python bench/python/bench_deep.py [--threads 1 2] [--iters 20] [--repeats 7]

All start from the same multilayer initialization. The deep model runs twice: recording every
layer's error after every iteration (``loss_every=1``, the default) and after every 10th
(``loss_every=10``, as the single-layer ``BetaNMF`` default); the three fits are interleaved
round by round and times are medians over the rounds of ``--iters`` iterations; "every10/every1"
is the median of the per-round ratios. A fit's fixed cost (checking X, the errors of the
initial and the final factors: about 10 ms here) is part of those per-iteration times;
"marginal(10)" leaves it out: a ``loss_every=10`` fit of 3 × ``--iters`` iterations, minus
the one of ``--iters``, per iteration added (median over the rounds).
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import interleaved_times

import deepnmf
from deepnmf import BetaNMF, DeepNMF, MultilayerNMF
from deepnmf.datasets import load_cbcl_faces

RANKS = [80, 40, 20]




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    X = load_cbcl_faces().X
    init = MultilayerNMF(RANKS, beta=1, max_iter=50, tol=0, random_state=0).fit(X)
    Ws, Hs = init.W_, init.H_
    lam = 1.0 / init.errors_
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    print(f"CBCL {X.shape[0]}x{X.shape[1]}, ranks {RANKS}, KL; median of {args.repeats} runs of "
          f"{args.iters} iterations")
    print(f"{'threads':>7} {'deep ms/it':>11} {'loss_every=10':>14} {'every10/every1':>15} "
          f"{'single r=80':>12} {'deep(10)/single':>16} {'marginal(10)':>13}")
    base = {}
    for nt in args.threads:
        def deep(every: int, iters: int = args.iters, nt: int = nt) -> None:
            DeepNMF(RANKS, init=(Ws, Hs), weights=lam, max_iter=iters, tol=0, n_threads=nt,
                    loss_every=every).fit(X)

        def single(nt: int = nt) -> None:
            BetaNMF(80, init="custom", max_iter=args.iters, tol=0, n_threads=nt).fit(
                X, W=Ws[0], H=Hs[0])

        t = 1e3 * interleaved_times([lambda: deep(1), lambda: deep(10), single,
                                     lambda: deep(10, 3 * args.iters)],
                                    args.repeats) / args.iters
        d1, d10, s1 = np.median(t[:, :3], axis=0)
        marginal = np.median((t[:, 3] - t[:, 1]) / 2)  # 2·iters iterations added
        paired = np.median(t[:, 1] / t[:, 0])
        base.setdefault("deep", d1)
        print(f"{nt:>7} {d1:>11.2f} {d10:>14.2f} {paired:>15.3f} {s1:>12.2f} {d10 / s1:>16.2f}"
              f" {marginal:>13.2f}   (speedup vs {args.threads[0]} thread(s): "
              f"{base['deep'] / d1:.2f}x)")


if __name__ == "__main__":
    main()
