"""Facial features per layer with deep KL-NMF on the bundled CBCL faces (paper Section 4.1).

    python examples/faces.py [--out figures/faces] [--iters 300]

Fits DeepNMF with ranks [80, 40, 20] (initialized by multilayer KL-NMF) and saves the features
of every layer (rows of Hℓ⋯H1 as 19×19 images) and the error curves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from deepnmf import DeepNMF, plotting  # noqa: E402
from deepnmf.datasets import load_cbcl_faces  # noqa: E402
from deepnmf.metrics import hoyer_sparsity  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("figures/faces"))
    ap.add_argument("--iters", type=int, default=300)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = load_cbcl_faces()
    model = DeepNMF([80, 40, 20], init_iter=args.iters, max_iter=args.iters, tol=0, random_state=0).fit(data.X)
    for layer in (1, 2, 3):
        F = model.features(layer)
        print(f"layer {layer}: {F.shape[0]} features, mean Hoyer sparsity {hoyer_sparsity(F).mean():.3f}")
        fig = plotting.plot_basis(F, data.meta["image_shape"], title=f"CBCL, layer {layer}")
        fig.savefig(args.out / f"features_layer{layer}.png", dpi=110)
    plotting.plot_errors(model).savefig(args.out / "errors.png", dpi=110)
    print(f"saved figures to {args.out}")


if __name__ == "__main__":
    main()
