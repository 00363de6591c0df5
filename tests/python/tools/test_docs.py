"""Every public name has a numpydoc docstring: a summary, a Parameters section naming every
parameter, and a Returns section when it returns something."""

import inspect
import re

import pytest

import deepnmf
from deepnmf import datasets, metrics, plotting, special, updates

MODULES = [deepnmf, updates, special, metrics, datasets, plotting]
ESTIMATOR_METHODS = ["fit", "fit_transform", "transform", "transform_layers", "score",
                     "inverse_transform", "features", "reconstruction", "save", "get_params",
                     "set_params"]


def public_objects():
    out = {}
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            out[f"{module.__name__}.{name}"] = obj
            if inspect.isclass(obj) and hasattr(obj, "fit"):
                for meth in ESTIMATOR_METHODS:
                    if hasattr(obj, meth):
                        out[f"{module.__name__}.{name}.{meth}"] = getattr(obj, meth)
    out["deepnmf.build_info"] = deepnmf.build_info
    return out


OBJECTS = public_objects()


def documented_parameters(doc: str) -> set[str]:
    """Names in the Parameters section ("a, b : type" lines)."""
    m = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    names: set[str] = set()
    if m:
        for line in m.group(1).splitlines():
            if line and not line.startswith(" "):
                names.update(n.strip() for n in line.split(":")[0].split(","))
    return names


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_numpydoc(name):
    obj = OBJECTS[name]
    doc = inspect.getdoc(obj)
    assert doc and doc.splitlines()[0].strip(), f"{name}: no docstring"
    if inspect.isclass(obj) and issubclass(obj, Warning):
        return
    target = obj.__init__ if inspect.isclass(obj) else obj
    sig = inspect.signature(target)
    params = [p for p in sig.parameters.values()
              if p.name not in ("self", "cls") and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    if params:
        missing = {p.name for p in params} - documented_parameters(doc)
        assert not missing, f"{name}: Parameters section misses {sorted(missing)}"
    if not inspect.isclass(obj) and sig.return_annotation not in (None, "None", sig.empty):
        assert re.search(r"\nReturns\n-+\n", doc), f"{name}: no Returns section"


def test_every_module_lists_its_public_names():
    for module in MODULES:
        assert hasattr(module, "__all__"), module.__name__
        for name in module.__all__:
            assert hasattr(module, name)
