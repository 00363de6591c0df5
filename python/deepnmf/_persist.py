"""Saving and loading fitted models as plain ``.npz`` files — no pickle.

Layout (every entry a NumPy array; ``np.load(path)`` reads it without deepnmf):

- ``__meta__``: a 0-d string array holding JSON: ``{"format": 1, "class": "DeepNMF",
  "version": "<deepnmf version>", "params": {...constructor parameters...},
  "attributes": {name: kind}}`` where kind is ``"array"``, ``"list"`` (a list of arrays stored
  as ``name.0``, ``name.1``, …) or ``"scalar"`` (stored inside the JSON).
- one entry per fitted array attribute (``W_``, ``H_.0``, ``loss_history_``, ``weights_``, …).

Parameters that cannot be written as JSON (a callback, a numpy Generator as random_state,
explicit initial factors) are stored as null and restored as their defaults.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
        return True
    except TypeError:
        return False


def save(model: Any, path: str | Path) -> Path:
    from . import __version__

    if not any(k.endswith("_") and not k.startswith("_") for k in vars(model)):
        raise RuntimeError(f"this {type(model).__name__} is not fitted yet; nothing to save")
    params = {k: (v if _jsonable(v) else None) for k, v in model.get_params(deep=False).items()}
    arrays: dict[str, np.ndarray] = {}
    kinds: dict[str, Any] = {}
    scalars: dict[str, Any] = {}
    for name, value in vars(model).items():
        # the initialization (a fitted model, or the starting factors) is not part of the model
        if not name.endswith("_") or name.startswith("_") or name in ("init_model_", "init_factors_"):
            continue
        if isinstance(value, np.ndarray):
            arrays[name] = value
            kinds[name] = "array"
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
            for i, v in enumerate(value):
                arrays[f"{name}.{i}"] = v
            kinds[name] = ["list", len(value)]
        else:
            v = value.item() if isinstance(value, np.generic) else value
            if _jsonable(v):
                scalars[name] = v
                kinds[name] = "scalar"
    meta = {"format": FORMAT, "class": type(model).__name__, "version": __version__,
            "params": params, "attributes": kinds, "scalars": scalars}
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    entries: dict[str, Any] = {"__meta__": np.array(json.dumps(meta)), **arrays}
    np.savez_compressed(path, **entries)
    return path


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
    """
    from . import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF

    classes: dict[str, Any] = {c.__name__: c for c in (BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF)}
    with np.load(path, allow_pickle=False) as f:
        if "__meta__" not in f.files:
            raise ValueError(f"{path} is not a deepnmf model file (no __meta__ entry)")
        meta = json.loads(str(f["__meta__"]))
        if meta.get("format") != FORMAT or meta.get("class") not in classes:
            raise ValueError(f"{path}: unsupported model file (format {meta.get('format')}, "
                             f"class {meta.get('class')})")
        cls = classes[meta["class"]]
        params = {k: v for k, v in meta["params"].items() if v is not None}
        model = cls(**params)
        for name, kind in meta["attributes"].items():
            if kind == "array":
                setattr(model, name, f[name])
            elif isinstance(kind, list) and kind[0] == "list":
                setattr(model, name, [f[f"{name}.{i}"] for i in range(kind[1])])
            elif kind == "scalar":
                setattr(model, name, meta["scalars"][name])
    if meta["class"] == "BetaNMF" and hasattr(model, "H_"):
        model.components_ = model.H_  # one array, two names (scikit-learn's)
    model.saved_version_ = meta["version"]
    return model
