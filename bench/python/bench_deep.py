"""Seconds per outer iteration of deep KL-NMF (Algorithm 1) on CBCL transposed (2429×361),
ranks [80, 40, 20], next to one single-layer KL-MU iteration (r = 80) on the same matrix.

    python bench/python/bench_deep.py [--threads 1 2] [--iters 20] [--repeats 5]

Both start from the same multilayer initialization; times are medians over repeats of
``--iters`` iterations (the loss evaluation each iteration included).
"""

from __future__ import annotations

import argparse

from _timing import median_time

import deepnmf
from deepnmf import BetaNMF, DeepNMF, MultilayerNMF
from deepnmf.datasets import load_cbcl_faces

RANKS = [80, 40, 20]




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    X = load_cbcl_faces().X
    init = MultilayerNMF(RANKS, beta=1, max_iter=50, tol=0, random_state=0).fit(X)
    Ws, Hs = init.W_, init.H_
    lam = 1.0 / init.errors_
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    print(f"CBCL {X.shape[0]}x{X.shape[1]}, ranks {RANKS}, KL; median of {args.repeats} runs of "
          f"{args.iters} iterations")
    print(f"{'threads':>7} {'deep ms/it':>11} {'single r=80 ms/it':>18} {'deep/single':>12}")
    base = {}
    for nt in args.threads:
        deep = median_time(lambda: DeepNMF(RANKS, init=(Ws, Hs), weights=lam, max_iter=args.iters,
                                           tol=0, n_threads=nt).fit(X), args.repeats)
        single = median_time(lambda: BetaNMF(80, init="custom", max_iter=args.iters, tol=0,
                                             n_threads=nt).fit(X, W=Ws[0], H=Hs[0]), args.repeats)
        d, s = 1e3 * deep / args.iters, 1e3 * single / args.iters
        base.setdefault("deep", d)
        print(f"{nt:>7} {d:>11.2f} {s:>18.2f} {d / s:>12.2f}   (speedup vs {args.threads[0]} "
              f"thread(s): {base['deep'] / d:.2f}x)")


if __name__ == "__main__":
    main()
