"""Input validation, in one place: every public entry point normalizes its arrays here once,
so the compiled kernels receive exactly-typed, C-ordered arrays and never copy."""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from .base import warn

FLOAT_DTYPES = (np.float64, np.float32)

_BETA_ALIASES = {
    "frobenius": 2.0,
    "euclidean": 2.0,
    "kullback-leibler": 1.0,
    "kl": 1.0,
    "itakura-saito": 0.0,
    "is": 0.0,
}


def check_beta(beta: Any) -> float:
    """β as a float: a real number or one of 'frobenius', 'kullback-leibler', 'itakura-saito'."""
    if isinstance(beta, str):
        key = beta.lower()
        if key not in _BETA_ALIASES:
            raise ValueError(
                f"beta={beta!r} is not understood: give a real number or one of "
                "'frobenius', 'kullback-leibler', 'itakura-saito'"
            )
        return _BETA_ALIASES[key]
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise ValueError(f"beta must be a real number or a divergence name, got {beta!r}")
    value = float(beta)
    if not np.isfinite(value):
        raise ValueError(f"beta must be finite, got {beta!r}")
    return value


def resolve_n_threads(n_threads: Any) -> int:
    """scikit-learn's meaning: None = OpenMP's default, -1 = all CPUs, -2 = all but one, …;
    k > 0 = k threads; 0 is an error."""
    if n_threads is None:
        return max(1, int(_core.max_threads()))
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
        raise ValueError(f"n_threads must be an integer or None, got {n_threads!r}")
    n = int(n_threads)
    if n == 0:
        raise ValueError("n_threads=0 is not allowed: use None (OpenMP default), -1 (all) or k > 0")
    if n < 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        n = max(1, (cpus or 1) + 1 + n)
    return n


def as_float_array(a: Any, name: str, *, dtype: Any = None) -> np.ndarray:
    """`a` as a 2-D C-ordered float32/float64 array, copying only when it must (another dtype,
    another layout). float32 stays float32; integers, booleans and object arrays of numbers
    become float64. Messages follow scikit-learn's wording where it has one."""
    if hasattr(a, "toarray") and not isinstance(a, np.ndarray):
        raise TypeError(f"{name}: sparse input is not supported here; pass a dense array")
    arr = np.asarray(a)
    if np.iscomplexobj(arr):
        raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}; NMF needs "
                         "real nonnegative data")
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except ValueError as exc:  # e.g. a string that is not a number
            raise ValueError(f"{name} must hold real numbers: {exc}") from None
        except TypeError as exc:  # e.g. a dict: NumPy's own wording, as scikit-learn
            raise TypeError(f"{name} must hold real numbers: {exc}") from None
    if dtype is None:  # float32 and float64 of either byte order keep their precision
        dtype = (np.dtype(f"f{arr.dtype.itemsize}") if arr.dtype.kind == "f"
                 and arr.dtype.itemsize in (4, 8) else np.dtype(np.float64))
    if arr.ndim != 2:
        raise ValueError(f"Expected a 2-D array for {name}, got {arr.ndim} dimension(s) "
                         f"{arr.shape}. Reshape your data either using array.reshape(-1, 1) if "
                         "it has a single feature or array.reshape(1, -1) if it is a single sample.")
    out = np.ascontiguousarray(arr, dtype=dtype)
    # an array at an odd byte offset (np.frombuffer with an offset) is not aligned to its
    # dtype: the kernels refuse it (misaligned loads are undefined behaviour); one copy
    return out if out.flags.aligned else out.copy()


def check_nonnegative(a: np.ndarray, name: str) -> None:
    if a.size == 0:
        raise ValueError(f"Found array with 0 sample(s) or 0 feature(s) (shape={a.shape}) while "
                         f"a minimum of 1 is required: {name} is empty; nothing to factorize")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity; clean the data first (missing "
                         "entries: missing_values=np.nan or mask=, where the model takes them)")
    if (a < 0).any():
        raise ValueError(
            f"Negative values in data passed to deepnmf: {name} has negative entries "
            f"(min {a.min():.3g}); NMF needs nonnegative data"
        )


def check_data(X: Any, beta: float, name: str = "X") -> np.ndarray:
    """The data matrix: 2-D, finite, nonnegative, not empty; zeros rejected when β ≤ 0."""
    X = as_float_array(X, name)
    check_nonnegative(X, name)
    if beta <= 0 and (X == 0).any():
        raise ValueError(
            f"{name} has exact zeros and beta={beta:g} <= 0: the beta-divergence is infinite "
            "there; add a small positive offset to the data or use beta > 0"
        )
    if not X.any():
        warn(f"{name} is all zeros: every factorization fits it", RuntimeWarning)
    return X


def check_factor(F: Any, name: str, shape: tuple[int, int], dtype: Any) -> np.ndarray:
    """An explicit factor: the expected shape, nonnegative, finite; raised to the floor ε."""
    F = as_float_array(F, name, dtype=dtype)
    if F.shape != shape:
        raise ValueError(f"{name} has shape {F.shape}, expected {shape}")
    check_nonnegative(F, name)
    return F


def check_positive_int(v: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def per_layer(value: Any, L: int, name: str, *, allow_zero: bool = False) -> np.ndarray:
    """One number per layer: one number (or a sequence of one) for every layer, or L of
    them; real, finite and positive (nonnegative with ``allow_zero``)."""
    kind = "nonnegative" if allow_zero else "positive"
    problem = ValueError(f"{name} must be a {kind} number or {L} of them, got {value!r}")
    items = [value] if np.ndim(value) == 0 else list(np.asarray(value, dtype=object).reshape(-1))
    if not items or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)
                        for v in items):
        raise problem
    arr = np.array([float(v) for v in items], dtype=np.float64)
    if arr.shape == (1,):
        arr = np.repeat(arr, L)
    ok = np.all(np.isfinite(arr)) and (np.all(arr >= 0) if allow_zero else np.all(arr > 0))
    if arr.shape != (L,) or not ok:
        raise problem
    return arr


def feature_names(X: Any) -> np.ndarray | None:
    """The column names of a pandas DataFrame (or any table with string ``columns``), as
    scikit-learn records them in ``feature_names_in_``; None for arrays and unnamed columns."""
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray):
        return None
    names = np.asarray(list(columns), dtype=object)
    return names if names.size and all(isinstance(c, str) for c in names) else None


def record_feature_names(model: Any, X: Any) -> None:
    """At fit: ``feature_names_in_`` from a DataFrame's columns (removed for an array)."""
    names = feature_names(X)
    if names is not None:
        model.feature_names_in_ = names
    elif hasattr(model, "feature_names_in_"):
        del model.feature_names_in_


def check_feature_names(model: Any, X: Any) -> None:
    """At transform: a table whose columns differ from the fit's is refused (scikit-learn's
    rule: the same names in the same order)."""
    fitted = getattr(model, "feature_names_in_", None)
    names = feature_names(X)
    if fitted is None or names is None:
        if fitted is not None and names is None and getattr(X, "columns", None) is not None:
            raise ValueError(f"X has unnamed columns, but {type(model).__name__} was fitted "
                             "with feature names")
        return
    if len(names) != len(fitted) or not np.all(names == fitted):
        unseen = [n for n in names if n not in set(fitted)][:5]
        missing = [n for n in fitted if n not in set(names)][:5]
        raise ValueError("The feature names should match those that were passed during fit "
                         f"(unseen: {unseen}, missing: {missing}"
                         f"{', or in another order' if not unseen and not missing else ''})")


def check_random_state(v: Any) -> np.random.Generator:
    """The random generator of a fit: None (fresh entropy), a nonnegative integer seed, or a
    numpy Generator / BitGenerator / SeedSequence (used as given)."""
    if v is None or isinstance(v, (np.random.Generator, np.random.BitGenerator,
                                   np.random.SeedSequence)):
        return np.random.default_rng(v)
    if isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and int(v) >= 0:
        return np.random.default_rng(int(v))
    raise ValueError(f"random_state must be None, a nonnegative integer or a numpy Generator, "
                     f"got {v!r}")


def check_positive_real(v: Any, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not (
            np.isfinite(float(v)) and float(v) > 0):
        raise ValueError(f"{name} must be a positive finite number, got {v!r}")
    return float(v)


def check_choice(v: Any, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(v, str) or v not in choices:
        raise ValueError(f"{name}={v!r}: use " + " or ".join(repr(c) for c in choices))
    return v


def check_flag(v: Any, name: str) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {v!r}")
    return bool(v)


def check_nonnegative_int(v: Any, name: str) -> int:
    """A count that may be 0 (``verbose``); True and False count as 1 and 0."""
    if not isinstance(v, numbers.Integral) or int(v) < 0:
        raise ValueError(f"{name} must be a nonnegative integer, got {v!r}")
    return int(v)


def check_callback(v: Any) -> Any:
    if v is not None and not callable(v):
        raise ValueError(f"callback must be None or a callable(model, iteration), got {v!r}")
    return v


@dataclass(frozen=True)
class RunParams:
    """The parameters of the outer loop every estimator has, checked at fit."""

    max_iter: int
    tol: float
    n_threads: int
    verbose: int
    progress: bool
    callback: Any
    rng: np.random.Generator
    loss_every: int


def check_run_params(model: Any) -> RunParams:
    """max_iter, tol, n_threads, verbose, progress, callback, random_state, loss_every (1 for
    a model without it) and warm_start of `model`, each checked in the one message form."""
    check_flag(getattr(model, "warm_start", False), "warm_start")
    return RunParams(
        max_iter=check_positive_int(model.max_iter, "max_iter"),
        tol=check_tol(model.tol),
        n_threads=resolve_n_threads(model.n_threads),
        verbose=check_nonnegative_int(model.verbose, "verbose"),
        progress=check_flag(model.progress, "progress"),
        callback=check_callback(getattr(model, "callback", None)),
        rng=check_random_state(model.random_state),
        loss_every=check_positive_int(getattr(model, "loss_every", 1), "loss_every"))


def check_tol(tol: Any) -> float:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not (float(tol) >= 0):
        raise ValueError(f"tol must be a nonnegative number, got {tol!r}")
    return float(tol)


#: The data band per dtype: data whose largest entry lies in [2^-lo, 2^hi],
#: hi = min(cap, budget / max(1, β)), is fit as it is; outside it, as 2^k X with its largest
#: entry in [0.5, 1) (exact: a power of two; one copy). Below 2^-lo the factors' floor ε
#: (paper Section 3.2.1), which is absolute, would bind far above ε relative to the factors (a
#: W of data at 1e-20 floored at ε is 1e-6 of its own size; fits of max X < ~1e-20 were
#: garbage). Above 2^cap the initializations would not hold (NNDSVDa fills zeros with the mean
#: of X: factors of size X, whose products are of size X²); above 2^(budget / β) the
#: majorizer's powers, P = Wᵀ(W H)^(β−1) of size 2^(24 + hi β) for 2^24 rows, would leave
#: float32's range (for float64 the cap binds first, for every supported β).
DATA_BAND = {np.dtype(np.float64): (16, 64, 960), np.dtype(np.float32): (4, 32, 80)}

#: The β the fits support per dtype (the core's SupportedBeta, beta.hpp): the majorizer's
#: powers of W H at the factors' floor, (ε²)^(β−2), and at the top of the data band,
#: 2^(hi (β−1)), times the factors and summed over up to 2^24 rows, stay finite. Outside,
#: updates and fits raise ValueError.
BETA_RANGE = {np.dtype(name): tuple(r) for name, r in _core.beta_range.items()}


#: The largest entry of the data must lie in [2^-L, 2^L], L = min(L_dtype, 900 / max(1, |β|)):
#: the fit runs on 2^k X at unit scale, and its factors (the data's scale times numbers up to
#: a few thousand), its β-divergence (2^(-kβ) times the fit's) and 'auto' weights must map
#: back to the caller's units without leaving the dtype's range (float64, for the losses).
DATA_EXPONENT_LIMIT = {np.dtype(np.float64): 900, np.dtype(np.float32): 100}


def data_limit(beta: float, dtype: Any) -> int:
    """L of the supported range 2^-L … 2^L of the data's largest entry (DATA_EXPONENT_LIMIT)."""
    return int(min(DATA_EXPONENT_LIMIT[np.dtype(dtype)], 900 // max(1.0, abs(beta))))


def span_limit(beta: float, dtype: Any) -> int | None:
    """For β < 1, the most binary orders of magnitude the positive entries of the data may
    span: the majorizer holds Y (W H)^(β−2), of size (smallest entry)^(β−1) and up to
    (smallest)^(β−2) relative to the largest, and the divergence x^β for β < 0 — both must
    stay within the dtype's range: 960 binary orders of magnitude for float64, 96 for float32.
    None for β ≥ 1, where no negative power of the data is formed beyond Y / (W H)."""
    if beta >= 1.0:
        return None
    return int((960 if np.dtype(dtype) == np.float64 else 96) // (2.0 - beta))


def check_data_range(largest: float, smallest: float | None, beta: float, dtype: Any,
                     name: str = "X") -> None:
    """The largest entry of the data, and for β < 1 the span down to its smallest positive
    entry, inside the supported range for β and the dtype (data_limit, span_limit), else a
    ValueError that names the bound."""
    if largest == 0.0:
        return
    L = data_limit(beta, dtype)
    if not 2.0**-L <= largest <= 2.0**L:
        raise ValueError(
            f"{name}'s largest entry {largest:.3g} is outside the range deepnmf supports for "
            f"{np.dtype(dtype).name} data with beta={beta:g}, 2^-{L} … 2^{L} (about "
            f"{2.0**-L:.1e} … {2.0**L:.1e}): its factors or its beta-divergence, mapped back "
            f"from the unit-scale fit, would leave the floating-point range; multiply {name} by "
            f"a constant first (the factorization of c{name} is that of {name} with W "
            "multiplied by c)")
    span = span_limit(beta, dtype)
    if span is not None and smallest is not None and smallest < np.ldexp(largest, -span):
        raise ValueError(
            f"{name}'s positive entries span {largest / smallest if smallest > 0 else np.inf:.3g} "
            f"(from {smallest:.3g} to {largest:.3g}), more than the 2^{span} deepnmf supports for "
            f"{np.dtype(dtype).name} data with beta={beta:g}: the majorizer's negative powers "
            f"of the model at the smallest entries would overflow; use float64, a larger beta, "
            f"or raise the smallest entries (e.g. {name} + {np.ldexp(largest, -span):.3g})")


def smallest_positive(values: np.ndarray) -> float:
    """The smallest positive entry (inf if none), in chunks: no data-sized temporary."""
    flat = values.reshape(-1)
    best = np.inf
    for start in range(0, flat.size, 1 << 16):
        chunk = flat[start:start + (1 << 16)]
        best = min(best, float(chunk.min(initial=np.inf, where=chunk > 0)))
    return best


def check_beta_range(beta: float, dtype: Any, who: str = "the fit") -> None:
    """β inside the range supported for data of `dtype` (BETA_RANGE), else a ValueError."""
    lo, hi = BETA_RANGE[np.dtype(dtype)]
    if not lo <= beta <= hi:
        raise ValueError(
            f"beta={beta:g} is outside the range deepnmf supports for {np.dtype(dtype).name} data, "
            f"[{lo:g}, {hi:g}]: the powers of W H the updates form would leave the "
            f"{np.dtype(dtype).name} range" + (" (float64 supports "
            f"[{BETA_RANGE[np.dtype(np.float64)][0]:g}, {BETA_RANGE[np.dtype(np.float64)][1]:g}])"
            if np.dtype(dtype) == np.float32 else "") + f"; {who} cannot run with it")


class Scale:
    """The power of two 2^k by which a fit sees its data (X_fit = 2^k X): 1 inside the data
    band, else the one that brings the largest entry into [0.5, 1). Every β-divergence is
    homogeneous, Dβ(sX | sV) = s^β Dβ(X | V), so the fit of 2^k X, mapped back, solves the
    same problem exactly. Factors carrying the data's scale are mapped by 2^±k (np.ldexp:
    exact, also from subnormal numbers), losses by 2^(∓kβ) in the log domain (a loss beyond
    the float64 range in the caller's units becomes inf or 0, never an OverflowError)."""

    def __init__(self, k: int = 0) -> None:
        self.k = int(k)

    @property
    def unit(self) -> bool:
        return self.k == 0

    @staticmethod
    def of(largest: float, beta: float, dtype: Any) -> Scale:
        """The scale for data of `dtype` whose largest entry is `largest` (see DATA_BAND)."""
        lo, cap, budget = DATA_BAND[np.dtype(dtype)]
        hi = min(cap, budget // max(1.0, beta))
        if largest == 0.0 or 2.0**-lo <= largest <= 2.0**hi:
            return Scale(0)
        return Scale(-int(np.frexp(largest)[1]))  # largest = f 2^e, f in [0.5, 1): k = −e

    def to_fit(self, a: Any) -> Any:
        """An array in the caller's units → the fit's (a factor carrying the data's scale)."""
        return a if self.unit else _times_power_of_two(a, self.k, exact=True)

    def to_caller(self, a: Any) -> Any:
        return a if self.unit else _times_power_of_two(a, -self.k, exact=True)

    def loss_to_caller(self, d: Any, beta: float) -> Any:
        """Losses of the fit (2^(kβ) times the caller's) in the caller's units."""
        return d if self.unit else _times_power_of_two(d, -self.k * beta)

    def weight_to_caller(self, lam: Any, beta: float) -> Any:
        """'auto' weights 1/D of the fit in the caller's units."""
        return lam if self.unit else _times_power_of_two(lam, self.k * beta)


def _times_power_of_two(d: Any, e: float, exact: bool = False) -> Any:
    """d 2^e: the fractional part of e as one rounded multiplication, the integer part exact
    (np.ldexp), over- and underflow to inf and 0 without a warning. `exact` (e an integer):
    d keeps its dtype (a factor); else the result is float64 (a loss)."""
    with np.errstate(over="ignore", under="ignore"):
        if exact:
            return np.ldexp(d, int(e))
        n = np.floor(e)
        out = np.ldexp(np.asarray(d, dtype=np.float64) * 2.0 ** (e - n), int(n))
    return float(out) if np.ndim(out) == 0 else out


def scaled_data(X: np.ndarray, beta: float, name: str = "X") -> tuple[np.ndarray, Scale]:
    """(2^k X, Scale(k)): X itself inside the data band, a scaled copy otherwise; the data
    must lie in the supported range (check_data_range)."""
    largest = float(X.max()) if X.size else 0.0
    check_data_range(largest, smallest_positive(X) if beta < 1.0 else None, beta, X.dtype, name)
    scale = Scale.of(largest, beta, X.dtype)
    if scale.unit:
        return X, scale
    Xs = scale.to_fit(X)
    if beta <= 0 and (Xs == 0).any():
        raise ValueError(
            f"{name} spans more orders of magnitude than {X.dtype.name} holds once scaled to "
            f"O(1) (max {X.max():.3g}); with beta={beta:g} <= 0 the entries that underflow to 0 "
            "make the divergence infinite"
        )
    return Xs, scale


@dataclass(frozen=True)
class SolverParams:
    """The solver axis of a single-layer fit (spec frobenius-solvers.md §6), checked at fit."""

    solver: str
    stop: str
    inner_iter: int | str
    inner_tol: float
    alpha_W: float
    alpha_H: float
    l1_ratio: float
    ipg_step: str
    ipg_tau: float

    @property
    def frobenius(self) -> bool:
        """Whether the fit runs on the Frobenius family's (G, C, U) kernels: every solver but
        MU, and MU with penalties (β = 2)."""
        return self.solver != "mu" or self.alpha_W > 0 or self.alpha_H > 0


def _nonnegative_real(v: Any, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not (
            np.isfinite(float(v)) and float(v) >= 0):
        raise ValueError(f"{name} must be a nonnegative finite number, got {v!r}")
    return float(v)


def check_solver_params(model: Any, beta: float, solvers: tuple[str, ...]) -> SolverParams:
    """solver, stop, inner_iter, inner_tol, alpha_W, alpha_H, l1_ratio, ipg_step and ipg_tau of
    `model` (the defaults where it has none): a non-MU solver needs β = 2, and so do the
    penalties (for β ≠ 2 they are not implemented yet: a clear error, never ignored)."""
    solver = check_choice(getattr(model, "solver", "mu"), "solver", solvers)
    stop = check_choice(getattr(model, "stop", "loss"), "stop", ("loss", "pgrad"))
    inner_iter = getattr(model, "inner_iter", 1)
    if inner_iter != "auto":
        inner_iter = check_positive_int(inner_iter, "inner_iter (or 'auto')")
    inner_tol = _nonnegative_real(getattr(model, "inner_tol", 0.1), "inner_tol")
    alpha_W = _nonnegative_real(getattr(model, "alpha_W", 0.0), "alpha_W")
    alpha_H_in = getattr(model, "alpha_H", "same")
    alpha_H = alpha_W if isinstance(alpha_H_in, str) and alpha_H_in == "same" else \
        _nonnegative_real(alpha_H_in, "alpha_H (or 'same')")
    l1_ratio = getattr(model, "l1_ratio", 0.0)
    if isinstance(l1_ratio, (bool, np.bool_)) or not isinstance(l1_ratio, numbers.Real) or \
            not 0.0 <= float(l1_ratio) <= 1.0:
        raise ValueError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}")
    ipg_step = check_choice(getattr(model, "ipg_step", "column"), "ipg_step",
                            ("column", "global"))
    ipg_tau = getattr(model, "ipg_tau", 0.99)
    if isinstance(ipg_tau, (bool, np.bool_)) or not isinstance(ipg_tau, numbers.Real) or \
            not 0.0 < float(ipg_tau) < 1.0:
        raise ValueError(f"ipg_tau must be a number in (0, 1), got {ipg_tau!r}")
    if solver != "mu" and beta != 2.0:
        raise ValueError(f"solver={solver!r} minimizes the Frobenius loss (beta=2), got "
                         f"beta={beta:g}; use solver='mu' for other divergences")
    if (alpha_W > 0 or alpha_H > 0) and beta != 2.0:
        raise ValueError(f"alpha_W / alpha_H (elastic-net penalties) are implemented for "
                         f"beta=2 only, got beta={beta:g}")
    if stop == "pgrad" and solver == "mu" and alpha_W == 0 and alpha_H == 0:
        raise ValueError("stop='pgrad' needs one of the Frobenius solvers ('hals', 'anls', "
                         "'pg', 'ipg', 'als'); solver='mu' stops on the loss")
    return SolverParams(solver, stop, inner_iter, inner_tol, alpha_W, alpha_H,
                        float(l1_ratio), ipg_step, float(ipg_tau))
