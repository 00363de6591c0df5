"""The driver's warnings, for every estimator: one ConvergenceWarning when max_iter is
reached before the objective stagnates (one per unconverged layer for MultilayerNMF), each
naming the caller's line; none when a callback stops the fit."""

import warnings

import numpy as np
import pytest
from _support.estimators import CONFIGS, IDS

from deepnmf import ConvergenceWarning

X = np.random.default_rng(11).uniform(0.1, 1, (30, 24))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_one_convergence_warning_at_the_callers_line(config):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = config.make(max_iter=2, tol=1e-14).fit(X)
    said = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    expected = len(model.W_) if config.name == "MultilayerNMF" else 1
    assert len(said) == expected, [str(w.message) for w in caught]
    assert all(w.filename == __file__ for w in said), [w.filename for w in said]
    assert all("max_iter=2" in str(w.message) and "increase max_iter" in str(w.message)
               for w in said)


@pytest.mark.parametrize("config", [c for c in CONFIGS if c.name != "MultilayerNMF"],
                         ids=[c.name for c in CONFIGS if c.name != "MultilayerNMF"])
def test_a_callback_stop_is_not_a_convergence_failure(config):
    calls = []

    def stop(model, iteration):
        calls.append(iteration)
        return True

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = config.make(max_iter=1, tol=1e-14, callback=stop).fit(X)
    assert calls == [1] and model.n_iter_ == 1


@pytest.mark.parametrize("config", [c for c in CONFIGS if c.name != "MultilayerNMF"],
                         ids=[c.name for c in CONFIGS if c.name != "MultilayerNMF"])
def test_verbose_prints_the_last_iteration(config, capsys):
    config.make(max_iter=7, verbose=5).fit(X)
    lines = [line for line in capsys.readouterr().out.splitlines() if " iter " in line]
    assert lines[0].split()[2] == "0" and lines[-1].split()[2] == "7", lines
    assert lines[-1].endswith("(last)")


def test_errors_point_to_the_right_parameter():
    from deepnmf import DeepNMF

    with pytest.raises(ValueError, match="layer_init='nndsvd'"):
        DeepNMF([3, 2], init="nndsvd").fit(X)


def test_fit_transform_warns_at_the_callers_line_through_set_output():
    """scikit-learn's set_output wraps fit_transform: the warning still names this file."""
    from deepnmf import BetaNMF

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        BetaNMF(3, max_iter=2, tol=1e-14).fit_transform(X)
    said = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(said) == 1 and said[0].filename == __file__, [w.filename for w in said]
