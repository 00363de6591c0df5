"""Saving and loading fitted models as plain ``.npz`` files — no pickle.

Layout (every entry a NumPy array; ``np.load(path)`` reads it without deepnmf):

- ``__meta__``: a 0-d string array holding JSON: ``{"format": 1, "class": "DeepNMF",
  "version": "<deepnmf version>", "params": {...constructor parameters...},
  "attributes": {name: kind}, "scalars": {name: value}}`` where kind is ``"array"``, ``["list",
  k]`` (a list of k arrays stored as ``name.0``, ``name.1``, …) or ``"scalar"`` (its value in
  ``scalars``).
- one entry per fitted array attribute (``W_``, ``H_.0``, ``loss_history_``, ``weights_``, …).

Each estimator registers itself (:func:`register`) with the fitted attributes it saves and their
kinds;
:func:`load` takes those and nothing else, checks their types, shapes and that the factors fit
together, and refuses anything else with one ValueError naming the file. Parameters that cannot
be written as JSON (a callback, a numpy Generator as random_state, explicit initial factors)
are stored as null and restored as their defaults; NumPy scalars and vectors (``np.int64(3)``,
``np.array([3, 2])``) are written as numbers and lists. A file is written to a temporary name
next to the target and renamed over it, so a failed or interrupted save leaves no truncated
model and never destroys the previous one.
"""

from __future__ import annotations

import importlib
import inspect
import json
import numbers
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._build_info import VERSION

FORMAT = 1


@dataclass(frozen=True)
class Registered:
    """A class that ``load`` can build: its saved attributes by kind, the checks a loaded
    model's values must pass beyond their kinds, and attributes that are other names of a
    saved one (scikit-learn's ``components_`` for ``H_``)."""

    cls: type
    attributes: dict[str, str]
    check: Callable[[dict], None]
    aliases: dict[str, str]


#: The saved-model classes by name: filled by @register, read by save, load and restore.
REGISTRY: dict[str, Registered] = {}

#: The module of each class the package exports but has not imported yet (the package loads
#: its estimators on first use): given by the package's __init__ (``locate``), imported when
#: a file or a fit first needs the class, which registers it.
_MODULES: dict[str, str] = {}


def locate(modules: dict[str, str]) -> None:
    """Where ``load`` and ``restore`` find the classes not imported yet: class name → module."""
    _MODULES.update(modules)


class ClassImportError(ImportError):
    """The module of a registered class failed to import: the file may be fine, the
    installation is not (``load`` lets it through instead of blaming the file)."""


def _registered(name: Any) -> Registered | None:
    if name not in REGISTRY and name in _MODULES:
        try:
            importlib.import_module(_MODULES[name])
        except Exception as exc:
            raise ClassImportError(f"importing {_MODULES[name]} for the class {name} "
                                   f"failed: {exc!r}") from exc
    return REGISTRY.get(name)


def register(attributes: dict[str, str], check: Callable[[dict], None] | None = None,
             aliases: dict[str, str] | None = None) -> Callable[[type], type]:
    """Class decorator: the estimator can be saved and loaded (by its class name)."""

    def add(cls: type) -> type:
        REGISTRY[cls.__name__] = Registered(cls, dict(attributes), check or (lambda v: None),
                                            dict(aliases or {}))
        return cls

    return add


def restore(name: str, params: dict[str, Any], attributes: dict[str, Any]) -> Any:
    """A fitted estimator of the registered class ``name`` built from its constructor
    parameters and fitted attributes (what ``load`` does after its checks; also how one
    estimator exposes another's fitted object, e.g. DeepNMF.init_model_)."""
    entry = _registered(name)
    if entry is None:
        raise ValueError(f"no estimator class {name!r} is registered")
    model = entry.cls(**params)
    for key, value in attributes.items():
        setattr(model, key, value)
    for alias, target in entry.aliases.items():
        if hasattr(model, target):
            setattr(model, alias, getattr(model, target))
    return model

#: Kinds of fitted attributes (what ``register(attributes=...)`` names):
#: "factor" a 2-D nonnegative finite float array, "factors" a list of them, "floats" /
#: "ints" 1-D arrays, "float_table" / "int_table" 2-D arrays, "float_arrays" / "int_arrays"
#: lists of 1-D arrays, "int", "float", "bool", "int_list" JSON scalars.
_ARRAY_KINDS = {"factor": (2, "f"), "floats": (1, "f"), "ints": (1, "i"), "float_table": (2, "f"),
                "int_table": (2, "i")}
_LIST_KINDS = {"factors": (2, "f"), "float_arrays": (1, "f"), "int_arrays": (1, "i")}
_SCALAR_KINDS = ("int", "float", "bool", "int_list")


class _Invalid(Exception):
    """What is wrong with a file (turned into the one ValueError of load)."""


def _plain(v: Any) -> Any:
    """A parameter value as JSON can hold it: NumPy scalars and vectors as numbers and lists;
    None where that is not possible (a callback, a Generator, explicit factors)."""
    if isinstance(v, np.generic):
        v = v.item()
    elif isinstance(v, np.ndarray):
        v = v.tolist() if v.ndim <= 1 and v.dtype.kind in "biuf" else None
    elif isinstance(v, (list, tuple)):
        items = [x.item() if isinstance(x, np.generic) else x for x in v]
        v = items if all(isinstance(x, (numbers.Real, str)) for x in items) else None
    try:
        json.dumps(v, allow_nan=False)
        return v
    except (TypeError, ValueError):
        return None


def model_path(path: str | Path) -> Path:
    """Where save writes: `path` with ``.npz`` appended when it has another suffix or none."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    return path


def save(model: Any, path: str | Path) -> Path:
    spec = REGISTRY[type(model).__name__].attributes
    if not any(hasattr(model, name) for name in spec):
        from .base import NotFittedError

        raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet; call fit "
                             "before save")
    params = {k: _plain(v) for k, v in model.get_params(deep=False).items()}
    arrays: dict[str, np.ndarray] = {}
    kinds: dict[str, Any] = {}
    scalars: dict[str, Any] = {}
    for name, kind in spec.items():
        if not hasattr(model, name):
            continue
        value = getattr(model, name)
        if kind in _ARRAY_KINDS:
            arrays[name] = np.asarray(value)
            kinds[name] = "array"
        elif kind in _LIST_KINDS:
            for i, v in enumerate(value):
                arrays[f"{name}.{i}"] = np.asarray(v)
            kinds[name] = ["list", len(value)]
        else:
            scalars[name] = _plain(value)
            kinds[name] = "scalar"
    meta = {"format": FORMAT, "class": type(model).__name__, "version": VERSION,
            "params": params, "attributes": kinds, "scalars": scalars}
    path = model_path(path)
    entries: dict[str, Any] = {"__meta__": np.array(json.dumps(meta)), **arrays}
    # a temporary file next to the target, renamed over it once complete (atomic on POSIX);
    # mkstemp makes it private (0600): given the mode a new file gets (0666 less the umask)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **entries)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _array(f: Any, key: str, ndim: int, kind: str, factor: bool) -> np.ndarray:
    if key not in f.files:
        raise _Invalid(f"the entry {key} is missing")
    a = f[key]
    if a.ndim != ndim or a.dtype.kind not in (("f",) if kind == "f" else ("i", "u")):
        raise _Invalid(f"{key} must be a {ndim}-D {'float' if kind == 'f' else 'integer'} array, "
                       f"got dtype {a.dtype} with shape {a.shape}")
    if a.dtype.kind == "f" and a.dtype not in (np.float32, np.float64):
        raise _Invalid(f"{key} has dtype {a.dtype}; float32 or float64 expected")
    if factor and (a.size == 0 or not np.all(np.isfinite(a)) or np.any(a < 0)):
        raise _Invalid(f"{key} must be a nonempty array of nonnegative finite numbers")
    if kind == "f" and np.isnan(a).any():
        raise _Invalid(f"{key} holds NaN")
    return a


def _scalar(value: Any, kind: str, name: str) -> Any:
    ok = {"int": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
          "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          "bool": lambda v: isinstance(v, bool),
          "int_list": lambda v: isinstance(v, list) and all(
              isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v)}[kind]
    if not ok(value):
        raise _Invalid(f"{name} must be {'a list of nonnegative integers' if kind == 'int_list' else 'a ' + kind}, got {value!r}")
    return value


def _check_factors(Ws: list[np.ndarray], Hs: list[np.ndarray], n: Any) -> None:
    """W_ℓ (m×rℓ) and H_ℓ (rℓ×r_{ℓ−1}, r0 = n) must fit together."""
    if len(Ws) != len(Hs) or not Ws:
        raise _Invalid(f"{len(Ws)} W factors and {len(Hs)} H factors")
    prev = n
    for l, (W, H) in enumerate(zip(Ws, Hs), start=1):
        if W.shape[0] != Ws[0].shape[0] or W.shape[1] != H.shape[0] or H.shape[1] != prev:
            raise _Invalid(f"the factors of layer {l} do not fit together (W {W.shape}, H "
                           f"{H.shape}, previous rank {prev})")
        prev = H.shape[0]


def _read(path: Any, f: Any) -> Any:
    if "__meta__" not in f.files:
        raise _Invalid("no __meta__ entry")
    meta_entry = f["__meta__"]
    if meta_entry.ndim != 0 or meta_entry.dtype.kind != "U":
        raise _Invalid("__meta__ is not a string")
    meta = json.loads(str(meta_entry))
    if not isinstance(meta, dict):
        raise _Invalid("__meta__ is not a JSON object")
    entry = _registered(meta.get("class")) if isinstance(meta.get("class"), str) else None
    if meta.get("format") != FORMAT or entry is None:
        raise _Invalid(f"unsupported format {meta.get('format')!r} or class {meta.get('class')!r}")
    cls, spec = entry.cls, entry.attributes
    params, kinds, scalars = (meta.get(k, {}) for k in ("params", "attributes", "scalars"))
    if not all(isinstance(d, dict) for d in (params, kinds, scalars)):
        raise _Invalid("params, attributes and scalars must be JSON objects")
    allowed = {p.name for p in inspect.signature(cls).parameters.values()
               if p.kind != p.VAR_KEYWORD} - {"callback"}  # no code
    for k, v in params.items():
        if k not in allowed and not (k == "callback" and v is None):
            raise _Invalid(f"{k!r} is not a parameter of {cls.__name__}")
        if not (v is None or isinstance(v, (str, int, float, bool)) or (
                isinstance(v, list) and all(isinstance(x, (str, int, float, bool)) for x in v))):
            raise _Invalid(f"parameter {k!r} holds {type(v).__name__}")
    values: dict[str, Any] = {}
    for name, kind in kinds.items():
        if name not in spec:
            raise _Invalid(f"{name!r} is not a fitted attribute of {cls.__name__}")
        want = spec[name]
        if want in _ARRAY_KINDS and kind == "array":
            ndim, k = _ARRAY_KINDS[want]
            values[name] = _array(f, name, ndim, k, want == "factor")
        elif want in _LIST_KINDS and isinstance(kind, list) and len(kind) == 2 \
                and kind[0] == "list" and isinstance(kind[1], int) and 0 < kind[1] <= 1000:
            ndim, k = _LIST_KINDS[want]
            values[name] = [_array(f, f"{name}.{i}", ndim, k, want == "factors")
                            for i in range(kind[1])]
        elif want in _SCALAR_KINDS and kind == "scalar":
            if name not in scalars:
                raise _Invalid(f"the value of {name} is missing")
            values[name] = _scalar(scalars[name], want, name)
        else:
            raise _Invalid(f"{name} is stored as {kind!r}, expected a {want}")
    missing = [name for name in ("W_", "H_") if name not in values]
    if missing:
        raise _Invalid(f"no {' and no '.join(missing)}")
    Ws, Hs = values["W_"], values["H_"]
    if not isinstance(Ws, list):
        Ws, Hs = [Ws], [Hs]
    _check_factors(Ws, Hs, values.get("n_features_in_", Hs[0].shape[1]))
    entry.check(values)
    model = restore(meta["class"], {k: v for k, v in params.items()
                                    if v is not None and k != "callback"}, values)
    model.saved_version_ = str(meta.get("version", "unknown"))
    return model


def load(path: str | Path) -> Any:
    """A fitted model from a file written by ``model.save(path)``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` file written by ``save`` (read with ``allow_pickle=False``).

    Returns
    -------
    model : BetaNMF, MultilayerNMF, DeepNMF or MinVolDeepNMF
        Fitted: factors, weights, histories, and ``saved_version_`` (the library version that
        wrote it). Parameters that could not be stored (a callback, a Generator) are defaults.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        ``"<path> is not a valid deepnmf model file: <why>"`` for anything else: not an
        ``.npz`` archive, no or malformed metadata, attributes the model does not have or of
        the wrong type or shape, factors that do not fit together.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        f = np.load(path, allow_pickle=False)
    except Exception as exc:  # text, a pickle, a truncated archive: not a model
        raise ValueError(f"{path} is not a valid deepnmf model file: not an .npz archive "
                         f"({type(exc).__name__})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is not a valid deepnmf model file: it holds a single array "
                         "(a .npy file), not a saved model")
    try:
        with f:
            return _read(path, f)
    except ClassImportError:
        raise
    except (_Invalid, ValueError) as exc:  # ValueError: the estimator's own checks
        raise ValueError(f"{path} is not a valid deepnmf model file: {exc}") from None
    except Exception as exc:  # malformed JSON, nesting beyond the recursion limit, bad zip
        raise ValueError(f"{path} is not a valid deepnmf model file: "
                         f"{type(exc).__name__}: {str(exc)[:200]}") from None
