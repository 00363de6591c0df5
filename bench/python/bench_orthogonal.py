"""OrthogonalNMF (EM-ONMF) against scikit-learn's KMeans (Lloyd) in the same process: time per
iteration on the rows of CBCL (2429×361, r = 49) and on the tf-idf rows of the sparse `classic`
corpus (7094×41681, r = 4 and 20), 1 thread, from the same starting centroids, and the floor its
two products set (X Hᵀ and Xᵀ W: 4·nnz·r flops, at the GEMM rate measured in this run for
dense X). Lloyd's k-means on rows of unit norm is the spherical k-means EM-ONMF generalizes
(weighted, principal-direction centroids).

    python bench/python/bench_orthogonal.py [--repeats 5] [--iters 20]

Per iteration: (time of a fit of `iters` iterations − time of a 1-iteration fit)/(iters − 1),
medians over repeats.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import gemm_peak, interleaved_times
from threadpoolctl import threadpool_limits

import deepnmf
from deepnmf.datasets import load_cbcl_faces, load_classic


def ours(X, H0, iters):
    return lambda: deepnmf.OrthogonalNMF(H0.shape[0], init="custom", max_iter=iters, tol=0,
                                         n_threads=1, loss_every=10**6).fit(X, H=H0)


def kmeans(X, H0, iters):
    from sklearn.cluster import KMeans

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return KMeans(H0.shape[0], init=H0, n_init=1, max_iter=iters, tol=0,
                          algorithm="lloyd").fit(X)
    return fit


def case(name, X, r, repeats, iters, peak):
    from sklearn.preprocessing import normalize

    rng = np.random.default_rng(0)
    rows = rng.choice(X.shape[0], size=r, replace=False)
    H0 = X[rows].toarray() if hasattr(X, "toarray") else X[rows].copy()
    Xn = normalize(X)  # KMeans' input: the unit rows (spherical k-means)
    with threadpool_limits(limits=1):
        fns = [ours(X, H0, iters), ours(X, H0, 1), kmeans(Xn, normalize(H0), iters),
               kmeans(Xn, normalize(H0), 1)]
        km_iters = fns[2]().n_iter_
        t = interleaved_times(fns, repeats)
    t_ours = np.median((t[:, 0] - t[:, 1]) / (iters - 1))
    t_km = np.median((t[:, 2] - t[:, 3]) / max(km_iters - 1, 1))
    nnz = X.nnz if hasattr(X, "nnz") else X.size
    floor = 4 * nnz * r / peak
    print(f"{name:<28} r={r:<3} EM-ONMF {1e3 * t_ours:8.2f} ms/it   KMeans {1e3 * t_km:8.2f} "
          f"ms/it ({km_iters} its)   ratio {t_km / t_ours:5.2f}×   floor {1e3 * floor:7.2f} ms "
          f"(EM / floor {t_ours / floor:5.2f}×)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    from sklearn.feature_extraction.text import TfidfTransformer

    peak = gemm_peak()
    print(f"GEMM rate (1 core): {peak / 1e9:.1f} GFLOP/s; per-iteration medians over "
          f"{args.repeats} repeats")
    case("CBCL rows (dense)", np.ascontiguousarray(load_cbcl_faces().X), 49, args.repeats,
         args.iters, peak)
    tfidf = TfidfTransformer().fit_transform(load_classic().X).tocsr()
    for r in (4, 20):
        case("classic tf-idf (sparse)", tfidf, r, args.repeats, args.iters, peak)


if __name__ == "__main__":
    main()
