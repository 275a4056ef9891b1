"""Hostile ``pymc-bnn`` commands: odd tables, clashing names, outputs that would destroy input.

Each case is one command with the exit status and message it must give (see
``hostile_harness``); a refused command must leave its folder as it was.
"""

import numpy as np
import pandas as pd
import pytest
from hostile_harness import FITTED, Case, labelled_table, params

QUICK = ("--iterations", "100", "--draws", "10", "--no-progress", "--seed", "0")
"""A short fit: these cases check what is read and written, not the posterior."""

FEATURES = "sepal_length,sepal_width,petal_length,petal_width"


def _fit(data: str, *extra: str, out: str = "m") -> list[str]:
    return ["fit", data, "--target", "y", "--out", out, *QUICK, *extra]


def _classes(model: str):
    def check(root, outcome):
        from pymc_bnn.persistence import read_attrs

        return read_attrs(root / model)["classes"]

    return check


def _expect_classes(classes):
    def check(root, outcome):
        assert _classes("m")(root, outcome) == classes

    return check


def _predicted(classes):
    """The output p.csv has a column p_<c> per class and predicts only those labels."""

    def check(root, outcome):
        table = pd.read_csv(root / "p.csv", dtype={"predicted": str}, keep_default_na=False)
        assert [c for c in table.columns if c.startswith("p_")] == [f"p_{c}" for c in classes]
        assert set(table["predicted"]) <= set(classes)
        truth = pd.read_csv(root / "data.csv", dtype={"y": str}, keep_default_na=False)["y"]
        assert (table["predicted"] == truth).mean() > 0.9  # the classes are separable

    return check


def _not_fitted(root, outcome):
    assert "Fitting" not in outcome.stdout and "Scaling" not in outcome.stdout


def _rows(lines: int, bad_line: int, value: str) -> str:
    """An iris-like table of ``lines - 1`` data rows; ``value`` in sepal_width on ``bad_line``."""
    rows = [FEATURES]
    for line in range(2, lines + 1):
        width = value if line == bad_line else "3.0"
        rows.append(f"5.1,{width},1.4,0.2")
    return "\n".join(rows) + "\n"


LABELS = [
    Case(
        "labels 01 and 1 are two classes",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["01", "1", "2"], rows=60)},
        exit=0,
        message="with 3 classes",
        check=_expect_classes(["01", "1", "2"]),
        bug="labels were parsed as numbers: 01 and 1 became one class",
    ),
    Case(
        "canonical integer labels stay integers",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["-3", "0", "12"], rows=60)},
        exit=0,
        message="with 3 classes",
        check=_expect_classes([-3, 0, 12]),
    ),
    Case(
        "integers beyond int64 are labels as written",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["18446744073709551616", "7"], rows=40)},
        exit=0,
        message="with 2 classes",
        check=_expect_classes(["18446744073709551616", "7"]),
        bug="labels were parsed as numbers",
    ),
    Case(
        "the label NA is a label, not a missing value",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["NA", "yes"], rows=40)},
        exit=0,
        message="with 2 classes",
        check=_expect_classes(["NA", "yes"]),
        bug="the label NA was read as a missing value",
    ),
    Case(
        "an empty label is a missing value, named by line",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["a", "b"], rows=20).replace(",b\n", ",\n", 1)},
        message=("missing target value in column 'y' on line 3",),
    ),
    Case(
        "float labels are refused, naming the column, before PyMC loads",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["0.5", "1.5"], rows=20)},
        message=("data.csv", "'y'", "0.5 on line 2", "not whole"),
        check=_not_fitted,
        bug="float labels were refused only after PyMC loaded, without naming the column",
    ),
    Case(
        "boolean labels: fit saves a model that predict uses",
        argv=["predict", "m", "data.csv", "--out", "p.csv", "--no-progress"],
        before=(_fit("data.csv"),),
        files={"data.csv": labelled_table(["True", "False"], rows=40)},
        exit=0,
        message="Wrote 40 rows",
        check=_predicted(["False", "True"]),
        bug="fit saved boolean classes that load refused",
    ),
    Case(
        "boolean labels: fit --force replaces a good model with one that loads",
        argv=["predict", "m", "data.csv", "--out", "p.csv", "--no-progress"],
        before=(
            _fit("other.csv"),
            _fit("data.csv", "--force"),
        ),
        files={
            "other.csv": labelled_table(["x", "z"], rows=40),
            "data.csv": labelled_table(["False", "True"], rows=40),
        },
        exit=0,
        message="Wrote 40 rows",
        check=_predicted(["False", "True"]),
        bug="fit saved boolean classes that load refused",
    ),
]

TABLES = [
    Case(
        "duplicate target columns are an error naming them",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["a", "b"], rows=20).replace("a,b,y", "a,y,y")},
        message=("data.csv", "duplicate column names ['y']"),
        bug="pandas renamed the second y to y.1, a feature: a label leak",
    ),
    Case(
        "duplicate feature columns in predict's input are an error naming them",
        argv=["predict", "model", "new.csv", "--out", "p.csv"],
        files={
            "model": FITTED,
            "new.csv": f"{FEATURES},sepal_width\n5.1,3.5,1.4,0.2,3.5\n",
        },
        message=("new.csv", "duplicate column names ['sepal_width']"),
        bug="pandas renamed the duplicate to sepal_width.1",
    ),
    Case(
        "a header-only table to predict has no data rows",
        argv=["predict", "model", "new.csv", "--out", "p.csv"],
        files={"model": FITTED, "new.csv": FEATURES + "\n"},
        message="new.csv: no data rows",
        bug="reported as non-numeric feature columns",
    ),
    Case(
        "a header-only table to fit has no data rows",
        argv=_fit("data.csv"),
        files={"data.csv": "a,b,y\n"},
        message="data.csv: no data rows",
    ),
    Case(
        "a folder as predict's input is named as a folder",
        argv=["predict", "model", "inputs", "--out", "p.csv"],
        files={"model": FITTED, "inputs/x.csv": FEATURES + "\n"},
        message="inputs is a folder",
        bug="reported as no such file",
    ),
    Case(
        "a folder as fit's input is named as a folder",
        argv=_fit("inputs"),
        files={"inputs/x.csv": "a,y\n"},
        message="inputs is a folder",
        bug="reported as no such file",
    ),
    Case(
        "a text value in a later chunk is placed by column and line",
        argv=["predict", "model", "new.csv", "--out", "p.csv", "--chunk-size", "10"],
        files={"model": FITTED, "new.csv": _rows(40, 27, "abc")},
        message=("new.csv", "'sepal_width'", "line 27", "'abc'"),
        bug="only the column was named, not the line",
    ),
    Case(
        "a text value in fit's table is placed by column and line",
        argv=_fit("data.csv"),
        files={"data.csv": labelled_table(["a", "b"], rows=20).replace("\n0.02,", "\nx7,", 1)},
        message=("data.csv", "non-numeric feature columns ['a']", "'x7'", "line 4"),
        bug="only the column was named, not the line",
    ),
    Case(
        "values of 1e308 are predicted rows flagged out_of_range, not a refused file",
        argv=["predict", "model", "new.csv", "--out", "p.csv", "--no-progress"],
        files={
            "model": FITTED,
            "new.csv": f"{FEATURES}\n5.1,3.0,1.4,0.2\n5.1,1e308,1.4,0.2\n5.1,3.0,-1e308,0.2\n"
            "6.1,2.9,4.7,1.4\n6.3,3.3,6.0,2.5\n",
        },
        exit=0,
        message=(
            "Wrote 5 rows",
            "2 of 5 rows lie more than 10 training standard deviations",
            "lines [3, 4]",
            "1 of 5 rows have features too large to predict with",
            "lines [3] of new.csv",
        ),
        check=lambda root, outcome: _flagged(root, [1, 2], empty=[1]),
        bug="the whole file was refused: probs must not contain NaN",
    ),
    Case(
        "--keep of a name the output uses is refused by name",
        argv=["predict", "model", "new.csv", "--keep", "total", "--out", "p.csv"],
        files={"model": FITTED, "new.csv": f"total,{FEATURES}\n1,5.1,3.5,1.4,0.2\n"},
        message=("--keep total", "output"),
        bug="reported as a CSV read error",
    ),
    Case(
        "--keep of a probability column name is refused by name",
        argv=["predict", "model", "new.csv", "--keep", "p_setosa", "--out", "p.csv"],
        files={"model": FITTED, "new.csv": f"p_setosa,{FEATURES}\n1,5.1,3.5,1.4,0.2\n"},
        message=("--keep p_setosa", "output"),
        bug="two columns of one name in the output",
    ),
]


def _flagged(root, rows, empty):
    """Rows ``rows`` of p.csv are flagged; ``empty`` ones could not be computed, the rest were."""
    table = pd.read_csv(root / "p.csv")
    assert table.index[table["out_of_range"]].tolist() == rows
    assert table.drop(columns="out_of_range").loc[empty].isna().all().all()
    assert table.drop(index=empty).notna().all().all()
    probs = table[[c for c in table.columns if c.startswith("p_")]].drop(index=empty)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)


OUTPUTS = [
    Case(
        "predict --force --out the input file itself is refused",
        argv=["predict", "model", "iris.csv", "--out", "iris.csv", "--force"],
        files={"model": FITTED},
        message=("iris.csv", "input"),
        bug="the input was overwritten by its own predictions",
    ),
    Case(
        "predict --force --out the input through another path is refused",
        argv=["predict", "model", "iris.csv", "--out", "sub/../iris.csv", "--force"],
        files={"model": FITTED, "sub/notes.txt": "a folder to pass through"},
        message="input",
        bug="the input was overwritten by its own predictions",
    ),
    Case(
        "predict --force --out the model file is refused",
        argv=["predict", "model", "iris.csv", "--out", "./model", "--force"],
        files={"model": FITTED},
        message=("--out model", "input"),
        bug="the model's draws were overwritten (then a file of the model folder)",
    ),
]


@pytest.mark.parametrize("case", params(LABELS + TABLES + OUTPUTS))
def test_hostile_command(case, hostile):
    hostile(case)
