"""One KL-MU iteration (W and H) on CBCL (361×2429, r = 80): deepnmf.BetaNMF next to
scikit-learn's NMF(solver="mu") and a plain NumPy loop, in the same process, same start.

    python bench/python/bench_betanmf.py [--threads 1 2] [--iters 30] [--repeats 5]

Prints the median time per iteration of each, and the ratios. The machines are noisy:
medians over repeats; compare ratios, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import median_time
from threadpoolctl import threadpool_limits

import deepnmf
from deepnmf.datasets import load_cbcl_faces


def numpy_kl_mu(X, W, H, iters):
    """The textbook KL MU (Lee & Seung), W then H, as plain NumPy."""
    for _ in range(iters):
        W *= ((X / (W @ H)) @ H.T) / H.sum(axis=1)
        H *= (W.T @ (X / (W @ H))) / W.sum(axis=0)[:, None]
    return W, H




def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rank", type=int, default=80)
    args = ap.parse_args()

    from sklearn.decomposition import non_negative_factorization

    X = load_cbcl_faces(transpose=False).X  # 361 x 2429, as in the performance issue
    r, it = args.rank, args.iters
    rng = np.random.default_rng(0)
    W0 = rng.uniform(0.05, 0.5, (X.shape[0], r))
    H0 = rng.uniform(0.05, 0.5, (r, X.shape[1]))
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    print(f"KL-MU, X {X.shape[0]}x{X.shape[1]}, r={r}: ms per iteration (median of "
          f"{args.repeats} runs of {it} iterations)")
    print(f"{'threads':>7} {'deepnmf':>9} {'sklearn':>9} {'numpy':>9} {'sk/ours':>8} {'np/ours':>8}")
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
            plain = median_time(lambda: numpy_kl_mu(X, W0.copy(), H0.copy(), it), args.repeats)
        o, s, p = (1e3 * t / it for t in (ours, theirs, plain))
        print(f"{nt:>7} {o:>9.2f} {s:>9.2f} {p:>9.2f} {s / o:>8.2f} {p / o:>8.2f}")


if __name__ == "__main__":
    main()
