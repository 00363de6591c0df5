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

__all__ = ["plot_errors", "plot_basis", "plot_abundances", "plot_hierarchy"]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
        raise ImportError("deepnmf.plotting needs matplotlib: pip install matplotlib (from a "
                          "checkout: pip install \".[plot]\")") from exc
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
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.2 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < k:
            img = images[i].reshape(image_shape, order=order)
            ax.imshow(img / max(img.max(), 1e-300), cmap=cmap, interpolation="nearest")
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


def plot_hierarchy(model: Any, labels: Sequence[Sequence[str]] | None = None, *, top: int = 2) -> Any:
    """The components of every layer as nodes (layer 1 at the bottom) and, for each component
    of layer ℓ+1, edges from the ``top`` components of layer ℓ with the largest weights in its
    row of Hℓ+1 (rows sum to one in DeepNMF), edge width ∝ weight. Each layer's nodes are
    ordered by the mean position of the components they feed, so few edges cross.

    Parameters
    ----------
    model : fitted layered estimator
    labels : sequence of sequences of str, optional
        ``labels[ℓ-1][k]`` names component k of layer ℓ — e.g. from
        :func:`deepnmf.metrics.top_features`. Default: the component numbers.
    top : int, default 2
        Edges drawn into each component of layer ℓ+1.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    plt = _plt()
    H = model.H_
    ranks = [h.shape[0] for h in H]
    L = len(ranks)
    fig, ax = plt.subplots(figsize=(min(18.0, max(6.0, 0.22 * ranks[0])), 1.8 * L))
    weights = [None] + [h / np.maximum(h.sum(axis=1, keepdims=True), 1e-300) for h in H[1:]]
    # Node positions in [0, 1] by barycentric ordering (Sugiyama-style sweeps): each layer is
    # ordered by the mean position of the nodes it is connected to in the layer just placed
    # (columns or rows of Hℓ+1), alternately downwards and upwards, so that few edges cross.
    def spread(centre: np.ndarray) -> np.ndarray:
        pos = np.empty(len(centre))
        pos[np.argsort(centre, kind="stable")] = np.linspace(0, 1, len(centre)) if len(centre) > 1 else 0.5
        return pos

    xs: list[np.ndarray] = [spread(np.arange(float(r))) for r in ranks]
    for _ in range(3):
        for l in range(L - 2, -1, -1):  # down: node j of layer ℓ by the nodes it feeds
            Wn = weights[l + 1]
            feed = Wn.sum(axis=0)
            xs[l] = spread((xs[l + 1] @ Wn) / np.where(feed > 0, feed, 1.0))
        for l in range(1, L):  # up: node k of layer ℓ+1 by the nodes that feed it (rows sum to 1)
            xs[l] = spread(weights[l] @ xs[l - 1])
    for l in range(1, L):
        Hn = weights[l]
        for k in range(ranks[l]):
            for j in np.argsort(Hn[k])[::-1][:top]:
                ax.plot([xs[l - 1][j], xs[l][k]], [l - 1, l], color="tab:blue",
                        lw=0.5 + 4 * Hn[k, j], alpha=0.7)
    fontsize = 7 if ranks[0] <= 40 else 5
    for l, r in enumerate(ranks):
        ax.scatter(xs[l], np.full(r, l), s=60 if r <= 40 else 20, color="tab:orange", zorder=3)
        for k in range(r):
            text = labels[l][k] if labels is not None and l < len(labels) and k < len(labels[l]) else str(k + 1)
            ax.annotate(text, (xs[l][k], l), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=fontsize, rotation=0 if r <= 40 else 90)
    ax.set_yticks(range(len(ranks)))
    ax.set_yticklabels([f"layer {l + 1} (r={r})" for l, r in enumerate(ranks)])
    ax.set_xticks([])
    ax.set_ylim(-0.5, len(ranks) - 0.3)
    fig.tight_layout()
    return fig
