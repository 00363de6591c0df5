"""The deepnmf command line.

  deepnmf fit INPUT -r 80 40 20 [--beta kl] [--min-volume] [--init old.npz] [-o model.npz]
  deepnmf info model.npz
  deepnmf plot model.npz -o figures/ [--image-shape 19 19]
  deepnmf demo faces|hsi

INPUT is .npy, .npz (a dense array - the only one, or the one named X - or a scipy.sparse
matrix saved with scipy.sparse.save_npz), .mtx (Matrix Market) or .csv (comma-separated
numbers, no header); a 3-D .npy/.npz array is a hyperspectral cube rows x cols x bands with
--cube. Bad input ends with a one-line error and exit status 1; bad usage with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
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
            try:
                return np.load(path, allow_pickle=False)
            except ValueError:  # NumPy's words are about pickles: the file is not an array
                raise CliError(f"{path}: not a NumPy .npy array file (text, a pickle or a "
                               "damaged file); save the matrix with numpy.save") from None
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

    if Path(args.output).suffix not in ("", ".npz"):
        raise CliError(f"{args.output}: a model file ends in .npz (or give a name without a "
                       "suffix, and .npz is appended)")
    out = model_path(args.output)
    for name in (args.input, args.init):
        if name is not None and out.exists() and Path(name).exists() and out.samefile(name):
            raise CliError(f"{out}: is an input of this fit; write the model to another file")
    if out.exists() and not args.force:
        raise CliError(f"{out}: exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise CliError(f"{out.parent}: no such directory")
    return out


#: Flags of `fit` that only some models take: the model → the flags it takes.
MODEL_FLAGS = {
    "BetaNMF": {"beta", "tol", "solver", "alpha_W", "l1_ratio", "inner_iter"},
    "MultilayerNMF": {"beta", "tol", "solver"},
    "DeepNMF": {"beta", "tol", "init_iters"},
    "MinVolDeepNMF": {"tol", "init_iters", "alpha_tilde", "delta"},
}
FLAG_NAMES = {"beta": "--beta", "tol": "--tol", "init_iters": "--init-iters",
              "alpha_tilde": "--alpha-tilde", "delta": "--delta", "solver": "--solver",
              "alpha_W": "--alpha-W", "l1_ratio": "--l1-ratio", "inner_iter": "--inner-iter"}


def chosen_model(args: argparse.Namespace) -> str:
    """The model the flags ask for; flags that do not apply to it are an error."""
    if args.min_volume and args.multilayer:
        raise CliError("--min-volume and --multilayer are two models: choose one")
    name = ("MinVolDeepNMF" if args.min_volume else "MultilayerNMF" if args.multilayer
            else "BetaNMF" if len(args.ranks) == 1 else "DeepNMF")
    given = [flag for flag in FLAG_NAMES if getattr(args, flag) is not None]
    extra = [FLAG_NAMES[f] for f in given if f not in MODEL_FLAGS[name]]
    if extra:
        why = {"MinVolDeepNMF": " (min-volume NMF is KL: beta = 1)", "BetaNMF": " (one rank)",
               "MultilayerNMF": " (no deep iterations after the layers)"}.get(name, "")
        raise CliError(f"{', '.join(extra)} {'does' if len(extra) == 1 else 'do'} not apply to "
                       f"{name}{why}")
    return name


def read_cube(X: Any, path: str, cube: bool) -> Any:
    """A 3-D array: with --cube, the hyperspectral cube rows × cols × bands as X = bands ×
    pixels (pixels in column-major order, as the bundled images: plot with --image-shape rows
    cols); without it, the exact flag to pass."""
    ndim = getattr(X, "ndim", 2)
    if ndim == 3 and cube:
        rows, cols, bands = X.shape
        print(f"deepnmf: {path}: cube {rows} x {cols} x {bands} fit as {bands} bands x "
              f"{rows * cols} pixels; draw its abundance maps with plot --image-shape {rows} "
              f"{cols}", file=sys.stderr)
        return np.ascontiguousarray(X.reshape(rows * cols, bands, order="F").T)
    if ndim == 3:
        raise CliError(f"{path}: a 3-D array {X.shape}; for a hyperspectral cube rows x cols x "
                       "bands pass --cube (it is fit as bands x pixels), else save a 2-D matrix")
    if cube:
        raise CliError(f"{path}: --cube needs a 3-D array rows x cols x bands, got shape "
                       f"{getattr(X, 'shape', '?')}")
    if ndim != 2:
        raise CliError(f"{path}: a {ndim}-D array; fit needs a matrix (2-D)")
    return X


def _positive_int(text: str, flag: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise CliError(f"{flag} must be a positive integer or auto, got {text!r}")
    return value


def cmd_fit(args: argparse.Namespace) -> int:
    import deepnmf

    name = chosen_model(args)
    out = output_path(args)
    if args.init is not None and not Path(args.init).exists():
        raise CliError(f"{args.init}: no such file")
    X = read_cube(read_matrix(Path(args.input)), args.input, args.cube)
    if args.transpose:
        X = X.T
    common: dict[str, Any] = dict(random_state=args.seed, n_threads=args.threads,
                                  verbose=args.verbose, progress=args.progress)
    if args.iters is not None:
        common["max_iter"] = args.iters
    if args.tol is not None:
        common["tol"] = args.tol
    if args.init_iters is not None:
        common["init_iter"] = args.init_iters
    if args.beta is not None:
        beta: Any = args.beta
        try:
            beta = float(beta)
        except ValueError:
            pass
        common["beta"] = beta
    if args.solver is not None:
        common["solver"] = args.solver
    for flag in ("alpha_W", "l1_ratio"):
        if getattr(args, flag) is not None:
            common[flag] = getattr(args, flag)
    if args.inner_iter is not None:
        common["inner_iter"] = args.inner_iter if args.inner_iter == "auto" else \
            _positive_int(args.inner_iter, "--inner-iter")
    if args.init is not None:  # continue from a saved model (its factors, and λℓ, αℓ)
        common["init"] = deepnmf.load(args.init)
    ranks = args.ranks
    if name == "MinVolDeepNMF":
        if args.alpha_tilde is not None:
            common["alpha_tilde"] = args.alpha_tilde
        if args.delta is not None:
            common["delta"] = args.delta
        model: Any = deepnmf.MinVolDeepNMF(ranks, **common)
    elif name == "MultilayerNMF":
        model = deepnmf.MultilayerNMF(ranks, **common)
    elif name == "BetaNMF":
        model = deepnmf.BetaNMF(ranks[0], **common)
    else:
        model = deepnmf.DeepNMF(ranks, **common)
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

    try:  # deepnmf.plotting checks for matplotlib at import, with the one install hint
        from . import plotting
    except ImportError as exc:
        raise CliError(str(exc)) from None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise CliError(f"{out}: is a file; -o names the directory the pictures go to")
    if not Path(args.model).is_file():
        raise CliError(f"{args.model}: no such file")
    model = deepnmf.load(args.model)
    out.mkdir(parents=True, exist_ok=True)
    figures = {"errors": plotting.plot_errors(model)}
    if isinstance(model.H_, list) and len(model.H_) > 1:
        figures["hierarchy"] = plotting.plot_hierarchy(model)
    if args.image_shape:
        shape = tuple(args.image_shape)
        layers = range(1, len(model.H_) + 1) if isinstance(model.H_, list) else [None]
        for layer in layers:
            F = model.features(layer) if layer is not None else model.components_
            what = ("rows of H1" if layer == 1 else f"rows of H{layer} ⋯ H1") if layer else "rows of H"
            figures[f"features_layer{layer or 1}"] = plotting.plot_basis(
                F, shape, title=f"{type(model).__name__}, layer {layer or 1}: {len(F)} features "
                                f"({what}), each scaled to its maximum")
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


class _Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The description as written, and every option's default shown."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="deepnmf", description=__doc__, formatter_class=_Help)
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit a (deep) beta-NMF model and save it", formatter_class=_Help,
                       description="Fit BetaNMF (one rank), DeepNMF (several), MultilayerNMF "
                       "(--multilayer) or MinVolDeepNMF (--min-volume) and save it. Options a "
                       "model does not take are an error; unset ones take the model's defaults.")
    f.add_argument("input", help=".npy, .npz, .mtx or .csv matrix (m x n, nonnegative)")
    f.add_argument("-r", "--ranks", type=int, nargs="+", required=True,
                   help="r1 [r2 ...]: one rank = BetaNMF, several = DeepNMF")
    f.add_argument("--beta", default=None,
                   help="real number or kl / frobenius / itakura-saito (default: kl)")
    f.add_argument("--solver", default=None,
                   choices=["mu", "hals", "cd", "anls", "als", "pg", "ipg"],
                   help="BetaNMF/MultilayerNMF: the solver (all but mu need --beta 2; "
                   "default mu)")
    f.add_argument("--alpha-W", dest="alpha_W", type=float, default=None,
                   help="BetaNMF, beta 2: elastic-net weight (scikit-learn's alpha_W; "
                   "alpha_H is the same; default 0)")
    f.add_argument("--l1-ratio", type=float, default=None,
                   help="BetaNMF: the L1 share of the penalty in [0, 1] (default 0)")
    f.add_argument("--inner-iter", default=None,
                   help="BetaNMF: sweeps per block, an integer or auto (accelerated HALS; "
                   "default 1)")
    f.add_argument("--multilayer", action="store_true", help="sequential (multilayer) NMF")
    f.add_argument("--min-volume", action="store_true", help="minimum-volume deep KL-NMF")
    f.add_argument("--alpha-tilde", type=float, nargs="+", default=None,
                   help="min-volume: the initial volume-to-data ratio, one value or one per "
                   "layer (default: 0.1)")
    f.add_argument("--delta", type=float, default=None,
                   help="min-volume: delta of ln det(W^T W + delta I) (default: 1)")
    f.add_argument("--iters", type=int, default=None,
                   help="iterations (per layer for --multilayer); default: the model's "
                   "(BetaNMF/MultilayerNMF 200, DeepNMF 500, min-volume 300)")
    f.add_argument("--init-iters", type=int, default=None,
                   help="deep models: iterations per layer of the multilayer start (default: 200)")
    f.add_argument("--tol", type=float, default=None,
                   help="stop when the objective decreased by less than this (relative) over "
                   "10 iterations; 0 runs all (default: the model's)")
    f.add_argument("--threads", type=int, default=None,
                   help="threads of the core: -1 all, k > 0 (default: OpenMP's)")
    f.add_argument("--seed", type=int, default=None, help="random seed (default: fresh)")
    f.add_argument("--transpose", action="store_true", help="factorize the transpose")
    f.add_argument("--cube", action="store_true",
                   help="INPUT is a hyperspectral cube rows x cols x bands: fit bands x pixels")
    f.add_argument("-v", "--verbose", type=int, default=0,
                   help="print the objective every VERBOSE iterations (0: silent)")
    f.add_argument("--progress", action="store_true", help="show a progress bar (needs tqdm)")
    f.add_argument("--init", metavar="MODEL.npz",
                   help="start from a saved model of the same kind and ranks (continue a fit)")
    f.add_argument("-o", "--output", default="model.npz",
                   help="where to save the model (.npz)")
    f.add_argument("--force", action="store_true", help="replace an existing output file")
    f.set_defaults(run=cmd_fit)
    i = sub.add_parser("info", help="describe a saved model (JSON)", formatter_class=_Help)
    i.add_argument("model", help="a model file written by fit or model.save")
    i.set_defaults(run=cmd_info)
    pl = sub.add_parser("plot", formatter_class=_Help,
                        help="pictures of a saved model as PNG: the error curves, the layer "
                        "hierarchy (deep models) and, with --image-shape, every layer's "
                        "features as images")
    pl.add_argument("model", help="a model file written by fit or model.save")
    pl.add_argument("-o", "--output", default="figures", help="the directory for the pictures")
    pl.add_argument("--image-shape", type=int, nargs=2, metavar=("H", "W"),
                    help="also draw the features of every layer as images of this shape")
    pl.set_defaults(run=cmd_plot)
    d = sub.add_parser("demo", help="run a demo on bundled data", formatter_class=_Help)
    d.add_argument("which", choices=["faces", "hsi"],
                   help="faces: deep KL-NMF of CBCL; hsi: min-volume NMF of Samson")
    d.set_defaults(run=cmd_demo)
    return p


#: Python parameter names in the library's messages → the flags a command-line user typed.
FLAGS = {"max_iter": "--iters", "init_iter": "--init-iters", "alpha_tilde": "--alpha-tilde",
         "n_threads": "--threads", "random_state": "--seed", "n_components": "--ranks",
         "ranks": "--ranks", "beta": "--beta", "delta": "--delta", "tol": "--tol",
         "verbose": "--verbose", "solver": "--solver", "alpha_W": "--alpha-W",
         "l1_ratio": "--l1-ratio", "inner_iter": "--inner-iter"}


def in_flags(message: str) -> str:
    """A library message in the command line's words: parameters as flags, no Python."""
    import re

    message = re.sub(r"\b(" + "|".join(FLAGS) + r")\b(?==|\s+must|\s+is)",
                     lambda m: FLAGS[m.group(1)], message)
    message = message.replace("use None (OpenMP default)", "omit --threads (OpenMP default)")
    return re.sub(r"pass X\.toarray\(\) \(dense\)", "save the matrix dense (.npy)", message)


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
    except BrokenPipeError:  # `deepnmf info m.npz | head -1`: the reader had what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 0
    except (ValueError, TypeError, RuntimeError, OSError) as exc:  # bad data or parameters
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"deepnmf: error: {in_flags(text)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # outside a fit's iterations (which stop with a warning)
        print("deepnmf: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = previous


if __name__ == "__main__":
    sys.exit(main())
