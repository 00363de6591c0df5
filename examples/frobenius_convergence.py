"""Relative error ‖X − WH‖/‖X‖ against time on CBCL (2429 faces × 361 pixels, r = 49) for every
Frobenius solver of BetaNMF and scikit-learn's NMF(solver="cd") and NMF(solver="mu"), from the
same random start: the README's convergence picture.

    python examples/frobenius_convergence.py [--out docs/img/frobenius_convergence.png]
                                             [--seconds 4] [--threads 1]

Every curve is a time series of one fit (deepnmf: the time stamps a callback takes after each
iteration; scikit-learn, which has no callback: separate fits of 1, 2, 5, … iterations).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

import deepnmf
from deepnmf.datasets import load_cbcl_faces

SOLVERS = [("mu", {}), ("hals", {}), ("hals", {"inner_iter": "auto"}), ("anls", {}),
           ("als", {}), ("pg", {}), ("ipg", {})]


def ours(X, W0, H0, solver, kw, seconds, threads):
    stamps: list[float] = []
    t0 = time.perf_counter()

    def callback(model, iteration):
        stamps.append(time.perf_counter() - t0)
        return stamps[-1] > seconds

    beta = 2 if solver != "mu" else "frobenius"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        model = deepnmf.BetaNMF(W0.shape[1], beta=beta, solver=solver, init="custom", tol=0,
                                max_iter=100000, loss_every=1, n_threads=threads,
                                callback=callback, **kw).fit(X, W=W0.copy(), H=H0.copy())
    losses = model.loss_history_[1:len(stamps) + 1]  # ½‖X − WH‖² after each iteration
    return np.array(stamps[:len(losses)]), np.sqrt(2 * losses) / np.linalg.norm(X)


def sklearn_curve(X, W0, H0, solver, seconds, threads):
    from sklearn.decomposition import non_negative_factorization
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(), threadpool_limits(threads):  # its first call warms up
        warnings.simplefilter("ignore")
        non_negative_factorization(X, W0.copy(), H0.copy(), n_components=W0.shape[1],
                                   init="custom", solver=solver, tol=0, max_iter=1)
    times, errors = [], []
    for k in (1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200, 1600):
        with warnings.catch_warnings(), threadpool_limits(threads):
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            W, H, _ = non_negative_factorization(X, W0.copy(), H0.copy(), n_components=W0.shape[1],
                                                 init="custom", solver=solver, tol=0,
                                                 max_iter=k)
            times.append(time.perf_counter() - t0)
        errors.append(np.linalg.norm(X - W @ H) / np.linalg.norm(X))
        if times[-1] > seconds:
            break
    return np.array(times), np.array(errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="docs/img/frobenius_convergence.png")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rank", type=int, default=49)
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from threadpoolctl import threadpool_limits

    X = load_cbcl_faces().X
    r = args.rank
    _ = deepnmf.BetaNMF  # loaded (with scikit-learn) before any clock starts
    rng = np.random.default_rng(0)
    scale = np.sqrt(X.mean() / r)  # scikit-learn's random start
    W0, H0 = scale * rng.random((X.shape[0], r)), scale * rng.random((r, X.shape[1]))
    fig, ax = plt.subplots(figsize=(9.5, 4.8))
    best = np.inf
    for solver, kw in SOLVERS:
        with threadpool_limits(args.threads):
            t, e = ours(X, W0, H0, solver, kw, args.seconds, args.threads)
        label = f"deepnmf {solver}" + (" (inner_iter='auto')" if kw else "")
        ax.plot(t, e, label=label, lw=1.6)
        best = min(best, e.min())
        print(f"{label:34s} {len(t):5d} iterations in {t[-1]:.2f} s, error {e[-1]:.5f}")
    for solver, style in (("cd", "k--"), ("mu", "k:")):
        t, e = sklearn_curve(X, W0, H0, solver, args.seconds, args.threads)
        ax.plot(t, e, style, label=f"scikit-learn {solver}", lw=1.6)
        print(f"{'scikit-learn ' + solver:34s} {len(t):5d} fits up to {t[-1]:.2f} s, error "
              f"{e[-1]:.5f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(left=1e-2, right=args.seconds)
    ax.set_ylim(best * 0.995, 0.3)
    ax.set_xlabel(f"seconds ({args.threads} thread{'s' if args.threads > 1 else ''})")
    ax.set_ylabel("relative error ‖X − WH‖ / ‖X‖")
    ax.set_title(f"Frobenius NMF of CBCL ({X.shape[0]}×{X.shape[1]}, r = {r}), same random start")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"saved {out}")


if __name__ == "__main__":
    main()
