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
