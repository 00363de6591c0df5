"""Timing helper shared by the benchmark scripts (they run as scripts: this folder is on
sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


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
