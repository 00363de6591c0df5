"""Document topics with deep KL-NMF on the bundled sparse `classic` corpus (7094 documents ×
41681 words, 4 collections: CRANFIELD, MEDLINE, CACM, CISI).

    python examples/topics.py [--ranks 12 4] [--iters 200] [--out figures/topics]

X is documents × words (sparse CSR: the updates cost O(nnz·r)). Each document is clustered by
its largest entry in Wℓ (its dominant topic at layer ℓ); the clustering of the last layer
(r = 4) is compared with the true collections by the adjusted Rand index (scikit-learn), next
to the same for multilayer KL-NMF, and the merging of topics across layers is drawn.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from deepnmf import DeepNMF, MultilayerNMF
from deepnmf.datasets import load_classic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ranks", type=int, nargs="+", default=[12, 4])
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path("figures/topics"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from sklearn.metrics import adjusted_rand_score

    data = load_classic()
    X, labels = data.X, data.meta["labels"]
    print(f"classic: {X.shape[0]} documents x {X.shape[1]} words, {X.nnz} nonzeros")
    t0 = time.perf_counter()
    ml = MultilayerNMF(args.ranks, max_iter=2 * args.iters, tol=0, init="random",
                       random_state=args.seed).fit(X)
    t1 = time.perf_counter()
    deep = DeepNMF(args.ranks, layer_init="random", init_iter=args.iters, max_iter=args.iters,
                   tol=0, weights=[4, 2, 1][: len(args.ranks)], random_state=args.seed).fit(X)
    t2 = time.perf_counter()
    print(f"multilayer {t1 - t0:.1f}s, deep {t2 - t1:.1f}s")
    for name, model in (("multilayer", ml), ("deep", deep)):
        for layer, W in enumerate(model.W_, start=1):
            ari = adjusted_rand_score(labels, W.argmax(axis=1))
            print(f"{name:>10} layer {layer} (r={W.shape[1]:2d}): adjusted Rand index {ari:.3f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        from deepnmf import plotting

        args.out.mkdir(parents=True, exist_ok=True)
        # label each topic of layer 1 by the collection most of its documents come from
        names = data.meta["collections"]
        top = [[names[int(np.bincount(labels[deep.W_[0].argmax(axis=1) == k], minlength=5).argmax() or 1)]
                for k in range(args.ranks[0])]]
        plotting.plot_hierarchy(deep, labels=top).savefig(args.out / "hierarchy.png", dpi=110)
        print(f"saved {args.out / 'hierarchy.png'}")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
