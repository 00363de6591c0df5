"""The kernel list is written once, in the stub python/deepnmf/_core.pyi: the loaded core
has exactly the names the stub declares (both directions), and so does _core.testing."""

import ast
from pathlib import Path

import deepnmf
from deepnmf import _core

STUB = Path(deepnmf.__file__).with_name("_core.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top, testing = set(), set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name == "_Testing":
            testing |= {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
        elif isinstance(node, ast.ClassDef):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
    return top, testing


def public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def test_the_core_has_what_the_stub_declares_and_nothing_else():
    top, testing = stub_names()
    # the module's names as _core forwards them; its checked sparse structures are bound per
    # dtype and index type (CompressedF64I32, …) and declared once as Compressed
    loaded = public(_core._module) - {"openmp", "core_name"}
    compressed = {n for n in loaded if n.startswith("Compressed")}
    assert len(compressed) == 4
    loaded = (loaded - compressed) | {"Compressed"}
    # set by _core.py itself, not the extension
    declared = top - {"ISA_LEVEL", "OPENMP", "CORE_NAME", "Float", "Index"}
    assert declared == loaded, (sorted(declared - loaded), sorted(loaded - declared))
    assert testing == public(_core.testing), (sorted(testing ^ public(_core.testing)))


def test_core_forwards_every_kernel():
    top, _ = stub_names()
    for name in top - {"Float", "Index", "Compressed"}:
        assert hasattr(_core, name), name
    assert _core.testing is _core._module.testing
