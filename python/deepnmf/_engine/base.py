"""The library's warnings and errors, and ``warn``, which names the user's line. (The
estimators' base class is in :mod:`.estimator`, apart: it imports scikit-learn, which
``import deepnmf`` does not.)"""

from __future__ import annotations

import os
import sys
import types
import warnings


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
