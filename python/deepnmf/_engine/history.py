"""The loss record of every fit: rows of the objective's terms at the recorded outer
iterations, one type for the single-layer fit (one term), the layered fits (one term per
layer) and min-vol NMF (data terms and log-determinants).

Layer 1's error after iteration k is a by-product of the first H-update of iteration k + 1
(that update forms W1 H1 and X ⊘ W1 H1 anyway), so a deep fit records row k with NaN in its
first column until then (a *pending* row); the other terms are evaluated when the row is
recorded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .stopping import STAGNATION_WINDOW


class LossHistory:
    """Rows of the objective's terms at the recorded outer iterations ``at``.

    ``objective(row)`` is the scalar objective F of a complete row. ``every``: record after
    every ``every``-th iteration (and every ``verbose``-th, which the progress line prints);
    the stopping rule compares F of complete rows at least ``max(10, every)`` iterations
    apart.
    """

    def __init__(self, objective: Callable[[np.ndarray], float], every: int = 1,
                 verbose: int = 0, first_row: np.ndarray | None = None) -> None:
        self.objective = objective
        self.rows: list[np.ndarray] = []
        self.at: list[int] = []
        self.every = every
        self.verbose = verbose
        self.window = max(STAGNATION_WINDOW, every)
        self._pending = False  # the last row waits for its first term
        self._reported = 0  # rows handed out by newly_complete
        self._F: list[float] = []  # F of the first complete rows (they do not change)
        if first_row is not None:
            self.append(0, first_row)

    def wants(self, iteration: int) -> bool:
        """Whether the terms after outer iteration ``iteration`` are recorded."""
        return iteration % self.every == 0 or bool(self.verbose and iteration % self.verbose == 0)

    def append(self, iteration: int, row: np.ndarray | list[float]) -> None:
        """A complete row for ``iteration``."""
        self.rows.append(np.asarray(row, dtype=np.float64))
        self.at.append(iteration)

    def pending(self) -> bool:
        """True while the last row waits for its first term (layer 1's error)."""
        return self._pending

    def record(self, iteration: int, rest: list[float]) -> None:
        """A pending row for ``iteration``: every term but the first given."""
        self.append(iteration, [np.nan, *rest])
        self._pending = True

    def fill_first(self, value: float) -> None:
        self.rows[-1][0] = value
        self._pending = False

    def n_complete(self) -> int:
        return len(self.rows) - 1 if self._pending else len(self.rows)

    def complete(self) -> tuple[list[np.ndarray], list[int]]:
        """The rows whose every term is known, and their iterations."""
        k = self.n_complete()
        return self.rows[:k], self.at[:k]

    def newly_complete(self) -> list[tuple[int, np.ndarray, float]]:
        """(iteration, row, F) of the complete rows not handed out before (for the progress
        line and the stopping rule, which look at each complete row once)."""
        k, start = self.n_complete(), self._reported
        self._update_objectives()
        new = [(self.at[i], self.rows[i], self._F[i]) for i in range(start, k)]
        self._reported = k
        return new

    def _update_objectives(self) -> None:
        k = self.n_complete()
        self._F.extend(self.objective(self.rows[i]) for i in range(len(self._F), k))

    def objectives(self) -> list[float]:
        """F of the complete rows (each computed once: the stopping rule asks after every
        recorded iteration). The list is the history's own: read, do not change."""
        self._update_objectives()
        return self._F if len(self._F) == self.n_complete() else self._F[:self.n_complete()]

    def complete_iterations(self) -> list[int]:
        """The iterations of the complete rows (the history's own list when all are)."""
        k = self.n_complete()
        return self.at if k == len(self.at) else self.at[:k]

    def finish(self, current: Callable[[], np.ndarray], first: Callable[[], float],
               n_iter: int) -> None:
        """Complete the record at the end of a fit after ``n_iter`` iterations: the first
        term of a pending row, or a whole row for ``n_iter`` when it was not recorded."""
        if self.pending():
            self.fill_first(first())
        if not self.at or self.at[-1] != n_iter:
            self.append(n_iter, current())

    def replace_last(self, row: np.ndarray | list[float]) -> None:
        """The last (complete) row for other factors of the same iteration (ALS ends on its
        best iterate)."""
        self.rows[-1] = np.asarray(row, dtype=np.float64)
        self._F = self._F[:len(self.rows) - 1]

    def interrupted(self, current: np.ndarray, iteration: int) -> None:
        """After Ctrl-C: ``current`` holds the terms of the factors after the last completed
        block update, reached in outer iteration ``iteration``. They replace a pending row
        (its first term will never come) or a row of the same iteration, else they are
        appended."""
        self._F = []  # the last row may change
        if self._pending or (self.at and self.at[-1] == iteration):
            self.rows[-1] = np.asarray(current, dtype=np.float64)
        else:
            self.append(iteration, current)
        self._pending = False

    def table(self) -> np.ndarray:
        """The complete rows as one array (rows × terms)."""
        return np.array(self.complete()[0])

    def iterations(self) -> np.ndarray:
        return np.asarray(self.complete()[1], dtype=np.int64)
