"""Example data sets, with the train/test splits used by the benchmarks.

* :func:`load_covertype` reads the forest cover-type data (54 features, target
  ``Cover_Type`` in 1..7) from a CSV file, or fetches it with scikit-learn.
* :func:`covertype_split` makes the reproducible benchmark split: stratified
  80/20, with the quantitative columns standardized on the training part.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

__all__ = ["COVERTYPE_TARGET", "CovertypeSplit", "covertype_split", "load_covertype"]

COVERTYPE_TARGET = "Cover_Type"
"""Name of the target column of the cover-type data (classes 1..7)."""


def load_covertype(path: str | PathLike | None = None) -> pd.DataFrame:
    """The forest cover-type data: 54 feature columns and the target ``Cover_Type``.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV file with a header row, the feature columns and ``Cover_Type``.
        Without it the full data set (581,012 rows) comes from
        :func:`sklearn.datasets.fetch_covtype`, which downloads it on first use.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If the file lacks the ``Cover_Type`` column.
    OSError
        If no path is given and scikit-learn can neither find a cached copy nor
        download one (for example offline).

    Examples
    --------
    >>> df = load_covertype("covtype.csv")  # doctest: +SKIP
    >>> df["Cover_Type"].nunique()  # doctest: +SKIP
    7
    """
    if path is not None:
        frame = pd.read_csv(path)
        if COVERTYPE_TARGET not in frame.columns:
            raise ValueError(f"{path} has no {COVERTYPE_TARGET!r} column.")
        return frame
    from sklearn.datasets import fetch_covtype

    try:
        bunch = fetch_covtype(as_frame=True)
    except Exception as err:  # network errors come in many types
        raise OSError(
            "Could not fetch the cover-type data with sklearn.datasets.fetch_covtype "
            f"({type(err).__name__}: {err}). Offline, pass the path of a local CSV copy "
            "to load_covertype(path)."
        ) from err
    frame = bunch.frame
    return frame.rename(columns={bunch.target.name: COVERTYPE_TARGET})


@dataclass(frozen=True)
class CovertypeSplit:
    """A train/test split of the cover-type data.

    Attributes
    ----------
    X_train, X_test : pandas.DataFrame
        Features; the columns in ``standardized`` are centred and scaled with the
        training mean and standard deviation, the 0/1 indicator columns are as read.
    y_train, y_test : pandas.Series
        Cover types (1..7).
    standardized : list of str
        The quantitative (non-indicator) columns that were standardized.
    """

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series
    standardized: list[str]


def _quantitative_columns(X: pd.DataFrame) -> list[str]:
    """Columns holding anything other than 0/1 indicators."""
    return [c for c in X.columns if not X[c].isin([0, 1]).all()]


def covertype_split(
    path: str | PathLike | None = None, random_seed: int = 0, test_size: float = 0.2
) -> CovertypeSplit:
    """Stratified train/test split of the cover-type data, standardized on the training part.

    Parameters
    ----------
    path : str or path-like, optional
        CSV file passed to :func:`load_covertype` (default: fetch with scikit-learn).
    random_seed : int, default 0
        Seed of the split.
    test_size : float, default 0.2
        Fraction of the rows held out, stratified by ``Cover_Type``.

    Returns
    -------
    CovertypeSplit

    Examples
    --------
    >>> split = covertype_split("covtype.csv", random_seed=0)  # doctest: +SKIP
    >>> len(split.X_test) / (len(split.X_train) + len(split.X_test))  # doctest: +SKIP
    0.2
    """
    frame = load_covertype(path)
    X = frame.drop(columns=COVERTYPE_TARGET).astype(np.float64)
    y = frame[COVERTYPE_TARGET]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_seed
    )
    cols = _quantitative_columns(X_train)
    mean = X_train[cols].mean()
    std = X_train[cols].std(ddof=0).replace(0.0, 1.0)
    X_train, X_test = X_train.copy(), X_test.copy()
    X_train[cols] = (X_train[cols] - mean) / std
    X_test[cols] = (X_test[cols] - mean) / std
    return CovertypeSplit(X_train, X_test, y_train, y_test, cols)
