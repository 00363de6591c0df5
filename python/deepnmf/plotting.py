"""Pictures of fitted models (matplotlib, optional: ``pip install matplotlib``, or ``pip install ".[plot]"`` from a checkout).

Every function returns the matplotlib Figure (save it with ``fig.savefig(path)``):

- :func:`plot_errors` — each layer's error over the iterations (paper Fig. 2/4), optionally as
  a ratio to a reference model's final errors (deep / multilayer);
- :func:`plot_basis` — a grid of images, e.g. the facial features Hℓ⋯H1 of one layer (Fig. 3);
- :func:`plot_abundances` — abundance maps per layer for hyperspectral data (Fig. 6–11);
- :func:`plot_hierarchy` — how the rℓ components of layer ℓ merge into the rℓ+1 of layer ℓ+1:
  the weights of Hℓ+1 as edges (the paper's Table 4 "merged topics"), with labels if given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_NEEDS = "deepnmf.plotting needs matplotlib: pip install matplotlib (from a checkout: pip install \".[plot]\")"

try:  # checked at import, so that a script fails at its imports, not after its fit
    import matplotlib as _matplotlib  # noqa: F401
except ImportError as exc:
    raise ImportError(_NEEDS) from exc

__all__ = ["plot_errors", "plot_basis", "plot_abundances", "plot_hierarchy"]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _layer_errors(model: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """(iterations, errors) per layer: BetaNMF, MultilayerNMF and DeepNMF record their loss
    every ``loss_every`` iterations (``loss_iterations_``), MinVolDeepNMF every iteration."""
    hist = model.loss_history_
    at = getattr(model, "loss_iterations_", None)
    if isinstance(hist, list):  # MultilayerNMF: one history per layer
        hs = [np.asarray(h) for h in hist]
        xs = [np.asarray(a) for a in at] if at is not None else [np.arange(len(h)) for h in hs]
        return list(zip(xs, hs))
    hist = np.asarray(hist)
    if hist.ndim == 1:  # BetaNMF
        return [(np.asarray(at) if at is not None else np.arange(len(hist)), hist)]
    x = np.asarray(at) if at is not None else np.arange(hist.shape[0])
    return [(x, hist[:, l]) for l in range(hist.shape[1] - 1)]


def plot_errors(model: Any, reference: Any = None, *, log: bool = True) -> Any:
    """Each layer's Dβ over the iterations; with ``reference`` (e.g. a MultilayerNMF), divided
    by the reference's final error of the same layer (the paper's Fig. 2).

    Parameters
    ----------
    model : fitted estimator
        Any estimator of this library (its ``loss_history_``).
    reference : fitted estimator, optional
        Errors are divided by its final error per layer.
    log : bool, default True
        Logarithmic y axis.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    errors = _layer_errors(model)
    ref = None
    if reference is not None:
        ref = [e[-1] for _, e in _layer_errors(reference)]
    for l, (x, e) in enumerate(errors, start=1):
        y = e / ref[l - 1] if ref is not None else e
        (ax.semilogy if log else ax.plot)(x, y, label=f"layer {l}")
    if ref is not None:
        ax.axhline(1.0, color="gray", lw=0.8, ls="--")
    ax.set_xlabel("iteration")
    ax.set_ylabel("error / reference" if ref is not None else "beta-divergence")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_basis(images: np.ndarray, image_shape: tuple[int, int], *, order: str = "F",
               ncols: int | None = None, cmap: str = "gray_r", title: str | None = None) -> Any:
    """Rows of ``images`` (k × p, p = product of image_shape) as a grid of images, each scaled
    to its own maximum — e.g. ``model.features(ℓ)`` for faces.

    Parameters
    ----------
    images : array-like of shape (k, p)
        One image per row.
    image_shape : (int, int)
        The shape of one image (p = its product).
    order : {'F', 'C'}, default 'F'
        How a row is reshaped ('F': column-major, as the bundled images).
    ncols : int, optional
        Images per row of the grid (default: about √k).
    cmap : str, default 'gray_r'
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _plt()
    images = np.asarray(images, dtype=float)
    k = images.shape[0]
    if images.shape[1] != int(np.prod(image_shape)):
        raise ValueError(f"rows have {images.shape[1]} pixels, image_shape {image_shape} has "
                         f"{int(np.prod(image_shape))}")
    ncols = ncols or int(np.ceil(np.sqrt(k)))
    nrows = int(np.ceil(k / ncols))
    # small images (faces, 19×19) in small tiles; larger ones (a 95×95 abundance map) get room
    # for their detail and a number each
    large = max(image_shape) > 32
    tile = 2.2 if large else 1.2
    fig, axes = plt.subplots(nrows, ncols, figsize=(tile * ncols, (tile + 0.25 * large) * nrows + 0.4 * bool(title)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < k:
            img = images[i].reshape(image_shape, order=order)
            ax.imshow(img / max(img.max(), 1e-300), cmap=cmap, interpolation="nearest")
            if large:
                ax.set_title(f"#{i + 1}", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_abundances(model: Any, image_shape: tuple[int, int], *, layers: Sequence[int] | None = None,
                    order: str = "F", cmap: str = "viridis") -> Any:
    """Abundance maps of a layered model fit to bands × pixels data: one row of images per
    layer, the rows of Hℓ⋯H1 reshaped to ``image_shape``.

    Parameters
    ----------
    model : fitted layered estimator
        Fit to bands × pixels data (pixels are the n columns).
    image_shape : (int, int)
        The image's shape (its product is n).
    layers : sequence of int, optional
        Which layers (default: all).
    order : {'F', 'C'}, default 'F'
    cmap : str, default 'viridis'

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _plt()
    layers = list(layers or range(1, len(model.H_) + 1))
    maps = [model.features(l) for l in layers]
    ncols = max(m.shape[0] for m in maps)
    fig, axes = plt.subplots(len(layers), ncols, figsize=(2.2 * ncols, 2.3 * len(layers)), squeeze=False)
    for row, (l, F) in enumerate(zip(layers, maps)):
        for k in range(ncols):
            ax = axes[row, k]
            ax.axis("off")
            if k < F.shape[0]:
                ax.imshow(F[k].reshape(image_shape, order=order), cmap=cmap)
                ax.set_title(f"layer {l}, #{k + 1}", fontsize=8)
    fig.tight_layout()
    return fig


def _hierarchy_edges(Hn: np.ndarray, top: int, min_weight: float) -> list[tuple[int, int, float, bool]]:
    """Edges (lower j, upper k, weight, strongest-use) between two layers from Hn (r_upper ×
    r_lower, rows scaled to sum to one): each upper component's ``top`` largest weights that
    reach ``min_weight``, then, for a lower component left without an edge, one to the upper
    component that uses it most (flagged, drawn dashed)."""
    edges: list[tuple[int, int, float, bool]] = []
    for k in range(Hn.shape[0]):
        for j in np.argsort(-Hn[k], kind="stable")[:top]:
            if Hn[k, j] >= min_weight or not edges or edges[-1][1] != k:
                edges.append((int(j), k, float(Hn[k, j]), False))
    linked = {j for j, _, _, _ in edges}
    for j in range(Hn.shape[1]):
        if j not in linked:
            k = int(np.argmax(Hn[:, j]))
            edges.append((j, k, float(Hn[k, j]), True))
    return edges


def plot_hierarchy(model: Any, labels: Sequence[Sequence[str]] | None = None, *, top: int = 2,
                   min_weight: float = 0.1) -> Any:
    """The components of every layer as nodes (layer 1 at the bottom) and edges that say how
    each component of layer ℓ+1 is made of those of layer ℓ: its row of Hℓ+1 (rows sum to
    one in DeepNMF, scaled to one otherwise), edge width ∝ weight.

    How to read it: a solid edge joins a component of layer ℓ+1 to one of the ``top`` largest
    parts of its row (those of weight at least ``min_weight``; the largest is always drawn); a
    component of layer ℓ that no such edge reaches is joined, dashed, to the component of layer
    ℓ+1 that uses it most, so that every node is placed in the tree. Each layer's nodes are
    ordered by the mean position of the components they are joined to, so few edges cross.

    Parameters
    ----------
    model : fitted layered estimator
    labels : sequence of sequences of str, optional
        ``labels[ℓ-1][k]`` names component k of layer ℓ — e.g. from
        :func:`deepnmf.metrics.top_features` (with ``sep="\\n"`` for one word per line).
        Default: the component numbers.
    top : int, default 2
        At most this many solid edges into each component of layer ℓ+1.
    min_weight : float, default 0.1
        Solid edges below this weight (beyond each component's largest) are left out.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    if not 0 <= min_weight <= 1:
        raise ValueError(f"min_weight must be in [0, 1], got {min_weight!r}")
    plt = _plt()
    H = model.H_
    ranks = [h.shape[0] for h in H]
    L = len(ranks)
    names = [[labels[l][k] if labels is not None and l < len(labels) and k < len(labels[l])
              else str(k + 1) for k in range(r)] for l, r in enumerate(ranks)]
    # index ℓ: between layers ℓ−1 and ℓ (entry 0 unused)
    weights: list[np.ndarray] = [np.empty((0, 0))] + [
        h / np.maximum(h.sum(axis=1, keepdims=True), 1e-300) for h in H[1:]]
    edges: list[list[tuple[int, int, float, bool]]] = [[]] + [
        _hierarchy_edges(weights[l], top, min_weight) for l in range(1, L)]

    # Sizes: each node gets the width of its longest label line (fontsize 8 → ~0.075 in per
    # character); a layer too crowded for its labels turns them vertical.
    fontsize = 8 if max(ranks) <= 24 else 6
    char_in = 0.62 * fontsize / 72
    lines = [[n.split("\n") for n in layer] for layer in names]
    node_in = [max(max(len(t) for t in n) for n in layer) * char_in + 0.15 for layer in lines]
    width = float(np.clip(max(r * w for r, w in zip(ranks, node_in)), 6.0, 22.0))
    vertical = [r * w > width for r, w in zip(ranks, node_in)]
    depth_in = [(max(max(len(t) for t in n) for n in layer) * char_in if v else
                 max(len(n) for n in layer) * fontsize * 1.25 / 72) for layer, v in zip(lines, vertical)]
    # labels hang below their nodes: layer ℓ+1 sits its labels' depth plus room for the edges
    # above layer ℓ (y in inches, about)
    gaps = [0.8 + 0.02 * ranks[l] + depth_in[l] for l in range(1, L)]  # wide layers: steeper edges
    ys = np.cumsum([0.0] + gaps)
    fig, ax = plt.subplots(figsize=(width, float(depth_in[0] + ys[-1] + 0.9)))

    # Node positions in [0, 1] by barycentric ordering (Sugiyama-style sweeps), over the edges
    # drawn: alternately downwards and upwards, so that few edges cross.
    def spread(centre: np.ndarray) -> np.ndarray:
        pos = np.empty(len(centre))
        pos[np.argsort(centre, kind="stable")] = np.linspace(0, 1, len(centre)) if len(centre) > 1 else 0.5
        return pos

    def adjacency(l: int) -> np.ndarray:  # r_l × r_{l-1}, weights of the drawn edges
        A = np.zeros((ranks[l], ranks[l - 1]))
        for j, k, w, _ in edges[l]:
            A[k, j] = max(w, 1e-3)
        return A

    adj: list[np.ndarray] = [np.empty((0, 0))] + [adjacency(l) for l in range(1, L)]
    xs: list[np.ndarray] = [spread(np.arange(float(r))) for r in ranks]
    for _ in range(4):
        for l in range(L - 2, -1, -1):  # down: node j of layer ℓ by the nodes it is joined to
            A = adj[l + 1]
            feed = A.sum(axis=0)
            xs[l] = spread((xs[l + 1] @ A) / np.where(feed > 0, feed, 1.0))
        for l in range(1, L):  # up: node k of layer ℓ+1 by the nodes it is made of
            A = adj[l]
            xs[l] = spread((A @ xs[l - 1]) / np.maximum(A.sum(axis=1), 1e-300))
    for l in range(1, L):
        for j, k, w, dashed in edges[l]:
            # up to the bottom of the upper node's label, so that no edge crosses a label
            ax.plot([xs[l - 1][j], xs[l][k]], [ys[l - 1], ys[l] - depth_in[l] - 0.12], color="tab:blue",
                    lw=0.6 + 4 * w, alpha=0.45 if dashed else 0.75, ls="--" if dashed else "-",
                    zorder=1)
    for l, r in enumerate(ranks):
        ax.scatter(xs[l], np.full(r, ys[l]), s=40 if r <= 40 else 14, color="tab:orange", zorder=3)
        for k in range(r):
            ax.annotate(names[l][k], (xs[l][k], ys[l]), textcoords="offset points",
                        xytext=(0, -6), ha="center", va="top", fontsize=fontsize,
                        rotation=90 if vertical[l] else 0, linespacing=1.0, zorder=4)
    ax.set_yticks(ys)
    ax.set_yticklabels([f"layer {l + 1}\n(r = {r})" for l, r in enumerate(ranks)])
    ax.set_xticks([])
    ax.set_xlim(-0.04, 1.04)
    ax.set_ylim(-depth_in[0] - 0.3, ys[-1] + 0.35)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
