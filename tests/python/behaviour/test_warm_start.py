"""Warm start: from a saved model (``init=model``) or from the estimator's own factors
(``warm_start=True``), a fit continues exactly where the previous one stopped."""

import numpy as np
import pytest
from _support.estimators import CONFIGS, IDS, factors

import deepnmf
from deepnmf import BetaNMF, DeepNMF, MinVolDeepNMF, MultilayerNMF

rng = np.random.default_rng(30)
X = rng.uniform(0.1, 1, (30, 4)) @ rng.uniform(0.1, 1, (4, 26)) + 0.05 * rng.uniform(size=(30, 26))


def test_deep_continued_from_a_saved_model_equals_one_long_fit(tmp_path):
    """k iterations, save, load, k more from the loaded model = 2k iterations, bit for bit
    (same factors and, with weights='auto', the saved λℓ)."""
    long = DeepNMF([4, 2], init_iter=20, max_iter=40, tol=0, random_state=0).fit(X)
    first = DeepNMF([4, 2], init_iter=20, max_iter=20, tol=0, random_state=0).fit(X)
    path = first.save(tmp_path / "half.npz")
    second = DeepNMF([4, 2], init=deepnmf.load(path), max_iter=20, tol=0).fit(X)
    for a, b in zip(second.W_ + second.H_, long.W_ + long.H_):
        assert np.array_equal(a, b)
    np.testing.assert_array_equal(second.weights_, long.weights_)
    # the same losses (the first row is computed by the divergence kernel rather than fused
    # into the H-update: equal to rounding)
    np.testing.assert_allclose(second.loss_history_[:, -1], long.loss_history_[20:, -1],
                               rtol=1e-14, atol=0)


def test_deep_warm_start_true_continues_in_place():
    long = DeepNMF([4, 2], init_iter=20, max_iter=30, tol=0, random_state=1).fit(X)
    model = DeepNMF([4, 2], init_iter=20, max_iter=10, tol=0, random_state=1).fit(X)
    model.set_params(warm_start=True, max_iter=20).fit(X)
    for a, b in zip(model.W_ + model.H_, long.W_ + long.H_):
        assert np.array_equal(a, b)
    assert model.n_iter_ == 20 and model.init_model_ is None


def test_warm_start_false_refits_from_scratch():
    a = DeepNMF([4, 2], init_iter=10, max_iter=5, tol=0, random_state=2).fit(X)
    W1 = [w.copy() for w in a.W_]
    a.fit(X)
    for w, v in zip(W1, a.W_):
        assert np.array_equal(w, v)


def test_betanmf_continued():
    long = BetaNMF(4, max_iter=40, tol=0, random_state=0).fit(X)
    half = BetaNMF(4, max_iter=20, tol=0, random_state=0).fit(X)
    again = BetaNMF(4, init=half, max_iter=20, tol=0).fit(X)
    np.testing.assert_array_equal(again.W_, long.W_)
    np.testing.assert_array_equal(again.components_, long.components_)
    half.set_params(warm_start=True).fit(X)
    np.testing.assert_array_equal(half.W_, long.W_)
    assert half.loss_history_[0] == long.loss_history_[list(long.loss_iterations_).index(20)]


def test_multilayer_warm_start_starts_every_layer_from_the_model():
    ml = MultilayerNMF([4, 2], max_iter=30, tol=0).fit(X)
    loss_before = ml.errors_.copy()
    again = MultilayerNMF([4, 2], init=ml, max_iter=5, tol=0).fit(X)
    # layer 1 continues from its fitted factors: its loss starts where the first fit ended
    assert again.loss_history_[0][0] == pytest.approx(loss_before[0], rel=1e-12)
    assert again.errors_[0] <= loss_before[0]


def test_minvol_continued_from_a_saved_model(tmp_path):
    kw = dict(alpha_tilde=0.2, init_iter=20, random_state=0)
    long = MinVolDeepNMF([4, 2], max_iter=20, **kw).fit(X)
    first = MinVolDeepNMF([4, 2], max_iter=10, **kw).fit(X)
    second = MinVolDeepNMF([4, 2], init=deepnmf.load(first.save(tmp_path / "m.npz")),
                           max_iter=10).fit(X)
    np.testing.assert_array_equal(second.alpha_, long.alpha_)
    np.testing.assert_array_equal(second.weights_, long.weights_)
    # the column normalization of the start rescales by sums that are 1 up to rounding
    for a, b in zip(second.W_ + second.H_, long.W_ + long.H_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    F = second.loss_history_[:, -1]
    assert np.all(np.diff(F) <= 1e-12 * abs(F[0]))


FITTED_2_LAYERS = MultilayerNMF([4, 2], max_iter=3, tol=0).fit(X)


@pytest.mark.parametrize("estimator,start,match", [
    (DeepNMF([3, 2], max_iter=2), FITTED_2_LAYERS, "W1 has shape"),
    (DeepNMF([4, 2], max_iter=2), DeepNMF([4, 2]), "not fitted"),
    (BetaNMF(4, max_iter=2), FITTED_2_LAYERS, "2-layer"),
    (MultilayerNMF([4, 2, 1], max_iter=2), FITTED_2_LAYERS, "2 layers"),
])
def test_mismatched_start_models_are_clear_errors(estimator, start, match):
    with pytest.raises(ValueError, match=match):
        estimator.set_params(init=start).fit(X)


def test_warm_start_on_data_of_another_shape_is_an_error():
    model = DeepNMF([4, 2], init_iter=5, max_iter=3, tol=0, warm_start=True).fit(X)
    with pytest.raises(ValueError, match="shape"):
        model.fit(X[:, :20])


def test_a_model_started_from_a_model_saves_and_loads(tmp_path):
    first = DeepNMF([4, 2], init_iter=5, max_iter=3, tol=0).fit(X)
    second = DeepNMF([4, 2], init=first, max_iter=3, tol=0).fit(X)
    back = deepnmf.load(second.save(tmp_path / "second.npz"))
    assert back.init == "multilayer"  # the starting model is not part of the saved one
    for a, b in zip(back.W_, second.W_):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_every_estimator_warm_starts(config):
    """warm_start=True on a fitted model continues from its factors: k iterations then k more
    give the 2k-iteration fit (bit for bit, or to the configuration's tolerance) where the
    model continues its objective; every model at least starts where it stopped."""
    k = 4
    first = config.make(max_iter=k).fit(X)
    before = [f.copy() for f in factors(first)]
    first.set_params(warm_start=True).fit(X)
    if config.continues is not None:
        long = config.make(max_iter=2 * k).fit(X)
        for a, b in zip(factors(first), factors(long)):
            np.testing.assert_allclose(a, b, rtol=config.continues, atol=0)
    else:  # each layer goes on from its own factors: they moved, and layer 1's loss went on down
        assert not all(np.array_equal(a, b) for a, b in zip(before, factors(first)))
        fresh = config.make(max_iter=k).fit(X)
        assert config.objective(first)[0] <= config.objective(fresh)[-1] * (1 + 1e-12)
