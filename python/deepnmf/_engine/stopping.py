"""The stopping rules of every fit and every ``transform``: the windowed relative decrease of
the objective, and its shifted form for objectives that can be negative."""

from __future__ import annotations

import numpy as np

#: Window (in iterations) over which the stopping rule measures the relative decrease.
STAGNATION_WINDOW = 10


def stagnated(losses: list[float], tol: float, window: int = STAGNATION_WINDOW,
              iterations: list[int] | None = None) -> bool:
    """True when the loss fell by less than ``tol`` (relative) over the last ``window``
    iterations: the last loss against the latest one recorded at least ``window`` iterations
    before it. ``iterations[k]`` is when ``losses[k]`` was recorded (default: one per
    iteration). Every update of this library's fits is a majorization–minimization step that
    never increases the objective between two recorded iterations, so this is a sound
    stagnation test."""
    if iterations is None:
        if len(losses) <= window:
            return False
        j = len(losses) - 1 - window
    else:
        j = next((k for k in range(len(iterations) - 2, -1, -1)
                  if iterations[k] <= iterations[-1] - window), -1)
        if j < 0:
            return False
    return (losses[j] - losses[-1]) <= tol * abs(losses[j])


def stagnated_shifted(F: list[float], tol: float, window: int = STAGNATION_WINDOW) -> bool:
    """The test on F − min F + |F₀|, F recorded every iteration: the log-determinants of
    min-vol NMF can make F negative, and a relative test needs a positive scale. Only the last
    window of F is shifted."""
    if not F:
        return False
    low, scale = min(F), abs(F[0])
    return stagnated([f - low + scale for f in F[-(window + 1):]], tol, window)


def stagnated_shifted_from(F: list[float], low: float, tol: float,
                           window: int = STAGNATION_WINDOW) -> bool:
    """stagnated_shifted given min F (kept by the caller as F grows: O(window) per test)."""
    return bool(F) and stagnated([f - low + abs(F[0]) for f in F[-(window + 1):]], tol, window)


class Stagnation:
    """The rule a fit stops on: ``tol`` > 0 and the recorded objective stagnated over
    ``window`` iterations (``shifted`` for objectives that can be negative)."""

    def __init__(self, tol: float, window: int, shifted: bool = False) -> None:
        self.tol, self.window, self.shifted = tol, window, shifted
        self._low = np.inf  # min F over the objectives seen (shifted rule)
        self._seen = 0

    def met(self, objectives: list[float], iterations: list[int]) -> bool:
        if self.tol <= 0:
            return False
        if self.shifted:
            if len(objectives) < self._seen:  # the record was rewritten (Ctrl-C)
                self._low, self._seen = np.inf, 0
            self._low = min([self._low, *objectives[self._seen:]])
            self._seen = len(objectives)
            return stagnated_shifted_from(objectives, self._low, self.tol, self.window)
        return stagnated(objectives, self.tol, self.window, iterations)
