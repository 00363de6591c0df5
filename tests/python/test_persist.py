"""save → load gives the same model: same factors, same read-outs, no pickle involved."""

import numpy as np
import pytest

import deepnmf
from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF

X = np.random.default_rng(0).uniform(0.1, 1.0, size=(30, 25))


@pytest.mark.parametrize("model", [
    BetaNMF(3, max_iter=20, tol=0, random_state=0),
    MultilayerNMF([4, 2], max_iter=10, tol=0),
    DeepNMF([4, 2], init_iter=10, max_iter=10, tol=0, weights="auto"),
    MinVolDeepNMF([4, 2], alpha_tilde=0.2, init_iter=10, max_iter=5),
])
def test_roundtrip(tmp_path, model):
    model.fit(X)
    path = model.save(tmp_path / "model.npz")
    back = deepnmf.load(path)
    assert type(back) is type(model) and back.get_params() == model.get_params()
    Wa = model.W_ if isinstance(model.W_, list) else [model.W_]
    Wb = back.W_ if isinstance(back.W_, list) else [back.W_]
    for a, b in zip(Wa, Wb):
        assert np.array_equal(a, b)
    if isinstance(model, BetaNMF):
        assert np.array_equal(back.transform(X), model.transform(X))
        assert np.array_equal(back.components_, model.components_)
    else:
        L = len(model.W_)
        assert np.array_equal(back.features(L), model.features(L))
        assert np.array_equal(back.reconstruction(1), model.reconstruction(1))
    if hasattr(model, "loss_history_") and not isinstance(model.loss_history_, list):
        assert np.array_equal(back.loss_history_, model.loss_history_)
    assert back.saved_version_ == deepnmf.__version__
    with np.load(path, allow_pickle=False) as f:  # readable without deepnmf, no pickle
        assert "__meta__" in f.files


def test_unfitted_and_foreign_files(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted"):
        BetaNMF(2).save(tmp_path / "x.npz")
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    with pytest.raises(ValueError, match="not a deepnmf model"):
        deepnmf.load(tmp_path / "other.npz")
