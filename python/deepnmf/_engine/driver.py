"""The one outer loop of every fit, and the loop of every ``transform``.

``run`` drives a *sweep* — one outer iteration of one algorithm, in place — and owns what
every estimator shares: the progress bar, the verbose line, the stopping rule, the callback
contract ``callback(model, iteration) -> bool`` (True stops), Ctrl-C (an
``InterruptedFitWarning``, the last complete iterate kept) and the ``ConvergenceWarning``.
Warnings name the caller's line: the first frame outside this package.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .base import ConvergenceWarning, InterruptedFitWarning, warn
from .history import LossHistory
from .stopping import Stagnation, stagnated


class Sweep(Protocol):
    """One outer iteration of one algorithm over its layer data, in place, and its record."""

    history: LossHistory

    def step(self, iteration: int) -> None:
        """Outer iteration ``iteration`` (1-based), its rows recorded in ``history``."""

    def publish(self, iteration: int) -> None:
        """The model's fitted attributes at the current iterate, in the caller's units (what
        a callback sees)."""

    def interrupted(self, iteration: int) -> int:
        """Ctrl-C during ``iteration``: record the factors as they are; returns ``n_iter``."""

    def finish(self, n_iter: int) -> None:
        """Complete the record after the last iteration."""

    def describe(self, iteration: int, row: np.ndarray) -> str:
        """The terms of the row recorded after ``iteration`` for the verbose line."""


@dataclass
class RunResult:
    n_iter: int
    converged: bool
    stopped: str | None  # "stagnated", "callback", "interrupted" or None (max_iter)


class _NoBar:
    """Stands in for a tqdm bar when progress is off."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool, total: int, desc: str) -> Any:
    """A tqdm progress bar over the outer iterations when ``enabled`` (tqdm is optional: a clear
    ImportError otherwise), else a no-op."""
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError("progress=True needs tqdm: pip install tqdm") from exc
    return tqdm(total=total, desc=desc, unit="it", leave=False)


class _Deferred:
    fired = False


@contextmanager
def deferred_interrupt() -> Iterator[_Deferred]:
    """Ctrl-C held back while a fit sets up (validation, initialization — NNDSVD's SVD runs in
    LAPACK and cannot stop anyway): a SIGINT then is reported as ``fired`` when the block ends,
    and the fit starts interrupted (0 iterations) instead of raising from inside NumPy. Only
    in the main thread, where Python delivers signals; elsewhere a no-op."""
    state = _Deferred()
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield state
        return

    def hold(signum: int, frame: Any) -> None:
        state.fired = True

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


def warn_interrupted(name: str, iteration: int) -> None:
    warn(f"{name} interrupted (Ctrl-C) during iteration {iteration}; the model holds the last "
         "consistent iterate (every block update completes in C++ before Python sees the "
         "signal)", InterruptedFitWarning)


def warn_unconverged(name: str, max_iter: int, tol: float) -> None:
    """The one ConvergenceWarning: `name` (a model, or one layer of it) reached max_iter."""
    warn(f"{name} stopped at max_iter={max_iter} before the objective stagnated (tol={tol:g}); "
         "increase max_iter", ConvergenceWarning)


def run(sweep: Sweep, *, name: str, max_iter: int, tol: float, shifted: bool = False,
        callback: Callable[[Any, int], Any] | None = None, model: Any = None,
        progress: bool = False, verbose: int = 0, start_interrupted: bool = False,
        interrupted_message: str | None = None, quiet: bool = False,
        stop_rule: Callable[[], bool] | None = None) -> RunResult:
    """Run ``sweep`` for up to ``max_iter`` outer iterations.

    Stops when the recorded objective stagnates (``tol`` > 0; ``shifted`` for objectives that
    can be negative), when ``callback(model, iteration)`` returns True, or on Ctrl-C.
    ``start_interrupted``: a Ctrl-C came during the set-up (or an earlier layer); no
    iteration runs, and ``interrupted_message`` (or the default wording) is the warning.
    ``quiet``: no warnings — the caller words them (the layers of MultilayerNMF, the
    multilayer start of the deep models). ``stop_rule``: the sweep's own stopping test, asked after
    every iteration in place of the loss rule (e.g. the projected-gradient norm of
    ``stop="pgrad"``)."""
    history = sweep.history
    own_rule = stop_rule
    rule = Stagnation(0.0 if own_rule is not None else tol, history.window, shifted)
    n_iter = 0
    stopped: str | None = None
    if start_interrupted:
        stopped = "interrupted"
        if not quiet:
            warn(interrupted_message or f"{name} interrupted (Ctrl-C) during its set-up; the "
                 "model holds the initial factors (n_iter_ = 0)", InterruptedFitWarning)
    bar = progress_bar(progress, max_iter, name)
    start = time.perf_counter()
    sign = "+" if shifted else ""  # an objective that can be negative shows its sign
    printed = -1  # the last iteration the verbose line showed
    try:
        for n_iter in range(1, 0 if start_interrupted else max_iter + 1):
            sweep.step(n_iter)
            bar.update()
            new = history.newly_complete()
            for done, row, F in new:
                bar.set_postfix_str(f"F {F:{sign}.5g}")
                if verbose and done % verbose == 0:
                    printed = done
                    terms = sweep.describe(done, row)
                    print(f"{name} iter {done:5d}  F {F:{sign}.6e}{'  ' + terms if terms else ''}"
                          f"  {time.perf_counter() - start:7.2f}s")
            if own_rule is not None and own_rule():
                stopped = "stagnated"
            elif new and rule.met(history.objectives(), history.complete_iterations()):
                stopped = "stagnated"
            if callback is not None:
                sweep.publish(n_iter)
                if callback(model, n_iter):
                    stopped = "callback"
            if stopped:
                break
    except KeyboardInterrupt:
        stopped = "interrupted"  # no convergence warning either
        if not quiet:
            warn_interrupted(name, n_iter)
        n_iter = sweep.interrupted(n_iter)
        rule = Stagnation(rule.tol, history.window, shifted)  # the record's last row changed
    finally:
        bar.close()
    with deferred_interrupt() as late:  # the record is completed whatever comes now
        sweep.finish(n_iter)
        history.newly_complete()  # the rows the end added are reported: the last iterate's
        k = history.n_complete()
        if verbose and k and history.at[k - 1] != printed:
            done, row, F = history.at[k - 1], history.rows[k - 1], history.objectives()[k - 1]
            terms = sweep.describe(done, row)
            print(f"{name} iter {done:5d}  F {F:{sign}.6e}{'  ' + terms if terms else ''}  "
                  f"{time.perf_counter() - start:7.2f}s  (last)")
    if late.fired and stopped != "interrupted":
        stopped = "interrupted"
        if not quiet:
            warn_interrupted(name, n_iter)
    # stopped by the rule inside the loop: converged, even where the row `finish` added (one
    # iteration later) need not pass the test again
    converged = stopped == "stagnated" or (own_rule() if own_rule is not None else rule.met(
        history.objectives(), history.complete_iterations()))
    if not quiet and tol > 0 and stopped is None and n_iter == max_iter and not converged:
        warn_unconverged(name, max_iter, tol)
    return RunResult(n_iter, converged, stopped)


def run_codes(sweep: Callable[[], float], max_iter: int, tol: float, name: str) -> bool:
    """The loop of every ``transform``: ``sweep()`` (one pass of W-updates of the new rows,
    returning the loss before it) until the loss stagnates (``tol``) or ``max_iter`` sweeps.
    Ctrl-C ends it between two sweeps (each completes in C++) with an InterruptedFitWarning;
    returns whether it did."""
    losses: list[float] = []
    try:
        for _ in range(max_iter):
            losses.append(sweep())
            if tol > 0 and stagnated(losses, tol):
                break
    except KeyboardInterrupt:
        warn(f"{name}.transform interrupted (Ctrl-C) after {len(losses)} sweeps; the codes "
             "returned are that iterate, not converged", InterruptedFitWarning)
        return True
    return False
