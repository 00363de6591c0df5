"""What every estimator shares: scikit-learn's parameter protocol (get_params / set_params /
repr) without requiring scikit-learn, and the library's warnings."""

from __future__ import annotations

import inspect
import os
import sys
import types
import warnings
from typing import Any


class ConvergenceWarning(UserWarning):
    """A fit stopped at ``max_iter`` before meeting its tolerance."""


class NotFittedError(ValueError, AttributeError):
    """The model is used before ``fit`` (scikit-learn's convention: a ValueError and an
    AttributeError)."""


class InterruptedFitWarning(UserWarning):
    """A fit was stopped by Ctrl-C (KeyboardInterrupt); the model holds the last iterate."""


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


#: Wrappers between the user's call and ours: scikit-learn's set_output wraps transform and
#: fit_transform (sklearn/utils/_set_output.py).
_WRAPPERS = (os.path.join("sklearn", "utils", "_set_output.py"),)


def _internal(filename: str) -> bool:
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE) or path.endswith(_WRAPPERS)


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointing at the first frame outside deepnmf (the user's call), so
    that every warning names the caller's line whatever the depth it is raised at."""
    level = 2  # stacklevel 2: the caller of warn()
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


class _ParamsMixin:
    """Constructor parameters are stored verbatim and read back by name (scikit-learn style)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters of this estimator, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _ParamsMixin:
        """Set constructor parameters by name; returns self."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"invalid parameter {key!r} for {type(self).__name__}; valid: {sorted(valid)}"
                )
            setattr(self, key, value)
        return self

    def save(self, path) -> object:
        """Write the fitted model to a ``.npz`` file (no pickle; layout in
        :mod:`deepnmf._engine.persist`); read it back with :func:`deepnmf.load`.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write; ``.npz`` is appended when the name has no such suffix.

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        from .persist import save

        return save(self, path)

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """Names of the output features of ``transform`` (scikit-learn's convention: the class
        name in lower case and the component's index, e.g. ``betanmf0``, ``betanmf1``, …).

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn's API (the outputs are components, not inputs).

        Returns
        -------
        names : ndarray of str objects
        """
        import numpy as np

        n = self._n_features_out  # type: ignore[attr-defined]
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(n)], dtype=object)

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name, p in sig.parameters.items():
            if name == "self":
                continue
            value = getattr(self, name)
            if p.default is inspect.Parameter.empty or not _same(value, p.default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


try:  # scikit-learn is optional: with it, the estimators are genuine scikit-learn estimators
    from sklearn.base import BaseEstimator as _SkBaseEstimator
    from sklearn.base import TransformerMixin as _SkTransformerMixin

    class EstimatorMixin(_SkTransformerMixin, _SkBaseEstimator):  # type: ignore[misc]
        """scikit-learn's BaseEstimator (parameters, clone, repr, tags) plus ``save``."""

        save = _ParamsMixin.save
        get_feature_names_out = _ParamsMixin.get_feature_names_out

        def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
            tags = super().__sklearn_tags__()
            tags.input_tags.positive_only = True  # NMF: nonnegative data
            tags.input_tags.sparse = True  # scipy.sparse accepted (β = 1)
            return tags

except ImportError:  # pragma: no cover - exercised without scikit-learn
    EstimatorMixin = _ParamsMixin  # type: ignore[misc,assignment]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # arrays and the like
        return a is b
