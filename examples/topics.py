"""A topic hierarchy with deep KL-NMF — the analog of the paper's Tables 3 and 4 (Section 4.2).

    python examples/topics.py [--corpus news20|classic] [--ranks 10 6 3] [--iters 300]
                              [--out figures/topics]

X is documents × words, sparse (the updates cost O(nnz·r)). In the deep model
X ≈ W1 H1, W1 ≈ W2 H2, …: each row of Hℓ⋯H1 (``features(ℓ)``) is a topic of layer ℓ over the
words, and row k of Hℓ+1 (summing to one) says how topic k of layer ℓ+1 is made of the topics
of layer ℓ — the "merged topics" line of the paper's Table 4. Each document's dominant topic
at layer ℓ (the largest entry of its row of Wℓ) is compared with the true labels by the
adjusted Rand index (scikit-learn), next to multilayer KL-NMF.

``news20`` (default): the bundled 200 posts of 10 newsgroups (TF-IDF, with words; two label
levels, newsgroups and their 6 groups); topics are named by their top words. ``classic``:
7094 abstracts of 4 collections, no vocabulary; topics are named by the collection most of
their documents come from.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from deepnmf import ConvergenceWarning, DeepNMF, MultilayerNMF
from deepnmf.datasets import load_classic, load_news20
from deepnmf.metrics import top_features


def majority(names: dict[int, str], labels: np.ndarray, clusters: np.ndarray, r: int) -> list[str]:
    """The label most of each cluster's documents carry, with its share ("CISI 80%")."""
    out = []
    for k in range(r):
        members = labels[clusters == k]
        if members.size == 0:
            out.append("(no document)")
            continue
        values, counts = np.unique(members, return_counts=True)
        i = int(np.argmax(counts))
        out.append(f"{names[int(values[i])]} {100 * counts[i] / members.size:.0f}%")
    return out


def merged(H: np.ndarray, k: int, share: float = 0.1) -> str:
    """The lower-layer topics that make up topic k (weights of row k of H, largest first)."""
    row = H[k] / H[k].sum()
    parts = [j for j in np.argsort(-row, kind="stable") if row[j] >= share]
    return ", ".join(f"{j + 1} ({row[j]:.2f})" for j in parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=["news20", "classic"], default="news20")
    ap.add_argument("--ranks", type=int, nargs="+", default=None,
                    help="default: 10 6 3 for news20, 12 4 for classic")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--words", type=int, default=6, help="top words printed per topic")
    ap.add_argument("--out", type=Path, default=Path("figures/topics"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from sklearn.metrics import adjusted_rand_score

    news = args.corpus == "news20"
    data = load_news20() if news else load_classic()
    ranks = args.ranks or ([10, 6, 3] if news else [12, 4])
    X = data.X
    levels = ({"newsgroups": (data.meta["labels"], data.meta["label_names"]),
               "groups": (data.meta["super_labels"], data.meta["super_label_names"])} if news else
              {"collections": (data.meta["labels"], data.meta["collections"])})
    print(f"{data.name}: {X.shape[0]} documents x {X.shape[1]} words, {X.nnz} nonzeros; "
          f"ranks {ranks}")
    weights = [float(2 ** (len(ranks) - 1 - l)) for l in range(len(ranks))]  # the paper's [4, 2, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed iteration counts, tol = 0
        t0 = time.perf_counter()
        ml = MultilayerNMF(ranks, max_iter=2 * args.iters, tol=0, random_state=args.seed).fit(X)
        t1 = time.perf_counter()
        deep = DeepNMF(ranks, init_iter=args.iters, max_iter=args.iters, tol=0, weights=weights,
                       random_state=args.seed).fit(X)
        t2 = time.perf_counter()
    print(f"multilayer {t1 - t0:.1f} s, deep {t2 - t1:.1f} s (weights {weights})")
    ratios = [100 * d / h[-1] for d, h in zip(deep.loss_history_[-1][:-1], ml.loss_history_)]
    print("error of each layer, deep / multilayer (the paper's Figure 4 on TDT2: 107.5 %, 30 %, "
          "22 %): " + ", ".join(f"{x:.1f} %" for x in ratios) + "\n")
    print("adjusted Rand index of each layer's dominant topics against the labels:")
    for name, model in (("multilayer", ml), ("deep", deep)):
        scores = [", ".join(f"{level} {adjusted_rand_score(lab, W.argmax(axis=1)):.3f}"
                            for level, (lab, _) in levels.items()) for W in model.W_]
        for layer, line in enumerate(scores, start=1):
            print(f"  {name:>10} layer {layer} (r = {ranks[layer - 1]:2d}): {line}")
    same = [float(np.mean(a.argmax(axis=1) == b.argmax(axis=1))) for a, b in zip(ml.W_, deep.W_)]
    print("  documents whose dominant topic is the same in both models, per layer: "
          + ", ".join(f"{100 * x:.0f} %" for x in same)
          + (" (the indices then agree as well: they compare the same clusterings)"
             if min(same) == 1.0 else ""))

    first_level = next(iter(levels.values()))
    node_labels = []
    for layer in range(1, len(ranks) + 1):
        r = ranks[layer - 1]
        owners = majority(first_level[1], first_level[0], deep.W_[layer - 1].argmax(axis=1), r)
        words = top_features(deep.features(layer), data.meta["vocabulary"], args.words) if news else None
        print(f"\ndeep KL-NMF, layer {layer}: topic, " + ("top words, " if news else "")
              + "most common label of its documents" + (", made of layer-"
              f"{layer - 1} topics (weight)" if layer > 1 else ""))
        for k in range(r):
            parts = [f"{k + 1:3d}", f"{words[k]:<{args.words * 9}}" if words else "", f"{owners[k]:<26}"]
            if layer > 1:
                parts.append(merged(deep.H_[layer - 1], k))
            print("  ".join(p for p in parts if p))
        if news:
            node_labels.append(top_features(deep.features(layer), data.meta["vocabulary"], 3, sep="\n"))
        else:
            node_labels.append([o.rsplit(" ", 1)[0] + "\n" + o.rsplit(" ", 1)[1] for o in owners])
    try:
        import matplotlib

        matplotlib.use("Agg")
        from deepnmf import plotting
    except ImportError:
        print("\n(no picture: pip install matplotlib)")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    fig = plotting.plot_hierarchy(deep, labels=node_labels)
    fig.suptitle(f"deep KL-NMF of {data.name}, ranks {ranks}: topics by their top words"
                 if news else f"deep KL-NMF of {data.name}: topics by their main collection",
                 fontsize=10)
    path = args.out / f"{data.name}_hierarchy.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
