"""save → load gives the same model: same factors, same read-outs, no pickle involved."""

import copy
import json
import pickle

import numpy as np
import pytest
from _support.bounded import run_bounded
from _support.estimators import CONFIGS, IDS

import deepnmf
from deepnmf import BetaNMF, DeepNMF

X = np.random.default_rng(0).uniform(0.1, 1.0, size=(30, 25))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_roundtrip(tmp_path, config):
    model = config.make().fit(X)
    path = model.save(tmp_path / "model.npz")
    back = deepnmf.load(path)
    assert type(back) is type(model) and back.get_params() == model.get_params()
    Wa = model.W_ if isinstance(model.W_, list) else [model.W_]
    Wb = back.W_ if isinstance(back.W_, list) else [back.W_]
    for a, b in zip(Wa, Wb):
        assert np.array_equal(a, b)
    if not config.layered:
        assert np.array_equal(back.transform(X), model.transform(X))
        assert np.array_equal(back.components_, model.components_)
    else:
        L = len(model.W_)
        assert np.array_equal(back.features(L), model.features(L))
        assert np.array_equal(back.reconstruction(1), model.reconstruction(1))
    if hasattr(model, "loss_history_") and not isinstance(model.loss_history_, list):
        assert np.array_equal(back.loss_history_, model.loss_history_)
    assert back.saved_version_ == deepnmf.__version__
    with np.load(path, allow_pickle=False) as f:  # readable without deepnmf, no pickle
        assert "__meta__" in f.files


def test_unfitted_and_foreign_files(tmp_path):
    with pytest.raises(deepnmf.NotFittedError, match="not fitted"):  # as transform raises
        BetaNMF(2).save(tmp_path / "x.npz")
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    with pytest.raises(ValueError, match="other.npz is not a valid deepnmf model file: no __meta"):
        deepnmf.load(tmp_path / "other.npz")


def test_numpy_typed_parameters_survive_a_save(tmp_path):
    """np.int64 and np.ndarray parameters were written as null: the ranks were lost (the file
    could not be reloaded) and max_iter came back as its default 500."""
    model = DeepNMF(np.array([3, 2]), max_iter=np.int64(3), init_iter=np.int32(2), tol=0).fit(X)
    back = deepnmf.load(model.save(tmp_path / "deep.npz"))
    assert back.ranks == [3, 2] and back.max_iter == 3 and back.init_iter == 2
    single = BetaNMF(np.int64(3), max_iter=np.int64(4), tol=np.float64(0)).fit(X)
    back = deepnmf.load(single.save(tmp_path / "single.npz"))
    assert back.n_components == 3 and back.max_iter == 4 and back.tol == 0.0
    np.testing.assert_array_equal(back.transform(X), single.transform(X))


def rewrite(path, out, meta=None, drop=(), **entries):
    """A copy of the saved model `path` at `out` with its metadata replaced by `meta` (a dict,
    or a string written as is), entries dropped or added."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files if k not in drop}
    if meta is not None:
        arrays["__meta__"] = np.array(meta if isinstance(meta, str) else json.dumps(meta))
    arrays.update(entries)
    np.savez(out, **arrays)
    return out


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "deep.npz"
    DeepNMF([4, 2], init_iter=5, max_iter=5, tol=0).fit(X).save(path)
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["__meta__"]))
    return path, meta


def crafted(meta):
    """(label, metadata edit or raw string, extra entries, dropped entries) of broken files."""
    def edit(fn):
        m = copy.deepcopy(meta)
        fn(m)
        return m
    yield "class attribute", edit(lambda m: m["attributes"].update({"__class__": "scalar"})), {}, ()
    yield "method shadowed", edit(lambda m: (m["attributes"].update({"transform": "scalar"}),
                                             m["scalars"].update({"transform": 3}))), {}, ()
    yield "unknown attribute", edit(lambda m: m["attributes"].update({"evil_": "array"})), \
        {"evil_": np.ones(2)}, ()
    yield "not json", "{not json", {}, ()
    yield "json list", "[1, 2]", {}, ()
    yield "deep nesting", "[" * 100_000 + "]" * 100_000, {}, ()
    yield "no attributes", edit(lambda m: m.pop("attributes")), {}, ()
    yield "params a list", edit(lambda m: m.update({"params": [1]})), {}, ()
    yield "unknown parameter", edit(lambda m: m["params"].update({"__dict__": 1})), {}, ()
    yield "parameter a dict", edit(lambda m: m["params"].update({"tol": {"a": 1}})), {}, ()
    yield "callback in a file", edit(lambda m: m["params"].update({"callback": "print"})), {}, ()
    yield "missing entry", meta, {}, ("W_.1",)
    yield "list too long", edit(lambda m: m["attributes"].update({"W_": ["list", 3]})), {}, ()
    yield "list count not a number", edit(lambda m: m["attributes"].update({"W_": ["list", "2"]})), {}, ()
    yield "kind mismatch", edit(lambda m: m["attributes"].update({"weights_": "scalar"})), {}, ()
    yield "wrong class", edit(lambda m: m.update({"class": "os.system"})), {}, ()
    yield "wrong format", edit(lambda m: m.update({"format": 99})), {}, ()
    yield "nan factor", meta, {"W_.0": np.full((30, 4), np.nan)}, ()
    yield "negative factor", meta, {"H_.1": -np.ones((2, 4))}, ()
    yield "integer factor", meta, {"H_.1": np.ones((2, 4), dtype=np.int64)}, ()
    yield "factors that do not chain", meta, {"H_.1": np.ones((2, 5))}, ()
    yield "ranks disagree", edit(lambda m: m["scalars"].update({"ranks_": [5, 2]})), {}, ()
    yield "weights per layer", meta, {"weights_": np.ones(3)}, ()
    yield "history columns", meta, {"loss_history_": np.ones((6, 2))}, ()
    yield "history length", meta, {"loss_iterations_": np.arange(3)}, ()
    yield "int scalar a string", edit(lambda m: m["scalars"].update({"n_iter_": "5"})), {}, ()
    yield "meta not a string", None, {"__meta__": np.ones(3)}, ()


CRAFTED = [label for label, *_ in crafted({"attributes": {}, "scalars": {}, "params": {}})]


@pytest.mark.parametrize("case", CRAFTED)
def test_every_malformed_file_is_one_value_error(tmp_path, saved, case):
    """A crafted file could set __class__ or shadow a method, and JSONDecodeError, KeyError,
    AttributeError, TypeError, IndexError and RecursionError escaped load. Only the model's
    documented fitted attributes, of their kinds and shapes, are taken."""
    path, meta = saved
    label, new_meta, extra, drop = {c[0]: c for c in crafted(meta)}[case]
    out = rewrite(path, tmp_path / "crafted.npz", new_meta, drop, **extra)
    with pytest.raises(ValueError, match="crafted.npz is not a valid deepnmf model file"):
        deepnmf.load(out)


def test_files_that_are_not_archives(tmp_path):
    (tmp_path / "notes.npz").write_text("some text\n")
    np.save(tmp_path / "array.npy", np.ones(3))
    with open(tmp_path / "pickled.npz", "wb") as f:
        pickle.dump({"a": 1}, f)
    for name in ("notes.npz", "array.npy", "pickled.npz"):
        with pytest.raises(ValueError, match=f"{name} is not a valid deepnmf model file"):
            deepnmf.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        deepnmf.load(tmp_path / "missing.npz")
    obj = tmp_path / "object.npz"  # a model whose entry is an object array (a pickle inside)
    np.savez(obj, __meta__=np.array("{}"), W_=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a valid deepnmf model file"):
        deepnmf.load(obj)


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    model = BetaNMF(3, max_iter=5, tol=0).fit(X)
    path = model.save(tmp_path / "model.npz")
    before = path.read_bytes()

    def broken(f, **entries):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_a_crafted_model_with_a_huge_column_as_init_returns(tmp_path):
    """Its W (a column 1e300 times the next) sent the first H-update into the endless loop."""
    rng = np.random.default_rng(0)
    Y = rng.uniform(0.1, 1, (6, 5))
    model = DeepNMF([3, 2], init_iter=3, max_iter=3, tol=0).fit(Y)
    model.W_[0][:, 0], model.W_[0][:, 1] = 1e300, 2.2e-16
    path = model.save(tmp_path / "huge.npz")
    run_bounded(f"""
        import numpy as np, deepnmf
        Y = np.random.default_rng(0).uniform(0.1, 1, (6, 5))
        m = deepnmf.DeepNMF([3, 2], init=deepnmf.load({str(path)!r}), max_iter=3, tol=0).fit(Y)
        assert np.all(np.isfinite(m.loss_history_))
    """, timeout=60)


def test_a_class_whose_module_fails_to_import_is_not_blamed_on_the_file(tmp_path, monkeypatch):
    """load imports the class's module on first use: if that import fails, the error says so
    (the installation is broken), instead of calling a good file invalid."""
    from deepnmf._engine import persist

    path = BetaNMF(2, max_iter=2, tol=0).fit(np.ones((6, 5)) + np.eye(6, 5)).save(tmp_path / "m")
    monkeypatch.delitem(persist.REGISTRY, "BetaNMF")
    monkeypatch.setitem(persist._MODULES, "BetaNMF", "deepnmf._no_such_module")
    with pytest.raises(persist.ClassImportError, match="_no_such_module"):
        deepnmf.load(path)
