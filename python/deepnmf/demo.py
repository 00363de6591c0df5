"""The main job on bundled data: ``python -m deepnmf.demo``.

Factorizes the CBCL faces (2429×361, the paper's orientation) with KL β-NMF and prints the
loss trajectory, the time per iteration and the sparsity of the learned features.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from . import BetaNMF, build_info
from .datasets import load_cbcl_faces


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deepnmf.demo", description=__doc__)
    parser.add_argument("--rank", type=int, default=49)
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    data = load_cbcl_faces()
    X = data.X
    print(f"deepnmf {build_info()}")
    print(f"{data.description}: X is {X.shape[0]}x{X.shape[1]}")
    model = BetaNMF(args.rank, beta="kullback-leibler", init="nndsvda", max_iter=args.iters,
                    tol=0, random_state=0, n_threads=args.threads)
    t0 = time.perf_counter()
    model.fit(X)
    dt = time.perf_counter() - t0
    hist = model.loss_history_
    for k in (0, 1, 10, 50, len(hist) - 1):
        if k < len(hist):
            print(f"  KL loss after {k:4d} iterations: {hist[k]:.6e}")
    rel = np.linalg.norm(X - model.W_ @ model.H_) / np.linalg.norm(X)
    print(f"{model.n_iter_} iterations in {dt:.2f}s ({1e3 * dt / model.n_iter_:.2f} ms/iteration); "
          f"relative Frobenius error {rel:.3f}")
    H = model.components_
    frac_small = float((H < 1e-3 * H.max(axis=1, keepdims=True)).mean())
    print(f"features (rows of H, 19x19 images): {frac_small:.0%} of pixels below 1e-3 of their max")


if __name__ == "__main__":
    main()
