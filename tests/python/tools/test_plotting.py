"""Every plotting function produces a non-empty PNG (Agg backend)."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from deepnmf import DeepNMF, MultilayerNMF, plotting  # noqa: E402
from deepnmf.datasets import load_cbcl_faces, load_tumor  # noqa: E402


def save(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 2000
    matplotlib.pyplot.close(fig)


def test_all_plots(tmp_path):
    X = load_cbcl_faces().X[:300]
    deep = DeepNMF([12, 6, 3], init_iter=10, max_iter=10, tol=0, random_state=0).fit(X)
    ml = MultilayerNMF([12, 6, 3], max_iter=20, tol=0, random_state=0).fit(X)
    save(plotting.plot_errors(deep), tmp_path, "errors")
    save(plotting.plot_errors(deep, reference=ml), tmp_path, "ratios")
    save(plotting.plot_errors(ml), tmp_path, "ml_errors")
    save(plotting.plot_basis(deep.features(2), (19, 19), title="layer 2"), tmp_path, "basis")
    save(plotting.plot_hierarchy(deep, labels=[[f"f{k}" for k in range(12)]]), tmp_path, "hierarchy")
    T = load_tumor()
    hsi = DeepNMF([3, 2], init_iter=10, max_iter=5, tol=0).fit(T.X)
    save(plotting.plot_abundances(hsi, T.meta["image_shape"]), tmp_path, "abundances")
    with pytest.raises(ValueError, match="pixels"):
        plotting.plot_basis(np.ones((2, 10)), (3, 3))


class _Fitted:
    """A layered model's H_ only (what plot_hierarchy reads)."""

    def __init__(self, H):
        self.H_ = H


def _hierarchy_parts(fig):
    ax = fig.axes[0]
    solid = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    return ax, solid, dashed


def test_hierarchy_reaches_every_node_and_draws_only_the_strongest_edges():
    rng = np.random.default_rng(0)
    H2 = rng.dirichlet(np.full(20, 0.3), size=6)  # 6 topics over 20, rows sum to one
    H2[:, 19] = 0.0  # topic 20 of layer 1 is used by nobody
    H2[2, 19] = 1e-9
    fig = plotting.plot_hierarchy(_Fitted([np.ones((20, 5)), H2]), top=2, min_weight=0.1)
    ax, solid, dashed = _hierarchy_parts(fig)
    W = H2 / H2.sum(axis=1, keepdims=True)
    expected = sum(max(1, min(2, int((row >= 0.1).sum()))) for row in W)
    assert len(solid) == expected
    lower_x = {round(float(x), 9) for x in ax.collections[0].get_offsets()[:, 0]}
    reached = {round(float(ln.get_xdata()[0]), 9) for ln in solid + dashed}
    assert reached == lower_x  # every layer-1 node has an edge
    assert len(dashed) == 20 - len({round(float(ln.get_xdata()[0]), 9) for ln in solid})
    matplotlib.pyplot.close(fig)


def test_hierarchy_labels_do_not_overlap(tmp_path):
    rng = np.random.default_rng(1)
    words = [["CISI", "CRANFIELD", "MEDLINE", "CACM"][k % 4] + "\n12%" for k in range(12)]
    model = _Fitted([np.ones((30, 12)), rng.dirichlet(np.ones(12), size=4)])
    for labels in ([words], None):
        fig = plotting.plot_hierarchy(model, labels=labels)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b)
        matplotlib.pyplot.close(fig)


def test_hierarchy_rejects_bad_options():
    model = _Fitted([np.ones((5, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="top"):
        plotting.plot_hierarchy(model, top=0)
    with pytest.raises(ValueError, match="min_weight"):
        plotting.plot_hierarchy(model, min_weight=2)


def test_without_matplotlib_the_import_fails_with_the_install_hint():
    """A script importing deepnmf.plotting learns before its fit that pictures need
    matplotlib."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "try:\n    import deepnmf.plotting\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert "needs matplotlib: pip install matplotlib" in out
