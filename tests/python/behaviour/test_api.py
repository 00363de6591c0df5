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
