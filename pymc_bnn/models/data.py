"""Validation and encoding of model inputs: feature matrices, class labels and count matrices.

Shared by the model builders (:func:`pymc_bnn.multinomial_glm`,
:func:`pymc_bnn.bnn_classifier`), the scikit-learn estimators and the command
line, so that every entry point rejects bad input the same way, with an error
that names the offending argument.

* :func:`check_features` validates a feature matrix ``X`` (numeric, 2-D, finite)
  and returns it as float64 together with its column names.
* :class:`LabelEncoder` maps class labels (integers, strings, booleans or a
  :class:`pandas.Categorical`) to codes ``0..K-1`` and back, and refuses labels it
  has never seen.
* :func:`check_counts` validates a matrix of per-class counts (one row per
  observation) and returns it as int64 with its row totals.
* :func:`check_same_length` checks that several arrays describe the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "FeatureTypeError",
    "FeatureValueError",
    "LabelEncoder",
    "check_counts",
    "check_features",
    "check_positive_int",
    "check_same_length",
    "column_names",
]


def column_names(X: ArrayLike) -> list[str] | None:
    """Column names of a :class:`pandas.DataFrame` as strings, or ``None`` for other input.

    Examples
    --------
    >>> column_names(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    ['a', 'b']
    >>> column_names(np.ones((1, 2))) is None
    True
    """
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    return None


def check_positive_int(value, name: str) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is an integer >= 1.

    Booleans are refused although Python counts them as integers.

    Examples
    --------
    >>> check_positive_int(3, "n_units")
    >>> check_positive_int(0, "n_units")
    Traceback (most recent call last):
    ...
    ValueError: n_units must be a positive integer; got 0.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


class FeatureTypeError(TypeError):
    """A feature matrix is not numeric; raised by :func:`check_features`.

    Attributes
    ----------
    columns : list of str
        For a :class:`pandas.DataFrame`, the names of all its non-numeric columns
        (the message shows the first five); empty for other input.

    Examples
    --------
    >>> try:
    ...     check_features(pd.DataFrame({"a": [1.0], "city": ["x"]}))
    ... except FeatureTypeError as err:
    ...     print(err.columns)
    ['city']
    """

    def __init__(self, message: str, columns: Sequence[str] = ()):
        super().__init__(message)
        self.columns = list(columns)


class FeatureValueError(ValueError):
    """A feature matrix holds NaN or ±inf; raised by :func:`check_features`.

    Attributes
    ----------
    what : {"NaN", "inf"}
        The kind of bad value (NaN is checked first).
    row, column : int
        Position (0-based) of the first such cell, in row-major order.
    column_name : str or None
        Name of that column, for a :class:`pandas.DataFrame`.
    count : int
        How many cells hold that kind of bad value.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]})
    >>> try:
    ...     check_features(frame)
    ... except FeatureValueError as err:
    ...     print(err)
    ...     print(err.what, err.row, err.column, err.column_name, err.count)
    X must not contain NaN; found one at row 0, column 1 ('b').
    NaN 0 1 b 2
    """

    def __init__(
        self,
        message: str,
        *,
        what: str,
        row: int,
        column: int,
        column_name: str | None = None,
        count: int = 1,
    ):
        super().__init__(message)
        self.what, self.row, self.column = what, row, column
        self.column_name, self.count = column_name, count


def check_features(X: ArrayLike, name: str = "X") -> np.ndarray:
    """Validate a feature matrix and return it as a float64 array.

    Parameters
    ----------
    X : array_like or pandas.DataFrame, shape (n_rows, n_features)
        Numeric features (booleans are accepted as 0/1).
    name : str, default "X"
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray of float64, shape (n_rows, n_features)

    Raises
    ------
    FeatureTypeError
        (a ``TypeError``) If ``X`` is not numeric (e.g. holds strings or objects);
        for a DataFrame it lists every non-numeric column.
    ValueError
        If ``X`` is not 2-D, has no rows or no columns; a
        :class:`FeatureValueError` if it holds NaN or ±inf, with the position (and
        for a DataFrame the column name) of the first such cell.

    Examples
    --------
    >>> check_features([[1, 2], [3, 4]])
    array([[1., 2.],
           [3., 4.]])
    >>> check_features([[1.0, np.nan]], name="X_new")
    Traceback (most recent call last):
    ...
    pymc_bnn.models.data.FeatureValueError: X_new must not contain NaN;
    found one at row 0, column 1.
    >>> check_features(pd.DataFrame({"a": [1.0], "b": [np.inf]}))
    Traceback (most recent call last):
    ...
    pymc_bnn.models.data.FeatureValueError: X must not contain inf;
    found one at row 0, column 1 ('b').
    """
    names = column_names(X)
    if isinstance(X, pd.DataFrame):
        non_numeric = [str(c) for c, t in X.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
        if non_numeric:
            raise FeatureTypeError(
                f"{name} must be numeric; columns {non_numeric[:5]} are not.", non_numeric
            )
        X = X.to_numpy(dtype=np.float64, na_value=np.nan)
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise FeatureTypeError(f"{name} must be numeric; got an array of dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (rows x features); got {arr.ndim}-D with shape {arr.shape}. "
            "Reshape a single feature with X.reshape(-1, 1)."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column; got {arr.shape}.")
    # Row-major: a minibatch gathers rows, which is several times slower from the
    # column-major arrays that pandas returns.
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    for bad, what in ((np.isnan(arr), "NaN"), (np.isinf(arr), "inf")):
        if bad.any():
            row, col = _first_bad(bad)
            column_name = None if names is None else names[col]
            shown = f"{col}" if column_name is None else f"{col} ({column_name!r})"
            raise FeatureValueError(
                f"{name} must not contain {what}; found one at row {row}, column {shown}.",
                what=what,
                row=row,
                column=col,
                column_name=column_name,
                count=int(bad.sum()),
            )
    return arr


def check_same_length(**arrays: ArrayLike | None) -> int:
    """Check that the given arrays have the same number of rows and return it.

    ``None`` entries are skipped.

    Examples
    --------
    >>> check_same_length(X=np.ones((3, 2)), y=[0, 1, 0])
    3
    >>> check_same_length(X=np.ones((3, 2)), y=[0, 1])
    Traceback (most recent call last):
    ...
    ValueError: X and y must have the same number of rows; got X: 3, y: 2.
    """
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(
            f"{' and '.join(lengths)} must have the same number of rows; got {shown}."
        )
    return next(iter(lengths.values()))


def check_counts(y: ArrayLike, name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Validate a matrix of per-class counts and return it as int64 with its row totals.

    Parameters
    ----------
    y : array_like or pandas.DataFrame, shape (n_rows, n_classes)
        Nonnegative whole numbers; row ``i`` holds how many of observation ``i``'s
        trials fell in each class.
    name : str, default "y"
        Argument name used in error messages.

    Returns
    -------
    counts : numpy.ndarray of int64, shape (n_rows, n_classes)
    totals : numpy.ndarray of int64, shape (n_rows,)

    Raises
    ------
    ValueError
        If ``y`` is not 2-D, has fewer than two columns, or holds NaN, negative or
        non-integer entries.

    Examples
    --------
    >>> counts, totals = check_counts([[1, 2], [0, 3]])
    >>> totals
    array([3, 3])
    >>> check_counts([[1, -2]])
    Traceback (most recent call last):
    ...
    ValueError: y must hold nonnegative counts; found -2 at row 0, column 1.
    """
    arr = np.asarray(y.to_numpy() if isinstance(y, pd.DataFrame) else y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} as a count matrix must be numeric; got dtype {arr.dtype}.")
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(
            f"{name} as a count matrix must be 2-D with one column per class (at least 2); "
            f"got shape {arr.shape}."
        )
    arr = arr.astype(np.float64)
    checks = (
        (~np.isfinite(arr), "finite counts", "a non-finite value"),
        (arr < 0, "nonnegative counts", None),
        (arr != np.floor(arr), "whole-number counts", None),
    )
    for bad, rule, what in checks:
        bad = bad & ~np.isnan(arr) if what is None else bad
        if bad.any():
            row, col = _first_bad(bad)
            shown = what or f"{arr[row, col]:g}"
            raise ValueError(f"{name} must hold {rule}; found {shown} at row {row}, column {col}.")
    counts = arr.astype(np.int64)
    return counts, counts.sum(axis=1)


def _as_label_array(y: ArrayLike, name: str) -> np.ndarray:
    if isinstance(y, pd.Series | pd.Index):
        y = y.array
    if isinstance(y, pd.Categorical):
        if y.isna().any():
            raise ValueError(f"{name} must not contain missing labels.")
        return np.asarray(y.astype(object))
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one label per row; got shape {arr.shape}.")
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError(f"{name} must not contain NaN labels.")
        if (arr != np.round(arr)).any():
            raise ValueError(
                f"{name} holds non-integer numbers {arr[arr != np.round(arr)][:5]}; class "
                "labels must be integers, strings or a pandas Categorical."
            )
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "O" and pd.isna(arr).any():
        raise ValueError(f"{name} must not contain missing labels.")
    return arr


@dataclass(frozen=True)
class LabelEncoder:
    """A fixed, ordered set of class labels, mapping labels to codes ``0..K-1`` and back.

    Build one with :meth:`fit` (or directly from the labels).  The order of the
    classes is the sorted order of the labels, or the category order of a
    :class:`pandas.Categorical` (including unused categories), or the order
    given: scikit-learn's ``LabelEncoder`` always sorts its classes.

    Parameters
    ----------
    classes : numpy.ndarray
        The class labels, in code order.

    Examples
    --------
    >>> enc = LabelEncoder.fit(["b", "a", "b"])
    >>> enc.classes.tolist(), enc.transform(["a", "b"]).tolist()
    (['a', 'b'], [0, 1])
    >>> enc.inverse_transform([1, 0]).tolist()
    ['b', 'a']
    >>> enc.transform(["c"], name="y_new")
    Traceback (most recent call last):
    ...
    ValueError: y_new holds labels the model never saw: ['c']; known classes are ['a', 'b'].
    """

    classes: np.ndarray

    @classmethod
    def fit(
        cls, y: ArrayLike, name: str = "y", *, classes: Sequence | int | None = None
    ) -> LabelEncoder:
        """Learn the classes from labels ``y`` (or take them from ``classes``).

        Parameters
        ----------
        y : array_like, 1-D
            Class labels: integers, strings, booleans or a pandas Categorical.
        name : str, default "y"
            Argument name used in error messages.
        classes : sequence or int, optional
            The classes in code order (an int ``K`` means ``0..K-1``).  Use it to
            fix the order or to include classes absent from ``y``; every label in
            ``y`` must be one of them.

        Raises
        ------
        ValueError
            If ``y`` is not 1-D, holds missing or non-integer numeric labels, or if
            there are fewer than two classes.
        """
        arr = _as_label_array(y, name)
        if classes is None and isinstance(y, pd.Categorical | pd.Series):
            cat = y.array if isinstance(y, pd.Series) else y
            if isinstance(cat, pd.Categorical):
                classes = list(cat.categories)
        if classes is None:
            labels = np.unique(arr)
        else:
            labels = np.arange(classes) if isinstance(classes, int) else np.asarray(classes)
        if len(labels) < 2:
            raise ValueError(
                f"{name} must contain at least two classes to classify; got {labels.tolist()}."
            )
        if len(np.unique(labels)) != len(labels):
            raise ValueError(f"classes must be distinct; got {labels.tolist()}.")
        encoder = cls(labels)
        if classes is not None:
            encoder.transform(arr, name=name)
        return encoder

    @property
    def n_classes(self) -> int:
        """Number of classes ``K``."""
        return len(self.classes)

    def transform(self, y: ArrayLike, name: str = "y") -> np.ndarray:
        """Codes ``0..K-1`` of the labels ``y``; raises on a label not among the classes."""
        arr = _as_label_array(y, name)
        lookup = {label: i for i, label in enumerate(self.classes.tolist())}
        values = arr.tolist()
        unseen = sorted({v for v in values if v not in lookup}, key=str)
        if unseen:
            raise ValueError(
                f"{name} holds labels the model never saw: {unseen[:5]}; known classes are "
                f"{self.classes.tolist()}."
            )
        return np.array([lookup[v] for v in values], dtype=np.int64)

    def inverse_transform(self, codes: ArrayLike) -> np.ndarray:
        """Labels of the codes ``0..K-1``."""
        codes = np.asarray(codes)
        if codes.size and (codes.min() < 0 or codes.max() >= self.n_classes):
            raise ValueError(f"codes must lie in 0..{self.n_classes - 1}; got {codes}.")
        return self.classes[codes]
