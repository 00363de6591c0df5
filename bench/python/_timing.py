"""Timing helper shared by the benchmark scripts (they run as scripts: this folder is on
sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: bool = True) -> float:
    """Median wall time of fn() over `repeats` calls, after one untimed call."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def interleaved_times(fns: list[Callable[[], object]], repeats: int = 5) -> np.ndarray:
    """Wall times of each fn over `repeats` rounds (shape repeats × len(fns)), the fns called
    in turn within a round — in reversed order every other round — so that drift of a noisy
    machine hits them alike; medians of the columns, or of ratios of columns, compare them."""
    for fn in fns:
        fn()
    times = np.empty((repeats, len(fns)))
    for k in range(repeats):
        order = range(len(fns)) if k % 2 == 0 else reversed(range(len(fns)))
        for j in order:
            t0 = time.perf_counter()
            fns[j]()
            times[k, j] = time.perf_counter() - t0
    return times


def gemm_peak(n: int = 2048) -> float:
    """fp64 GEMM rate of one core with NumPy's BLAS (flop/s): the rate the benchmarks' floors
    are computed at."""
    a = np.random.default_rng(0).uniform(size=(n, n))
    b = np.random.default_rng(1).uniform(size=(n, n))
    with threadpool_limits(limits=1):
        t = median_time(lambda: a @ b, 3)
    return 2 * n**3 / t
