"""Each list is written once (docs/architecture.md): the C++ sources in cpp/sources.cmake
name every file under cpp/src/ and cpp/bindings/ and nothing else."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def listed(variable):
    text = (ROOT / "cpp" / "sources.cmake").read_text()
    block = re.search(rf"set\({variable}\s+(.*?)\)", text, re.S)
    assert block, variable
    return sorted(block.group(1).split())


@pytest.mark.skipif(not (ROOT / "cpp").is_dir(), reason="needs the source tree")
def test_one_source_list_names_every_source():
    kernels = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "cpp" / "src").rglob("*.cpp"))
    bindings = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "cpp" / "bindings").glob("*.cpp")
                      if p.name != "isa.cpp")  # the _isa module is built on its own
    assert listed("DEEPNMF_KERNEL_SOURCES") == kernels
    assert listed("DEEPNMF_BINDING_SOURCES") == bindings
