"""The bundled data sets load from the installed package, with their metadata."""

import numpy as np
import scipy.sparse as sp

from deepnmf import datasets


def test_cbcl():
    d = datasets.load_cbcl_faces()
    assert d.X.shape == (2429, 361) and d.X.flags.c_contiguous
    assert d.X.min() > 0 and d.X.max() <= 1
    assert datasets.load_cbcl_faces(transpose=False).X.shape == (361, 2429)


def test_hyperspectral():
    for name, shape, img in [("moffett", (159, 2500), (50, 50)), ("samson", (156, 9025), (95, 95)),
                             ("tumor", (519, 143), (13, 11))]:
        d = datasets.load_hyperspectral(name)
        assert d.X.shape == shape and d.meta["image_shape"] == img
        assert np.prod(img) == shape[1] and d.X.min() >= 0
    assert (datasets.load_tumor().X == 0).any()


def test_swimmer_and_classic():
    s = datasets.load_swimmer()
    assert s.X.shape == (220, 256) and set(np.unique(s.X)) <= {0.0, 1.0}
    c = datasets.load_classic()
    assert sp.issparse(c.X) and c.X.shape == (7094, 41681) and c.X.nnz == 223839
    assert c.meta["labels"].shape == (7094,) and set(np.unique(c.meta["labels"])) == {1, 2, 3, 4}


def test_classic_collections_are_named_by_their_sizes():
    """The four collections' well-known sizes: CRANFIELD 1398, MEDLINE 1033, CACM 3204 (3203
    in this copy), CISI 1460 documents."""
    from collections import Counter

    from deepnmf.datasets import load_classic

    data = load_classic()
    sizes = Counter(int(v) for v in data.meta["labels"])
    named = {data.meta["collections"][label]: n for label, n in sizes.items()}
    assert named == {"CRANFIELD": 1398, "MEDLINE": 1033, "CACM": 3203, "CISI": 1460}


def test_news20_with_its_words_labels_and_notice():
    d = datasets.load_news20()
    assert sp.isspmatrix_csr(d.X) and d.X.shape == (200, 3764) and d.X.nnz == 8473
    assert d.X.has_sorted_indices and d.X.dtype == np.float64 and d.X.min() >= 0
    assert (d.X.getnnz(axis=0) > 0).all()  # every word occurs
    vocab = d.meta["vocabulary"]
    assert vocab.shape == (3764,) and len(set(vocab)) == 3764
    labels, groups = d.meta["labels"], d.meta["super_labels"]
    assert set(np.unique(labels)) == set(range(1, 11)) and set(np.unique(groups)) == set(range(1, 7))
    # every newsgroup lies in one group, whose name is part of its own (comp.graphics: comp;
    # talk.religion.misc: religion)
    for k, name in d.meta["label_names"].items():
        (group,) = np.unique(groups[labels == k])
        assert d.meta["super_label_names"][int(group)] in name
    assert "MIT License" in d.meta["license"] and "Joshua Vendrow" in d.meta["license"]
