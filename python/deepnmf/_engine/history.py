"""The per-layer error record of DeepNMF: which outer iterations record Dβ(W_{ℓ−1}, Wℓ Hℓ),
and when a recorded row is complete.

Layer 1's error after iteration k is a by-product of the first H-update of iteration k + 1
(that update forms W1 H1 and X ⊘ W1 H1 anyway), so a row recorded at k holds NaN in its first
column until then; layers ≥ 2 are small and are evaluated when the row is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..nmf import STAGNATION_WINDOW, stagnated


class LayerHistory:
    """Rows [D1, …, DL] of the layer errors at the recorded outer iterations ``at``.

    ``every``: record after every ``every``-th iteration (and every ``verbose``-th, which the
    progress line prints). The stopping rule compares the weighted objective F of complete rows
    at least ``max(10, every)`` iterations apart: every block update decreases F (paper
    Algorithm 1), so F between two recorded iterations is non-increasing and the test is sound.
    """

    def __init__(self, first_row: np.ndarray, every: int, verbose: int) -> None:
        self.rows: list[np.ndarray] = [np.asarray(first_row, dtype=np.float64)]
        self.at: list[int] = [0]
        self.every = every
        self.verbose = verbose
        self.window = max(STAGNATION_WINDOW, every)
        self._reported = 0  # rows handed out by newly_complete
        self._F: list[float] = []  # F of the first complete rows (they do not change)

    def wants(self, iteration: int) -> bool:
        """Whether the errors after outer iteration ``iteration`` are recorded."""
        return iteration % self.every == 0 or bool(self.verbose and iteration % self.verbose == 0)

    def pending(self) -> bool:
        """True while the last row waits for layer 1's error (the next first H-update)."""
        return bool(np.isnan(self.rows[-1][0]))

    def record(self, iteration: int, deeper: list[float]) -> None:
        """A row for ``iteration``: layers ≥ 2 given, layer 1 pending."""
        self.rows.append(np.array([np.nan, *deeper], dtype=np.float64))
        self.at.append(iteration)

    def fill_layer1(self, d1: float) -> None:
        self.rows[-1][0] = d1

    def complete(self) -> tuple[list[np.ndarray], list[int]]:
        """The rows whose every error is known, and their iterations."""
        k = len(self.rows) - 1 if self.pending() else len(self.rows)
        return self.rows[:k], self.at[:k]

    def newly_complete(self) -> list[tuple[int, np.ndarray]]:
        """(iteration, row) of the complete rows not handed out before (for the progress line
        and the stopping rule, which look at each complete row once)."""
        rows, at = self.complete()
        new = list(zip(at[self._reported:], rows[self._reported:]))
        self._reported = len(rows)
        return new

    def objective(self, lam: np.ndarray) -> list[float]:
        """F = Σℓ λℓ Dℓ of the complete rows (each computed once: the stopping rule asks
        after every recorded iteration)."""
        rows = self.complete()[0]
        self._F.extend(float(lam @ row) for row in rows[len(self._F):])
        return self._F[:len(rows)]

    def stagnated(self, lam: np.ndarray, tol: float) -> bool:
        return stagnated(self.objective(lam), tol, self.window, self.complete()[1])

    def finish(self, layer_loss: Callable[[int], float], n_iter: int) -> None:
        """Complete the record at the end of a fit after ``n_iter`` iterations: layer 1 of a
        pending row, or a whole row for ``n_iter`` when it was not recorded."""
        if self.pending():
            self.fill_layer1(layer_loss(0))
        if self.at[-1] != n_iter:
            L = len(self.rows[0])
            self.rows.append(np.array([layer_loss(l) for l in range(L)], dtype=np.float64))
            self.at.append(n_iter)

    def interrupted(self, current: np.ndarray, iteration: int) -> None:
        """After Ctrl-C: ``current`` holds the errors of the factors after the last completed
        block update, reached in outer iteration ``iteration``. They replace a pending row (its
        layer-1 error will never come) or a row of the same iteration, else they are appended."""
        self._F = []  # the last row may change
        if self.pending() or self.at[-1] == iteration:
            self.rows[-1] = current
        else:
            self.rows.append(current)
            self.at.append(iteration)
