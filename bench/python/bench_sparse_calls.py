"""The two sparse KL passes on `classic` (7094×41681, r = 20, 1 thread), called the way the
estimators call them, next to two variants in the same process, rounds interleaved:
  - raw arrays: the structure handed over as indptr/indices/data and checked on every call,
    against the structure checked once (`_core.compressed`, what SparseData holds);
  - factor alignment: W and H starting 0, 16, 32 or 48 bytes past a 64-byte boundary
    (NumPy's own arrays start 16 bytes past one; the estimators align their factors).

    python bench/python/bench_sparse_calls.py [--data ../shared/data] [--rounds 30]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _timing import interleaved_times

import deepnmf
from deepnmf import _core
from deepnmf._engine.data import ALIGNMENT, SparseData


def offset_copy(a: np.ndarray, order: str, offset: int) -> np.ndarray:
    """A copy of `a` in `order` whose data starts `offset` bytes past a 64-byte boundary."""
    nbytes = a.size * a.itemsize
    buf = np.empty(nbytes + 2 * ALIGNMENT, dtype=np.uint8)
    start = -buf.ctypes.data % ALIGNMENT + offset
    out = buf[start:start + nbytes].view(a.dtype).reshape(a.shape, order=order)
    out[...] = a
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--rank", type=int, default=20)
    args = ap.parse_args()
    X = sp.load_npz(args.data / "classic_docs.npz").tocsr().astype(np.float64)
    r = args.rank
    rng = np.random.default_rng(3)
    W0 = rng.uniform(0.05, 0.5, (X.shape[0], r))
    H0 = rng.uniform(0.05, 0.5, (r, X.shape[1]))
    data = SparseData(X)
    m, n = data.shape
    print(f"deepnmf {deepnmf.__version__} {deepnmf.build_info()}")
    print(f"classic {m}x{n}, nnz {data.csr.nnz}, r={r}, 1 thread: ms per call, median of "
          f"{args.rounds} interleaved rounds")

    W, H = offset_copy(W0, "C", 0), offset_copy(H0, "F", 0)
    csr, csc = data.csr, data.csc
    t = 1e3 * np.median(interleaved_times([
        lambda: _core.mu_w_sparse(data.csr_core, W, H, 1.0, 1, False),
        lambda: _core.testing.mu_w_sparse(csr.indptr, csr.indices, csr.data, m, n, W, H, 1.0, 1, False),
        lambda: _core.mu_h_sparse(data.csc_core, W, H, 1.0, False, 1, False),
        lambda: _core.testing.mu_h_sparse(csc.indptr, csc.indices, csc.data, m, n, W, H, 1.0, False, 1,
                                  False),
    ], args.rounds), axis=0)
    print(f"{'pass':>6} {'checked once':>13} {'raw arrays':>11} {'difference':>11}")
    for name, (a, b) in (("W", t[:2]), ("H", t[2:])):
        print(f"{name:>6} {a:>13.3f} {b:>11.3f} {b - a:>11.3f}")

    offsets = (0, 16, 32, 48)
    pairs = [(offset_copy(W0, "C", o), offset_copy(H0, "F", o)) for o in offsets]
    fns = []
    for Wo, Ho in pairs:
        fns += [lambda Wo=Wo, Ho=Ho: data.mu_w(Wo, Ho, 1.0, 1),
                lambda Wo=Wo, Ho=Ho: data.mu_h(Wo, Ho, 1.0, False, 1)]
    t = 1e3 * np.median(interleaved_times(fns, args.rounds), axis=0)
    print(f"{'offset':>6} {'W pass':>8} {'H pass':>8} {'sum':>8}")
    for k, o in enumerate(offsets):
        print(f"{o:>6} {t[2 * k]:>8.3f} {t[2 * k + 1]:>8.3f} {t[2 * k] + t[2 * k + 1]:>8.3f}")


if __name__ == "__main__":
    main()
