"""The pymc-bnn command run as a user runs it, in a subprocess; asserts on output and files.

Also, in process: the feature scaler, the CSV checks and the output folders.
"""

import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn.datasets import load_iris

from pymc_bnn.cli import main
from pymc_bnn.persistence import read_attrs, read_model, write_model

CLI = [sys.executable, "-m", "pymc_bnn.cli"]


def run(*args, cwd=None):
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def assert_one_line_error(out, *fragments):
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("pymc-bnn: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    data = load_iris(as_frame=True)
    frame = data.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = np.asarray(data.target_names)[data.target]
    path = tmp_path_factory.mktemp("data") / "iris.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted(iris_csv, tmp_path_factory):
    """A model saved by `pymc-bnn fit`, with the command's result."""
    out_dir = tmp_path_factory.mktemp("fit") / "model.nc"
    args = ["fit", iris_csv, "--target", "species", "--model", "glm", "--out", out_dir]
    result = run(*args, "--iterations", 1500, "--seed", 3, "--no-progress")
    assert result.returncode == 0, result.stderr
    return out_dir, result


@pytest.mark.slow
@pytest.mark.parametrize("command", [[], ["demo"], ["fit"], ["predict"], ["check-upstream"]])
def test_help_for_every_command(command):
    out = run(*command, "--help")
    assert out.returncode == 0 and out.stdout.startswith("usage: pymc-bnn")
    if not command:
        assert all(c in out.stdout for c in ["demo", "fit", "predict", "check-upstream"])
    if command == ["fit"]:
        assert all(o in out.stdout for o in ["--target", "--model", "--hidden", "--seed"])
        for default in ["softmax", "10000", "1000", "0.2", "auto", "pymc-bnn-model.nc"]:
            assert f"(default: {default})" in out.stdout, default
    if command == ["predict"]:
        assert "(default: predictions.csv)" in out.stdout and "--keep COLUMN" in out.stdout
    if command:  # a description under the usage line, beyond the one-line help
        body = out.stdout.split("\n\n")[1]
        assert not body.startswith(("positional", "options")) and len(body) > 80, body


@pytest.mark.slow
def test_fit_reports_on_held_out_rows_and_saves_the_model(fitted, iris_csv):
    out_dir, result = fitted
    summary = "150 rows, 4 features, target 'species' with 3 classes; held out 30 rows"
    assert summary in result.stdout
    accuracy = float(re.search(r"accuracy\s+([0-9.]+)", result.stdout).group(1))
    log_score = float(re.search(r"log score\s+(-?[0-9.]+)", result.stdout).group(1))
    ece = float(re.search(r"calibration error \(ECE\)\s+([0-9.]+)", result.stdout).group(1))
    assert accuracy > 0.85 and -0.6 < log_score <= 0 and 0 <= ece < 0.3
    meta = read_attrs(out_dir)
    assert meta["estimator"] == "BayesianSoftmaxClassifier"
    assert meta["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["versions"]["pymc_bnn"] and meta["options"]["random_state"] == 3
    assert meta["metadata"]["target"] == "species"
    assert f"Saved the model to {out_dir};" in result.stdout


@pytest.mark.slow
def test_predict_writes_probabilities_label_and_uncertainty(fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species").iloc[::10]
    new = new[new.columns[::-1]]  # column order does not matter
    new.to_csv(tmp_path / "new.csv", index=False)
    result = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert result.returncode == 0, result.stderr
    assert "Wrote 15 rows" in result.stdout
    table = pd.read_csv(tmp_path / "p.csv")
    probs = ["p_setosa", "p_versicolor", "p_virginica"]
    measures = ["total", "aleatoric", "epistemic", "max_probability"]
    assert list(table.columns) == [*probs, "predicted", *measures, "out_of_range"]
    np.testing.assert_allclose(table[probs].sum(axis=1), 1.0)
    assert table["predicted"].tolist()[:2] == ["setosa", "setosa"]
    assert (table[measures] >= 0).all().all()
    np.testing.assert_allclose(table["total"], table["aleatoric"] + table["epistemic"])
    # The probability of the predicted class, under a name that says so.
    np.testing.assert_allclose(table["max_probability"], table[probs].max(axis=1), atol=1e-12)
    assert not table["out_of_range"].any()

    again = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(again, "p.csv exists", "--force")
    forced = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv", "--force")
    assert forced.returncode == 0, forced.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv"), table)


def test_predict_keeps_what_jax_compiled_for_the_next_run(fitted, iris_csv, tmp_path):
    pytest.importorskip("jax")
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species").iloc[:7]
    new.to_csv(tmp_path / "new.csv", index=False)
    no_jax_settings = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}

    def predict(out, cache_home):
        result = subprocess.run(
            [*CLI, "predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / out],
            capture_output=True,
            text=True,
            timeout=600,
            env={**no_jax_settings, "XDG_CACHE_HOME": str(cache_home)},
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return (tmp_path / out).read_bytes()

    cache = tmp_path / "cache"
    first = predict("p0.csv", cache)
    kept = sorted(f.name for f in (cache / "pymc_bnn" / "jax").iterdir())
    assert any(name.endswith("-cache") for name in kept), kept
    assert predict("p1.csv", cache) == first  # read back, it predicts to the last bit
    # A cache folder that cannot be made: no cache, no warning, the same output.
    (tmp_path / "a-file").write_text("")
    assert predict("p2.csv", tmp_path / "a-file") == first


@pytest.mark.slow
def test_fit_drop_leaves_an_id_out_and_predict_keeps_it(iris_csv, tmp_path):
    # An id column could not be left out of a fit (exit 2, "non-numeric feature
    # columns ['id']"), so it could not travel to predict --keep.
    frame = pd.read_csv(iris_csv)
    frame.insert(0, "id", [f"plant-{i}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "ids.csv", index=False)
    model = tmp_path / "m.nc"
    fit = ["fit", tmp_path / "ids.csv", "--target", "species", "--out", model]
    assert_one_line_error(run(*fit), "non-numeric feature columns ['id']", "--drop COLUMN")
    out = run(*fit, "--drop", "id", "--iterations", 300, "--draws", 20, "--no-progress")
    assert out.returncode == 0, out.stderr
    meta = read_attrs(model)
    assert "id" not in meta["features"] and meta["metadata"]["dropped"] == ["id"]
    new = tmp_path / "ids.csv"
    kept = run("predict", model, new, "--keep", "id", "--out", tmp_path / "p.csv")
    assert kept.returncode == 0, kept.stderr
    table = pd.read_csv(tmp_path / "p.csv")
    assert table.columns[0] == "id" and table["id"].tolist() == frame["id"].tolist()
    plain = run("predict", model, new, "--out", tmp_path / "q.csv")  # the id is left out
    assert plain.returncode == 0, plain.stderr
    assert "id" not in pd.read_csv(tmp_path / "q.csv").columns
    assert_one_line_error(run(*fit, "--drop", "nope", "--force"), "no column ['nope'] to --drop")


@pytest.mark.slow
def test_predict_refuses_data_whose_features_differ(fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns=["species", "petal_width"]).assign(colour=1.0)
    new.to_csv(tmp_path / "new.csv", index=False)
    out = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(out, "lacks the model's feature columns ['petal_width']")
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.slow
def test_predict_refuses_nan_and_a_folder_that_is_no_model(fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species").head(5)
    new.loc[3, "sepal_width"] = np.nan
    new.to_csv(tmp_path / "new.csv", index=False)
    out = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(out, "missing value (NaN)", "'sepal_width'", "line 5")
    out = run("predict", tmp_path, tmp_path / "new.csv")
    assert_one_line_error(out, "is a folder, not a model file")


@pytest.mark.slow
def test_fit_refuses_to_overwrite_without_force(fitted, iris_csv):
    out_dir, _ = fitted
    before = out_dir.read_bytes()
    out = run("fit", iris_csv, "--target", "species", "--out", out_dir, "--no-progress")
    assert_one_line_error(out, "model.nc exists", "--force")
    assert out_dir.read_bytes() == before
    out = run("fit", iris_csv, "--target", "species", "--out", iris_csv, "--force")
    assert_one_line_error(out, "is the input file")  # never the data, even with --force


def _bad_tables():
    base = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4], "b": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]})
    nan = base.copy()
    nan.loc[2, "b"] = np.nan
    return {
        "text": (base.assign(city=["x", "y", "x", "y"], kind=list("abab")), "['city', 'kind']"),
        "nan": (nan, "missing value (NaN) in column 'b' on line 4"),
        "one class": (base.assign(y=1), "one class"),
        "no target": (base.drop(columns="y"), "no column 'y'"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", list(_bad_tables()))
def test_fit_rejects_bad_tables_in_one_line(case, tmp_path):
    frame, message = _bad_tables()[case]
    frame.to_csv(tmp_path / "data.csv", index=False)
    out = run("fit", tmp_path / "data.csv", "--target", "y", "--out", tmp_path / "m")
    assert_one_line_error(out, "data.csv", message)
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_fit_rejects_a_missing_file(tmp_path):
    out = run("fit", tmp_path / "nope.csv", "--target", "y")
    assert_one_line_error(out, "nope.csv: no such file")


@pytest.mark.slow
def test_bnn_fit_and_predict(iris_csv, tmp_path):
    fit = run(
        "fit", iris_csv, "--target", "species", "--model", "bnn", "--hidden", "5",
        "--iterations", 1500, "--out", tmp_path / "bnn.nc", "--no-progress",
    )  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    assert "Bayesian neural network, hidden (5,), tanh" in fit.stdout
    assert float(re.search(r"accuracy\s+([0-9.]+)", fit.stdout).group(1)) > 0.8
    # The free-space check before the fit expects the file it then saves: the draws of
    # every member (5 by default), not of one (within 1.5x: compression and attributes;
    # counting one member's draws it was 2x short here).
    from pymc_bnn.cli.commands import _model_bytes
    from pymc_bnn.cli.estimators import make_estimator

    expected = _model_bytes("bnn", 4, 3, make_estimator("bnn", hidden=(5,), draws=1000))
    assert 1 / 1.5 < (tmp_path / "bnn.nc").stat().st_size / expected < 1.5
    out = run("predict", tmp_path / "bnn.nc", iris_csv, "--out", tmp_path / "p.csv")
    assert out.returncode == 0, out.stderr
    assert len(pd.read_csv(tmp_path / "p.csv")) == 150


@pytest.mark.slow
def test_demo_compares_the_models_and_writes_plots(tmp_path):
    out_dir = tmp_path / "demo"
    args = ["--out", out_dir, "--iterations", 1000, "--hidden", "8", "--no-progress"]
    out = run("demo", *args)
    assert out.returncode == 0, out.stderr
    assert "Digits data (scikit-learn, offline): 1797 rows" in out.stdout
    header = next(line for line in out.stdout.splitlines() if "softmax" in line and "BNN" in line)
    assert header.split() == ["softmax", "BNN", "ensemble"]
    for metric in ["accuracy", "log score", "calibration error (ECE)", "fit time (s)"]:
        assert re.search(rf"^  {re.escape(metric)}(\s+-?[0-9.]+){{3}}$", out.stdout, re.M)
    accuracies = [float(v) for v in re.search(r"accuracy\s+(\S+)\s+(\S+)", out.stdout).groups()]
    assert min(accuracies) > 0.85  # seven seen digits: chance is 1/7
    # Unseen digits are unlike the seen ones: every model's epistemic uncertainty flags them
    # far better than chance (AUROC 0.5).
    aurocs = re.search(r"unseen digits flagged \(AUROC\)\s+(\S+)\s+(\S+)\s+(\S+)", out.stdout)
    assert min(float(v) for v in aurocs.groups()) > 0.75
    assert re.search(r"Wall time [0-9.]+ s", out.stdout)
    # --backend auto: JAX, installed with the test extra (no first-run compile note)
    fitting = [line for line in out.stdout.splitlines() if line.startswith("Fitting")]
    assert len(fitting) == 3 and all("compiled by JAX" in line for line in fitting[:2]), fitting
    assert "First run" not in out.stdout
    summary = json.loads((out_dir / "summary.json").read_text())
    assert set(summary["models"]) == {"softmax", "BNN", "ensemble"}
    assert summary["backend"] == "jax" and summary["unseen_digits"] == [7, 8, 9]
    # 1,797 digits: 1,264 of 0-6 (30 % held out, rounded up) and 533 of 7-9.
    assert summary["held_out_rows"] == {"seen": 380, "unseen": 533}
    from pymc_bnn.cli.demo import PLOT_FILES, _not_written_here

    for name in PLOT_FILES:
        assert (out_dir / name).read_bytes().startswith(b"\x89PNG")
    # The files it wrote, recorded: a later run may replace exactly these without --force.
    assert set(summary["files"]) == {*PLOT_FILES, "summary.md"}
    for name, digest in summary["files"].items():
        assert hashlib.sha256((out_dir / name).read_bytes()).hexdigest() == digest
    assert _not_written_here(out_dir) == []


@pytest.mark.slow
def test_demo_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    out = run("demo", "--out", tmp_path)
    assert_one_line_error(out, "exists and is not empty", "--force")
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_output_folders_are_only_reused_when_empty_forced_or_our_own(tmp_path):
    from pymc_bnn.cli import DEMO_MARKER, CLIError, prepare_dir

    assert prepare_dir(tmp_path / "new", force=False).is_dir()
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("x")
    with pytest.raises(CLIError, match="not empty"):
        prepare_dir(tmp_path / "theirs", force=False, own=DEMO_MARKER)
    assert prepare_dir(tmp_path / "theirs", force=True).is_dir()
    (tmp_path / "ours").mkdir()
    (tmp_path / "ours" / DEMO_MARKER).write_text("{}")
    assert prepare_dir(tmp_path / "ours", force=False, own=DEMO_MARKER).is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(CLIError, match="not a folder"):
        prepare_dir(tmp_path / "file", force=True)


# The saved model: scaling, predictions, older folders ----------------------------------


def _training_rows(iris_csv, seed):
    """The training split fit makes (stratified 80/20), recomputed."""
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(iris_csv)
    X, y = frame.drop(columns="species"), frame["species"]
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)[0]


@pytest.mark.slow
def test_fit_saves_the_training_rows_mean_and_standard_deviation(fitted, iris_csv):
    out_dir, _ = fitted
    scaling = read_attrs(out_dir)["metadata"]["scaling"]
    train = _training_rows(iris_csv, seed=3)
    assert scaling["columns"] == list(train.columns)
    np.testing.assert_allclose(scaling["mean"], train.mean(), rtol=1e-12)
    np.testing.assert_allclose(scaling["scale"], train.std(ddof=0), rtol=1e-12)


@pytest.mark.slow
def test_predict_scales_new_rows_as_saved_and_applies_the_saved_estimator(
    fitted, iris_csv, tmp_path
):
    from pymc_bnn.estimators import BayesianSoftmaxClassifier

    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species").iloc[5::7]
    new.to_csv(tmp_path / "new.csv", index=False)
    assert (
        main(
            ["predict", str(out_dir), str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "p.csv")

    meta = read_attrs(out_dir)
    scaling = meta["metadata"]["scaling"]
    scaled = (new - scaling["mean"]) / scaling["scale"]  # by hand
    estimator = BayesianSoftmaxClassifier.load(out_dir)
    expected = estimator.predict_proba(scaled)
    probs = table[[f"p_{c}" for c in meta["classes"]]].to_numpy()
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-12)
    assert table["predicted"].tolist() == estimator.predict(scaled).tolist()


def test_a_model_folder_of_an_earlier_version_is_named_with_what_to_do(tmp_path, capsys):
    old = tmp_path / "old-model"
    old.mkdir()
    (old / "metadata.json").write_text(json.dumps({"format": "pymc-bnn model 2"}))
    (old / "posterior.npz").write_bytes(b"PK")
    pd.DataFrame({"a": [1.0]}).to_csv(tmp_path / "new.csv", index=False)
    status, line = _error_of(["predict", old, tmp_path / "new.csv"], capsys)
    assert status == 2 and "a model folder of an earlier pymc_bnn" in line
    assert "'pymc-bnn model 2'" in line and "fit the model again" in line


@pytest.mark.slow
def test_predict_refuses_a_model_saved_without_the_feature_scaling(softmax_file, tmp_path, capsys):
    # A file from estimator.save() alone: a valid model, but fit's scaling is unknown.
    pd.DataFrame({"a": [1.0], "b": [2.0]}).to_csv(tmp_path / "new.csv", index=False)
    status, line = _error_of(["predict", softmax_file, tmp_path / "new.csv"], capsys)
    assert status == 2 and "not a model saved by pymc-bnn fit" in line


@pytest.fixture
def softmax_file(tmp_path):
    """A 2-feature softmax regression saved by the estimator (no scaling of pymc-bnn fit)."""
    from pymc_bnn.estimators import BayesianSoftmaxClassifier

    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    clf = BayesianSoftmaxClassifier(
        iterations=20, draws=5, progressbar=False, compile_mode="FAST_COMPILE"
    )
    return clf.fit(X, [0, 1, 0, 1]).save(tmp_path / "plain.nc")


def test_the_jax_cache_is_the_users_choice_first_then_a_writable_default(tmp_path):
    from unittest import mock

    from pymc_bnn.runtime import JAX_CACHE_MAX_BYTES, keep_jax_compilations

    def settings(environ):
        with mock.patch.dict(sys.modules), mock.patch.dict(os.environ, environ, clear=True):
            sys.modules.pop("jax", None)  # as before JAX is imported
            folder = keep_jax_compilations()
            return folder, {k: v for k, v in os.environ.items() if k.startswith("JAX_")}

    own = {"JAX_COMPILATION_CACHE_DIR": "/mine", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "2"}
    folder, env = settings(own)
    assert folder == "/mine"
    assert env == {**own, "JAX_COMPILATION_CACHE_MAX_SIZE": str(JAX_CACHE_MAX_BYTES)}
    folder, env = settings({"XDG_CACHE_HOME": str(tmp_path)})
    assert folder == str(tmp_path / "pymc_bnn" / "jax") == env["JAX_COMPILATION_CACHE_DIR"]
    assert (tmp_path / "pymc_bnn" / "jax").is_dir()
    assert env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"  # every compilation kept
    (tmp_path / "a-file").write_text("")
    assert settings({"XDG_CACHE_HOME": str(tmp_path / "a-file")}) == (None, {})
    with mock.patch.dict(sys.modules, {"jax": object()}):  # JAX imported: too late, no change
        assert keep_jax_compilations(tmp_path) is None


def test_the_executable_returns_mains_status_and_skips_the_exits_collections(monkeypatch):
    import gc

    import pymc_bnn.cli as cli

    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli, "keep_jax_compilations", lambda: None)  # no process-wide setting
    try:
        assert cli.console() == 3
        assert gc.get_freeze_count() > 0  # the interpreter's exit will not walk them
    finally:
        gc.unfreeze()


def test_help_loads_neither_pymc_nor_matplotlib():
    code = (
        "import sys\n"
        "from pymc_bnn.cli import main\n"
        "try:\n"
        "    main(['fit', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'pymc', 'pytensor', 'matplotlib', 'hypothesis', 'sklearn'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# The feature scaler, in process ---------------------------------------------------------


def test_scaler_standardizes_chosen_columns_like_numpy():
    from pymc_bnn.cli.scaling import make_scaler, scaler_to_json

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"a": rng.normal(5, 3, 50), "b": rng.exponential(2, 50), "c": np.full(50, 7.0)}
    )
    scaler = make_scaler(["a", "b", "c"]).fit(X)
    values = X.to_numpy()
    std = values.std(axis=0)
    expected = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    np.testing.assert_allclose(scaler.transform(X).to_numpy(), expected, rtol=1e-12, atol=1e-14)
    saved = scaler_to_json(scaler)
    assert saved["columns"] == ["a", "b", "c"]
    np.testing.assert_allclose(saved["mean"], values.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(saved["scale"], [std[0], std[1], 1.0], rtol=1e-13)
    json.dumps(saved)  # plain JSON, no pickle

    only_a = make_scaler(["a"]).fit(X).transform(X)
    assert list(only_a.columns) == ["a", "b", "c"]
    np.testing.assert_array_equal(only_a[["b", "c"]], X[["b", "c"]])


def test_rebuilt_scaler_transforms_exactly_as_the_fitted_one():
    from pymc_bnn.cli.scaling import make_scaler, scaler_from_json, scaler_to_json

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(40, 3)) * [1.0, 10.0, 1e-3], columns=["x", "y", "z"])
    new = pd.DataFrame(rng.normal(size=(7, 3)), columns=["x", "y", "z"])
    for columns in (["x", "y", "z"], ["z", "x"]):
        fitted = make_scaler(columns).fit(X)
        saved = json.loads(json.dumps(scaler_to_json(fitted)))
        rebuilt = scaler_from_json(saved, list(X.columns))
        pd.testing.assert_frame_equal(
            rebuilt.transform(new), fitted.transform(new), check_exact=True
        )
    legacy = scaler_to_json(make_scaler(list(X.columns)).fit(X))
    del legacy["columns"]  # older model folders: every feature is scaled
    pd.testing.assert_frame_equal(
        scaler_from_json(legacy, list(X.columns)).transform(new),
        make_scaler(list(X.columns)).fit(X).transform(new),
        check_exact=True,
    )


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        ({"mean": [0.0], "scale": [1.0]}, "does not fit the features"),
        ({"columns": ["a", "q"], "mean": [0.0, 0.0], "scale": [1.0, 1.0]}, r"unknown \['q'\]"),
        ({"mean": [0.0, 0.0], "scale": [1.0, 0.0]}, "non-positive scale"),
        ({"mean": [0.0, None], "scale": [1.0, 1.0]}, "non-finite mean"),
        ({"scale": [1.0, 1.0]}, "malformed"),
    ],
)
def test_scaler_refuses_saved_entries_that_do_not_fit(saved, message):
    from pymc_bnn.cli.scaling import scaler_from_json

    with pytest.raises(ValueError, match=message):
        scaler_from_json(saved, ["a", "b"])


# The CSV checks, in process: check_features with the file, column and line -------------


def test_feature_checks_name_the_file_column_and_line():
    from pymc_bnn.cli import CLIError
    from pymc_bnn.cli.tables import check_feature_table, select_features

    text = pd.DataFrame({f"t{i}": ["x"] for i in range(7)}).assign(n=[1.0])
    with pytest.raises(CLIError, match=r"^d\.csv: non-numeric feature columns \['t0', .*'t6'\]"):
        check_feature_table(text, "d.csv")  # all seven named, not only five
    inf = pd.DataFrame({"a": [1.0, -np.inf, 2.0, np.inf], "b": [0.0, 1.0, np.nan, 2.0]})
    with pytest.raises(CLIError) as err:
        check_feature_table(inf, "d.csv")  # NaN is reported before inf, as before
    assert str(err.value) == (
        "d.csv: missing value (NaN) in column 'b' on line 4 (data row 3); 1 such cells in all"
    )
    with pytest.raises(CLIError) as err:
        check_feature_table(inf.fillna(0.0), "d.csv")
    assert str(err.value) == "d.csv: inf in column 'a' on line 3 (data row 2); 2 such cells in all"
    ok = select_features(pd.DataFrame({"b": [1], "a": [True]}), ["a", "b"], "d.csv")
    assert list(ok.columns) == ["a", "b"] and (ok.dtypes == np.float64).all()


# Options and output locations: checked before any work --------------------------------

BAD_OPTIONS = [
    (["--iterations", "-5"], "--iterations: expected a positive integer; got '-5'"),
    (["--draws", "0"], "--draws: expected a positive integer"),
    (["--batch-size", "x"], "--batch-size: expected a positive integer"),
    (["--test-size", "1.5"], "--test-size: expected a fraction between 0 and 1"),
    (["--seed", "-1"], "--seed: expected an integer from 0"),
    (["--hidden", "0"], "--hidden: expected comma-separated positive integers"),
    (["--model", "svm"], "--model: invalid choice: 'svm'"),
    (["--scale", "some"], "--scale: invalid choice: 'some'"),
]


@pytest.mark.slow  # a subprocess: a fresh interpreter shows what an error path imports
def test_option_errors_come_before_pymc_is_imported(tmp_path):
    code = (
        "import sys, time, contextlib, io\n"
        "from pymc_bnn.cli import main\n"
        f"cases = {[o for o, _ in BAD_OPTIONS]!r}\n"
        "for options in cases:\n"
        "    err = io.StringIO()\n"
        "    with contextlib.redirect_stderr(err):\n"
        "        try:\n"
        "            main(['fit', 'data.csv', '--target', 'y', *options])\n"
        "        except SystemExit as exit:\n"
        "            print(exit.code, err.getvalue().strip().splitlines()[-1])\n"
        "print(sorted({'pymc', 'pytensor', 'sklearn'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "[]", out.stderr  # nothing heavy was imported to refuse them
    for (_, message), line in zip(BAD_OPTIONS, lines[:-1], strict=True):
        assert line.startswith("2 pymc-bnn fit: error: argument ") and message in line, line


@pytest.mark.slow
def test_an_option_error_takes_under_two_seconds(tmp_path):
    start = time.perf_counter()
    out = run("fit", "data.csv", "--target", "y", "--iterations", "-5")
    seconds = time.perf_counter() - start
    assert out.returncode == 2 and "expected a positive integer" in out.stderr
    assert "Fitting" not in out.stdout and "Traceback" not in out.stderr
    assert seconds < 2.0, seconds  # was 9-22 s: PyMC was imported first


def _error_of(argv, capsys):
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pymc-bnn: error: "), err
    return status, lines[0]


def test_fit_refuses_an_out_that_cannot_be_created_before_reading_the_data(tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    # The data file does not exist: the --out check must come first.
    status, line = _error_of(
        ["fit", tmp_path / "none.csv", "--target", "y", "--out", precious / "model"], capsys
    )
    assert status == 2 and "precious.txt/model: cannot create it" in line
    assert "precious.txt is a file" in line and precious.read_text() == "keep"
    status, line = _error_of(
        ["fit", tmp_path / "none.csv", "--target", "y", "--out", precious], capsys
    )
    assert status == 2 and "precious.txt exists; pass --force" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in read-only folders")
def test_fit_and_predict_refuse_a_read_only_folder(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        status, line = _error_of(
            ["fit", tmp_path / "none.csv", "--target", "y", "--out", locked / "m"], capsys
        )
        assert status == 2 and "cannot write in" in line
        status, line = _error_of(
            ["predict", tmp_path, tmp_path / "x.csv", "--out", locked / "p.csv"], capsys
        )
        assert status == 2 and "cannot write in" in line
    finally:
        locked.chmod(0o755)


def test_predict_refuses_an_out_that_is_a_folder_or_in_no_folder(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    status, line = _error_of(
        ["predict", tmp_path, tmp_path / "x.csv", "--out", tmp_path / "results", "--force"],
        capsys,
    )
    assert status == 2 and "results is a folder" in line
    status, line = _error_of(
        ["predict", tmp_path, tmp_path / "x.csv", "--out", tmp_path / "no" / "p.csv"], capsys
    )
    assert status == 2 and "no: no such folder" in line


# Scaling that cannot overflow, indicator columns, plain messages ------------------------


def test_scaling_a_column_with_huge_values_stays_finite_and_exact():
    from pymc_bnn.cli.scaling import fit_scaler, scaler_to_json, training_limits

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50) * 1e299})
    X.loc[7, "a"] = 1e300  # one hostile cell
    saved = scaler_to_json(fit_scaler(X, ["a", "b"]))
    json.dumps(saved, allow_nan=False)  # strict JSON: no Infinity
    # Oracle: mean and population sd of the values divided by a power of ten, scaled back.
    for column, unit in (("a", 1e300), ("b", 1e299)):
        small = X[column].to_numpy() / unit
        k = saved["columns"].index(column)
        np.testing.assert_allclose(saved["mean"][k], small.mean() * unit, rtol=1e-12)
        np.testing.assert_allclose(saved["scale"][k], small.std() * unit, rtol=1e-12)
    # numpy's own std overflows here (the square of 1e300), which zeroed the column before.
    with np.errstate(over="ignore"):
        assert not np.isfinite(X["a"].to_numpy().var())
    limits = training_limits(X)
    assert np.isfinite(limits["low"]).all() and np.isfinite(limits["high"]).all()
    json.dumps(limits, allow_nan=False)


def test_auto_scaling_leaves_indicator_columns_as_they_are():
    from pymc_bnn.cli.scaling import fit_scaler, scaled_columns

    rare = np.zeros(1000)
    rare[:2] = 1.0  # a rare soil type: standardized, its 1 would be 22 sds
    X = pd.DataFrame({"elevation": np.linspace(2000, 3500, 1000), "soil": rare})
    assert scaled_columns(X, "auto") == ["elevation"]
    Z = fit_scaler(X, scaled_columns(X, "auto")).transform(X)
    np.testing.assert_array_equal(Z["soil"], rare)
    np.testing.assert_allclose(
        [Z["elevation"].mean(), Z["elevation"].std(ddof=0)], [0, 1], atol=1e-12
    )
    standardized = fit_scaler(X, scaled_columns(X, "all")).transform(X)
    assert standardized["soil"].max() == pytest.approx((1 - 0.002) / np.sqrt(0.002 * 0.998))
    assert scaled_columns(X, "none") == []


def test_messages_show_plain_values_and_cut_long_lists():
    from pymc_bnn.cli import CLIError
    from pymc_bnn.cli.tables import split_held_out, split_target

    frame = pd.DataFrame({"a": [0.1, 0.2], "y": np.array([3, 3], dtype=np.int64)})
    with pytest.raises(CLIError, match=r"one class \(3\)"):  # not np.int64(3)
        split_target(frame, "y", "d.csv")
    X = pd.DataFrame({"a": np.arange(400.0)})
    y = np.concatenate([np.arange(300), np.zeros(100, dtype=int)])  # 299 single-row classes
    with pytest.raises(CLIError) as err:
        split_held_out(X, y, 0.2, seed=0)
    message = str(err.value)
    assert "299 classes have a single row" in message and "(299 in all)" in message
    assert len(message) < 200, message


@pytest.mark.slow
def test_parsing_options_imports_no_numerical_library():
    from pymc_bnn.cli import parser
    from pymc_bnn.cli.scaling import SCALE_MODES

    assert parser.SCALE_MODES == SCALE_MODES  # the parser's copy
    code = (
        "import sys, pymc_bnn.cli.parser as p; p.build_parser(check_upstream_options=False); "
        "print(sorted({'numpy', 'pandas'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_header_shows_the_batch_size_used():
    from pymc_bnn.cli.estimators import describe, make_estimator

    estimator = make_estimator("softmax", batch_size=100_000)
    assert describe("softmax", estimator, 240).endswith("all 240 rows at each step)")
    assert "minibatches of 256" in describe("glm", make_estimator("glm", batch_size=256), 9000)


def test_extra_columns_and_kept_columns_are_named():
    from pymc_bnn.cli import CLIError
    from pymc_bnn.cli.tables import check_columns

    with pytest.raises(CLIError, match=r"the column 'extra' is not a feature of the model; "):
        check_columns(["a", "extra"], ["a"], "new.csv")
    with pytest.raises(CLIError, match="pass --keep extra to copy it to the output"):
        check_columns(["a", "extra"], ["a"], "new.csv")
    check_columns(["id", "a", "y"], ["a"], "new.csv", target="y", keep=["id"])
    with pytest.raises(CLIError, match=r"no column \['ID'\] to --keep"):
        check_columns(["id", "a"], ["a"], "new.csv", keep=["ID"])


# predict: chunks, kept columns, rows beyond the training range --------------------------


@pytest.mark.slow
def test_predict_in_chunks_keeps_ids_and_flags_rows_beyond_the_training_range(
    fitted, iris_csv, tmp_path
):
    from pymc_bnn.cli.commands import load_saved

    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species")
    new.insert(0, "id", [f"plant-{i:03d}" for i in range(len(new))])
    new.loc[4, "petal_length"] = 1e300  # finite, absurd
    new.loc[9, "sepal_width"] = -50.0
    new.to_csv(tmp_path / "new.csv", index=False)
    whole = run(
        "predict", out_dir, tmp_path / "new.csv", "--keep", "id", "--out", tmp_path / "a.csv"
    )
    assert whole.returncode == 0, whole.stderr
    chunked = run(
        "predict", out_dir, tmp_path / "new.csv", "--keep", "id", "--chunk-size", 7,
        "--out", tmp_path / "b.csv", "--no-progress",
    )  # fmt: skip
    assert chunked.returncode == 0, chunked.stderr
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(a, b)  # 22 chunks give the same rows as one
    assert a["id"].tolist() == new["id"].tolist()  # carried through, in order
    assert a.index[a["out_of_range"]].tolist() == [4, 9]
    warning = [line for line in whole.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "2 of 150 rows" in warning[0]
    assert "['petal_length', 'sepal_width']" in warning[0] and "lines [6, 11]" in warning[0]
    # Oracle: the saved estimator on rows scaled by hand.
    estimator, _, meta = load_saved(out_dir)
    features = meta["features"]
    scaled = (new[features] - meta["scaling"]["mean"]) / meta["scaling"]["scale"]
    probs = a[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    np.testing.assert_allclose(probs, estimator.predict_proba(scaled), rtol=0, atol=1e-12)

    extra = new.assign(colour=1.0)
    extra.to_csv(tmp_path / "extra.csv", index=False)
    out = run(
        "predict", out_dir, tmp_path / "extra.csv", "--keep", "id", "--out", tmp_path / "c.csv"
    )
    assert_one_line_error(out, "the column 'colour' is not a feature", "--keep colour")
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.slow
def test_predict_reads_parquet_as_it_reads_csv(fitted, iris_csv, tmp_path):
    """Oracle: the same rows written as CSV, predicted by the same command.  A Parquet
    file is told by its first bytes, not its name; read in record batches of
    ``--chunk-size`` rows; a damaged one is refused in one line naming the format."""
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species")
    new.insert(0, "id", [f"plant-{i:03d}" for i in range(len(new))])
    new.to_csv(tmp_path / "new.csv", index=False)
    new.to_parquet(tmp_path / "new.data", row_group_size=50)  # any name
    for name, data in (("csv", "new.csv"), ("parquet", "new.data")):
        result = run(
            "predict", out_dir, tmp_path / data, "--keep", "id", "--chunk-size", 32,
            "--out", tmp_path / f"{name}.csv", "--no-progress",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "Wrote 150 rows" in result.stdout
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "parquet.csv"), pd.read_csv(tmp_path / "csv.csv")
    )
    damaged = (tmp_path / "new.data").read_bytes()
    (tmp_path / "damaged.parquet").write_bytes(damaged[: len(damaged) // 2])
    out = run("predict", out_dir, tmp_path / "damaged.parquet", "--out", tmp_path / "d.csv")
    assert_one_line_error(out, "damaged.parquet: cannot read it as Parquet")
    assert not (tmp_path / "d.csv").exists()


@pytest.mark.slow
def test_fit_with_a_huge_cell_saves_strict_json_and_a_finite_scale(iris_csv, tmp_path):
    frame = pd.read_csv(iris_csv)
    frame["sepal_length"] *= 1e299  # rows near 1e299, all finite: the variance overflowed
    frame.loc[0, "petal_width"] = 1e300  # and one hostile cell
    frame.to_csv(tmp_path / "huge.csv", index=False)
    out = run(
        "fit", tmp_path / "huge.csv", "--target", "species", "--iterations", 500, "--draws", 50,
        "--out", tmp_path / "m.nc", "--no-progress", "--seed", 1, "--backend", "numba",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "(ADVI 500 iterations) on" in out.stdout  # Numba, PyTensor's default: not JAX
    meta = read_attrs(tmp_path / "m.nc")["metadata"]  # strict JSON, or it is refused
    train = _training_rows(tmp_path / "huge.csv", seed=1)
    k = meta["scaling"]["columns"].index("sepal_length")
    expected = (train["sepal_length"] / 1e299).std(ddof=0) * 1e299  # oracle: scaled down first
    np.testing.assert_allclose(meta["scaling"]["scale"][k], expected, rtol=1e-12)
    assert all(np.isfinite(meta["scaling"]["scale"])) and min(meta["scaling"]["scale"]) > 0
    accuracy = float(re.search(r"accuracy\s+([0-9.]+)", out.stdout).group(1))
    assert accuracy > 0.8  # the column is used, not zeroed


# Damaged model files: never a prediction, never a traceback ----------------------------


def _edited(model, edit):
    """The bytes of a copy of the model file after ``edit(h5py.File)`` in place."""
    import shutil

    import h5py

    copy = model.with_name("edited.nc")
    shutil.copyfile(model, copy)
    with h5py.File(copy, "r+") as f:
        edit(f)
    data = copy.read_bytes()
    copy.unlink()
    return data


def _setting(key, attrs):
    """An edit setting the attribute ``key`` to its entry in ``attrs`` (deleting it if none)."""

    def edit(f):
        if key in attrs:
            f.attrs[key] = json.dumps(attrs[key])
        else:
            del f.attrs[key]

    return edit


def _damages(model):
    """(name, bytes) pairs: the model file damaged, or edited with its checksum as it was."""
    data = model.read_bytes()
    for size in (0, 1, 100, len(data) // 2, len(data) - 1, len(data) - 50):
        yield f"cut to {size} bytes", data[:size]
    for offset in (0, 10, 40, len(data) // 3, len(data) // 2, len(data) - 5, len(data) - 40):
        flipped = bytearray(data)
        flipped[offset] ^= 0x5A
        yield f"byte {offset} flipped", bytes(flipped)
    # Every attribute, and every entry of the nested ones, edited in place.
    attrs = read_attrs(model)
    values = [None, "x", -1, 0, [], {}, 1e308, [1, 2]]
    paths = [(k,) for k in attrs] + [
        (k, sub) for k in ("options", "metadata", "fitted") for sub in attrs[k]
    ]
    for path in paths:
        for value in [*values, "<deleted>"]:
            edited = json.loads(json.dumps(attrs))
            target = edited
            for key in path[:-1]:
                target = target[key]
            if target[path[-1]] == value:
                continue
            if value == "<deleted>":
                del target[path[-1]]
            else:
                target[path[-1]] = value
            yield f"{'.'.join(path)} = {value!r}", _edited(model, _setting(path[0], edited))

    def draws(f):
        f["posterior/y_coef_raw"][0, 0, 0, 0] = 5.0

    yield "a draw edited", _edited(model, draws)


def _invalid_entries(model, folder):
    """Entries that are wrong whatever the checksum says, written whole (a careful forger)."""
    saved = read_model(model)
    attrs, meta = saved.attrs, saved.attrs["metadata"]
    n, scaling = len(attrs["features"]), meta["scaling"]
    cases = {
        "estimator": ["SVC", None, 3],
        "options": [None, [], {"depth": 2}, {"iterations": -1}, {"identification": "none?"}],
        "features": ["x", [], attrs["features"][:-1], [1] * n, [attrs["features"][0]] * n],
        "n_features": [0, -1, "4", n + 1, 1.5, True],
        "classes": [[], ["a"], "abc", [1, "a"], [None, None, None], attrs["classes"][:2]],
        "fitted": [None, {}, {"fixed_columns": [n]}, {"fixed_columns": [-1]}],
        "sampler": [None, 3],
        "metadata": [None, {}, []],
        "metadata.scaling": [
            None,
            {},
            dict(scaling, scale=[-1.0] * len(scaling["scale"])),
            dict(scaling, scale=[0.0] * len(scaling["scale"])),
            dict(scaling, mean=scaling["mean"][:-1]),
            dict(scaling, columns=["nope"] * len(scaling["columns"])),
        ],
        "metadata.limits": [
            None,
            {},
            {"low": [0.0], "high": [1.0]},
            {"low": [1.0] * n, "high": [0.0] * n},
        ],
        "metadata.target": [5, ["species"]],
    }
    forged = (folder / f"forged-{i}.nc" for i in itertools.count())
    for key, values in cases.items():
        for value in values:
            edited = json.loads(json.dumps(attrs))
            if key.startswith("metadata."):
                edited["metadata"][key.split(".")[1]] = value
            else:
                edited[key] = value
            path = write_model(next(forged), saved.tree, edited)
            yield f"{key} = {value!r} (checksum recomputed)", path.read_bytes()
    posterior = saved.tree["posterior"].to_dataset()
    trees = {
        # The variables predictions read (the free ones behind them depend on the
        # parametrization).
        "a parameter left out": posterior.drop_vars("y_intercept"),
        "non-finite draws": posterior.assign(y_coef=posterior["y_coef"] * np.nan),
        "draws without a chain": posterior.isel(chain=0),
    }
    for name, post in trees.items():
        tree = xr.DataTree.from_dict({"posterior": post})
        path = write_model(next(forged), tree, attrs)
        yield f"{name} (checksum recomputed)", path.read_bytes()


@pytest.mark.slow
def test_damaged_model_files_never_predict_and_fail_in_one_line(
    fitted, iris_csv, tmp_path, capsys
):
    out_dir, _ = fitted
    (tmp_path / "forged").mkdir()
    cases = list(_damages(out_dir)) + list(_invalid_entries(out_dir, tmp_path / "forged"))
    assert len(cases) > 150
    failures = []
    model = tmp_path / "damaged.nc"
    for name, data in cases:
        model.write_bytes(data)
        out = tmp_path / "p.csv"
        status = main(["predict", str(model), str(iris_csv), "--out", str(out), "--no-progress"])
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        ok = (
            status == 2
            and not out.exists()
            and len(lines) == 1
            and lines[0].startswith(f"pymc-bnn: error: {model}")
            and "unexpected" not in err
            and "Traceback" not in err
            and len(lines[0]) < 400
        )
        if not ok:
            failures.append((name, status, err[:300]))
    assert not failures, failures


# Ctrl-C and SIGTERM: a real signal at every moment of fit, save and predict ------------

_PATCHES = {
    "import": "",
    "compile": "",
    # Markers printed from inside the fit, so that the signal lands where named.
    "optimisation": (
        "import pymc_bnn.estimators.base as s\n"
        "from pymc_bnn.models.inference import fit_advi\n"
        "def marked(*a, **k):\n"
        "    said = []\n"
        "    def cb(approx, losses, i):\n"
        "        if not said:\n"
        "            said.append(print('OPTIMISING', flush=True))\n"
        "    return fit_advi(*a, callbacks=[cb], **k)\n"
        "s.fit_advi = marked\n"
    ),
    "drawing": (
        "import pymc.variational.opvi as opvi\n"
        "original = opvi.Approximation.sample\n"
        "def slow_sample(self, *a, **k):\n"
        "    print('DRAWING', flush=True)\n"
        "    for _ in range(10_000):  # a long draw: the signal arrives inside one\n"
        "        result = original(self, *a, **k)\n"
        "    return result\n"
        "opvi.Approximation.sample = slow_sample\n"
    ),
    # The file written whole beside the model, not yet renamed over it.
    "saving": (
        "import time, xarray as xr\n"
        "original = xr.DataTree.to_netcdf\n"
        "def slow_write(self, *a, **k):\n"
        "    result = original(self, *a, **k)\n"
        "    print('SAVING', flush=True)\n"
        "    time.sleep(60)\n"
        "    return result\n"
        "xr.DataTree.to_netcdf = slow_write\n"
    ),
}
_MARKERS = {
    "import": "Scaling (",  # printed just before the estimator (and PyMC) is imported
    "compile": "Fitting ",  # printed just before the model is built and compiled
    "optimisation": "OPTIMISING",
    "drawing": "DRAWING",
    "saving": "SAVING",
}
_SIGNALS = {
    "SIGINT": (signal.SIGINT, 130, "pymc-bnn: interrupted; nothing was saved or overwritten"),
    "SIGTERM": (signal.SIGTERM, 143, "pymc-bnn: terminated; nothing was saved or overwritten"),
}


def _signal_at(marker, code, name):
    """Run ``code`` in a fresh Python, send the signal ``name`` once ``marker`` is printed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = []
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        seen.append(line)
        if marker in line or time.monotonic() > deadline:
            break
    assert seen and marker in seen[-1], "".join(seen)
    signum, status, message = _SIGNALS[name]
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status, (marker, stdout, stderr)
    assert stderr.strip().splitlines()[-1] == message, stderr
    assert "Traceback" not in stderr and "SystemError" not in stderr
    return stdout


@pytest.mark.slow
@pytest.mark.hostile
@pytest.mark.parametrize("name", list(_SIGNALS))
@pytest.mark.parametrize("moment", list(_MARKERS))
def test_a_signal_at_any_moment_of_fit_saves_nothing(moment, name, fitted, iris_csv, tmp_path):
    # SIGTERM was not handled: a killed fit left its partial files behind. Ctrl-C (130)
    # and SIGTERM (143) alike leave the old model whole and nothing beside it.
    out_dir, _ = fitted
    model = tmp_path / "model.nc"
    import shutil

    shutil.copyfile(out_dir, model)  # a good model that --force must not replace
    before = model.read_bytes()
    iterations = 10_000_000 if moment == "optimisation" else 2000
    argv = [
        "fit", str(iris_csv), "--target", "species", "--out", str(model), "--force",
        "--iterations", str(iterations), "--draws", "200", "--no-progress",
    ]  # fmt: skip
    code = (
        _PATCHES[moment] + f"import sys\nfrom pymc_bnn.cli import main\nsys.exit(main({argv!r}))\n"
    )
    stdout = _signal_at(_MARKERS[moment], code, name)
    assert "Saved the model" not in stdout
    assert model.read_bytes() == before  # the old model, whole
    assert [p.name for p in tmp_path.iterdir()] == ["model.nc"]  # no partial file left


@pytest.mark.slow
@pytest.mark.hostile
@pytest.mark.parametrize("name", list(_SIGNALS))
def test_a_signal_while_predicting_leaves_the_old_output_whole(name, fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    out = tmp_path / "p.csv"
    out.write_text("the user's earlier predictions\n")
    argv = ["predict", str(out_dir), str(iris_csv), "--out", str(out), "--force"]
    argv += ["--chunk-size", "10", "--no-progress"]
    code = (
        "import sys, time\n"
        "import pymc_bnn.cli.commands as c\n"
        "original = c._predict_chunk\n"
        "def slow_chunk(*a, **k):\n"
        "    result = original(*a, **k)\n"
        "    print('PREDICTING', flush=True)\n"
        "    time.sleep(60)\n"
        "    return result\n"
        "c._predict_chunk = slow_chunk\n"
        f"from pymc_bnn.cli import main\nsys.exit(main({argv!r}))\n"
    )
    _signal_at("PREDICTING", code, name)
    assert out.read_text() == "the user's earlier predictions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]  # no partial output


_EARLY = """
import importlib.abc, os, signal, sys

class SignalOnImport(importlib.abc.MetaPathFinder):
    # The signal arrives while the command imports its own modules (what the first
    # tenth of a second of pymc-bnn does).
    def find_spec(self, name, path=None, target=None):
        if name == "pymc_bnn.cli.estimators":
            os.kill(os.getpid(), signal.{signal})
        return None

sys.meta_path.insert(0, SignalOnImport())
from pymc_bnn.cli import main
sys.exit(main(["fit", "data.csv", "--target", "y"]))
"""


@pytest.mark.hostile
@pytest.mark.parametrize("name", list(_SIGNALS))
def test_a_signal_while_the_command_starts_exits_without_a_traceback(name):
    # SIGINT in the first tenth of a second printed a traceback (exit 1, or killed by
    # the signal): the handlers are installed before the command's modules are imported.
    out = subprocess.run(
        [sys.executable, "-c", _EARLY.replace("{signal}", name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    _, status, message = _SIGNALS[name]
    assert out.returncode == status, out.stderr
    assert out.stderr.strip() == message


def test_package_warnings_are_one_line_messages(capsys):
    # The demo's digits have constant pixels: the collinearity warning is one line with
    # the command's prefix, not a Python warning with a source line.
    from pymc_bnn.cli import _one_line_warnings
    from pymc_bnn.models.collinearity import CollinearityWarning

    with _one_line_warnings():
        warnings.warn("constant columns ['a']", CollinearityWarning, stacklevel=1)
    assert capsys.readouterr().err == "pymc-bnn: warning: constant columns ['a']\n"


def test_backend_auto_is_jax_when_installed_else_numba(monkeypatch):
    from pymc_bnn.cli import estimators

    real = estimators.importlib.util.find_spec
    assert estimators.compile_mode("auto") == ("JAX" if real("jax") else None)
    monkeypatch.setattr(estimators.importlib.util, "find_spec", lambda name: None)
    assert estimators.compile_mode("auto") is None  # Numba, PyTensor's default
    assert estimators.compile_mode("jax") == "JAX"
    assert estimators.compile_mode("jax", method="nuts") is None  # the samplers compile


def test_the_streamed_held_out_report_equals_the_one_from_all_draws():
    # The report held draws x rows x classes at once (2.7 GB for 200,000 held-out rows);
    # fit now builds it from predict_uncertainty's per-row means and entropies. Oracle:
    # the metrics of the whole draws array.
    from pymc_bnn import BayesianSoftmaxClassifier
    from pymc_bnn.cli.report import metrics, summary_metrics

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    clf = BayesianSoftmaxClassifier(
        iterations=300, draws=50, random_state=0, progressbar=False, compile_mode="FAST_COMPILE"
    ).fit(X, y)
    whole = metrics(clf.predict_proba_draws(X), y)
    table = clf.predict_uncertainty(X, proba=True)
    means = table[[f"p_{c}" for c in clf.classes_]].to_numpy()
    streamed = summary_metrics(means, table["epistemic"], y, clf.classes_)
    assert list(streamed) == list(whole)
    for name, value in whole.items():
        assert streamed[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
