"""Reproduce the CBCL experiment of the paper (Section 4.1, Table 2, Figures 2 and 3).

    python examples/paper/reproduce_cbcl.py [--seeds 5] [--threads 2] [--out figures/cbcl]

CBCL faces transposed (2429×361), ranks [80, 40, 20], KL. For each seed: multilayer KL-NMF with
1000 MU iterations per layer; deep KL-NMF initialized by multilayer KL-NMF with 500 iterations
per layer, then 500 iterations of Algorithm 1 (λℓ = 1/Dℓ at the initialization). Layers start
from random factors (the seed). Prints Table 2 — error of deep divided by error of multilayer
per layer, Hoyer sparsity of the rows of H1, H2H1, H3H2H1 for both — next to the paper's values
(35 runs in the paper), and saves Figure 2 (median error ratios over the deep iterations) and
Figure 3 (facial features per layer, last seed) as PNG.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import deepnmf
from deepnmf import DeepNMF, MultilayerNMF
from deepnmf.datasets import load_cbcl_faces
from deepnmf.metrics import hoyer_sparsity

RANKS = [80, 40, 20]
PAPER = {  # Table 2: mean ± std over 35 runs, in %
    "ratio": [(108.3, 1.1), (26.8, 3.2), (4.4, 0.3)],
    "sparsity_multilayer": [(58.5, 0.6), (37.3, 1.0), (22.1, 1.0)],
    "sparsity_deep": [(70.1, 1.2), (50.6, 2.6), (27.1, 2.9)],
}


def mean_sparsity(model, layer: int) -> float:
    return float(np.mean(hoyer_sparsity(model.features(layer), axis=1)))


def run_seed(X, seed: int, threads: int, iters: int):
    t0 = time.perf_counter()
    ml = MultilayerNMF(RANKS, beta=1, init="random", max_iter=2 * iters, tol=0,
                       random_state=seed, n_threads=threads).fit(X)
    t1 = time.perf_counter()
    deep = DeepNMF(RANKS, beta=1, init="multilayer", layer_init="random", init_iter=iters,
                   max_iter=iters, tol=0, random_state=seed, n_threads=threads).fit(X)
    t2 = time.perf_counter()
    ratios = deep.loss_history_[:, :3] / ml.errors_[None, :]
    sp_ml = [mean_sparsity(ml, l) for l in (1, 2, 3)]
    sp_deep = [mean_sparsity(deep, l) for l in (1, 2, 3)]
    return ml, deep, ratios, sp_ml, sp_deep, (t1 - t0, t2 - t1)


def save_figures(out: Path, ratio_runs: np.ndarray, ml, deep) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    med = np.median(ratio_runs, axis=0)  # (iterations + 1, 3)
    fig, ax = plt.subplots(figsize=(6, 4))
    for l in range(3):
        ax.semilogy(med[:, l], label=f"layer {l + 1}")
    ax.axhline(1.0, color="gray", lw=0.8, ls="--")
    ax.set_xlabel("iterations of deep KL-NMF")
    ax.set_ylabel("error deep / error multilayer (median)")
    ax.set_title("CBCL, r = [80, 40, 20] (paper Fig. 2)")
    ax.legend()
    fig.tight_layout()
    fig2 = out / "cbcl_fig2_error_ratios.png"
    fig.savefig(fig2, dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(2, 3, figsize=(12, 7.5))
    for row, (name, model) in enumerate((("multilayer", ml), ("deep", deep))):
        for l in range(3):
            F = model.features(l + 1)
            r = F.shape[0]
            cols = {80: 10, 40: 8, 20: 5}[r]
            rows_ = r // cols
            tiles = F.reshape(r, 19, 19)
            tiles = tiles / tiles.max(axis=(1, 2), keepdims=True)
            grid = np.ones((rows_ * 20 - 1, cols * 20 - 1))
            for k in range(r):
                i, j = divmod(k, cols)
                # pixels are stored column-major (MATLAB): transpose each 19×19 tile
                grid[i * 20:i * 20 + 19, j * 20:j * 20 + 19] = tiles[k].T
            ax = axes[row, l]
            ax.imshow(grid, cmap="gray_r", interpolation="nearest")
            ax.set_title(f"{name}, layer {l + 1} (r = {r})")
            ax.axis("off")
    fig.suptitle("Facial features per layer, multilayer vs deep KL-NMF (paper Fig. 3)")
    fig.tight_layout()
    fig3 = out / "cbcl_fig3_features.png"
    fig.savefig(fig3, dpi=110)
    plt.close(fig)
    return [fig2, fig3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5, help="runs (the paper uses 35)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--iters", type=int, default=500, help="deep iterations (multilayer runs 2x)")
    ap.add_argument("--out", type=Path, default=Path("figures/cbcl"))
    ap.add_argument("--no-figures", action="store_true")
    args = ap.parse_args()

    X = load_cbcl_faces().X
    start = time.perf_counter()
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}; X {X.shape}, ranks {RANKS}, "
          f"{args.seeds} seeds")
    ratios, sml, sdeep = [], [], []
    ml = deep = None
    for seed in range(args.seeds):
        ml, deep, r, a, b, (tml, tdeep) = run_seed(X, seed, args.threads, args.iters)
        ratios.append(r)
        sml.append(a)
        sdeep.append(b)
        print(f"seed {seed}: ratio {np.round(100 * r[-1], 2)} %, sparsity ml {np.round(100 * np.array(a), 1)} "
              f"deep {np.round(100 * np.array(b), 1)}  ({tml:.1f}s multilayer, {tdeep:.1f}s deep)")
    R = 100 * np.array([r[-1] for r in ratios])
    SM, SD = 100 * np.array(sml), 100 * np.array(sdeep)

    def cell(v, p):
        return f"{v.mean():6.1f} ± {v.std(ddof=1) if len(v) > 1 else 0:4.1f}  ({p[0]:5.1f} ± {p[1]:3.1f})"

    print(f"\nTable 2 — ours: mean ± std over {args.seeds} seeds (paper: 35 runs)")
    print(f"{'':8} {'error deep/multilayer %':>30} {'sparsity multilayer %':>30} {'sparsity deep %':>30}")
    for l in range(3):
        print(f"Layer {l + 1}  {cell(R[:, l], PAPER['ratio'][l]):>30} "
              f"{cell(SM[:, l], PAPER['sparsity_multilayer'][l]):>30} "
              f"{cell(SD[:, l], PAPER['sparsity_deep'][l]):>30}")
    if not args.no_figures:
        for p in save_figures(args.out, np.array(ratios), ml, deep):
            print(f"saved {p}")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
