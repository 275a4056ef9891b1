"""Reading and checking tabular input: CSV, or Parquet (told apart by its first bytes).

The feature checks are those of :func:`pymc_bnn.models.data.check_features`,
reported with the file, the column and the line.  A Parquet file is read with
pyarrow, one record batch of ``chunk_size`` rows at a time and only the columns
asked for.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pymc_bnn.cli.errors import CLIError, one_line, plain, short_list
from pymc_bnn.models.data import FeatureTypeError, FeatureValueError, check_features

__all__ = [
    "check_columns",
    "check_feature_table",
    "count_rows",
    "is_parquet",
    "read_chunks",
    "read_header",
    "read_table",
    "select_features",
    "split_held_out",
    "split_target",
    "target_labels",
]

MISSING = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
"""Cells read as missing in feature columns: pandas' default ``na_values``.  In the
target column only an empty cell is missing (``NA`` is a label like any other)."""

_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")
_INT64 = 2**63
_PARQUET_MAGIC = b"PAR1"
_READ_ERRORS = (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError)


def _input_file(path: str | Path) -> Path:
    """``path`` as an existing file, or :class:`CLIError` saying what it is instead."""
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{path} is a folder; give a CSV or Parquet file")
    if not path.exists():
        raise CLIError(f"{path}: no such file")
    return path


def is_parquet(path: str | Path) -> bool:
    """Whether the file starts as a Parquet file does (``PAR1``), whatever its name.

    Examples
    --------
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(suffix=".parquet", delete=False)
    >>> pd.DataFrame({"a": [1.0]}).to_parquet(f.name)
    >>> is_parquet(f.name)
    True
    """
    try:
        with open(path, "rb") as f:
            return f.read(4) == _PARQUET_MAGIC
    except OSError as err:
        raise CLIError(f"{path}: cannot read it ({one_line(err)})") from err


def _kind(path: Path) -> str:
    return "Parquet" if is_parquet(path) else "CSV"


def _read_error(path: Path, err: BaseException, kind: str = "CSV") -> CLIError:
    return CLIError(f"{path}: cannot read it as {kind} ({one_line(err)})")


def _input_table(path: str | Path) -> Path:
    """``path`` as an existing file whose header names each column once, or :class:`CLIError`.

    A column named twice is refused: pandas would rename the second ``a.1``.
    """
    path = _input_file(path)
    try:
        if is_parquet(path):
            import pyarrow.parquet as pq

            header = [str(c) for c in pq.read_schema(path).names]
        else:
            with open(path, newline="", encoding="utf-8-sig") as f:
                header = next((row for row in csv.reader(f) if row), [])
    except (*_READ_ERRORS, csv.Error) as err:
        raise _read_error(path, err, _kind(path)) from err
    twice = [name for name, count in Counter(header).items() if count > 1]
    if twice:
        raise CLIError(
            f"{path}: duplicate column names {short_list(twice)}; each column needs its own name"
        )
    return path


def count_rows(path: str | Path) -> int:
    """The number of data rows of a CSV or Parquet file.

    Parquet: from the file's metadata; CSV: the lines after the header, read in blocks.

    Examples
    --------
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)
    >>> _ = f.write("a,b 1,2 3,4".replace(" ", chr(10)).encode()); f.close()
    >>> count_rows(f.name)
    2
    """
    path = _input_file(path)
    if is_parquet(path):
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(lines - 1 + (last != b"\n"), 0)


def read_chunks(
    path: str | Path, chunk_size: int, columns: Sequence[str], text: Sequence[str] = ()
) -> Iterator[pd.DataFrame]:
    """The ``columns`` of a CSV or Parquet file, ``chunk_size`` rows at a time.

    ``text`` columns are read as they are written (strings), not parsed as numbers.
    A file that cannot be read raises :class:`CLIError` naming it, the format and
    the last data row read.

    Examples
    --------
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(suffix=".parquet", delete=False)
    >>> pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]}).to_parquet(f.name)
    >>> [len(c) for c in read_chunks(f.name, 2, ["a", "b"], text=["b"])]
    [2, 1]
    """
    path = _input_file(path)
    kind, rows = _kind(path), 0
    try:
        if kind == "Parquet":
            import pyarrow.parquet as pq

            batches = pq.ParquetFile(path).iter_batches(
                batch_size=chunk_size, columns=list(columns)
            )
            for batch in batches:
                chunk = batch.to_pandas()
                for name in text:
                    chunk[name] = chunk[name].astype(object)
                rows += len(chunk)
                yield chunk
        else:
            reader = pd.read_csv(
                path,
                chunksize=chunk_size,
                usecols=list(columns),
                dtype={k: object for k in text} or None,
            )
            for chunk in reader:
                rows += len(chunk)
                yield chunk[list(columns)]
    except CLIError:
        raise
    except _READ_ERRORS as err:
        raise CLIError(
            f"{path}: cannot read it as {kind} after data row {rows} ({one_line(err)})"
        ) from err


def read_table(path: str | Path, target: str | None = None) -> pd.DataFrame:
    """Read a CSV file with a header row, or a Parquet file, or raise :class:`CLIError`.

    The column ``target`` of a CSV file is read as text (labels such as ``01``
    or ``NA`` kept as written; only an empty cell is missing):
    :func:`target_labels` turns it into labels.  A Parquet file's columns keep
    their stored types.

    Examples
    --------
    >>> read_table("no-such.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such.csv: no such file
    """
    path = _input_table(path)
    if is_parquet(path):
        try:
            frame = pd.read_parquet(path)
        except _READ_ERRORS as err:
            raise _read_error(path, err, "Parquet") from err
    else:
        options = {}
        columns = read_header(path) if target is not None else []
        if target in columns:
            options = {
                "dtype": {target: str},
                "keep_default_na": False,
                "na_values": {c: [""] if c == target else list(MISSING) for c in columns},
            }
        try:
            frame = pd.read_csv(path, **options)
        except _READ_ERRORS as err:
            raise _read_error(path, err) from err
    if frame.empty:
        raise CLIError(f"{path}: no data rows")
    return frame


def read_header(path: str | Path) -> list[str]:
    """The column names of a CSV or Parquet file, or :class:`CLIError` saying why not.

    A name given to two columns is refused.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp(), "rows.csv")
    >>> pd.DataFrame({"id": [1], "x": [2.5]}).to_csv(path, index=False)
    >>> read_header(path)
    ['id', 'x']
    """
    path = _input_table(path)
    kind = _kind(path)
    try:
        if kind == "Parquet":
            import pyarrow.parquet as pq

            columns = [str(c) for c in pq.read_schema(path).names]
        else:
            columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except _READ_ERRORS as err:
        raise _read_error(path, err, kind) from err
    if not columns:
        raise CLIError(f"{path}: no header row")
    return columns


def target_labels(values: pd.Series, path: str | Path) -> pd.Series:
    """Class labels from a target column read as text.

    The labels stay the strings written (``01`` and ``1`` are two classes,
    ``True`` is the text ``True``) unless every one is an integer written
    canonically (``-3``, ``0``, ``12``, within int64), when they are integers.
    A column of numbers that are not all whole looks continuous and is refused.
    A column not read as text is returned as it is.

    Raises
    ------
    CLIError
        If every label is a number and some are not whole (naming the first).

    Examples
    --------
    >>> target_labels(pd.Series(["1", "01", "NA"], name="y"), "d.csv").tolist()
    ['1', '01', 'NA']
    >>> target_labels(pd.Series(["-3", "12"], name="y"), "d.csv").tolist()
    [-3, 12]
    >>> target_labels(pd.Series(["0.5", "2"], name="y"), "d.csv")
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: d.csv: the target 'y' holds numbers that are not whole, such
    as 0.5 on line 2: a classifier needs class labels, not a continuous target
    """
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return values
    text = values.astype(str)
    if text.str.fullmatch(_CANONICAL_INT.pattern).all():
        numbers = [int(v) for v in text]
        if all(-_INT64 <= v < _INT64 for v in numbers):
            return pd.Series(numbers, index=values.index, name=values.name, dtype=np.int64)
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    if np.isfinite(numbers).all():
        fractional = np.flatnonzero(numbers != np.floor(numbers))
        if len(fractional):
            row = int(fractional[0])
            raise CLIError(
                f"{path}: the target {values.name!r} holds numbers that are not whole, such as "
                f"{text.iloc[row]} on line {row + 2}: a classifier needs class labels, not a "
                "continuous target"
            )
    return text


def check_feature_table(
    X: pd.DataFrame, path: str | Path, first_row: int = 0, *, fix: str = "encode them as numbers"
) -> pd.DataFrame:
    """The feature columns ``X`` read from file ``path`` as float64, checked.

    The checks are those of :func:`pymc_bnn.models.data.check_features`; this
    only rewords its errors for the file: non-numeric columns are all named,
    and the first missing or infinite value is placed by column and line (the
    header being line 1; ``first_row`` is the data row of ``X``'s first row, for
    a file read in chunks).  ``fix`` ends the message on non-numeric columns:
    what to do about them.

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
            f"{path}: non-numeric feature columns {short_list(err.columns, 10)}"
            f"{_first_text_cell(X, err.columns, first_row)}; {fix}"
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


def _first_text_cell(X: pd.DataFrame, columns: Sequence[str], first_row: int) -> str:
    """Where the first cell that is not a number lies in ``columns``, as a message part."""
    first = None
    for column in columns:
        values = X[column]
        text = values.notna() & pd.to_numeric(values, errors="coerce").isna()
        if text.any():
            row = int(np.flatnonzero(text.to_numpy())[0])
            if first is None or row < first[0]:
                first = (row, column, values.iloc[row])
    if first is None:
        return ""
    row, column, value = first
    line = first_row + row + 2
    return f" (the first, {one_line(str(value), 40)!r} in column {column!r}, on line {line})"


def split_target(
    frame: pd.DataFrame, target: str, path: str | Path
) -> tuple[pd.DataFrame, pd.Series]:
    """Features (float64) and target of a table, checked for a fit.

    Raises
    ------
    CLIError
        If there is no such target column, a target value is missing or the
        labels are numbers that are not all whole (:func:`target_labels`), there
        are no other columns, a feature is not numeric or not finite, or the
        target has fewer than two classes.

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
    y = target_labels(y, path)
    X = frame.drop(columns=target)
    if X.shape[1] == 0:
        raise CLIError(f"{path}: no feature columns besides the target {target!r}")
    fix = "encode them as numbers, or leave them out with --drop COLUMN (an id, say)"
    X = check_feature_table(X, path, fix=fix)
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
    ignore: Sequence[str] = (),
) -> None:
    """Refuse a table whose columns are not the model's features (plus target and kept ones).

    Columns in ``ignore`` (those ``fit --drop`` left out) may be there too.

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
    --keep id to copy it to the output, or remove it
    """
    absent = [k for k in keep if k not in columns]
    if absent:
        raise CLIError(f"{path}: no column {short_list(absent)} to --keep")
    missing = [f for f in features if f not in columns]
    if missing:
        raise CLIError(f"{path}: lacks the model's feature columns {short_list(missing)}")
    known = {*features, *keep, *ignore, target}
    extra = [c for c in columns if c not in known]
    if len(extra) == 1:
        raise CLIError(
            f"{path}: the column {extra[0]!r} is not a feature of the model; pass --keep "
            f"{extra[0]} to copy it to the output, or remove it"
        )
    if extra:
        raise CLIError(
            f"{path}: the columns {short_list(extra)} are not features of the model; pass "
            "--keep COLUMN to copy one to the output, or remove them"
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
