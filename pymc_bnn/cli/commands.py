"""``pymc-bnn fit`` and ``pymc-bnn predict``: fit to a table and save; apply to new rows.

A saved model is the file written by the estimator's ``save`` method (netCDF-4,
checksummed, written atomically: :mod:`pymc_bnn.estimators.saving`); ``fit``
adds to its metadata the target column, the feature scaling
(``scale_mode`` and ``scaling``), the training limits and the held-out report.
``predict`` reads its input (CSV or Parquet) in chunks, so memory stays bounded
however many rows the file holds, and writes its output beside the destination, renaming it into
place only when complete.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pymc_bnn.cli.errors import CLIError, one_line, short_list
from pymc_bnn.cli.estimators import (
    MODEL_ALIASES,
    compile_mode,
    describe,
    fit_timed,
    make_estimator,
)
from pymc_bnn.cli.outputs import check_free_space, check_model_file, check_new_file
from pymc_bnn.cli.report import format_report, summary_metrics
from pymc_bnn.cli.scaling import (
    LIMIT_SDS,
    fit_scaler,
    limits_from_json,
    scaled_columns,
    scaler_from_json,
    scaler_to_json,
    training_limits,
)
from pymc_bnn.cli.tables import (
    check_columns,
    check_feature_table,
    count_rows,
    read_chunks,
    read_header,
    read_table,
    split_held_out,
    split_target,
)

__all__ = ["OUT_OF_RANGE", "fit", "load_saved", "predict"]

OUT_OF_RANGE = "out_of_range"
"""Column of ``predict``'s output: True for a row with a feature beyond the training limits."""

MEASURES = ("total", "aleatoric", "epistemic", "max_probability", OUT_OF_RANGE)
"""The columns of ``predict``'s output after ``p_<class>`` and ``predicted``."""


def fit(args: argparse.Namespace) -> int:
    """Run ``pymc-bnn fit``: split, standardize, fit, report on the held-out rows, save."""
    start = time.perf_counter()
    model = MODEL_ALIASES.get(args.model, args.model)
    # Before the long fit, not after it.
    out = check_model_file(Path(args.out), args.force, inputs=[Path(args.data)])
    drop = _dropped(read_header(args.data), getattr(args, "drop", None), args)
    table = read_table(args.data, args.target).drop(columns=drop)
    X, y = split_target(table, args.target, args.data)
    X_train, X_test, y_train, y_test = split_held_out(X, y, args.test_size, args.seed)
    scaled = scaled_columns(X_train, args.scale)
    scaler = fit_scaler(X_train, scaled)
    Z_train, Z_test = scaler.transform(X_train), scaler.transform(X_test)
    if not np.isfinite(Z_train.to_numpy()).all():
        bad = [c for c in Z_train.columns if not np.isfinite(Z_train[c]).all()]
        raise CLIError(
            f"{args.data}: values too large to standardize in columns {short_list(bad)}"
        )
    print(
        f"{args.data}: {len(X)} rows, {X.shape[1]} features, target {args.target!r} with "
        f"{y.nunique()} classes; held out {len(X_test)} rows (stratified, seed {args.seed})"
    )
    print(
        f"Scaling ({args.scale}): standardized {len(scaled)} of {X.shape[1]} columns"
        + (f", left {X.shape[1] - len(scaled)} as they are" if len(scaled) < X.shape[1] else ""),
        flush=True,
    )
    estimator = make_estimator(  # imports PyMC
        model,
        hidden=args.hidden,
        method=args.method,
        iterations=args.iterations,
        batch_size=args.batch_size,
        draws=args.draws,
        random_state=args.seed,
        progressbar=not args.no_progress,
        compile_mode=compile_mode(args.backend, args.method),
        # Options other commands' owners add to the fit parser, passed on when present.
        **{k: getattr(args, k) for k in ("nuts_sampler", "collinearity") if hasattr(args, k)},
    )
    check_free_space(out, _model_bytes(model, X.shape[1], y.nunique(), estimator))
    print(
        f"Fitting {describe(model, estimator, len(X_train))} on {len(X_train)} rows ...",
        flush=True,
    )
    seconds = fit_timed(estimator, Z_train, y_train)
    if args.method == "nuts":
        print(f"Sampled with NUTS from {estimator.sampler_}")
    # Streamed: the estimator computes the means and entropies a few rows at a time.
    table = estimator.predict_uncertainty(Z_test, proba=True)
    means = table[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    report = summary_metrics(means, table["epistemic"], y_test, estimator.classes_)
    print(f"Held-out report ({len(X_test)} rows):")
    print(format_report({model: report}, {model: seconds}))
    extra = {
        "target": args.target,
        "dropped": drop,
        "scale_mode": args.scale,
        "scaling": scaler_to_json(scaler),
        "limits": training_limits(X_train[list(Z_train.columns)]),
        # Strict JSON: a log score of -inf (a held-out row given probability 0) is null.
        "held_out": {k: (v if np.isfinite(v) else None) for k, v in report.items()},
    }
    with _writing(out, "cannot save the model", "nothing was saved"):
        estimator.save(out, metadata=extra, overwrite=args.force)
    print(f"Saved the model to {out}; wall time {time.perf_counter() - start:.1f} s")
    return 0


def _dropped(columns: list[str], drop: list[str] | None, args: argparse.Namespace) -> list[str]:
    """The columns of ``fit --drop``, checked: each a column of the data, none the target."""
    drop = list(dict.fromkeys(drop or []))
    absent = [c for c in drop if c not in columns]
    if absent:
        raise CLIError(f"{args.data}: no column {short_list(absent)} to --drop")
    if args.target in drop:
        raise CLIError(f"--drop {args.target}: that is the target column")
    return drop


def _model_bytes(model: str, n_features: int, n_classes: int, estimator: Any) -> int:
    """About the size of the model file ``fit`` will save: its posterior draws.

    Each parameter is saved once as sampled and once as used (the posterior
    holds both), 8 bytes a draw, ``draws`` per NUTS chain or per ADVI member;
    one megabyte more for the attributes and the file's own structure.
    """
    widths = [n_features, *(estimator.hidden if model == "bnn" else ()), n_classes]
    parameters = sum((a + 1) * b for a, b in itertools.pairwise(widths))
    chains = estimator.chains if estimator.method == "nuts" else estimator.members
    return 2 * 8 * parameters * estimator.draws * chains + 2**20


@contextmanager
def _writing(path: Path, what: str, outcome: str):
    """Report an operating-system error while writing ``path`` (a full disk) as a CLIError."""
    try:
        yield
    except OSError as err:
        raise CLIError(f"{path}: {what} ({one_line(err)}); {outcome}") from err


def load_saved(path: str | Path) -> tuple[Any, Any, dict[str, Any]]:
    """The estimator, feature scaler and metadata of a model file written by ``pymc-bnn fit``.

    Every entry is checked (see the estimator's ``load``), and the command
    line's own: the target, the scaling and the training limits.  The metadata
    returned is what ``fit`` saved, with ``features`` and with ``limits`` as two
    arrays (``None`` for models saved without them).

    Raises
    ------
    CLIError
        If the file is not a model file, cannot be read, or an entry is
        damaged; the message names the file.

    Examples
    --------
    >>> load_saved("no-such-model.nc")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such-model.nc: no such model file
    """
    from pymc_bnn.estimators import load_estimator
    from pymc_bnn.persistence import read_model

    try:
        saved = read_model(path)
        meta, features = saved.attrs.get("metadata"), saved.attrs.get("features")
        if not isinstance(meta, dict) or "scaling" not in meta or features is None:
            raise CLIError(
                f"{path}: not a model saved by pymc-bnn fit (no feature names or scaling)"
            )
        estimator = load_estimator(saved)
    except (FileNotFoundError, ValueError) as err:  # they name the file
        raise CLIError(one_line(err)) from err
    except OSError as err:
        raise CLIError(f"{path}: cannot load the saved model ({one_line(err)})") from err
    target = meta.get("target")
    if target is not None and not isinstance(target, str):
        raise CLIError(f"{path}: target must be a column name; got {one_line(target, 60)}")
    dropped = meta.get("dropped", [])
    if not isinstance(dropped, list) or not all(isinstance(c, str) for c in dropped):
        raise CLIError(
            f"{path}: dropped must be a list of column names; got {one_line(dropped, 60)}"
        )
    try:
        scaler = scaler_from_json(meta["scaling"], features)
        limits = None
        if "limits" in meta:
            limits = limits_from_json(meta["limits"], len(features))
    except ValueError as err:
        raise CLIError(f"{path}: {one_line(err)}") from err
    return estimator, scaler, dict(meta, features=features, limits=limits, dropped=dropped)


class _Progress:
    """A progress bar of rows written, on stderr when it is a terminal, erased when done."""

    def __init__(self, total: int | None, show: bool):
        self.bar = None
        if show:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("Predicting rows", total=total)
            self.bar.start()

    def advance(self, rows: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _out_of_range(X: pd.DataFrame, limits) -> np.ndarray:
    """Boolean ``(rows, features)``: values outside the saved training limits."""
    if limits is None:
        return np.zeros(X.shape, dtype=bool)
    low, high = limits
    values = X.to_numpy()
    return (values < low) | (values > high)


def predict(args: argparse.Namespace) -> int:
    """Run ``pymc-bnn predict``: probabilities, label and uncertainty of each new row."""
    out = Path(args.out)
    out = check_new_file(out, args.force, inputs=[Path(args.data), Path(args.model_file)])
    estimator, scaler, meta = load_saved(args.model_file)
    features = list(meta["features"])
    keep = list(dict.fromkeys(args.keep or []))
    clash = [k for k in keep if k in features]
    if clash:
        raise CLIError(f"--keep {clash[0]}: a feature column is copied anyway; keep others")
    produced = [f"p_{c}" for c in estimator.classes_] + ["predicted", *MEASURES]
    clash = [k for k in keep if k in produced]
    if clash:
        raise CLIError(
            f"--keep {clash[0]}: the output has a column {clash[0]!r} of its own; rename that "
            "input column to keep it"
        )
    columns = read_header(args.data)
    check_columns(
        columns, features, args.data, target=meta.get("target"), keep=keep, ignore=meta["dropped"]
    )
    show = not args.no_progress and sys.stderr.isatty()
    progress = _Progress(count_rows(args.data) if show else None, show=show)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    tmp = Path(tmp_name)
    flagged_rows: list[int] = []
    flagged_columns: set[str] = set()
    overflowed: list[int] = []
    n_rows = 0
    try:
        with os.fdopen(fd, "w", newline="") as sink:
            for chunk in read_chunks(args.data, args.chunk_size, [*keep, *features], keep):
                if chunk.empty:  # a file of a header alone
                    continue
                X = check_feature_table(chunk[features], args.data, first_row=n_rows)
                outside = _out_of_range(X, meta["limits"])
                rows = outside.any(axis=1)
                if rows.any():
                    flagged_rows.extend((n_rows + np.flatnonzero(rows) + 2).tolist())
                    flagged_columns.update(np.asarray(features)[outside.any(axis=0)])
                table, lost = _predict_chunk(estimator, scaler, X)
                overflowed.extend((n_rows + np.flatnonzero(lost) + 2).tolist())
                table[OUT_OF_RANGE] = rows
                for position, name in enumerate(keep):
                    table.insert(position, name, chunk[name].to_numpy())
                with _writing(out, "cannot write the predictions", "nothing was written"):
                    table.to_csv(sink, index=False, header=n_rows == 0)
                n_rows += len(chunk)
                progress.advance(len(chunk))
            with _writing(out, "cannot write the predictions", "nothing was written"):
                sink.flush()
                os.fsync(sink.fileno())
        if n_rows == 0:
            raise CLIError(f"{args.data}: no data rows")
        with _writing(out, "cannot write the predictions", "nothing was written"):
            os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        progress.close()
    if flagged_rows:
        print(
            f"pymc-bnn: warning: {len(flagged_rows)} of {n_rows} rows lie more than "
            f"{LIMIT_SDS:g} training standard deviations outside the training range, in "
            f"columns {short_list(sorted(flagged_columns))}: lines {short_list(flagged_rows)} of "
            f"{args.data}; their predictions are extrapolations (column {OUT_OF_RANGE} is True)",
            file=sys.stderr,
        )
    if overflowed:
        print(
            f"pymc-bnn: warning: {len(overflowed)} of {n_rows} rows have features too large to "
            f"predict with (the model's arithmetic overflows float64): lines "
            f"{short_list(overflowed)} of {args.data}; their probabilities, label and "
            "uncertainty are left empty",
            file=sys.stderr,
        )
    print(f"Wrote {n_rows} rows ({_describe_columns(estimator, keep)}) to {out}")
    return 0


def _predict_chunk(estimator: Any, scaler: Any, X: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """Probabilities, predicted label and uncertainty of the rows ``X`` (as read).

    Returns the table and a boolean mask of the rows that could not be
    predicted: values so large that standardizing them or the model's
    arithmetic overflows float64 (their cells are left empty).
    """
    with np.errstate(over="ignore"):  # values near the float64 limit: found below
        Z = scaler.transform(X)
    ok = np.isfinite(Z.to_numpy()).all(axis=1)
    names = [f"p_{c}" for c in estimator.classes_]
    table = pd.DataFrame(np.nan, index=range(len(X)), columns=[*names, *MEASURES[:-1]])
    if ok.any():
        try:
            part = estimator.predict_uncertainty(Z[ok], proba=True)
        except ValueError:  # NaN probabilities: the model's arithmetic overflowed
            # Each row's probabilities are computed apart from the others': the
            # draws show which rows overflow.
            probs = estimator.predict_proba_draws(Z[ok]).to_numpy()
            ok[np.flatnonzero(ok)[np.isnan(probs).any(axis=(0, 1, 3))]] = False
            part = estimator.predict_uncertainty(Z[ok], proba=True) if ok.any() else None
        if part is not None:
            table.loc[np.flatnonzero(ok), list(part.columns)] = part.to_numpy()
    labels = pd.Series(estimator.classes_[table[names].fillna(-1).to_numpy().argmax(axis=1)])
    if not ok.all():
        labels = labels.astype(object).where(ok, None)
    table.insert(len(names), "predicted", labels)
    return table, ~ok


def _describe_columns(estimator: Any, keep: list[str]) -> str:
    classes = [f"p_{c}" for c in estimator.classes_]
    shown = classes if len(classes) <= 4 else [classes[0], "...", classes[-1]]
    return ", ".join([*keep, *shown, "predicted", *MEASURES])
