"""The estimators' base class: scikit-learn's parameter protocol (get_params / set_params /
repr) without requiring scikit-learn, and a genuine scikit-learn estimator when it is
installed. Imported by the estimator modules only, so that ``import deepnmf`` (kernels,
data, metrics) does not pay for importing scikit-learn (about 1 s: it loads scipy.stats and
pandas); the estimators are loaded on first use (``deepnmf.__getattr__``)."""

from __future__ import annotations

import inspect
from typing import Any


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

    from sklearn.exceptions import NotFittedError as _SkNotFittedError

    from .base import NotFittedError as _NotFittedError

    class FitFirstError(_NotFittedError, _SkNotFittedError):  # type: ignore[misc]
        """deepnmf's NotFittedError that is also scikit-learn's (its checks catch that one)."""

except ImportError:  # pragma: no cover - exercised without scikit-learn
    EstimatorMixin = _ParamsMixin  # type: ignore[misc,assignment]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # arrays and the like
        return a is b
