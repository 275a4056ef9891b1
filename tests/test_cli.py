"""The pymc-bnn command run as a user runs it, in a subprocess; asserts on output and files.

Also, in process: the feature scaler, the CSV checks and the output folders.
"""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from pymc_bnn.cli import main


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


@pytest.mark.slow
@pytest.mark.parametrize("command", [[], ["demo"], ["fit"], ["predict"], ["check-upstream"]])
def test_help_for_every_command(command):
    out = run(*command, "--help")
    assert out.returncode == 0 and out.stdout.startswith("usage: pymc-bnn")
    if not command:
        assert all(c in out.stdout for c in ["demo", "fit", "predict", "check-upstream"])
    if command == ["fit"]:
        assert all(o in out.stdout for o in ["--target", "--model", "--hidden", "--seed"])


@pytest.mark.slow
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


@pytest.mark.slow
def test_predict_refuses_data_whose_features_differ(fitted, iris_csv, tmp_path):
    out_dir, _ = fitted
    new = pd.read_csv(iris_csv).drop(columns=["species", "petal_width"]).assign(colour=1.0)
    new.to_csv(tmp_path / "new.csv", index=False)
    out = run("predict", out_dir, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert_one_line_error(out, "features differ", "missing ['petal_width']", "['colour']")
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
    assert_one_line_error(out, "not a saved model")


@pytest.mark.slow
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
        "--iterations", 1500, "--out", tmp_path / "bnn", "--no-progress",
    )  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    assert "Bayesian neural network, hidden (5,), tanh" in fit.stdout
    assert float(re.search(r"accuracy\s+([0-9.]+)", fit.stdout).group(1)) > 0.8
    out = run("predict", tmp_path / "bnn", iris_csv, "--out", tmp_path / "p.csv")
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
    scaling = json.loads((out_dir / "metadata.json").read_text())["scaling"]
    train = _training_rows(iris_csv, seed=3)
    assert scaling["columns"] == list(train.columns)
    np.testing.assert_allclose(scaling["mean"], train.mean(), rtol=1e-12)
    np.testing.assert_allclose(scaling["scale"], train.std(ddof=0), rtol=1e-12)


@pytest.mark.slow
def test_predict_scales_new_rows_as_saved_and_applies_the_saved_estimator(
    fitted, iris_csv, tmp_path
):
    from pymc_bnn.sklearn import BayesianSoftmaxClassifier

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

    meta = json.loads((out_dir / "metadata.json").read_text())
    scaled = (new - meta["scaling"]["mean"]) / meta["scaling"]["scale"]  # by hand
    estimator = BayesianSoftmaxClassifier.load(out_dir)
    expected = estimator.predict_proba(scaled)
    probs = table[[f"p_{c}" for c in meta["classes"]]].to_numpy()
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-12)
    assert table["predicted"].tolist() == estimator.predict(scaled).tolist()


@pytest.mark.slow
def test_a_model_folder_of_the_first_pymc_bnn_fit_predicts_the_same(fitted, iris_csv, tmp_path):
    # Version 0.1 wrote "hidden": null for softmax models, no n_features and the scaling
    # without its column list (all features).
    out_dir, _ = fitted
    old = tmp_path / "old-model"
    old.mkdir()
    (old / "posterior.npz").write_bytes((out_dir / "posterior.npz").read_bytes())
    meta = json.loads((out_dir / "metadata.json").read_text())
    meta["options"]["hidden"] = None
    del meta["n_features"], meta["scaling"]["columns"]
    (old / "metadata.json").write_text(json.dumps(meta))
    outputs = []
    for folder in (out_dir, old):
        out = tmp_path / f"{folder.name}.csv"
        assert main(["predict", str(folder), str(iris_csv), "--out", str(out)]) == 0
        outputs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(*outputs)


def test_predict_refuses_a_model_saved_without_the_feature_scaling(tmp_path, capsys):
    # A folder from estimator.save() alone: a valid model, but fit's scaling is unknown.
    model = tmp_path / "model"
    model.mkdir()
    meta = {
        "format": "pymc-bnn model 1",
        "model": "glm",
        "options": {},
        "features": ["a"],
        "classes": [0, 1],
        "posterior_dims": {"y_coef": ["chain", "draw", "features", "classes"]},
    }
    (model / "metadata.json").write_text(json.dumps(meta))
    np.savez(model / "posterior.npz", y_coef=np.zeros((1, 2, 1, 2)))
    pd.DataFrame({"a": [1.0]}).to_csv(tmp_path / "new.csv", index=False)
    assert main(["predict", str(model), str(tmp_path / "new.csv")]) == 2
    assert "not a model saved by pymc-bnn fit" in capsys.readouterr().err


@pytest.mark.slow
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
