"""One KL-MU iteration on the sparse `classic` document-term matrix (7094×41681, 223,839
nonzeros, CSR), r = 20: deepnmf next to scikit-learn's sparse NMF(solver="mu"), same start,
same process. Then deep KL-NMF with ranks [20, 10] on the same matrix (sum-to-one rows of H1
next to sparse data, coupled W1 update), ms per outer iteration, interleaved round by round
with the single-layer iteration.

    python bench/python/bench_sparse.py [--data ../shared/data] [--threads 1 2] [--iters 20]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _timing import interleaved_times, median_time
from threadpoolctl import threadpool_limits

import deepnmf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rank", type=int, default=20)
    args = ap.parse_args()
    from sklearn.decomposition import non_negative_factorization

    X = sp.load_npz(args.data / "classic_docs.npz").tocsr().astype(np.float64)
    r, it = args.rank, args.iters
    rng = np.random.default_rng(0)
    avg = np.sqrt(X.mean() / r)
    W0 = avg * rng.uniform(0.5, 1.5, (X.shape[0], r))
    H0 = avg * rng.uniform(0.5, 1.5, (r, X.shape[1]))
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    print(f"classic {X.shape[0]}x{X.shape[1]}, nnz {X.nnz}, r={r}, KL-MU: ms per iteration "
          f"(median of {args.repeats} runs of {it} iterations)")
    print(f"{'threads':>7} {'deepnmf':>9} {'sklearn':>9} {'sklearn/deepnmf':>16}")
    for nt in args.threads:
        with threadpool_limits(limits=nt):
            ours = median_time(lambda: deepnmf.BetaNMF(r, beta=1, init="custom", max_iter=it, tol=0,
                                                       n_threads=nt).fit(X, W=W0, H=H0), args.repeats)

            def sk():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    non_negative_factorization(X, W=W0.copy(), H=H0.copy(), n_components=r,
                                               init="custom", solver="mu", beta_loss=1,
                                               max_iter=it, tol=0)

            theirs = median_time(sk, args.repeats)
        o, s = 1e3 * ours / it, 1e3 * theirs / it
        print(f"{nt:>7} {o:>9.2f} {s:>9.2f} {s / o:>16.2f}")

    start = deepnmf.MultilayerNMF([r, r // 2], beta=1, max_iter=10, tol=0, random_state=0).fit(X)
    print(f"deep KL-NMF, ranks [{r}, {r // 2}], from a 10-iteration multilayer start: ms per "
          f"outer iteration (median of {args.repeats} interleaved rounds of {it} iterations)")
    print(f"{'threads':>7} {'deep':>9} {'single':>9} {'deep/single':>12}")
    for nt in args.threads:
        times = interleaved_times([
            lambda: deepnmf.DeepNMF([r, r // 2], init=(start.W_, start.H_),
                                    weights=1 / start.errors_, max_iter=it, tol=0,
                                    n_threads=nt).fit(X),
            lambda: deepnmf.BetaNMF(r, beta=1, init="custom", max_iter=it, tol=0,
                                    n_threads=nt).fit(X, W=W0, H=H0)], args.repeats)
        d, s = 1e3 * np.median(times, axis=0) / it
        print(f"{nt:>7} {d:>9.2f} {s:>9.2f} {np.median(times[:, 0] / times[:, 1]):>12.2f}")


if __name__ == "__main__":
    main()
