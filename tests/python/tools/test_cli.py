"""The command line end to end on small files of each format, and bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp


def run(*args):
    return subprocess.run([sys.executable, "-m", "deepnmf.cli", *args], capture_output=True, text=True)


@pytest.fixture
def matrix():
    return np.random.default_rng(0).uniform(0.1, 1.0, size=(20, 15))


@pytest.mark.parametrize("fmt", ["npy", "npz", "npz-sparse", "mtx", "csv"])
def test_fit_each_format_then_info(tmp_path, matrix, fmt):
    src = tmp_path / f"x.{fmt.split('-')[0]}"
    if fmt == "npy":
        np.save(src, matrix)
    elif fmt == "npz":
        np.savez(src, X=matrix)
    elif fmt == "npz-sparse":
        sp.save_npz(src, sp.csr_matrix(matrix))
    elif fmt == "mtx":
        scipy.io.mmwrite(src, sp.csr_matrix(matrix))
    else:
        np.savetxt(src, matrix, delimiter=",")
    out = tmp_path / "m.npz"
    proc = run("fit", str(src), "-r", "4", "2", "--iters", "5", "--init-iters", "5", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    info = run("info", str(out))
    assert info.returncode == 0
    summary = json.loads(info.stdout[info.stdout.index("{"):])  # (a dev install may log first)
    assert summary["class"] == "DeepNMF" and summary["layers"][0]["W"] == [20, 4]


def test_plot(tmp_path, matrix):
    pytest.importorskip("matplotlib")
    np.save(tmp_path / "x.npy", matrix)
    assert run("fit", str(tmp_path / "x.npy"), "-r", "3", "--iters", "5", "-o", str(tmp_path / "m.npz")).returncode == 0
    proc = run("plot", str(tmp_path / "m.npz"), "-o", str(tmp_path / "fig"), "--image-shape", "5", "3")
    assert proc.returncode == 0, proc.stderr
    for name in ("errors", "features_layer1"):
        png = tmp_path / "fig" / f"{name}.png"
        assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("content,match", [
    (lambda p: np.save(p, -np.ones((5, 4))), "negative"),
    (lambda p: p.write_text("not a matrix"), "cannot read"),
])
def test_bad_input_one_line_error(tmp_path, content, match):
    path = tmp_path / ("bad.npy" if match == "negative" else "bad.csv")
    content(path)
    proc = run("fit", str(path), "-r", "2", "-o", str(tmp_path / "m.npz"))
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("deepnmf:")]
    assert len(errors) == 1 and errors[0].startswith("deepnmf: error:") and match in errors[0]
    assert "Traceback" not in proc.stderr


def test_missing_file_and_usage(tmp_path):
    proc = run("fit", str(tmp_path / "nope.npy"), "-r", "2")
    assert proc.returncode == 1 and "no such file" in proc.stderr
    assert run("fit").returncode == 2  # argparse usage error
    assert "deepnmf fit INPUT" in run("--help").stdout


def test_fit_continues_from_a_saved_model(tmp_path, matrix):
    src = tmp_path / "x.npy"
    np.save(src, matrix)
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    base = ("fit", str(src), "-r", "4", "2", "--iters", "5", "--init-iters", "5", "--tol", "0")
    assert run(*base, "-o", str(first)).returncode == 0
    proc = run(*base, "--init", str(first), "-o", str(second))
    assert proc.returncode == 0, proc.stderr
    import deepnmf

    a, b = deepnmf.load(first), deepnmf.load(second)
    # the second fit starts where the first ended: its objective starts at the first's end
    np.testing.assert_allclose(b.loss_history_[0, -1], a.loss_history_[-1, -1], rtol=1e-12)
    bad = run(*base, "--init", str(tmp_path / "missing.npz"))
    assert bad.returncode == 1 and "no such file" in bad.stderr
    wrong = run("fit", str(src), "-r", "3", "2", "--iters", "2", "--init", str(first))
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip().splitlines()[-1].startswith("deepnmf: error: init W1 has shape")


def test_fit_never_writes_over_its_input_or_an_existing_file(tmp_path, matrix):
    """`fit X.npz -o X.npz` replaced the user's data with the model, silently."""
    data = tmp_path / "X.npz"
    np.savez(data, X=matrix)
    before = data.read_bytes()
    proc = run("fit", str(data), "-r", "3", "--iters", "2", "-o", str(data))
    assert proc.returncode == 1 and "is an input of this fit" in proc.stderr
    assert "Traceback" not in proc.stderr and data.read_bytes() == before
    # the same through the suffix that save appends: -o X writes X.npz
    proc = run("fit", str(data), "-r", "3", "--iters", "2", "-o", str(tmp_path / "X"))
    assert proc.returncode == 1 and data.read_bytes() == before
    out = tmp_path / "m.npz"
    assert run("fit", str(data), "-r", "3", "--iters", "2", "-o", str(out)).returncode == 0
    first = out.read_bytes()
    proc = run("fit", str(data), "-r", "3", "--iters", "3", "-o", str(out))
    assert proc.returncode == 1 and "exists; pass --force" in proc.stderr
    assert out.read_bytes() == first
    proc = run("fit", str(data), "-r", "3", "--iters", "3", "-o", str(out), "--force")
    assert proc.returncode == 0 and out.read_bytes() != first
    # continuing a model: the model it starts from is an input too
    proc = run("fit", str(data), "-r", "3", "--iters", "2", "--init", str(out), "-o", str(out),
               "--force")
    assert proc.returncode == 1 and "is an input of this fit" in proc.stderr


def test_fit_checks_the_output_directory_before_fitting(tmp_path, matrix):
    np.save(tmp_path / "x.npy", matrix)
    proc = run("fit", str(tmp_path / "x.npy"), "-r", "3", "--iters", "100000", "--tol", "0",
               "-o", str(tmp_path / "missing" / "m.npz"))
    assert proc.returncode == 1 and "no such directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def one_error(proc):
    """The one `deepnmf: error:` line of a failed command, exit status 1, no traceback."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("deepnmf: error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_min_volume_with_its_default_and_one_alpha_tilde(tmp_path, matrix):
    """The default alpha-tilde and one given value broadcast to every layer."""
    np.save(tmp_path / "x.npy", matrix)
    for extra in ([], ["--alpha-tilde", "0.45"]):
        proc = run("fit", str(tmp_path / "x.npy"), "-r", "3", "2", "--min-volume", "--iters", "3",
                   "--init-iters", "3", "-o", str(tmp_path / "mv.npz"), "--force", *extra)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("flags,match", [
    (["--min-volume", "--beta", "2"], "--beta does not apply to MinVolDeepNMF"),
    (["--min-volume", "--multilayer"], "choose one"),
    (["--multilayer", "--init-iters", "5"], "--init-iters does not apply to MultilayerNMF"),
    (["--alpha-tilde", "0.2"], "--alpha-tilde does not apply to DeepNMF"),
    (["--delta", "2"], "--delta does not apply to DeepNMF"),
    (["--solver", "hals"], "--solver does not apply to DeepNMF"),
    (["--multilayer", "--alpha-W", "0.1"], "--alpha-W does not apply to MultilayerNMF"),
])
def test_flags_that_do_not_apply_are_errors(tmp_path, matrix, flags, match):
    np.save(tmp_path / "x.npy", matrix)
    proc = run("fit", str(tmp_path / "x.npy"), "-r", "3", "2", *flags, "-o", str(tmp_path / "m.npz"))
    assert match in one_error(proc)
    assert not (tmp_path / "m.npz").exists()


def test_the_tol_given_applies_to_min_volume(tmp_path, matrix):
    np.save(tmp_path / "x.npy", matrix)
    out = tmp_path / "mv.npz"
    assert run("fit", str(tmp_path / "x.npy"), "-r", "3", "2", "--min-volume", "--tol", "0.5",
               "--iters", "50", "--init-iters", "3", "-o", str(out)).returncode == 0
    import deepnmf

    model = deepnmf.load(out)
    assert model.tol == 0.5 and model.n_iter_ < 50  # it stopped on the rule it was given


def test_plot_and_info_errors_are_one_line(tmp_path, matrix):
    pytest.importorskip("matplotlib")
    np.save(tmp_path / "x.npy", matrix)
    model = tmp_path / "m.npz"
    assert run("fit", str(tmp_path / "x.npy"), "-r", "3", "--iters", "3", "-o", str(model)).returncode == 0
    assert "no such file" in one_error(run("plot", str(tmp_path / "missing.npz"), "-o", str(tmp_path / "f")))
    assert "is a file" in one_error(run("plot", str(model), "-o", str(model)))
    assert "not a valid deepnmf model file" in one_error(run("info", str(tmp_path / "x.npy")))
    (tmp_path / "notes.npy").write_text("some notes")
    msg = one_error(run("fit", str(tmp_path / "notes.npy"), "-r", "2", "-o", str(tmp_path / "n.npz")))
    assert "not a NumPy .npy array file" in msg and "allow_pickle" not in msg


def test_info_into_a_closed_pipe_is_quiet(tmp_path, matrix):
    np.save(tmp_path / "x.npy", matrix)
    model = tmp_path / "m.npz"
    assert run("fit", str(tmp_path / "x.npy"), "-r", "3", "--iters", "3", "-o", str(model)).returncode == 0
    proc = subprocess.run(f"{sys.executable} -m deepnmf.cli info {model} | head -1", shell=True,
                          capture_output=True, text=True)
    assert proc.stdout.strip() == "{" and "Traceback" not in proc.stderr and proc.stderr == ""


def test_a_cube_is_fit_as_bands_by_pixels(tmp_path):
    rng = np.random.default_rng(4)
    cube = rng.uniform(0.1, 1, (6, 5, 8))  # rows x cols x bands
    np.save(tmp_path / "cube.npy", cube)
    msg = one_error(run("fit", str(tmp_path / "cube.npy"), "-r", "3", "-o", str(tmp_path / "m.npz")))
    assert "--cube" in msg
    proc = run("fit", str(tmp_path / "cube.npy"), "-r", "3", "--cube", "--iters", "3", "-o",
               str(tmp_path / "m.npz"))
    assert proc.returncode == 0, proc.stderr
    assert "--image-shape 6 5" in proc.stderr and "fitted on 8x30" in proc.stdout
    import deepnmf

    # pixel (i, j) is column i + 6 j (column-major, as plot's images)
    H = deepnmf.load(tmp_path / "m.npz").components_
    assert H.shape == (3, 30)


def test_messages_name_the_flags_and_help_shows_defaults(tmp_path, matrix):
    np.save(tmp_path / "x.npy", matrix)
    msg = one_error(run("fit", str(tmp_path / "x.npy"), "-r", "3", "--iters", "0", "-o",
                        str(tmp_path / "m.npz")))
    assert "--iters must be a positive integer" in msg
    assert "omit --threads" in one_error(run("fit", str(tmp_path / "x.npy"), "-r", "3",
                                             "--threads", "0", "-o", str(tmp_path / "m.npz")))
    assert "ends in .npz" in one_error(run("fit", str(tmp_path / "x.npy"), "-r", "3", "-o",
                                           str(tmp_path / "m.txt")))
    help_text = run("fit", "--help").stdout
    for flag in ("--alpha-tilde", "--delta", "--iters", "--init-iters", "--tol", "--threads",
                 "--seed", "--verbose", "--output"):
        line = help_text[help_text.index(flag):].split("\n\n")[0]
        assert len(line.split()) > 3, flag  # every option says what it does
    assert "(default: model.npz)" in help_text
    assert "``" not in run("--help").stdout  # plain text, no RST markup


def test_fit_a_frobenius_solver_with_penalties_then_info(tmp_path, matrix):
    import deepnmf

    np.save(tmp_path / "x.npy", matrix)
    out = tmp_path / "h.npz"
    proc = run("fit", str(tmp_path / "x.npy"), "-r", "4", "--beta", "2", "--solver", "hals",
               "--alpha-W", "0.001", "--l1-ratio", "1", "--inner-iter", "auto", "--seed", "0",
               "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    model = deepnmf.load(out)
    assert (model.solver, model.alpha_W, model.l1_ratio, model.inner_iter) == ("hals", 0.001,
                                                                               1.0, "auto")
    info = json.loads(run("info", str(out)).stdout)
    assert info["params"]["solver"] == "hals" and info["params"]["alpha_W"] == 0.001
    assert "--solver='hals'" in one_error(run("fit", str(tmp_path / "x.npy"), "-r", "4",
                                              "--solver", "hals", "-o", str(tmp_path / "k.npz")))
    assert "--inner-iter" in one_error(run("fit", str(tmp_path / "x.npy"), "-r", "4", "--beta",
                                           "2", "--inner-iter", "two", "-o",
                                           str(tmp_path / "k.npz")))
