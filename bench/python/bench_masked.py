"""Masks and semi-supervised NMF, in one process:

1. a masked KL iteration (W and H updates, 20 % of the entries missing) against the unmasked
   one on CBCL (2429×361 dense, r = 49), 1 thread: the ratio of the medians;
2. classification on `classic` with half of the documents labeled (the other half's labels
   hidden): SemiSupervisedNMF against plain NMF followed by a least-squares classifier of the
   codes (B = argmin ‖W_lab B − Y_lab‖, class = argmax W B), for the KL model (l1-normalized
   counts, sparse) and the Frobenius model (TF-IDF rows of unit l2 norm over the 2000 most
   frequent words, dense: the masked/labeled kernels are dense for β ≠ 1); medians of 5 starts.

    python bench/python/bench_masked.py [--repeats 5] [--iters 20] [--starts 5]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import scipy.sparse as sp
from _timing import interleaved_times

import deepnmf
from deepnmf.datasets import load_cbcl_faces, load_classic


def iteration_ratio(repeats: int, iters: int) -> None:
    X = np.ascontiguousarray(load_cbcl_faces().X, dtype=np.float64)
    M = np.random.default_rng(0).random(X.shape) > 0.2
    Mf = M.astype(np.float64)  # in X's dtype: no conversion per fit

    def fit(k, mask):
        return lambda: deepnmf.BetaNMF(49, init="random", random_state=0, max_iter=k, tol=0,
                                       n_threads=1, loss_every=10**6).fit(X, mask=mask)

    t = interleaved_times([fit(1, None), fit(iters, None), fit(1, Mf), fit(iters, Mf)], repeats)
    plain = np.median(t[:, 1] - t[:, 0]) / (iters - 1)
    masked = np.median(t[:, 3] - t[:, 2]) / (iters - 1)
    print(f"CBCL {X.shape[0]}x{X.shape[1]} r=49 KL, 1 thread: unmasked {plain * 1e3:.2f} ms/it, "
          f"masked (20 % missing) {masked * 1e3:.2f} ms/it, ratio {masked / plain:.2f}")


def nmf_ls_accuracy(X, beta, lab, hide, seed):
    nmf = deepnmf.BetaNMF(4, beta=beta, init="random", random_state=seed, max_iter=200,
                          tol=1e-4).fit(X)
    Y = np.eye(4)[lab[~hide]]
    B = np.linalg.lstsq(nmf.W_[~hide], Y, rcond=None)[0]
    return float((np.argmax(nmf.W_[hide] @ B, axis=1) == lab[hide]).mean())


def ssnmf_accuracy(X, beta, lab, hide, seed, lam):
    y = np.where(hide, -1, lab)
    est = deepnmf.SemiSupervisedNMF(4, beta=beta, label_weight=lam, init="random",
                                    random_state=seed, max_iter=200, tol=1e-4).fit(X, y)
    pred = est.classes_[np.argmax(est.W_[hide] @ est.B_, axis=1)]
    return float((pred == lab[hide]).mean())


def classification(starts: int) -> None:
    ds = load_classic()
    counts = sp.csr_matrix(ds.X, dtype=np.float64)
    lab = ds.meta["labels"].astype(int) - 1
    length = np.asarray(counts.sum(axis=1)).ravel()
    kl = sp.diags(1.0 / np.maximum(length, 1.0)) @ counts
    top = np.argsort(-np.asarray((counts > 0).sum(axis=0)).ravel())[:2000]
    tf = counts[:, top].toarray()
    idf = np.log(tf.shape[0] / np.maximum((tf > 0).sum(axis=0), 1))
    fro = tf * idf
    fro /= np.maximum(np.linalg.norm(fro, axis=1, keepdims=True), 1e-300)
    for name, X, beta, lam in (("KL, l1 counts (sparse)", kl, 1.0, 1.0),
                               ("Frobenius, TF-IDF l2, 2000 words", fro, 2.0, 1.0)):
        ours, base = [], []
        for seed in range(starts):
            hide = np.random.default_rng(seed).random(lab.size) < 0.5
            ours.append(ssnmf_accuracy(X, beta, lab, hide, seed, lam))
            base.append(nmf_ls_accuracy(X, beta, lab, hide, seed))
        print(f"classic {name}: accuracy on the unlabeled half, median of {starts} starts: "
              f"SemiSupervisedNMF {np.median(ours):.3f}, NMF + least squares "
              f"{np.median(base):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--starts", type=int, default=5)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    iteration_ratio(args.repeats, args.iters)
    classification(args.starts)


if __name__ == "__main__":
    main()
