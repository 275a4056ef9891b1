"""Feature scaling of the command line: scikit-learn's ``StandardScaler`` on chosen columns.

``pymc-bnn fit`` standardizes feature columns on the training rows (mean 0,
standard deviation 1; a constant column is only centred), since the models'
priors assume unit-scale features.  Which columns is ``--scale``
(:func:`scaled_columns`): ``auto`` (the default) leaves 0/1 indicator columns as
they are and standardizes the others, ``all`` standardizes every column,
``none`` none.  On cover type, whose 44 soil and wilderness indicators are
mostly rare, standardizing them turns a rare indicator's 1 into tens of
standard deviations; ``auto`` scored better there (``docs/tutorials/estimators-cli.md``).

The means and scales are computed by :func:`fit_scaler` on values divided by the
column's largest magnitude first, so that no square overflows (a cell of 1e300
gives a finite scale, not an infinite one that would zero the column).  The
scaler is a ``ColumnTransformer`` that standardizes the named columns and passes
the others through; its means and scales are saved as JSON in the model's
metadata (no pickle) and rebuilt by :func:`scaler_from_json`.

:func:`training_limits` records, per feature, the training range widened by
:data:`LIMIT_SDS` training standard deviations on each side; ``pymc-bnn
predict`` flags rows outside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer

__all__ = [
    "LIMIT_SDS",
    "SCALE_MODES",
    "fit_scaler",
    "indicator_columns",
    "limits_from_json",
    "make_scaler",
    "scaled_columns",
    "scaler_from_json",
    "scaler_to_json",
    "training_limits",
]

_STEP = "standardize"

SCALE_MODES = ("auto", "all", "none")
"""The values of ``--scale``."""

LIMIT_SDS = 10.0
"""How many training standard deviations beyond the training range a value may lie."""

_BIG = float(np.finfo(np.float64).max)


def indicator_columns(X: pd.DataFrame) -> list[str]:
    """The columns of ``X`` whose values are all 0 or 1.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 1.0], "b": [0.0, 2.0, 1.0], "c": [1.0, 1.0, 1.0]})
    >>> indicator_columns(X)
    ['a', 'c']
    """
    return [str(c) for c in X.columns if X[c].isin((0, 1)).all()]


def scaled_columns(X: pd.DataFrame, mode: str) -> list[str]:
    """The columns ``--scale mode`` standardizes: all, none, or all but the 0/1 indicators.

    Examples
    --------
    >>> X = pd.DataFrame({"height": [1.5, 1.8], "smoker": [0.0, 1.0]})
    >>> scaled_columns(X, "auto"), scaled_columns(X, "all"), scaled_columns(X, "none")
    (['height'], ['height', 'smoker'], [])
    """
    if mode not in SCALE_MODES:
        raise ValueError(f"mode must be one of {list(SCALE_MODES)}; got {mode!r}.")
    if mode == "none":
        return []
    if mode == "all":
        return [str(c) for c in X.columns]
    indicators = set(indicator_columns(X))
    return [str(c) for c in X.columns if str(c) not in indicators]


def _mean_and_sd(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation (ddof 0) of finite ``values`` without overflow."""
    big = float(np.max(np.abs(values))) if len(values) else 0.0
    if big == 0.0:
        return 0.0, 0.0
    small = values / big
    return float(big * small.mean()), float(big * small.std())


def fit_scaler(X: pd.DataFrame, columns: Sequence[str]) -> ColumnTransformer:
    """The scaler standardizing ``columns`` of ``X`` with overflow-free means and scales.

    A constant column gets scale 1 (it is only centred), as with ``StandardScaler``.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1e300, -1e300, 0.0], "b": [0.0, 1.0, 0.0]})
    >>> scaler_to_json(fit_scaler(X, ["a"]))
    {'columns': ['a'], 'mean': [0.0], 'scale': [8.16496580927726e+299]}
    """
    mean, scale = [], []
    for column in columns:
        m, sd = _mean_and_sd(X[column].to_numpy(dtype=np.float64))
        mean.append(m)
        scale.append(sd if sd > 0 else 1.0)
    data = {"columns": list(columns), "mean": mean, "scale": scale}
    return scaler_from_json(data, [str(c) for c in X.columns])


def training_limits(X: pd.DataFrame) -> dict[str, list[float]]:
    """Per feature, the training range widened by :data:`LIMIT_SDS` standard deviations.

    Examples
    --------
    >>> training_limits(pd.DataFrame({"a": [0.0, 2.0], "b": [1.0, 1.0]}))
    {'low': [-10.0, 1.0], 'high': [12.0, 1.0]}
    """
    low, high = [], []
    for column in X.columns:
        values = X[column].to_numpy(dtype=np.float64)
        _, sd = _mean_and_sd(values)
        low.append(float(np.clip(values.min() - LIMIT_SDS * sd, -_BIG, _BIG)))
        high.append(float(np.clip(values.max() + LIMIT_SDS * sd, -_BIG, _BIG)))
    return {"low": low, "high": high}


def limits_from_json(data: Any, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``low`` and ``high`` arrays of :func:`training_limits`, checked.

    Raises
    ------
    ValueError
        If they are not two lists of ``n_features`` finite numbers with low <= high.

    Examples
    --------
    >>> limits_from_json({"low": [0.0], "high": [1.0]}, 1)
    (array([0.]), array([1.]))
    """
    try:
        low = np.asarray(data["low"], dtype=np.float64)
        high = np.asarray(data["high"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"the saved training limits are malformed ({err!r})") from err
    if low.shape != (n_features,) or high.shape != (n_features,):
        raise ValueError(
            f"the saved training limits do not fit the {n_features} features "
            f"({low.size} low, {high.size} high values)"
        )
    if not (np.isfinite(low).all() and np.isfinite(high).all() and (low <= high).all()):
        raise ValueError("the saved training limits hold a non-finite value or low > high")
    return low, high


def make_scaler(columns: Sequence[str]) -> ColumnTransformer:
    """An unfitted transformer that standardizes ``columns`` and passes the others through.

    Its output is a DataFrame: the standardized columns first, then the others,
    with their names unchanged.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0], "c": [0.0, 1.0, 0.0]})
    >>> make_scaler(["a", "b"]).fit_transform(X).round(3)
           a    b    c
    0 -1.225  0.0  0.0
    1  0.000  0.0  1.0
    2  1.225  0.0  0.0
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import StandardScaler

    return ColumnTransformer(
        [(_STEP, StandardScaler(), list(columns))],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")


def scaler_to_json(scaler: ColumnTransformer) -> dict[str, Any]:
    """The fitted scaler as JSON values: the standardized columns, their means and scales.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 3.0], "b": [0.0, 1.0]})
    >>> scaler_to_json(make_scaler(["a"]).fit(X))
    {'columns': ['a'], 'mean': [2.0], 'scale': [1.0]}
    """
    standard = scaler.named_transformers_[_STEP]
    columns = [str(c) for c in getattr(standard, "feature_names_in_", [])]
    if not columns:  # nothing standardized (--scale none, or no continuous column)
        return {"columns": [], "mean": [], "scale": []}
    return {
        "columns": columns,
        "mean": [float(m) for m in standard.mean_],
        "scale": [float(v) for v in standard.scale_],
    }


def scaler_from_json(data: dict[str, Any], features: Sequence[str]) -> ColumnTransformer:
    """The fitted scaler of :func:`scaler_to_json` for rows with the columns ``features``.

    Parameters
    ----------
    data : dict
        ``mean`` and ``scale`` lists, and ``columns`` naming the standardized
        columns (all ``features`` when absent, as in models saved before it was
        written).
    features : sequence of str
        The columns of the rows it will transform, in order.

    Raises
    ------
    ValueError
        If the entries are inconsistent (lengths, unknown columns, a scale that
        is not positive and finite).

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 3.0, 8.0], "b": [0.0, 1.0, 0.0]})
    >>> fitted = make_scaler(["a", "b"]).fit(X)
    >>> rebuilt = scaler_from_json(scaler_to_json(fitted), ["a", "b"])
    >>> rebuilt.transform(X).equals(fitted.transform(X))
    True
    """
    features = [str(f) for f in features]
    try:
        columns = [str(c) for c in data.get("columns", features)]
        mean = np.asarray(data["mean"], dtype=np.float64)
        scale = np.asarray(data["scale"], dtype=np.float64)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise ValueError(f"the saved scaling is malformed ({err!r})") from err
    unknown = [c for c in columns if c not in features]
    if unknown or mean.shape != (len(columns),) or scale.shape != (len(columns),):
        raise ValueError(
            f"the saved scaling does not fit the features: {len(columns)} columns "
            f"(unknown {unknown}), {mean.size} means, {scale.size} scales"
        )
    if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
        raise ValueError("the saved scaling holds a non-finite mean or a non-positive scale")
    scaler = make_scaler(columns)
    # Fitting to one row of zeros sets up which columns go where; the fitted
    # parameters of the StandardScaler are then the saved ones.
    scaler.fit(pd.DataFrame(np.zeros((1, len(features))), columns=features))
    standard = scaler.named_transformers_[_STEP]
    standard.mean_, standard.scale_ = mean, scale
    standard.var_ = scale**2  # unused by transform; a constant column's 0 reads as 1
    return scaler
