"""The pymc-bnn command run as a user runs it, in a subprocess; asserts on output and files."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "pymc_bnn.cli", *map(str, args)],
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
    out_dir = tmp_path_factory.mktemp("fit") / "model"
    args = ["fit", iris_csv, "--target", "species", "--model", "glm", "--out", out_dir]
    result = run(*args, "--iterations", 1500, "--seed", 3, "--no-progress")
    assert result.returncode == 0, result.stderr
    return out_dir, result


@pytest.mark.parametrize("command", [[], ["demo"], ["fit"], ["predict"], ["check-upstream"]])
def test_help_for_every_command(command):
    out = run(*command, "--help")
    assert out.returncode == 0 and out.stdout.startswith("usage: pymc-bnn")
    if not command:
        assert all(c in out.stdout for c in ["demo", "fit", "predict", "check-upstream"])
    if command == ["fit"]:
        assert all(o in out.stdout for o in ["--target", "--model", "--hidden", "--seed"])


def test_fit_reports_on_held_out_rows_and_saves_the_model(fitted, iris_csv):
    out_dir, result = fitted
    summary = "150 rows, 4 features, target 'species' with 3 classes; held out 30 rows"
    assert summary in result.stdout
    accuracy = float(re.search(r"accuracy\s+([0-9.]+)", result.stdout).group(1))
    log_score = float(re.search(r"log score\s+(-?[0-9.]+)", result.stdout).group(1))
    ece = float(re.search(r"calibration error \(ECE\)\s+([0-9.]+)", result.stdout).group(1))
    assert accuracy > 0.85 and -0.6 < log_score <= 0 and 0 <= ece < 0.3
    meta = json.loads((out_dir / "metadata.json").read_text())
    assert meta["model"] == "glm"
    assert meta["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["package_version"] and meta["options"]["random_state"] == 3
    assert (out_dir / "posterior.npz").is_file()


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
    measures = ["total", "aleatoric", "epistemic", "confidence"]
    assert list(table.columns) == [*probs, "predicted", *measures]
    np.testing.assert_allclose(table[probs].sum(axis=1), 1.0)
    assert table["predicted"].tolist()[:2] == ["setosa", "setosa"]
    assert (table[measures] >= 0).all().all()
    np.testing.assert_allclose(table["total"], table["aleatoric"] + table["epistemic"])

    again = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(again, "p.csv exists", "--force")
    forced = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv", "--force")
    assert forced.returncode == 0, forced.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv"), table)


def test_predict_refuses_data_whose_features_differ(fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns=["species", "petal_width"]).assign(colour=1.0)
    new.to_csv(tmp_path / "new.csv", index=False)
    out = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(out, "features differ", "missing ['petal_width']", "['colour']")
    assert not (tmp_path / "p.csv").exists()


def test_predict_refuses_nan_and_a_folder_that_is_no_model(fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns="species").head(5)
    new.loc[3, "sepal_width"] = np.nan
    new.to_csv(tmp_path / "new.csv", index=False)
    out = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(out, "missing value (NaN)", "'sepal_width'", "line 5")
    out = run("predict", tmp_path, tmp_path / "new.csv")
    assert_one_line_error(out, "not a saved model")


def test_fit_refuses_to_overwrite_without_force(fitted, iris_csv):
    out_dir, _ = fitted
    before = (out_dir / "metadata.json").read_text()
    out = run("fit", iris_csv, "--target", "species", "--out", out_dir, "--no-progress")
    assert_one_line_error(out, "exists and is not empty", "--force")
    assert (out_dir / "metadata.json").read_text() == before


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


@pytest.mark.parametrize("case", list(_bad_tables()))
def test_fit_rejects_bad_tables_in_one_line(case, tmp_path):
    frame, message = _bad_tables()[case]
    frame.to_csv(tmp_path / "data.csv", index=False)
    out = run("fit", tmp_path / "data.csv", "--target", "y", "--out", tmp_path / "m")
    assert_one_line_error(out, "data.csv", message)
    assert not (tmp_path / "m").exists()


def test_fit_rejects_a_missing_file(tmp_path):
    out = run("fit", tmp_path / "nope.csv", "--target", "y")
    assert_one_line_error(out, "nope.csv: no such file")


def test_bnn_fit_and_predict(iris_csv, tmp_path):
    fit = run(
        "fit", iris_csv, "--target", "species", "--model", "bnn", "--hidden", "5",
        "--iterations", 1500, "--out", tmp_path / "bnn", "--no-progress",
    )  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    assert "Bayesian neural network, hidden (5,), tanh" in fit.stdout
    assert float(re.search(r"accuracy\s+([0-9.]+)", fit.stdout).group(1)) > 0.8
    out = run("predict", tmp_path / "bnn", iris_csv, "--out", tmp_path / "p.csv")
    assert out.returncode == 0, out.stderr
    assert len(pd.read_csv(tmp_path / "p.csv")) == 150


def test_demo_compares_the_models_and_writes_plots(tmp_path):
    out_dir = tmp_path / "demo"
    args = ["--out", out_dir, "--iterations", 1000, "--hidden", "8", "--no-progress"]
    out = run("demo", *args)
    assert out.returncode == 0, out.stderr
    assert "Digits data (scikit-learn, offline): 1797 rows" in out.stdout
    header = next(line for line in out.stdout.splitlines() if "softmax" in line and "BNN" in line)
    assert header.split() == ["softmax", "BNN"]
    for metric in ["accuracy", "log score", "calibration error (ECE)", "fit time (s)"]:
        assert re.search(rf"^  {re.escape(metric)}\s+-?[0-9.]+\s+-?[0-9.]+$", out.stdout, re.M)
    accuracies = [float(v) for v in re.search(r"accuracy\s+(\S+)\s+(\S+)", out.stdout).groups()]
    assert min(accuracies) > 0.85  # chance is 0.1
    assert re.search(r"Wall time [0-9.]+ s", out.stdout)
    files = {p.name for p in out_dir.iterdir()}
    assert {"reliability.png", "accuracy_rejection.png", "summary.md", "summary.json"} <= files
    summary = json.loads((out_dir / "summary.json").read_text())
    assert set(summary["models"]) == {"softmax", "BNN"}
    assert (out_dir / "reliability.png").read_bytes().startswith(b"\x89PNG")


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
