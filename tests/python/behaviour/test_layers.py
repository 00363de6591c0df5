"""The house's rules, checked on the source (docs/architecture.md, "Layers and rules"):

R1  nothing imports upward — kernels → bindings → engine → solvers → estimators → tools; a
    solver family may use another family's functions; estimator modules do not import each
    other (the package ``__init__`` and the tools may import estimators);
R2  no module imports or reads a leading-underscore name of another deepnmf module.
"""

import ast
from pathlib import Path

import pytest

import deepnmf

PACKAGE = Path(deepnmf.__file__).parent

ORDER = {"bindings": 0, "engine": 1, "solvers": 2, "estimators": 3, "tools": 4, "package": 5}
BINDINGS = {"_core", "_isa", "_build_info"}
TOOLS = {"cli", "demo", "plotting", "datasets"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside deepnmf ('deepnmf._engine.data')."""
    parts = module.split(".")[1:]
    if not parts:
        return "package"
    head = parts[0]
    if head in BINDINGS or head.startswith("_core_"):
        return "bindings"
    if head == "_engine":
        return "engine"
    if head == "_solvers":
        return "solvers"
    if head in TOOLS:
        return "tools"
    return "estimators"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        yield name, path


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path):
    """(target module, imported name or None, line) of every deepnmf import in the file."""
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node)
            if target == "deepnmf" or target.startswith("deepnmf."):
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    where = PACKAGE.parent / Path(*sub.split("."))
                    is_module = where.with_suffix(".py").exists() or where.is_dir() or any(
                        where.parent.glob(where.name + ".*.so"))  # an extension module
                    yield (sub, None, node.lineno) if is_module else (target, alias.name, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("deepnmf"):
                    yield alias.name, None, node.lineno


def allowed(src: str, dst: str) -> bool:
    a, b = layer_of(src), layer_of(dst)
    if a == "package" or a == "tools":
        return True
    if a == "estimators" and b == "estimators":
        return False  # estimator modules do not import each other
    return ORDER[b] <= ORDER[a]


ALL = list(modules())


@pytest.mark.parametrize("module,path", ALL, ids=[m for m, _ in ALL])
def test_nothing_imports_upward(module, path):
    bad = [(dst, line) for dst, _, line in imports(module, path)
           if dst != module and not allowed(module, dst)]
    assert not bad, f"{module} ({layer_of(module)}) imports " + ", ".join(
        f"{d} ({layer_of(d)}) at line {line}" for d, line in bad)


@pytest.mark.parametrize("module,path", ALL, ids=[m for m, _ in ALL])
def test_no_private_names_of_other_modules(module, path):
    bad = [f"{dst}.{name} at line {line}" for dst, name, line in imports(module, path)
           if name is not None and name.startswith("_") and not name.startswith("__")
           and dst != module]
    # attribute reads of a private name on an imported deepnmf module
    tree = ast.parse(path.read_text())
    aliases = {a.asname or a.name for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.level > 0 for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in aliases and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            bad.append(f"{node.value.id}.{node.attr} at line {node.lineno}")
    assert not bad, f"{module} reaches into private names: " + ", ".join(bad)


def test_every_module_has_a_layer():
    assert {layer_of(m) for m, _ in ALL} == set(ORDER)
