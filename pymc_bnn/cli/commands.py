"""``pymc-bnn fit`` and ``pymc-bnn predict``: fit to a CSV table and save; apply to new rows.

A saved model is the folder written by the estimator's ``save`` method
(``metadata.json`` and ``posterior.npz``); ``fit`` adds to the metadata the
target column, the feature scaling and the held-out report.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from pymc_bnn.cli.errors import CLIError, one_line
from pymc_bnn.cli.estimators import describe, fit_timed, make_estimator
from pymc_bnn.cli.outputs import check_new_file, prepare_dir
from pymc_bnn.cli.report import format_report, metrics
from pymc_bnn.cli.scaling import make_scaler, scaler_from_json, scaler_to_json
from pymc_bnn.cli.tables import read_table, select_features, split_held_out, split_target

__all__ = ["fit", "load_saved", "predict"]


def fit(args: argparse.Namespace) -> int:
    """Run ``pymc-bnn fit``: split, standardize, fit, report on the held-out rows, save."""
    start = time.perf_counter()
    out = Path(args.out)
    if out.exists():
        prepare_dir(out, args.force)  # refuse before the long fit, not after it
    X, y = split_target(read_table(args.data), args.target, args.data)
    X_train, X_test, y_train, y_test = split_held_out(X, y, args.test_size, args.seed)
    scaler = make_scaler(list(X.columns)).fit(X_train)
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
    seconds = fit_timed(estimator, scaler.transform(X_train), y_train)
    report = metrics(estimator, scaler.transform(X_test), y_test)
    print(f"Held-out report ({len(X_test)} rows):")
    print(format_report({args.model: report}, {args.model: seconds}))
    extra = {"target": args.target, "scaling": scaler_to_json(scaler), "held_out": report}
    estimator.save(prepare_dir(out, args.force), metadata=extra)
    print(f"Saved the model to {out}/; wall time {time.perf_counter() - start:.1f} s")
    return 0


def load_saved(path: str | Path) -> tuple[Any, Any, dict[str, Any]]:
    """The estimator, feature scaler and metadata of a folder written by ``pymc-bnn fit``.

    Raises
    ------
    CLIError
        If the folder is not a saved model or a file of it cannot be read.

    Examples
    --------
    >>> load_saved("no-such-model")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such-model: not a saved model (no metadata.json; ...)
    """
    from pymc_bnn.sklearn import _BayesianClassifier

    try:
        meta = _BayesianClassifier.read_metadata(path)
        estimator = _BayesianClassifier.load(path)
    except (FileNotFoundError, ValueError) as err:  # they name the folder or file
        raise CLIError(one_line(err)) from err
    except OSError as err:
        raise CLIError(f"{path}: cannot load the saved model ({one_line(err)})") from err
    if "scaling" not in meta or meta["features"] is None:
        raise CLIError(
            f"{path}: not a model saved by pymc-bnn fit (no feature names or scaling in "
            "metadata.json)"
        )
    try:
        scaler = scaler_from_json(meta["scaling"], meta["features"])
    except ValueError as err:
        raise CLIError(f"{path}: cannot load the saved model ({one_line(err)})") from err
    return estimator, scaler, meta


def predict(args: argparse.Namespace) -> int:
    """Run ``pymc-bnn predict``: probabilities, label and uncertainty of each new row."""
    estimator, scaler, meta = load_saved(args.model_dir)
    out = check_new_file(Path(args.out), args.force)
    frame = read_table(args.data)
    X = select_features(frame, meta["features"], args.data, target=meta.get("target"))
    table = estimator.predict_uncertainty(scaler.transform(X), proba=True)
    table = table.reset_index(drop=True)
    probs = table[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    table.insert(len(estimator.classes_), "predicted", estimator.classes_[probs.argmax(axis=1)])
    table.to_csv(out, index=False)
    print(f"Wrote {len(table)} rows ({', '.join(table.columns)}) to {out}")
    return 0
