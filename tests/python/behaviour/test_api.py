"""The public surface is a contract: every public name, signature, method and property of the
package equals the snapshot written at the base of the last restructuring
(tests/python/_support/api.json; `python -m _support.api` from tests/python writes it). A
deliberate addition updates the snapshot in the same commit."""

import json
from pathlib import Path

from _support.api import surface

SNAPSHOT = Path(__file__).resolve().parents[1] / "_support" / "api.json"


def test_public_api_matches_the_snapshot():
    saved = json.loads(SNAPSHOT.read_text())
    now = surface()
    for module, names in saved.items():
        assert module in now, f"{module} disappeared"
        for name, entry in names.items():
            assert name in now[module], f"{module}.{name} disappeared"
            assert now[module][name] == entry, f"{module}.{name} changed"
    added = {m: sorted(set(now[m]) - set(saved.get(m, {}))) for m in now}
    assert not any(added.values()), f"new public names (update the snapshot): {added}"


def _fresh(code: str) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120).stdout.strip()


def test_import_leaves_scikit_learn_until_an_estimator_is_used():
    """`import deepnmf` loads the kernels, data sets and metrics; scikit-learn (about 1 s)
    comes with the first estimator."""
    code = ("import sys, deepnmf; a = 'sklearn' in sys.modules; deepnmf.DeepNMF; "
            "from deepnmf import BetaNMF; print(a, BetaNMF.__module__)")
    assert _fresh(code) == "False deepnmf.nmf"


def test_load_in_a_fresh_process_finds_every_estimator_class(tmp_path):
    import numpy as np

    from deepnmf import DeepNMF, MinVolDeepNMF

    X = np.random.default_rng(0).uniform(0.1, 1, (20, 15))
    paths = [DeepNMF([3, 2], max_iter=2, init_iter=2, tol=0).fit(X).save(tmp_path / "d.npz"),
             MinVolDeepNMF([3, 2], max_iter=2, init_iter=2, tol=0).fit(X).save(tmp_path / "m.npz")]
    code = (f"import deepnmf; print(*(type(deepnmf.load(p)).__name__ for p in "
            f"{[str(p) for p in paths]!r}))")
    assert _fresh(code) == "DeepNMF MinVolDeepNMF"
