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
