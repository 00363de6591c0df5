"""Where one outer iteration of deep KL-NMF goes: the setup of bench_deep.py (CBCL transposed,
2429×361, ranks [80, 40, 20], from a 50-iteration multilayer start, λℓ = 1 / its errors),
each call of DeepNMF's sweep (Algorithm 1) timed on its own, next to the floor its GEMMs
set at this core's measured GEMM rate (times the thread count).

    python bench/python/bench_deep_parts.py [--threads 1] [--iters 60] [--loss-every 10]

The sweep makes the calls `DeepNMF.fit` makes, in its order, on the same arrays: per layer the
H-update with rows summing to one (layer 1's also returns the error of the incoming iterate on
every `--loss-every`-th iteration), W̄ℓ = Wℓ+1 Hℓ+1 and the coupled W-update (the last layer:
the plain W-update), then the errors of layers 2 and 3 on the recorded iterations. Between the
calls, on copies of the factors (the fit does not see them), the plain MU updates of layer 1
(no row sums, no coupling) show what the constraint and the coupling add.
Per part: the median of its calls, times its calls per iteration; "floor" is its flops at the
GEMM rate (8·m·n·r per layer: WH twice, Wᵀ Q, Q Hᵀ; 2·m·rℓ·rℓ+1 per W̄); "rest" what the
measured time has beyond it.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
from _timing import gemm_peak

import deepnmf
from deepnmf import MultilayerNMF
from deepnmf._engine.data import DenseData
from deepnmf._engine.layers import product
from deepnmf.datasets import load_cbcl_faces

RANKS = [80, 40, 20]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=60)
    ap.add_argument("--loss-every", type=int, default=10)
    args = ap.parse_args()
    nt = args.threads

    X = load_cbcl_faces().X
    init = MultilayerNMF(RANKS, beta=1, max_iter=50, tol=0, random_state=0).fit(X)
    W = [DenseData(X).w_layout(w, copy=True) for w in init.W_]
    H = [np.ascontiguousarray(h) for h in init.H_]
    lam = 1.0 / init.errors_
    layers = [DenseData(X)] + [DenseData(w) for w in W[:-1]]  # Y of layer ℓ: X, then Wℓ−1
    rate = gemm_peak()
    m = X.shape[0]
    cols = [X.shape[1]] + RANKS[:-1]  # columns of Y per layer

    times: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, int] = defaultdict(int)
    flops: dict[str, float] = {}

    def timed(name: str, fl: float, fn):
        t0 = time.perf_counter()
        out = fn()
        times[name].append(time.perf_counter() - t0)
        calls[name] += 1
        flops[name] = fl
        return out

    sweep_times = []
    for it in range(1, args.iters + 1):
        record = it % args.loss_every == 0
        t_sweep = time.perf_counter()
        for l in range(len(RANKS)):
            Y, r, n = layers[l], RANKS[l], cols[l]
            gemm2 = 4.0 * m * n * r  # two GEMMs of one update
            tag = f"H{l + 1} (rows sum to 1)"
            if l == 0 and record:
                timed(tag + " + D1", gemm2, lambda: Y.mu_h(W[0], H[0], 1.0, True, nt, True))
            else:
                timed(tag, gemm2, lambda: Y.mu_h(W[l], H[l], 1.0, True, nt))
            if l < len(RANKS) - 1:
                W_bar = timed(f"W̄{l + 1} = W{l + 2} H{l + 2}", 2.0 * m * RANKS[l + 1] * r,
                              lambda: product(W[l + 1], H[l + 1], nt))
                timed(f"W{l + 1} coupled", gemm2,
                      lambda: Y.coupled_w(W[l], H[l], W_bar, float(lam[l + 1] / lam[l]), 1.0, nt))
            else:
                timed(f"W{l + 1}", gemm2, lambda: Y.mu_w(W[l], H[l], 1.0, nt))
        if record:
            for l in range(1, len(RANKS)):
                timed(f"D{l + 1}", 2.0 * m * cols[l] * RANKS[l],
                      lambda: layers[l].divergence(W[l], H[l], 1.0, nt))
        sweep_times.append(time.perf_counter() - t_sweep)
        # references on copies, outside the timed sweep: layer 1's plain MU updates
        w1, h1 = W[0].copy(), H[0].copy()
        g1 = 4.0 * m * cols[0] * RANKS[0]
        timed("(ref) H1 plain MU", g1, lambda: layers[0].mu_h(w1, h1, 1.0, False, nt))
        timed("(ref) W1 plain MU", g1, lambda: layers[0].mu_w(w1, h1, 1.0, nt))

    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    print(f"CBCL {X.shape[0]}x{X.shape[1]}, ranks {RANKS}, KL, {nt} thread(s), {args.iters} "
          f"iterations, errors every {args.loss_every}; GEMM rate {rate / 1e9:.1f} GFLOP/s per "
          f"core")
    print(f"{'part':<26} {'calls/it':>8} {'ms/it':>7} {'floor ms':>8} {'rest ms':>8}")
    total = total_floor = 0.0
    for name in times:
        per_it = calls[name] / args.iters
        ms = 1e3 * float(np.median(times[name])) * per_it
        floor = 1e3 * flops[name] / (rate * nt) * per_it
        if not name.startswith("(ref)"):
            total, total_floor = total + ms, total_floor + floor
        print(f"{name:<26} {per_it:>8.2f} {ms:>7.2f} {floor:>8.2f} {ms - floor:>8.2f}")
    print(f"{'sum of the parts':<26} {'':>8} {total:>7.2f} {total_floor:>8.2f} "
          f"{total - total_floor:>8.2f}")
    print(f"{'whole sweep (median)':<26} {'':>8} {1e3 * float(np.median(sweep_times)):>7.2f}")


if __name__ == "__main__":
    main()
