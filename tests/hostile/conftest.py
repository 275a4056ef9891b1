"""The hostile suite: every test under tests/hostile is marked ``hostile``; shared fixtures."""

from pathlib import Path

import pytest
from hostile_harness import Case, run_case
from sklearn.datasets import load_iris

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """Mark the tests of this folder ``hostile`` (``-m hostile`` runs them alone)."""
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.hostile)


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory) -> Path:
    """The iris table with short column names and the species as text."""
    import numpy as np

    data = load_iris(as_frame=True)
    frame = data.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = np.asarray(data.target_names)[data.target]
    path = tmp_path_factory.mktemp("iris") / "iris.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted_model(iris_csv, tmp_path_factory):
    """A function giving a softmax model fitted on iris by ``pymc-bnn fit`` (fitted once)."""
    from hostile_harness import _cli_in_process

    model = tmp_path_factory.mktemp("fitted") / "model.nc"
    made: list[Path] = []

    def fitted() -> Path:
        if not made:
            argv = ["fit", iris_csv, "--target", "species", "--out", model, "--no-progress"]
            done = _cli_in_process([*argv, "--iterations", "300", "--draws", "50", "--seed", "1"])
            assert done.status == 0, done.stderr
            made.append(model)
        return made[0]

    return fitted


@pytest.fixture
def hostile(tmp_path, iris_csv, fitted_model):
    """Run a :class:`hostile_harness.Case` in a fresh folder holding ``iris.csv``."""

    def run(case: Case):
        files = {"iris.csv": iris_csv.read_text(), **case.files}
        return run_case(_replace_files(case, files), tmp_path, fitted_model)

    return run


def _replace_files(case: Case, files) -> Case:
    from dataclasses import replace

    return replace(case, files=files)
