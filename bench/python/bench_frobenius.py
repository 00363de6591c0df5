"""The Frobenius solvers against scikit-learn in the same process (issue "Frobenius NMF"):

1. one HALS iteration on CBCL (2429×361) at r = 49 and r = 80 against scikit-learn's
   NMF(solver="cd") and the floor its GEMMs set (4mnr + 2(m+n)r² flops at the GEMM rate
   measured in this run), 1 thread, and the 2-thread speed-up;
2. time to reach the relative error scikit-learn's cd reaches after 200 iterations:
   accelerated HALS (inner_iter="auto") against cd, dense CBCL (r = 49) and sparse classic
   (r = 20), from the same random start;
3. deepnmf.nnls on 2429 right-hand sides with A 361×80 against a scipy.optimize.nnls loop.

    python bench/python/bench_frobenius.py [--repeats 5] [--parts 1 2 3]

Medians over repeats; ratios are what to compare across machines.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import scipy.optimize as so
from _timing import gemm_peak, interleaved_times, median_time
from threadpoolctl import threadpool_limits

import deepnmf
from deepnmf.datasets import load_cbcl_faces, load_classic


def sklearn_cd(X, W0, H0, iters):
    from sklearn.decomposition import non_negative_factorization

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return non_negative_factorization(X, W0.copy(), H0.copy(), n_components=W0.shape[1],
                                          init="custom", solver="cd", tol=0, max_iter=iters,
                                          shuffle=False)


def ours(X, W0, H0, iters, nt, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return deepnmf.BetaNMF(W0.shape[1], beta=2, solver="hals", init="custom", tol=0,
                               max_iter=iters, n_threads=nt, loss_every=10**6, **kw
                               ).fit(X, W=W0.copy(), H=H0.copy())


def start(X, r, seed=0):
    """scikit-learn's random start: uniform scaled by sqrt(mean / r)."""
    rng = np.random.default_rng(seed)
    m, n = X.shape
    s = np.sqrt(X.mean() / r)
    return s * rng.random((m, r)), s * rng.random((r, n))


def per_iteration(X, r, repeats):
    W0, H0 = start(X, r)
    it = 20
    m, n = X.shape
    rate = gemm_peak()
    floor = (4 * m * n * r + 2 * (m + n) * r * r) / rate
    with threadpool_limits(limits=1):
        t = interleaved_times([lambda: sklearn_cd(X, W0, H0, it),
                               lambda: ours(X, W0, H0, it, 1),
                               lambda: ours(X, W0, H0, it, 2)], repeats)
    sk, one, two = np.median(t, axis=0) / it
    print(f"  r={r:3d}: scikit-learn cd {1e3 * sk:7.2f} ms   deepnmf hals {1e3 * one:6.2f} ms "
          f"(1 thread) {1e3 * two:6.2f} ms (2)   floor {1e3 * floor:5.2f} ms at "
          f"{rate / 1e9:.1f} GFLOP/s")
    print(f"         ratios: scikit-learn / deepnmf {sk / one:5.2f}x   deepnmf / floor "
          f"{one / floor:4.2f}   2 threads over 1 {one / two:4.2f}x")


def relative_error(X, W, H):
    import scipy.sparse as sp

    if sp.issparse(X):
        nx = sp.linalg.norm(X) ** 2
        cross = float(np.sum((X @ H.T) * W))
        sq = nx - 2 * cross + float(np.sum((W.T @ W) * (H @ H.T)))
        return np.sqrt(max(sq, 0.0) / nx)
    return np.linalg.norm(X - W @ H) / np.linalg.norm(X)


def time_to_target(name, X, r, repeats):
    W0, H0 = start(X, r)
    with threadpool_limits(limits=1):
        Ws, Hs, _ = sklearn_cd(X, W0, H0, 200)
        target = relative_error(X, Ws, Hs)
        probe = deepnmf.BetaNMF(r, beta=2, solver="hals", inner_iter="auto", init="custom",
                                tol=0, max_iter=200, loss_every=1, n_threads=1
                                ).fit(X, W=W0.copy(), H=H0.copy())
        sq_norm = float(X.multiply(X).sum()) if hasattr(X, "multiply") else float(np.sum(X * X))
        errors = np.sqrt(2 * probe.loss_history_ / sq_norm)  # loss = ½‖X − WH‖², every iteration
        reached = np.flatnonzero(errors <= target)
        if not reached.size:
            print(f"  {name}: accelerated HALS did not reach {target:.6f} in 200 iterations")
            return
        k = int(reached[0])
        t = interleaved_times([lambda: sklearn_cd(X, W0, H0, 200),
                               lambda: ours(X, W0, H0, k, 1, inner_iter="auto")], repeats)
    sk, fast = np.median(t, axis=0)
    print(f"  {name} r={r}: cd's error after 200 iterations {target:.6f}; accelerated HALS "
          f"reaches it in {k} iterations: {fast:.3f} s against cd's {sk:.3f} s -> "
          f"{sk / fast:.1f}x")


def nnls_part(repeats):
    rng = np.random.default_rng(1)
    A, B = rng.random((361, 80)), rng.random((361, 2429))
    with threadpool_limits(limits=1):
        t_ours = median_time(lambda: deepnmf.nnls(A, B, n_threads=1), repeats)
        t0 = time.perf_counter()
        R = np.column_stack([so.nnls(A, B[:, j])[0] for j in range(B.shape[1])])
        t_sp = time.perf_counter() - t0
    X = deepnmf.nnls(A, B, n_threads=1)
    print(f"  deepnmf.nnls {1e3 * t_ours:.1f} ms   scipy.optimize.nnls loop {1e3 * t_sp:.0f} ms "
          f"-> {t_sp / t_ours:.1f}x   (max |X - X_scipy| / max |X_scipy| "
          f"{np.abs(X - R).max() / np.abs(R).max():.1e})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    X = load_cbcl_faces(transpose=True).X  # 2429 x 361
    if 1 in args.parts:
        print("1. one iteration (W and H blocks), CBCL 2429x361, median of "
              f"{args.repeats} runs of 20")
        for r in (49, 80):
            per_iteration(X, r, args.repeats)
    if 2 in args.parts:
        print("2. time to scikit-learn cd's 200-iteration error, 1 thread")
        time_to_target("CBCL", X, 49, args.repeats)
        time_to_target("classic", load_classic().X, 20, max(1, args.repeats // 2))
    if 3 in args.parts:
        print("3. NNLS, A 361x80, 2429 right-hand sides, 1 thread")
        nnls_part(args.repeats)


if __name__ == "__main__":
    main()
