"""Example data sets, with the train/test splits used by the benchmarks.

* :func:`load_covertype` reads the forest cover-type data (54 features, target
  ``Cover_Type`` in 1..7) from a CSV file, fetches the full data with
  scikit-learn, or reads the small sample shipped with the package.
* :func:`covertype_sample_path` is where that sample is installed.
* :func:`covertype_split` makes the reproducible benchmark split: stratified
  80/20, with the quantitative columns standardized on the training part.

The bundled sample
------------------
``pymc_bnn/data/covtype-sample.csv.gz`` holds 5,000 rows of the UCI Covertype
data, drawn at random within each cover type (seed 0) so the class shares are
those of the source; it is about 100 kB and lets the tutorials, the tests and
examples run offline.  Source: Blackard, J. A. (1998), *Covertype* [data set],
UCI Machine Learning Repository, https://doi.org/10.24432/C50K5N, licensed under
Creative Commons Attribution 4.0 (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/).  The rows and columns are
unchanged apart from the selection of rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

__all__ = [
    "COVERTYPE_SAMPLE_ROWS",
    "COVERTYPE_TARGET",
    "CovertypeSplit",
    "covertype_sample_path",
    "covertype_split",
    "load_covertype",
]

COVERTYPE_TARGET = "Cover_Type"
"""Name of the target column of the cover-type data (classes 1..7)."""

COVERTYPE_SAMPLE_ROWS = 5000
"""Rows in the cover-type sample shipped with the package."""

Source = Literal["auto", "download", "sample"]
_SOURCES = ("auto", "download", "sample")


def covertype_sample_path() -> Path:
    """The installed cover-type sample: a gzip-compressed CSV of 5,000 rows.

    The rows are a stratified random sample of the UCI Covertype data (CC BY 4.0;
    see the module docstring for the attribution).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> covertype_sample_path().name
    'covtype-sample.csv.gz'
    """
    return Path(str(resources.files("pymc_bnn") / "data" / "covtype-sample.csv.gz"))


def _read_csv(path: str | PathLike) -> pd.DataFrame:
    frame = pd.read_csv(path)
    if COVERTYPE_TARGET not in frame.columns:
        raise ValueError(f"{path} has no {COVERTYPE_TARGET!r} column.")
    return frame


def load_covertype(path: str | PathLike | None = None, source: Source = "auto") -> pd.DataFrame:
    """The forest cover-type data: 54 feature columns and the target ``Cover_Type``.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV file (plain or ``.gz``) with a header row, the feature columns and
        ``Cover_Type``.  When given, ``source`` is not used.
    source : {"auto", "download", "sample"}, default "auto"
        Where the data come from when no ``path`` is given:

        * ``"download"``: the full data set (581,012 rows) from
          :func:`sklearn.datasets.fetch_covtype`, which downloads it on first use;
        * ``"sample"``: the 5,000-row sample shipped with the package
          (:func:`covertype_sample_path`; UCI Covertype, CC BY 4.0);
        * ``"auto"``: the full data if scikit-learn can load or download it,
          otherwise the sample, with a :class:`UserWarning` saying so.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If the file lacks the ``Cover_Type`` column, or ``source`` is unknown.
    OSError
        If ``source="download"`` and scikit-learn can neither find a cached copy
        nor download one (for example offline).

    Examples
    --------
    >>> df = load_covertype(source="sample")
    >>> df.shape
    (5000, 55)
    >>> sorted(df["Cover_Type"].unique().tolist())
    [1, 2, 3, 4, 5, 6, 7]
    """
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {_SOURCES}, got {source!r}.")
    if path is not None:
        return _read_csv(path)
    if source == "sample":
        return _read_csv(covertype_sample_path())
    from sklearn.datasets import fetch_covtype

    try:
        bunch = fetch_covtype(as_frame=True)
    except Exception as err:  # network errors come in many types
        reason = f"{type(err).__name__}: {err}"
        if source == "auto":
            warnings.warn(
                "Could not fetch the full cover-type data with sklearn.datasets.fetch_covtype "
                f"({reason}); using the {COVERTYPE_SAMPLE_ROWS:,}-row sample shipped with "
                "pymc_bnn instead. Pass source='sample' to choose it without trying the "
                "download, or a path to read a local CSV copy.",
                UserWarning,
                stacklevel=2,
            )
            return _read_csv(covertype_sample_path())
        raise OSError(
            "Could not fetch the cover-type data with sklearn.datasets.fetch_covtype "
            f"({reason}). Offline, pass the path of a local CSV copy to "
            "load_covertype(path), or source='sample' for the sample shipped with pymc_bnn."
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
    path: str | PathLike | None = None,
    random_seed: int = 0,
    test_size: float = 0.2,
    source: Source = "auto",
) -> CovertypeSplit:
    """Stratified train/test split of the cover-type data, standardized on the training part.

    Parameters
    ----------
    path : str or path-like, optional
        CSV file passed to :func:`load_covertype`.
    random_seed : int, default 0
        Seed of the split.
    test_size : float, default 0.2
        Fraction of the rows held out, stratified by ``Cover_Type``.
    source : {"auto", "download", "sample"}, default "auto"
        Where the data come from without a ``path``; see :func:`load_covertype`.

    Returns
    -------
    CovertypeSplit

    Examples
    --------
    >>> split = covertype_split(source="sample", random_seed=0)
    >>> len(split.X_train), len(split.X_test)
    (4000, 1000)
    >>> len(split.standardized)
    10
    """
    frame = load_covertype(path, source)
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
