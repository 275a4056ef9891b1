"""Hostile Python calls: trial counts PyMC cannot hold, options of the wrong type, labels
that must survive saving; and the output folders of ``demo`` and a full disk.

Each case is one snippet or command with the exit status and message it must give
(see ``hostile_harness``).
"""

import pytest
from hostile_harness import FITTED, Case, labelled_table, params

_MULTINOMIAL = "import numpy as np, pymc as pm, pymc_bnn as pb\n"


def _trials(distribution: str, n: str) -> str:
    p = "p=[0.5, 0.5]" if distribution == "Multinomial" else "a=[1.0, 1.0]"
    return _MULTINOMIAL + f"pm.draw(pb.{distribution}.dist(n={n}, {p}), random_seed=0)\n"


TRIALS = [
    Case(
        f"{distribution}(n={n}) is refused naming n",
        python=_trials(distribution, n),
        exit=1,
        message=(error, "n must", shown),
        bug=bug,
    )
    for distribution in ("Multinomial", "DirichletMultinomial")
    for n, error, shown, bug in [
        ("np.inf", "ValueError", "inf", "n became INT64_MIN with a cast warning; draws were 0"),
        ("2**63", "ValueError", "2**63", "a raw overflow error"),
        ("10**30", "ValueError", "2**63", "a raw conversion error"),
        ("True", "TypeError", "True", "True was taken as one trial"),
        ("np.array([3, np.inf])", "ValueError", "inf", "inf became INT64_MIN"),
    ]
]

OPTIONS = [
    Case(
        "iterations=True is reported as a problem with iterations",
        python=(
            "import numpy as np, pymc_bnn as pb\n"
            "X, y = np.arange(8.0)[:, None], np.arange(8) % 2\n"
            "pb.BayesianSoftmaxClassifier(iterations=True, progressbar=False).fit(X, y)\n"
        ),
        exit=1,
        message="ValueError: iterations must be a positive integer; got True.",
        bug="reported as a problem with n (fit_advi's name)",
    ),
    Case(
        "draws=False is reported as a problem with draws",
        python=(
            "import numpy as np, pymc_bnn as pb\n"
            "X, y = np.arange(8.0)[:, None], np.arange(8) % 2\n"
            "pb.BayesianSoftmaxClassifier(draws=False, progressbar=False).fit(X, y)\n"
        ),
        exit=1,
        message="ValueError: draws must be a positive integer; got False.",
    ),
]

ROUND_TRIPS = [
    Case(
        "boolean labels round-trip through fit, save, load and predict",
        python=(
            "import numpy as np, pymc_bnn as pb\n"
            "rng = np.random.default_rng(0)\n"
            "X = rng.normal(size=(60, 1))\n"
            "y = X[:, 0] > 0\n"
            "clf = pb.BayesianSoftmaxClassifier(\n"
            "    iterations=300, draws=20, random_state=0, progressbar=False,\n"
            "    compile_mode='FAST_COMPILE',\n"
            ").fit(X, y)\n"
            "clf.save('m')\n"
            "back = pb.BayesianSoftmaxClassifier.load('m')\n"
            "assert back.classes_.dtype == bool, back.classes_\n"
            "assert back.classes_.tolist() == [False, True], back.classes_\n"
            "assert back.predict(X).dtype == bool\n"
            "assert (back.predict(X) == clf.predict(X)).all()\n"
            "assert (back.predict(X) == y).mean() > 0.9\n"
            "print('round trip ok')\n"
        ),
        exit=0,
        message="round trip ok",
        bug="load refused the saved classes: labels of one type",
    ),
]

DEMO = [
    Case(
        "demo --out refuses a folder holding the user's own summary.json and reliability.png",
        argv=["demo", "--out", "out", "--iterations", "50", "--no-progress"],
        files={"out/summary.json": '{"mine": true}\n', "out/reliability.png": b"my plot"},
        message=("out", "--force"),
        keeps=("out/summary.json", "out/reliability.png"),
        bug="a summary.json made the folder look like the demo's own: both were overwritten",
    ),
]


def _fit_with(patch: str) -> str:
    """A snippet running ``pymc-bnn fit`` on data.csv after ``patch``; exits with its status.

    It patches the standard library: run it isolated, never in the test process.
    """
    return (
        "import sys\n"
        + patch
        + "from pymc_bnn.cli import main\n"
        + "sys.exit(main(['fit', 'data.csv', '--target', 'y', '--out', 'm', '--iterations',\n"
        + "           '100', '--draws', '10', '--no-progress']))\n"
    )


_NO_FREE_SPACE = (
    "import shutil, collections\n"
    "usage = collections.namedtuple('usage', 'total used free')\n"
    "shutil.disk_usage = lambda path: usage(10**9, 10**9, 1000)\n"
)
_ENOSPC_ON_SYNC = (
    "import errno, os\n"
    "def full(fd):\n"
    "    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
    "os.fsync = full\n"
)

DISK = [
    Case(
        "fit on a disk without room for the model is refused before the fit",
        python=_fit_with(_NO_FREE_SPACE),
        files={"data.csv": labelled_table(["a", "b"], rows=20)},
        exit=2,
        message=("pymc-bnn: error: m", "free"),
        isolated=True,
        check=lambda root, outcome: _not_fitted(outcome),
        bug="a full disk was found only when saving, after the whole fit",
    ),
    Case(
        "fit whose save meets a full disk exits 2 with a clear message, nothing left",
        python=_fit_with(_ENOSPC_ON_SYNC),
        files={"data.csv": labelled_table(["a", "b"], rows=20)},
        exit=2,
        message=("pymc-bnn: error: m", "No space left on device", "nothing was saved"),
        isolated=True,
        bug="reported as exit 1, unexpected error",
    ),
    Case(
        "predict whose output meets a full disk exits 2 with a clear message, nothing left",
        python=(
            "import sys\n"
            + _ENOSPC_ON_SYNC
            + "from pymc_bnn.cli import main\n"
            + "sys.exit(main(['predict', 'model', 'iris.csv', '--out', 'p.csv']))\n"
        ),
        files={"model": FITTED},
        exit=2,
        message=("pymc-bnn: error: p.csv: cannot write the predictions", "No space left"),
        isolated=True,
        bug="reported as exit 1, unexpected error",
    ),
]


def _ten_thousand_classes(path):
    """40,000 rows of 54 features (as cover type has) and 10,000 classes of 4 rows each."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40_000, 54)).round(3)).add_prefix("x")
    frame["y"] = np.arange(40_000) % 10_000
    frame.to_csv(path, index=False)


MEMORY = [
    Case(
        "fit of 10,000 classes is refused before compiling, naming the array too large",
        python=(
            "import resource, sys\n"
            "# Without the check the compile takes all memory: bound it, whatever happens.\n"
            "resource.setrlimit(resource.RLIMIT_AS, (12 * 2**30, resource.RLIM_INFINITY))\n"
            "import pymc_bnn.models.memory as memory\n"
            "memory.available_memory = lambda: 16 * 2**30  # a machine with 16 GiB free\n"
            "from pymc_bnn.cli import main\n"
            "sys.exit(main(['fit', 'k.csv', '--target', 'y', '--test-size', '0.25',\n"
            "               '--out', 'm', '--no-progress']))\n"
        ),
        files={"k.csv": _ten_thousand_classes},
        exit=2,
        message=(
            "pymc-bnn: error: The ADVI fit of this model is too large for this machine",
            "(54, 9999, 10000) (43.2 GB",
            "more than the 17.2 GB of memory available",
        ),
        isolated=True,
        bug="killed by the kernel at 23.5 GB while compiling the ADVI loop, no message",
    ),
]


def _not_fitted(outcome):
    assert "Fitting" not in outcome.stdout, outcome.stdout


@pytest.mark.parametrize("case", params(TRIALS + OPTIONS + ROUND_TRIPS + DEMO + DISK + MEMORY))
def test_hostile_call(case, hostile):
    hostile(case)


def test_demo_reuses_without_force_only_the_files_it_recorded(tmp_path):
    # A summary.json of the user's own once made a folder look like the demo's: the
    # demo then overwrote the user's plots. Only files a demo recorded, unchanged, are
    # its own to replace.
    import hashlib
    import json

    from pymc_bnn.cli.demo import PLOT_FILES, _not_written_here

    assert _not_written_here(tmp_path) == []  # an empty folder
    (tmp_path / "notes.txt").write_text("not a file the demo writes")
    assert _not_written_here(tmp_path) == []
    for name in PLOT_FILES:
        (tmp_path / name).write_bytes(name.encode())
    (tmp_path / "summary.md").write_text("# pymc-bnn demo")
    recorded = {
        n: hashlib.sha256((tmp_path / n).read_bytes()).hexdigest()
        for n in [*PLOT_FILES, "summary.md"]
    }
    summary = {"command": "pymc-bnn demo", "files": recorded}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    assert _not_written_here(tmp_path) == []  # all the demo's own, as it left them
    (tmp_path / "reliability.png").write_bytes(b"edited by the user")
    assert _not_written_here(tmp_path) == ["reliability.png"]
    (tmp_path / "summary.json").write_text(json.dumps({"mine": True}))
    assert _not_written_here(tmp_path) == [*PLOT_FILES, "summary.md", "summary.json"]
    del summary["files"]["summary.md"]
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    assert _not_written_here(tmp_path) == ["reliability.png", "summary.md"]
    # A summary written before the checksums were recorded vouches for the plots it lists.
    legacy = {"command": "pymc-bnn demo", "plots": list(PLOT_FILES[:2])}
    (tmp_path / "summary.json").write_text(json.dumps(legacy))
    assert _not_written_here(tmp_path) == list(PLOT_FILES[2:])
    (tmp_path / "summary.json").write_text("[1, 2]")  # JSON, but no demo's
    assert _not_written_here(tmp_path) == [*PLOT_FILES, "summary.md", "summary.json"]
