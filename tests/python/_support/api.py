"""The public surface as data: every public name, every signature, every public method —
what `behaviour/test_api.py` compares with the snapshot `api.json` written at the base of a
restructuring (`python -m _support.api > tests/python/_support/api.json`, from tests/python)."""

from __future__ import annotations

import inspect
import json

MODULES = ("deepnmf", "deepnmf.updates", "deepnmf.special", "deepnmf.metrics",
           "deepnmf.datasets", "deepnmf.plotting", "deepnmf.divergence", "deepnmf.lsq")


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "<no signature>"


def surface() -> dict:
    import importlib

    out: dict = {}
    for name in MODULES:
        mod = importlib.import_module(name)
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")
                                                  and getattr(vars(mod)[n], "__module__",
                                                              None) == name]
        entry = {}
        for n in sorted(names):
            obj = getattr(mod, n)
            if inspect.isclass(obj):
                # inherited ones too, but not scikit-learn's (they follow its version)
                own = {m: inspect.getattr_static(obj, m) for m in dir(obj)
                       if not m.startswith("_")}
                own = {m: f for m, f in own.items()
                       if not getattr(f, "__module__", "deepnmf").startswith("sklearn")}
                methods = {m: _signature(f) for m, f in own.items()
                           if inspect.isfunction(f) or isinstance(f, (staticmethod, classmethod))}
                props = sorted(m for m, f in own.items() if isinstance(f, property))
                entry[n] = {"init": _signature(obj), "methods": methods, "properties": props}
            elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
                entry[n] = _signature(obj)
            elif inspect.ismodule(obj):
                entry[n] = "module"
            else:
                entry[n] = type(obj).__name__
        out[name] = entry
    return out


if __name__ == "__main__":
    print(json.dumps(surface(), indent=1, sort_keys=True))
