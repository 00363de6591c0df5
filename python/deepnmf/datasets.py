"""Data sets shipped inside the package (read from local files, never downloaded).

Each loader returns a :class:`Dataset`: the matrix ``X`` plus what is needed to read it
(``meta``: image shape, pixel order, orientation, labels). The files come from N. Gillis's
nmfbook toolbox (CC0), the standard copies used in the NMF literature, except the 20
Newsgroups sample (MIT license, see :func:`load_news20`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["Dataset", "load_cbcl_faces", "load_hyperspectral", "load_moffett", "load_samson", "load_tumor",
           "load_swimmer", "load_classic", "load_news20"]


@dataclass
class Dataset:
    """A data matrix with what is needed to read it.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix
        The data, nonnegative.
    name : str
        Short name (``'cbcl_faces'``, ``'samson'``, …).
    description : str
        One line on what the data is.
    meta : dict
        How to read it: ``image_shape`` and ``pixel_order`` for images, ``orientation``
        (what the rows and columns are), ``labels`` and ``collections`` for ``classic``.
    """

    X: Any
    name: str
    description: str
    meta: dict = field(default_factory=dict)


def _open(name: str):
    return resources.files("deepnmf").joinpath("data").joinpath(name).open("rb")


def load_cbcl_faces(*, transpose: bool = True) -> Dataset:
    """CBCL faces: 2429 faces of 19×19 pixels, values in (0, 1].

    With ``transpose=True`` (the paper's orientation) X is 2429×361: one face per row, so the
    facial features are rows of H1; reshape a row to ``meta['image_shape']`` (19, 19) with
    ``order='F'`` (pixels are stored column-major).

    Parameters
    ----------
    transpose : bool, default True
        True: X is faces × pixels (2429×361, the paper's); False: pixels × faces.

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    with _open("cbcl_faces.npz") as f:
        X = np.load(f)["X"]
    X = np.ascontiguousarray(X.T if transpose else X, dtype=np.float64)
    return Dataset(
        X=X,
        name="cbcl_faces",
        description="CBCL face database, 2429 faces of 19x19 pixels",
        meta={"image_shape": (19, 19), "pixel_order": "F",
              "orientation": "faces x pixels" if transpose else "pixels x faces"},
    )


_HSI = {
    "moffett": "AVIRIS Moffett Field: 159 bands x 50x50 pixels (water, soil, vegetation)",
    "samson": "Samson: 156 bands x 95x95 pixels (water, trees, two soils)",
    "tumor": "simulated MRSI of a glioma: 519 spectral points x 13x11 voxels "
             "(normal tissue, tumor, necrosis; contains exact zeros)",
}


def load_hyperspectral(name: str) -> Dataset:
    """A hyperspectral image as X = bands × pixels: ``'moffett'``, ``'samson'`` or ``'tumor'``.

    Pixel j is column j; an abundance map (a row of H) is an image of shape
    ``meta['image_shape']`` with ``order='F'`` (column-major, as in MATLAB).

    Parameters
    ----------
    name : {'moffett', 'samson', 'tumor'}

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    if name not in _HSI:
        raise ValueError(f"unknown hyperspectral data set {name!r}; choose from {sorted(_HSI)}")
    with _open(f"{name}.npz") as f:
        d = np.load(f)
        X, shape = d["X"], tuple(int(s) for s in d["shape"])
    return Dataset(X=np.ascontiguousarray(X, dtype=np.float64), name=name, description=_HSI[name],
                   meta={"image_shape": shape, "pixel_order": "F", "orientation": "bands x pixels"})


def load_moffett() -> Dataset:
    """Moffett Field (159 bands × 2500 pixels); see :func:`load_hyperspectral`.

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    return load_hyperspectral("moffett")


def load_samson() -> Dataset:
    """Samson (156 bands × 9025 pixels); see :func:`load_hyperspectral`.

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    return load_hyperspectral("samson")


def load_tumor() -> Dataset:
    """Tumor MRSI (519 spectral points × 143 voxels); see :func:`load_hyperspectral`.

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    return load_hyperspectral("tumor")


def load_swimmer() -> Dataset:
    """Swimmer: 256 synthetic 11×20 images of a figure with 4 limbs in 4 positions each, one
    image per column of X (220×256), values 0/1 as float64.

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    with _open("swimmer.npz") as f:
        X = np.load(f)["X"]
    return Dataset(X=np.ascontiguousarray(X, dtype=np.float64), name="swimmer",
                   description="Swimmer: 256 images of 11x20 pixels, one per column",
                   meta={"image_shape": (11, 20), "pixel_order": "F", "orientation": "pixels x images"})


def load_classic() -> Dataset:
    """The ``classic`` document–term counts (7094 documents × 41681 words, 223,839 nonzeros)
    as a scipy.sparse CSR matrix; ``meta['labels']`` is the source collection of each
    document, 1–4 = CRANFIELD, MEDLINE, CACM, CISI (``meta['collections']``; identified by
    their well-known sizes: 1398, 1033, 3204 — 3203 here — and 1460 documents). No vocabulary
    is included.

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    import scipy.sparse as sp

    with _open("classic_docs.npz") as f:
        X = sp.load_npz(f).tocsr().astype(np.float64)
    with _open("classic_labels.npy") as f:
        labels = np.load(f)
    return Dataset(X=X, name="classic", description="classic document-term counts (4 collections)",
                   meta={"labels": labels, "orientation": "documents x words",
                         "collections": {1: "CRANFIELD", 2: "MEDLINE", 3: "CACM", 4: "CISI"}})


def load_news20() -> Dataset:
    """A small 20 Newsgroups corpus with its words: 200 posts, 19–21 from each of 10
    newsgroups, TF-IDF weighted, as a scipy.sparse CSR matrix of documents × words (200 ×
    3764; the words that never occur removed).

    ``meta`` holds ``vocabulary`` (the word of each column, an array of str), ``labels`` (the
    newsgroup of each document, 1–10, named in ``label_names``) and ``super_labels`` (its
    group, 1–6 = comp, rec, sci, misc.forsale, talk.politics, religion, named in
    ``super_label_names``): a two-level topic hierarchy to compare a deep model's layers
    with. From the repository jvendrow/NeuralNMF, MIT license, copyright 2020 Joshua Vendrow
    (``meta['license']``; the notice ships as ``deepnmf/data/LICENSE-news20.txt``).

    Returns
    -------
    data : Dataset
        ``data.X`` and ``data.meta``.
    """
    import scipy.sparse as sp

    with _open("news20_subsampled.npz") as f:
        d = np.load(f, allow_pickle=False)
        X = sp.csr_matrix((d["data"].astype(np.float64), d["indices"], d["indptr"]),
                          shape=tuple(int(s) for s in d["shape"]))
        meta = {"vocabulary": d["vocabulary"].astype(str),
                "labels": d["labels"].astype(np.int64),
                "label_names": {k + 1: str(s) for k, s in enumerate(d["label_names"])},
                "super_labels": d["super_labels"].astype(np.int64),
                "super_label_names": {k + 1: str(s) for k, s in enumerate(d["super_label_names"])},
                "orientation": "documents x words"}
    with _open("LICENSE-news20.txt") as f:
        meta["license"] = f.read().decode("utf-8")
    X.sort_indices()
    return Dataset(X=X, name="news20", description="20 Newsgroups: 200 posts of 10 newsgroups, "
                   "TF-IDF", meta=meta)
