"""Reading and checking CSV input.

The feature checks are those of :func:`pymc_bnn.models.data.check_features`,
reported with the file, the column and the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pymc_bnn.cli.errors import CLIError, one_line, plain, short_list
from pymc_bnn.models.data import FeatureTypeError, FeatureValueError, check_features

__all__ = [
    "check_columns",
    "check_feature_table",
    "read_header",
    "read_table",
    "select_features",
    "split_held_out",
    "split_target",
]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV file with a header row, or raise :class:`CLIError` saying why not.

    Examples
    --------
    >>> read_table("no-such.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such.csv: no such file
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise CLIError(f"{path}: cannot read it as CSV ({one_line(err)})") from err
    if frame.empty:
        raise CLIError(f"{path}: no data rows")
    return frame


def read_header(path: str | Path) -> list[str]:
    """The column names of a CSV file, or :class:`CLIError` saying why they cannot be read.

    Examples
    --------
    >>> read_header("no-such.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such.csv: no such file
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{path}: no such file")
    try:
        columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise CLIError(f"{path}: cannot read it as CSV ({one_line(err)})") from err
    if not columns:
        raise CLIError(f"{path}: no header row")
    return columns


def check_feature_table(X: pd.DataFrame, path: str | Path, first_row: int = 0) -> pd.DataFrame:
    """The feature columns ``X`` read from file ``path`` as float64, checked.

    The checks are those of :func:`pymc_bnn.models.data.check_features`; this
    only rewords its errors for the file: non-numeric columns are all named,
    and the first missing or infinite value is placed by column and line (the
    header being line 1; ``first_row`` is the data row of ``X``'s first row, for
    a file read in chunks).

    Raises
    ------
    CLIError
        If a column is not numeric or a value is missing (NaN) or infinite.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [0.5, 1.0, 2.0], "b": [1.0, np.nan, np.nan]})
    >>> check_feature_table(X, "data.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: data.csv: missing value (NaN) in column 'b' on line 3
    (data row 2); 2 such cells in all
    """
    try:
        check_features(X, name=str(path))
    except FeatureTypeError as err:
        raise CLIError(
            f"{path}: non-numeric feature columns {short_list(err.columns, 10)}; "
            "encode them as numbers or drop them"
        ) from err
    except FeatureValueError as err:
        what = "missing value (NaN)" if err.what == "NaN" else err.what
        row = first_row + plain(err.row)
        where = "in all" if first_row == 0 else "in this part of the file"
        raise CLIError(
            f"{path}: {what} in column {plain(err.column_name)!r} on line {row + 2} "
            f"(data row {row + 1}); {plain(err.count)} such cells {where}"
        ) from err
    except ValueError as err:
        raise CLIError(f"{path}: {one_line(err)}") from err
    return X.astype(np.float64)


def split_target(
    frame: pd.DataFrame, target: str, path: str | Path
) -> tuple[pd.DataFrame, pd.Series]:
    """Features (float64) and target of a table, checked for a fit.

    Raises
    ------
    CLIError
        If there is no such target column, a target value is missing, there are
        no other columns, a feature is not numeric or not finite, or the target
        has fewer than two classes.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [0.1, 0.2], "y": ["cat", "cat"]})
    >>> split_target(frame, "y", "pets.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: pets.csv: the target 'y' has one class ('cat'); a classifier
    needs at least two
    """
    if target not in frame.columns:
        raise CLIError(f"{path}: no column {target!r}; the columns are {list(frame.columns)}")
    y = frame[target]
    if y.isna().any():
        row = int(np.flatnonzero(y.isna().to_numpy())[0])
        raise CLIError(f"{path}: missing target value in column {target!r} on line {row + 2}")
    X = frame.drop(columns=target)
    if X.shape[1] == 0:
        raise CLIError(f"{path}: no feature columns besides the target {target!r}")
    X = check_feature_table(X, path)
    classes = y.unique()
    if len(classes) < 2:
        raise CLIError(
            f"{path}: the target {target!r} has one class ({plain(classes[0])!r}); "
            "a classifier needs at least two"
        )
    return X, y


def check_columns(
    columns: Sequence[str],
    features: Sequence[str],
    path: str | Path,
    *,
    target: str | None = None,
    keep: Sequence[str] = (),
) -> None:
    """Refuse a table whose columns are not the model's features (plus target and kept ones).

    Examples
    --------
    >>> check_columns(["id", "a", "b"], ["a", "b"], "new.csv", keep=["id"])
    >>> check_columns(["a", "c"], ["a", "b"], "new.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: new.csv: lacks the model's feature columns ['b']
    >>> check_columns(["id", "a", "b"], ["a", "b"], "new.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: new.csv: the column 'id' is not a feature of the model; pass
    --keep id to copy it to the output, or drop it
    """
    absent = [k for k in keep if k not in columns]
    if absent:
        raise CLIError(f"{path}: no column {short_list(absent)} to --keep")
    missing = [f for f in features if f not in columns]
    if missing:
        raise CLIError(f"{path}: lacks the model's feature columns {short_list(missing)}")
    extra = [c for c in columns if c not in features and c != target and c not in keep]
    if len(extra) == 1:
        raise CLIError(
            f"{path}: the column {extra[0]!r} is not a feature of the model; pass --keep "
            f"{extra[0]} to copy it to the output, or drop it"
        )
    if extra:
        raise CLIError(
            f"{path}: the columns {short_list(extra)} are not features of the model; pass "
            "--keep COLUMN to copy one to the output, or drop them"
        )


def select_features(
    frame: pd.DataFrame, features: Sequence[str], path: str | Path, *, target: str | None = None
) -> pd.DataFrame:
    """The columns ``features`` of ``frame`` in that order (float64, checked).

    A ``target`` column is ignored; any other difference from ``features`` is an error.

    Examples
    --------
    >>> frame = pd.DataFrame({"b": [2.0], "a": [1.0], "y": ["cat"]})
    >>> select_features(frame, ["a", "b"], "new.csv", target="y")
         a    b
    0  1.0  2.0
    >>> select_features(frame, ["a", "c"], "new.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: new.csv: lacks the model's feature columns ['c']
    """
    check_columns([str(c) for c in frame.columns], features, path, target=target)
    return check_feature_table(frame[list(features)], path)


def split_held_out(X: pd.DataFrame, y, test_size: float, seed: int) -> list:
    """Stratified training and held-out rows: ``X_train, X_test, y_train, y_test``.

    Examples
    --------
    >>> X = pd.DataFrame({"a": range(10)})
    >>> y = [0, 1] * 5
    >>> [len(part) for part in split_held_out(X, y, 0.2, seed=0)]
    [8, 2, 8, 2]
    """
    from sklearn.model_selection import train_test_split

    counts = pd.Series(np.asarray(y)).value_counts()
    single = counts[counts < 2]
    if len(single):
        raise CLIError(
            f"cannot hold out a stratified split: {len(single)} classes have a single row "
            f"(e.g. {short_list(single.index)}); each class needs at least two rows"
        )
    n_test = int(np.ceil(test_size * len(X)))
    if not len(counts) <= n_test <= len(X) - len(counts):
        raise CLIError(
            f"cannot hold out a stratified split: --test-size {test_size} holds out {n_test} "
            f"of {len(X)} rows, and both parts need at least one row of each of the "
            f"{len(counts)} classes"
        )
    try:
        return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    except ValueError as err:
        raise CLIError(f"cannot make a stratified held-out split: {one_line(err)}") from err
