"""Hyperspectral unmixing with minimum-volume deep KL-NMF (paper Section 4.3) next to
multilayer KL-NMF.

    python examples/hyperspectral.py [samson|moffett|tumor ...] [--out figures/hsi]
                                     [--w-solver exact|admm]

X is bands × pixels; W1 holds the layer-1 endmember spectra (columns summing to one), H1 their
abundances (each row an image); layer 2 merges the endmembers: W2 (spectra) and H2 H1
(abundances). Paper parameters (spec): ranks Moffett [4, 2], Tumor [3, 2], Samson [4, 2];
δ = 1, α̃ = [4, 1], [2.5e-5, 1e-2], [0.45, 0.45]; ρ = 100, ADMM tolerance 1e-6, 200
iterations; 300, 200, 800 outer iterations. Saves, per data set, one PNG with the abundance
maps of both layers for both methods and one with the endmember spectra.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from deepnmf import MinVolDeepNMF, MultilayerNMF, datasets

PAPER = {
    "moffett": dict(ranks=[4, 2], alpha_tilde=[4.0, 1.0], max_iter=300),
    "tumor": dict(ranks=[3, 2], alpha_tilde=[2.5e-5, 1e-2], max_iter=200),
    "samson": dict(ranks=[4, 2], alpha_tilde=[0.45, 0.45], max_iter=800),
}


def load(name: str):
    d = datasets.load_hyperspectral(name)  # bundled with the package
    return d.X, d.meta["image_shape"]


def maps_of(model, layer: int, shape) -> np.ndarray:
    """Abundance maps of layer ℓ: rows of Hℓ⋯H1 as images (pixels column-major, as MATLAB)."""
    F = model.features(layer)
    return np.stack([row.reshape(shape, order="F") for row in F])


def figure(name: str, shape, models: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranks = next(iter(models.values())).ranks_
    cols = max(ranks)
    fig, axes = plt.subplots(2 * len(models), cols, figsize=(2.3 * cols + 1.4, 2.5 * 2 * len(models)),
                             squeeze=False)
    row = 0
    for label, model in models.items():
        for layer in (1, 2):
            maps = maps_of(model, layer, shape)
            for k in range(cols):
                ax = axes[row, k]
                ax.set_xticks([])
                ax.set_yticks([])
                if k < len(maps):
                    ax.imshow(maps[k], cmap="viridis")
                    ax.set_title(f"#{k + 1}", fontsize=9)
                else:
                    ax.axis("off")
            axes[row, 0].set_ylabel(f"{label}\nlayer {layer}", fontsize=9)
            row += 1
    fig.suptitle(f"{name}: abundance maps, layer 1 (rows of H1) and layer 2 (rows of H2 H1); "
                 "each map on its own scale", fontsize=10)
    fig.tight_layout()
    p1 = out / f"{name}_abundances.png"
    fig.savefig(p1, dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(len(models), 2, figsize=(11, 3.4 * len(models)), squeeze=False,
                             sharex=True)
    for i, (label, model) in enumerate(models.items()):
        for layer in (1, 2):
            W = model.W_[layer - 1]
            ax = axes[i, layer - 1]
            for k, spectrum in enumerate((W / W.sum(axis=0, keepdims=True)).T):
                ax.plot(spectrum, label=f"#{k + 1}")
            ax.set_title(f"{label}, layer {layer}: columns of W{layer}", fontsize=9)
            ax.legend(fontsize=8, ncol=len(W.T), loc="upper left", frameon=False)
            ax.set_ylabel("share of the spectrum", fontsize=8)
            ax.tick_params(labelsize=8)
            if i == len(models) - 1:
                ax.set_xlabel("band")
    fig.suptitle(f"{name}: endmember spectra (each column scaled to sum to one; #k is abundance map #k)",
                 fontsize=10)
    fig.tight_layout()
    p2 = out / f"{name}_endmembers.png"
    fig.savefig(p2, dpi=100)
    plt.close(fig)
    return [p1, p2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="*", default=["samson", "moffett", "tumor"])
    ap.add_argument("--out", type=Path, default=Path("figures/hsi"))
    ap.add_argument("--w-solver", default="exact", choices=["exact", "admm"])
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for name in args.datasets:
        X, shape = load(name)
        p = PAPER[name]
        t0 = time.perf_counter()
        ml = MultilayerNMF(p["ranks"], beta=1, max_iter=p["max_iter"], tol=0,
                           random_state=args.seed, n_threads=args.threads).fit(X)
        t1 = time.perf_counter()
        mv = MinVolDeepNMF(p["ranks"], alpha_tilde=p["alpha_tilde"], delta=1.0, rho=100.0,
                           admm_tol=1e-6, admm_max_iter=200, w_solver=args.w_solver,
                           max_iter=p["max_iter"], random_state=args.seed,
                           n_threads=args.threads).fit(X)
        t2 = time.perf_counter()
        F = mv.loss_history_[:, -1]
        print(f"{name}: X {X.shape}, image {shape}, ranks {p['ranks']}; multilayer {t1 - t0:.1f}s, "
              f"min-vol deep ({args.w_solver}) {t2 - t1:.1f}s; F {F[0]:.4f} -> {F[-1]:.4f}, "
              f"largest step {np.max(np.diff(F)):+.3g}")
        models = {f"min-vol deep KL ({args.w_solver})": mv, "multilayer KL": ml}
        for path in figure(name, shape, models, args.out):
            print(f"  saved {path}")
    print(f"total {time.perf_counter() - start:.1f} s (fits and pictures)")


if __name__ == "__main__":
    main()
