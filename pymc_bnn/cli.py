"""The ``pymc-bnn`` command line: fit Bayesian classifiers and predict with uncertainty.

* ``pymc-bnn demo``: offline, on scikit-learn's digits data, fits a Bayesian
  softmax regression and a Bayesian neural network, prints them side by side and
  writes the uncertainty plots and a summary to a folder.
* ``pymc-bnn fit DATA.csv --target COLUMN --model glm|bnn``: fits on a training
  split, prints the held-out report and saves the model to a folder.
* ``pymc-bnn predict MODEL_DIR NEW.csv``: writes class probabilities, the
  predicted label and the uncertainty measures of every row.

Bad input (a missing file or column, non-numeric or missing values, a target
with one class, new data whose features differ from the model's) ends with one
line on stderr and exit status 2; nothing that exists is overwritten without
``--force``.  A saved model is a folder with ``metadata.json`` (features,
classes, model kind and options, feature scaling, package version) and
``posterior.npz`` (the posterior draws).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CLIError", "build_parser", "load_model", "main", "save_model"]

MODEL_KINDS = {"glm": "Bayesian softmax regression", "bnn": "Bayesian neural network"}
METADATA = "metadata.json"
POSTERIOR = "posterior.npz"
DEMO_MARKER = "summary.json"


class CLIError(Exception):
    """A problem with what the user gave; reported as one line, exit status 2."""


# --------------------------------------------------------------------------------------
# Input and output files
# --------------------------------------------------------------------------------------


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV file with a header row, or raise :class:`CLIError` saying why not."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise CLIError(f"{path}: cannot read it as CSV ({_one_line(err)})") from err
    if frame.empty:
        raise CLIError(f"{path}: no data rows")
    return frame


def check_columns(frame: pd.DataFrame, path: str | Path) -> None:
    """Refuse non-numeric columns (naming them) and missing or infinite values (saying where)."""
    bad = [str(c) for c, t in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
    if bad:
        raise CLIError(
            f"{path}: non-numeric feature columns {bad}; encode them as numbers or drop them"
        )
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    for mask, what in ((np.isnan(values), "missing value (NaN)"), (np.isinf(values), "inf")):
        if mask.any():
            row, col = np.argwhere(mask)[0]
            raise CLIError(
                f"{path}: {what} in column {str(frame.columns[col])!r} on line {row + 2} "
                f"(data row {row + 1}); {int(mask.sum())} such cells in all"
            )


def split_target(frame: pd.DataFrame, target: str, path: str | Path):
    """Features and target of a table, checked for a fit."""
    if target not in frame.columns:
        raise CLIError(f"{path}: no column {target!r}; the columns are {list(frame.columns)}")
    y = frame[target]
    if y.isna().any():
        row = int(np.flatnonzero(y.isna().to_numpy())[0])
        raise CLIError(f"{path}: missing target value in column {target!r} on line {row + 2}")
    X = frame.drop(columns=target)
    if X.shape[1] == 0:
        raise CLIError(f"{path}: no feature columns besides the target {target!r}")
    check_columns(X, path)
    classes = y.unique()
    if len(classes) < 2:
        raise CLIError(
            f"{path}: the target {target!r} has one class ({classes[0]!r}); "
            "a classifier needs at least two"
        )
    return X.astype(np.float64), y


def prepare_dir(path: Path, force: bool, own: str | None = None) -> Path:
    """Create ``path``; an existing non-empty folder needs ``force`` (or to hold ``own``)."""
    if path.exists() and not path.is_dir():
        raise CLIError(f"{path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        if own is None or not (path / own).is_file():
            raise CLIError(f"{path} exists and is not empty; pass --force to overwrite it")
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_new_file(path: Path, force: bool) -> Path:
    """Refuse to overwrite an existing file without ``force``."""
    if path.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise CLIError(f"{path.parent}: no such folder")
    return path


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


def _parse_hidden(text: str) -> tuple[int, ...]:
    try:
        hidden = tuple(int(h) for h in text.split(","))
    except ValueError:
        hidden = ()
    if not hidden or min(hidden) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 20,20; got {text!r}"
        )
    return hidden


def make_estimator(kind: str, **params):
    """The estimator of a model kind (``"glm"`` or ``"bnn"``) with ``params``."""
    from pymc_bnn.sklearn import BayesianMLPClassifier, BayesianSoftmaxClassifier

    if kind == "bnn":
        return BayesianMLPClassifier(**params)
    params.pop("hidden", None)
    return BayesianSoftmaxClassifier(**params)


def describe(kind: str, estimator) -> str:
    """One line naming the model and how it is fitted."""
    what = MODEL_KINDS[kind]
    if kind == "bnn":
        what += f", hidden {tuple(estimator.hidden)}, {estimator.activation}"
    batches = "" if estimator.batch_size is None else f", minibatches of {estimator.batch_size}"
    how = (
        f"ADVI {estimator.iterations} iterations{batches}"
        if estimator.method == "advi"
        else f"NUTS {estimator.chains} x {estimator.draws} draws"
    )
    return f"{what} ({how})"


class Scaling:
    """Centre and scale of each feature, learnt on the training rows."""

    def __init__(self, mean: pd.Series, scale: pd.Series):
        self.mean, self.scale = mean, scale.where(scale > 0, 1.0)

    @classmethod
    def fit(cls, X: pd.DataFrame) -> Scaling:
        """Scaling to mean 0, standard deviation 1 on ``X``."""
        return cls(X.mean(), X.std(ddof=0))

    def __call__(self, X: pd.DataFrame) -> pd.DataFrame:
        return (X - self.mean) / self.scale

    def to_json(self) -> dict:
        """The scaling as JSON lists."""
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}


def metrics(estimator, X: pd.DataFrame, y) -> dict[str, float]:
    """Held-out accuracy, log score, calibration error, Brier score and mean epistemic entropy."""
    from pymc_bnn import uncertainty as u

    probs = estimator.predict_proba_draws(X)
    y = np.asarray(y)
    return {
        "accuracy": float(np.mean(u.correct_predictions(probs, y))),
        "log score": u.log_score(probs, y),
        "calibration error (ECE)": u.expected_calibration_error(probs, y),
        "Brier score": u.brier_score(probs, y),
        "mean epistemic (nats)": float(u.entropy_decomposition(probs).epistemic.mean()),
    }


def format_report(columns: dict[str, dict[str, float]], seconds: dict[str, float]) -> str:
    """A table of metrics, one column per model, and each model's fit time."""
    names = list(columns)
    lines = ["  " + " " * 26 + "".join(f"{n:>12}" for n in names)]
    for metric in next(iter(columns.values())):
        values = "".join(f"{columns[n][metric]:>12.3f}" for n in names)
        lines.append(f"  {metric:<26}{values}")
    lines.append(f"  {'fit time (s)':<26}" + "".join(f"{seconds[n]:>12.1f}" for n in names))
    return "\n".join(lines)


def save_model(
    path: Path, estimator, kind: str, scaling: Scaling, *, target: str, report: dict
) -> None:
    """Write ``metadata.json`` and ``posterior.npz`` of a fitted estimator into ``path``."""
    from pymc_bnn import __version__

    posterior = estimator.posterior_
    np.savez(path / POSTERIOR, **{name: da.values for name, da in posterior.data_vars.items()})
    params = estimator.get_params()
    params["hidden"] = list(params.get("hidden", ())) or None
    meta = {
        "format": "pymc-bnn model 1",
        "package_version": __version__,
        "model": kind,
        "options": params,
        "target": target,
        "features": [str(f) for f in estimator.feature_names_in_],
        "classes": estimator.classes_.tolist(),
        "scaling": scaling.to_json(),
        "posterior_dims": {name: list(da.dims) for name, da in posterior.data_vars.items()},
        "held_out": report,
    }
    (path / METADATA).write_text(json.dumps(meta, indent=2) + "\n")


def load_model(path: str | Path):
    """The estimator, scaling and metadata saved by ``pymc-bnn fit`` in folder ``path``."""
    import xarray as xr

    path = Path(path)
    if not (path / METADATA).is_file() or not (path / POSTERIOR).is_file():
        raise CLIError(f"{path}: not a saved model (needs {METADATA} and {POSTERIOR})")
    try:
        meta = json.loads((path / METADATA).read_text())
        with np.load(path / POSTERIOR) as arrays:
            posterior = xr.Dataset(
                {name: (dims, arrays[name]) for name, dims in meta["posterior_dims"].items()}
            )
        estimator = make_estimator(meta["model"], **meta["options"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CLIError(f"{path}: cannot load the saved model ({_one_line(err)})") from err
    if meta["model"] == "bnn":
        estimator.hidden = tuple(estimator.hidden)
    features = meta["features"]
    estimator.classes_ = np.asarray(meta["classes"])
    estimator.n_features_in_ = len(features)
    estimator.feature_names_in_ = np.asarray(features, dtype=object)
    estimator.idata_ = xr.DataTree.from_dict({"posterior": posterior})
    scaling = Scaling(
        pd.Series(meta["scaling"]["mean"], index=features),
        pd.Series(meta["scaling"]["scale"], index=features),
    )
    return estimator, scaling, meta


# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------


def _split(X, y, test_size: float, seed: int):
    from sklearn.model_selection import train_test_split

    try:
        return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    except ValueError as err:
        raise CLIError(f"cannot make a stratified held-out split: {_one_line(err)}") from err


def _fit_one(estimator, X, y) -> float:
    start = time.perf_counter()
    try:
        estimator.fit(X, y)
    except ValueError as err:
        raise CLIError(_one_line(err)) from err
    return time.perf_counter() - start


def _fit(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    out = Path(args.out)
    if out.exists():
        prepare_dir(out, args.force)  # refuse before the long fit, not after it
    X, y = split_target(read_table(args.data), args.target, args.data)
    X_train, X_test, y_train, y_test = _split(X, y, args.test_size, args.seed)
    scaling = Scaling.fit(X_train)
    estimator = make_estimator(
        args.model,
        hidden=args.hidden,
        method=args.method,
        iterations=args.iterations,
        batch_size=args.batch_size,
        draws=args.draws,
        random_state=args.seed,
        progressbar=not args.no_progress,
    )
    print(
        f"{args.data}: {len(X)} rows, {X.shape[1]} features, target {args.target!r} with "
        f"{y.nunique()} classes; held out {len(X_test)} rows (stratified, seed {args.seed})"
    )
    print(f"Fitting {describe(args.model, estimator)} on {len(X_train)} rows ...", flush=True)
    seconds = _fit_one(estimator, scaling(X_train), y_train)
    report = metrics(estimator, scaling(X_test), y_test)
    print(f"Held-out report ({len(X_test)} rows):")
    print(format_report({args.model: report}, {args.model: seconds}))
    save_model(
        prepare_dir(out, args.force),
        estimator,
        args.model,
        scaling,
        target=args.target,
        report=report,
    )
    print(f"Saved the model to {out}/; wall time {time.perf_counter() - start:.1f} s")
    return 0


def _predict(args: argparse.Namespace) -> int:
    estimator, scaling, meta = load_model(args.model_dir)
    out = check_new_file(Path(args.out), args.force)
    frame = read_table(args.data)
    frame = frame.drop(columns=[meta["target"]], errors="ignore")
    features = meta["features"]
    missing = [f for f in features if f not in frame.columns]
    extra = [str(c) for c in frame.columns if c not in features]
    if missing or extra:
        raise CLIError(
            f"{args.data}: its features differ from the model's: missing {missing}, "
            f"not in the model {extra}"
        )
    X = frame[features]
    check_columns(X, args.data)
    X = scaling(X.astype(np.float64))
    table = estimator.predict_uncertainty(X, proba=True).reset_index(drop=True)
    probs = table[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    table.insert(len(estimator.classes_), "predicted", estimator.classes_[probs.argmax(axis=1)])
    table.to_csv(out, index=False)
    print(f"Wrote {len(table)} rows ({', '.join(table.columns)}) to {out}")
    return 0


def _write_plots(out: Path, probs: dict, y_test: np.ndarray) -> list[str]:
    """The uncertainty plots of the demo, one panel per model; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pymc_bnn import plots, uncertainty

    names = list(probs)
    # The test rows the last model is least sure about, for the class-probability plot.
    epistemic = np.asarray(uncertainty.uncertainty_scores(probs[names[-1]], "epistemic"))
    unsure = [int(i) for i in np.argsort(-epistemic)[:6]]
    figures = {
        "reliability.png": lambda p, ax: plots.plot_reliability_diagram(p, y_test, ax=ax),
        "accuracy_rejection.png": lambda p, ax: plots.plot_accuracy_rejection(p, y_test, ax=ax),
        "entropy_decomposition.png": lambda p, ax: plots.plot_entropy_decomposition(
            p, y_test, ax=ax
        ),
        "class_probabilities.png": lambda p, ax: plots.plot_class_probabilities(
            p, unsure, y=y_test, ax=ax
        ),
    }
    for file, draw in figures.items():
        fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.5), squeeze=False)
        for ax, name in zip(axes[0], names, strict=True):
            draw(probs[name], ax)
            ax.set_title(f"{name}: {ax.get_title()}", fontsize=10)
        fig.tight_layout()
        fig.savefig(out / file, dpi=100)
        plt.close(fig)
    return list(figures)


def _demo(args: argparse.Namespace) -> int:
    from sklearn.datasets import load_digits

    start = time.perf_counter()
    out = prepare_dir(Path(args.out), args.force, own=DEMO_MARKER)
    data = load_digits(as_frame=True)
    X, y = data.data, data.target.to_numpy()
    X_train, X_test, y_train, y_test = _split(X, y, 0.3, args.seed)
    scaling = Scaling.fit(X_train)
    X_train, X_test = scaling(X_train), scaling(X_test)
    print(
        f"Digits data (scikit-learn, offline): {len(X)} rows of 8x8 pixels, {X.shape[1]} "
        f"features, {len(np.unique(y))} classes; 70/30 stratified split, seed {args.seed}"
    )
    models = {"softmax": "glm", "BNN": "bnn"}
    columns, seconds, probs = {}, {}, {}
    for name, kind in models.items():
        estimator = make_estimator(
            kind,
            hidden=args.hidden,
            iterations=args.iterations,
            batch_size=args.batch_size,
            random_state=args.seed,
            progressbar=not args.no_progress,
        )
        print(f"Fitting {name}: {describe(kind, estimator)} ...", flush=True)
        seconds[name] = _fit_one(estimator, X_train, y_train)
        columns[name] = metrics(estimator, X_test, y_test)
        probs[name] = estimator.predict_proba_draws(X_test)
    print(f"Held-out report ({len(X_test)} rows):")
    print(format_report(columns, seconds))
    files = _write_plots(out, probs, y_test)
    summary = {
        "command": "pymc-bnn demo",
        "data": "sklearn.datasets.load_digits",
        "seed": args.seed,
        "iterations": args.iterations,
        "batch_size": args.batch_size,
        "hidden": list(args.hidden),
        "held_out_rows": len(X_test),
        "models": {n: {**columns[n], "fit time (s)": seconds[n]} for n in columns},
        "plots": files,
    }
    (out / DEMO_MARKER).write_text(json.dumps(summary, indent=2) + "\n")
    (out / "summary.md").write_text(
        "# pymc-bnn demo\n\nDigits (scikit-learn), held-out "
        f"{len(X_test)} rows, seed {args.seed}.\n\n```text\n"
        f"{format_report(columns, seconds)}\n```\n\n" + "".join(f"![{f}]({f})\n" for f in files)
    )
    print(f"Wrote {', '.join(files)}, summary.md and {DEMO_MARKER} to {out}/")
    print(f"Wall time {time.perf_counter() - start:.1f} s")
    return 0


# --------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--force", action="store_true", help="overwrite existing output")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pymc-bnn``: one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="pymc-bnn",
        description="Bayesian multiclass classifiers with PyMC: fit, report, predict.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="offline demo: softmax regression vs BNN on scikit-learn's digits",
        description="Fit a Bayesian softmax regression and a Bayesian neural network on "
        "scikit-learn's digits data (offline), print them side by side and write the "
        "uncertainty plots and a summary to a folder.",
    )
    demo.add_argument("--out", default="pymc-bnn-demo", help="output folder (pymc-bnn-demo)")
    demo.add_argument("--iterations", type=int, default=10_000, help="ADVI iterations")
    demo.add_argument("--hidden", type=_parse_hidden, default=(20, 20), help="BNN layers")
    demo.add_argument("--batch-size", type=int, default=256, help="ADVI minibatch rows")
    _common(demo)
    demo.set_defaults(func=_demo)

    fit = sub.add_parser(
        "fit",
        help="fit a model to a CSV table, report on a held-out split and save it",
        description="Fit a Bayesian classifier to the numeric columns of a CSV table, print "
        "its report on a stratified held-out split and save the model to a folder.",
    )
    fit.add_argument("data", help="CSV file with a header row")
    fit.add_argument("--target", required=True, help="name of the class-label column")
    fit.add_argument("--model", choices=sorted(MODEL_KINDS), default="glm", help="model kind")
    fit.add_argument("--hidden", type=_parse_hidden, default=(20, 20), help="BNN layers, 20,20")
    fit.add_argument("--method", choices=["advi", "nuts"], default="advi", help="inference")
    fit.add_argument("--iterations", type=int, default=10_000, help="ADVI iterations")
    fit.add_argument("--batch-size", type=int, help="ADVI minibatch rows (default: all)")
    fit.add_argument("--draws", type=int, default=1000, help="posterior draws")
    fit.add_argument("--test-size", type=float, default=0.2, help="held-out fraction (0.2)")
    fit.add_argument("--out", default="pymc-bnn-model", help="model folder (pymc-bnn-model)")
    _common(fit)
    fit.set_defaults(func=_fit)

    predict = sub.add_parser(
        "predict",
        help="class probabilities and uncertainty of new rows",
        description="Write the class probabilities, the predicted label and the uncertainty "
        "measures (total, aleatoric, epistemic entropy; 1 - confidence) of every row.",
    )
    predict.add_argument("model_dir", help="folder written by pymc-bnn fit")
    predict.add_argument("data", help="CSV file with the model's feature columns")
    predict.add_argument("--out", default="predictions.csv", help="output CSV file")
    predict.add_argument("--force", action="store_true", help="overwrite an existing --out")
    predict.set_defaults(func=_predict)

    from pymc_bnn.testing import conformance

    check = sub.add_parser(
        "check-upstream", help="run the likelihood properties against PyMC and report failures"
    )
    conformance.add_arguments(check).set_defaults(func=conformance.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``pymc-bnn`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status.

    Examples
    --------
    >>> main(["predict", "no-such-model", "new.csv"])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CLIError as err:
        print(f"pymc-bnn: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pymc-bnn: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("PYMC_BNN_DEBUG"):
            raise
        print(
            f"pymc-bnn: unexpected error: {type(err).__name__}: {_one_line(err)} "
            "(set PYMC_BNN_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
