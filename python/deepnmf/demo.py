"""The demos on bundled data: ``python -m deepnmf.demo`` (and ``deepnmf demo faces|hsi``).

Deep KL-NMF of the CBCL faces (2429 faces × 361 pixels, the paper's orientation) with ranks
[80, 40, 20], initialized by multilayer KL-NMF, next to multilayer KL-NMF run for the same total
number of iterations. Prints the error of each layer and the sparsity of the facial features
(paper Section 4.1, Table 2 — the full reproduction is ``examples/paper/reproduce_cbcl.py``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from . import DeepNMF, MinVolDeepNMF, MultilayerNMF, build_info
from .datasets import load_cbcl_faces, load_samson
from .metrics import hoyer_sparsity


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deepnmf.demo", description=__doc__)
    parser.add_argument("--ranks", type=int, nargs="+", default=[80, 40, 20])
    parser.add_argument("--iters", type=int, default=100,
                        help="deep iterations; the init and the multilayer peer get as many")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = load_cbcl_faces()
    X = data.X
    print(f"deepnmf core: {build_info()}")
    print(f"{data.description}: X is {X.shape[0]}x{X.shape[1]}, ranks {args.ranks}, KL divergence")

    t0 = time.perf_counter()
    ml = MultilayerNMF(args.ranks, beta="kl", init="random", max_iter=2 * args.iters, tol=0,
                       random_state=args.seed, n_threads=args.threads).fit(X)
    t1 = time.perf_counter()
    deep = DeepNMF(args.ranks, beta="kl", layer_init="random", init_iter=args.iters,
                   max_iter=args.iters, tol=0, random_state=args.seed,
                   n_threads=args.threads).fit(X)
    t2 = time.perf_counter()
    print(f"multilayer: {2 * args.iters} iterations per layer in {t1 - t0:.1f}s; deep: "
          f"{args.iters} init + {args.iters} deep iterations in {t2 - t1:.1f}s "
          f"({1e3 * (t2 - t1) / (2 * args.iters):.1f} ms per iteration on average)")
    F = deep.loss_history_[:, -1]
    print(f"deep objective F: {F[0]:.4f} -> {F[-1]:.4f} (non-increasing: "
          f"{bool(np.all(np.diff(F) <= 1e-12 * F[:-1]))})")
    print(f"{'layer':>5} {'KL multilayer':>14} {'KL deep':>12} {'deep/ml':>8} "
          f"{'sparsity ml':>12} {'sparsity deep':>14}")
    for layer in range(1, len(args.ranks) + 1):
        e_ml, e_deep = ml.errors_[layer - 1], deep.loss_history_[-1, layer - 1]
        s_ml = np.mean(hoyer_sparsity(ml.features(layer)))
        s_deep = np.mean(hoyer_sparsity(deep.features(layer)))
        print(f"{layer:>5} {e_ml:>14.1f} {e_deep:>12.1f} {100 * e_deep / e_ml:>7.1f}% "
              f"{100 * s_ml:>11.1f}% {100 * s_deep:>13.1f}%")


def hyperspectral() -> None:
    """Min-vol deep KL-NMF of the Samson image (4 then 2 materials) next to multilayer
    KL-NMF: the objective and the layer-1 error of each (``deepnmf demo hsi``)."""
    data = load_samson()
    mv = MinVolDeepNMF([4, 2], alpha_tilde=[0.45, 0.45], max_iter=100, random_state=0).fit(data.X)
    ml = MultilayerNMF([4, 2], max_iter=100, tol=0, random_state=0).fit(data.X)
    F = mv.loss_history_[:, -1]
    print(f"Samson {data.X.shape}: min-vol deep KL-NMF objective {F[0]:.4f} -> {F[-1]:.4f}; "
          f"layer-1 KL error min-vol {mv.loss_history_[-1, 0]:.4g} vs multilayer {ml.errors_[0]:.4g}")


if __name__ == "__main__":
    main()
