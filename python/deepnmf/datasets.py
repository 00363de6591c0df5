"""Data sets shipped inside the package (read from local files, never downloaded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np


@dataclass
class Dataset:
    """A data matrix with what is needed to read it."""

    X: np.ndarray
    name: str
    description: str
    meta: dict = field(default_factory=dict)


def _open(name: str):
    return resources.files("deepnmf").joinpath("data", name).open("rb")


def load_cbcl_faces(*, transpose: bool = True) -> Dataset:
    """CBCL faces: 2429 faces of 19×19 pixels, values in (0, 1].

    With ``transpose=True`` (the paper's orientation) X is 2429×361: one face per row, so the
    facial features are rows of H1, each reshaped to ``meta['image_shape']`` (19, 19).
    """
    with _open("cbcl_faces.npz") as f:
        X = np.load(f)["X"]
    X = np.ascontiguousarray(X.T if transpose else X, dtype=np.float64)
    return Dataset(
        X=X,
        name="cbcl_faces",
        description="CBCL face database, 2429 faces of 19x19 pixels",
        meta={"image_shape": (19, 19), "orientation": "faces x pixels" if transpose else "pixels x faces"},
    )
