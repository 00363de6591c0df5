"""Orthogonal NMF as document clustering: the `classic` corpus (4 labelled collections, tf-idf),
EM-ONMF
from a deterministic SPA start and from k-means++ starts, against scikit-learn's spherical
k-means stand-in (KMeans on the rows scaled to unit norm) and Ding's multiplicative ONMF.
Prints the adjusted Rand index against the labels, the error, ‖WᵀW − I‖ and the time.

    python examples/orthogonal_clustering.py        (needs scikit-learn)
"""

import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

from deepnmf import OrthogonalNMF
from deepnmf.datasets import load_classic


def main() -> None:
    data = load_classic()
    # tf-idf weights, rows of unit norm: the usual input of document clustering
    X, y = TfidfTransformer().fit_transform(data.X).tocsr(), data.meta["labels"]
    r = len(np.unique(y))
    print(f"classic: {X.shape[0]} documents × {X.shape[1]} words, {X.nnz} nonzeros, r = {r}")
    print(f"{'method':<28}{'ARI':>7}{'rel. error':>12}{'|WtW-I|':>10}{'time s':>9}")
    norm = float(np.sqrt(X.multiply(X).sum()))
    runs = [("EM-ONMF, SPA start", dict(init="spa")),
            ("EM-ONMF, k-means++ (seed 0)", dict(init="kmeans++", random_state=0)),
            ("EM-ONMF, k-means++ (seed 1)", dict(init="kmeans++", random_state=1)),
            ("Ding MU-ONMF, SPA start", dict(solver="ding", init="spa", max_iter=300))]
    for name, kw in runs:
        t = time.perf_counter()
        model = OrthogonalNMF(r, n_threads=1, **{"max_iter": 100, **kw}).fit(X)
        t = time.perf_counter() - t
        err = np.sqrt(2 * model.loss_) / norm
        print(f"{name:<28}{adjusted_rand_score(y, model.labels_):7.3f}{err:12.4f}"
              f"{model.orthogonality_:10.1e}{t:9.2f}")
    t = time.perf_counter()
    km = KMeans(r, n_init=1, random_state=0).fit(normalize(X))  # tf-idf rows: unit already
    t = time.perf_counter() - t
    print(f"{'KMeans on unit rows':<28}{adjusted_rand_score(y, km.labels_):7.3f}{'':>12}{'':>10}"
          f"{t:9.2f}")


if __name__ == "__main__":
    main()
