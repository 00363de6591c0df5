"""scikit-learn compatibility (scikit-learn optional): check_estimator passes for BetaNMF,
MultilayerNMF, DeepNMF and MinVolDeepNMF, and they work in a Pipeline, under clone and GridSearchCV.

check_estimator compares fit_transform with transform on the same data (atol 1e-2): that
holds for converged fits, hence the iteration counts below."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from _support.estimators import CONFIGS  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import MaxAbsScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from deepnmf import BetaNMF, DeepNMF  # noqa: E402

ESTIMATORS = [config.converged() for config in CONFIGS]


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_check_estimator(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's checks trigger our ConvergenceWarning etc.
        results = check_estimator(estimator, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed, failed
    assert len(results) >= 40


def test_pipeline_clone_gridsearch():
    X = np.random.default_rng(0).uniform(0.1, 1, (60, 20))
    for est in (BetaNMF(3, max_iter=50, tol=0), DeepNMF([4, 2], init_iter=10, max_iter=20, tol=0)):
        c = clone(est)
        assert c.get_params() == est.get_params() and not hasattr(c, "W_")
        pipe = Pipeline([("scale", MaxAbsScaler()), ("nmf", c)]).fit(X)
        assert pipe.transform(X).shape[0] == 60
    gs = GridSearchCV(BetaNMF(2, max_iter=100, tol=0), {"n_components": [2, 4]}, cv=3).fit(X)
    assert gs.best_params_["n_components"] in (2, 4)


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_feature_names_and_set_output(config):
    """scikit-learn's transformer conventions: feature_names_in_ from a DataFrame, renamed
    columns refused at transform, get_feature_names_out, set_output(transform="pandas")."""
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(5).uniform(0.1, 1, (30, 12))
    df = pd.DataFrame(X, columns=[f"word{j}" for j in range(12)])
    model = config.make().fit(df)
    assert list(model.feature_names_in_) == list(df.columns)
    r = model.transform(df).shape[1]
    names = model.get_feature_names_out()
    assert len(names) == r and names[0] == type(model).__name__.lower() + "0"
    with pytest.raises(ValueError, match="feature names should match"):
        model.transform(df.rename(columns={"word3": "other"}))
    out = model.set_output(transform="pandas").transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(names)
    model.set_output(transform="default")
    assert not hasattr(config.make().fit(X), "feature_names_in_")  # an array: no names


def test_scikit_learn_names_and_conventions():
    """n_components=None is every feature; a rank above min(m, n) with a random start;
    reconstruction_err_ as scikit-learn computes it; components_ on the deep models."""
    X = np.random.default_rng(6).uniform(0.1, 1, (8, 5))
    assert BetaNMF(None, max_iter=5, tol=0).fit(X).n_components_ == 5
    wide = BetaNMF(7, init="random", random_state=0, max_iter=5, tol=0).fit(X)
    assert wide.W_.shape == (8, 7)
    with pytest.raises(ValueError, match="init='random' does not"):
        BetaNMF(7, max_iter=5).fit(X)
    for beta in (2.0, 1.0):
        ours = BetaNMF(3, beta=beta, init="random", random_state=0, max_iter=50, tol=0).fit(X)
        # scikit-learn's reconstruction_err_ is its divergence with square_root=True (what
        # NMF.fit stores) at the fitted factors: computed by its own function on ours
        from sklearn.decomposition._nmf import _beta_divergence

        expected = _beta_divergence(X, ours.W_, ours.H_, beta, square_root=True)
        assert ours.reconstruction_err_ == pytest.approx(expected, rel=1e-10)
    deep = DeepNMF([3, 2], init_iter=5, max_iter=5, tol=0).fit(X)
    assert deep.components_ is deep.H_[0]
