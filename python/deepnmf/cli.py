"""The ``deepnmf`` command line.

    deepnmf fit INPUT -r 80 40 20 [--beta kl] [--min-volume] [--init old.npz] [-o model.npz]
    deepnmf info model.npz
    deepnmf plot model.npz -o figures/ [--image-shape 19 19]
    deepnmf demo faces|hsi

INPUT is ``.npy``, ``.npz`` (a dense array — the only one, or the one named ``X`` — or a
scipy.sparse matrix saved with ``scipy.sparse.save_npz``), ``.mtx`` (Matrix Market) or ``.csv``
(comma-separated numbers, no header). Bad input ends with a one-line error and exit status 1;
bad usage with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


class CliError(Exception):
    """A one-line message for the user; exit status 1."""


def read_matrix(path: Path) -> Any:
    """A dense array or a scipy.sparse matrix from .npy / .npz / .mtx / .csv."""
    import scipy.io
    import scipy.sparse as sp

    if not path.exists():
        raise CliError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as f:
                files = f.files
                if "format" in files and "indptr" in files or "row" in files and "col" in files:
                    return sp.load_npz(path)
                if "X" in files:
                    return f["X"]
                if len(files) == 1:
                    return f[files[0]]
            raise CliError(f"{path}: holds {files}; name the matrix 'X' or save only one array")
        if suffix == ".mtx":
            m = scipy.io.mmread(path)
            return m if sp.issparse(m) else np.asarray(m)  # checked before any conversion
        if suffix == ".csv":
            return np.loadtxt(path, delimiter=",", ndmin=2)
    except CliError:
        raise
    except Exception as exc:  # unreadable content: one line, not a traceback
        raise CliError(f"{path}: cannot read it as {suffix} ({exc})") from None
    raise CliError(f"{path}: unknown format {suffix!r}; use .npy, .npz, .mtx or .csv")


def output_path(args: argparse.Namespace) -> Path:
    """Where `fit` writes its model (with the .npz suffix that save appends), checked before the
    fit runs: never over an input (the data, the model it continues), over an existing file
    only with --force, and in a directory that exists."""
    from ._engine.persist import model_path

    out = model_path(args.output)
    for name in (args.input, args.init):
        if name is not None and out.exists() and Path(name).exists() and out.samefile(name):
            raise CliError(f"{out}: is an input of this fit; write the model to another file")
    if out.exists() and not args.force:
        raise CliError(f"{out}: exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise CliError(f"{out.parent}: no such directory")
    return out


def cmd_fit(args: argparse.Namespace) -> int:
    import deepnmf

    out = output_path(args)
    X = read_matrix(Path(args.input))
    if args.transpose:
        X = X.T
    beta: Any = args.beta
    try:
        beta = float(beta)
    except ValueError:
        pass
    common: dict[str, Any] = dict(random_state=args.seed, n_threads=args.threads,
                                  verbose=args.verbose, progress=args.progress)
    if args.init is not None:  # continue from a saved model (its factors, and λℓ, αℓ)
        if not Path(args.init).exists():
            raise CliError(f"{args.init}: no such file")
        common["init"] = deepnmf.load(args.init)
    ranks = args.ranks
    if args.min_volume:
        model: Any = deepnmf.MinVolDeepNMF(ranks, alpha_tilde=args.alpha_tilde, delta=args.delta,
                                           max_iter=args.iters, init_iter=args.init_iters, **common)
    elif args.multilayer:
        model = deepnmf.MultilayerNMF(ranks, beta=beta, max_iter=args.iters, tol=args.tol, **common)
    elif len(ranks) == 1:
        model = deepnmf.BetaNMF(ranks[0], beta=beta, max_iter=args.iters, tol=args.tol, **common)
    else:
        model = deepnmf.DeepNMF(ranks, beta=beta, max_iter=args.iters, init_iter=args.init_iters,
                                tol=args.tol, **common)
    model.fit(X)
    path = model.save(out)
    print(f"{type(model).__name__} fitted on {X.shape[0]}x{X.shape[1]}; saved to {path}")
    return 0


def _summary(path: Path) -> dict[str, Any]:
    import deepnmf

    model = deepnmf.load(path)
    out: dict[str, Any] = {"class": type(model).__name__, "version": model.saved_version_,
                           "params": model.get_params()}
    Ws = model.W_ if isinstance(model.W_, list) else [model.W_]
    Hs = model.H_ if isinstance(model.H_, list) else [model.H_]
    out["layers"] = [{"W": list(w.shape), "H": list(h.shape)} for w, h in zip(Ws, Hs)]
    hist = getattr(model, "loss_history_", None)
    if isinstance(hist, np.ndarray):
        out["iterations"] = int(model.n_iter_)
        out["final"] = np.atleast_1d(hist[-1]).tolist()
    return out


def cmd_info(args: argparse.Namespace) -> int:
    try:
        info = _summary(Path(args.model))
    except FileNotFoundError:
        raise CliError(f"{args.model}: no such file") from None
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(json.dumps(info, indent=2, default=str))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    import deepnmf

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CliError("plotting needs matplotlib: pip install 'deepnmf[plot]'") from None
    from . import plotting

    model = deepnmf.load(args.model)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    figures = {"errors": plotting.plot_errors(model)}
    if isinstance(model.H_, list) and len(model.H_) > 1:
        figures["hierarchy"] = plotting.plot_hierarchy(model)
    if args.image_shape:
        shape = tuple(args.image_shape)
        layers = range(1, len(model.H_) + 1) if isinstance(model.H_, list) else [None]
        for layer in layers:
            F = model.features(layer) if layer is not None else model.components_
            figures[f"features_layer{layer or 1}"] = plotting.plot_basis(F, shape)
    for name, fig in figures.items():
        path = out / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        print(f"saved {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import hyperspectral
    from .demo import main as faces

    if args.which == "faces":
        faces([])
    else:
        hyperspectral()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="deepnmf", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit a (deep) beta-NMF model and save it")
    f.add_argument("input", help=".npy, .npz, .mtx or .csv matrix (m x n, nonnegative)")
    f.add_argument("-r", "--ranks", type=int, nargs="+", required=True,
                   help="r1 [r2 ...]: one rank = BetaNMF, several = DeepNMF")
    f.add_argument("--beta", default="kl", help="real number or kl / frobenius / itakura-saito")
    f.add_argument("--multilayer", action="store_true", help="sequential (multilayer) NMF")
    f.add_argument("--min-volume", action="store_true", help="minimum-volume deep KL-NMF")
    f.add_argument("--alpha-tilde", type=float, nargs="+", default=[0.1])
    f.add_argument("--delta", type=float, default=1.0)
    f.add_argument("--iters", type=int, default=300)
    f.add_argument("--init-iters", type=int, default=200)
    f.add_argument("--tol", type=float, default=1e-6)
    f.add_argument("--threads", type=int, default=None)
    f.add_argument("--seed", type=int, default=None)
    f.add_argument("--transpose", action="store_true", help="factorize the transpose")
    f.add_argument("-v", "--verbose", type=int, default=0)
    f.add_argument("--progress", action="store_true", help="show a progress bar (needs tqdm)")
    f.add_argument("--init", metavar="MODEL.npz",
                   help="start from a saved model of the same kind and ranks (continue a fit)")
    f.add_argument("-o", "--output", default="model.npz")
    f.add_argument("--force", action="store_true", help="replace an existing output file")
    f.set_defaults(run=cmd_fit)
    i = sub.add_parser("info", help="describe a saved model")
    i.add_argument("model")
    i.set_defaults(run=cmd_info)
    pl = sub.add_parser("plot", help="error curves of a saved model as PNG")
    pl.add_argument("model")
    pl.add_argument("-o", "--output", default="figures")
    pl.add_argument("--image-shape", type=int, nargs=2, metavar=("H", "W"),
                    help="also draw the features of every layer as images of this shape")
    pl.set_defaults(run=cmd_plot)
    d = sub.add_parser("demo", help="run a demo on bundled data")
    d.add_argument("which", choices=["faces", "hsi"])
    d.set_defaults(run=cmd_demo)
    return p


def _one_line_warning(message, category, filename, lineno, line=None) -> str:  # type: ignore[no-untyped-def]
    return f"deepnmf: warning: {message} ({category.__name__})\n"


def main(argv: list[str] | None = None) -> int:
    import warnings

    args = build_parser().parse_args(argv)
    previous = warnings.formatwarning
    warnings.formatwarning = _one_line_warning  # a command line shows no source lines
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f"deepnmf: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, RuntimeError) as exc:  # bad data or parameters
        print(f"deepnmf: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # outside a fit's iterations (which stop with a warning)
        print("deepnmf: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = previous


if __name__ == "__main__":
    sys.exit(main())
