"""Feature scaling of the command line: scikit-learn's ``StandardScaler`` on chosen columns.

``pymc-bnn fit`` standardizes the feature columns on the training rows (mean 0,
standard deviation 1; a constant column is only centred), since the models'
priors assume unit-scale features.  The scaler is a ``ColumnTransformer`` that
standardizes the named columns and passes any others through, so that which
columns are scaled is one argument.  Its fitted means and scales are saved as
JSON in the model's metadata (no pickle) and rebuilt by :func:`scaler_from_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer

__all__ = ["make_scaler", "scaler_from_json", "scaler_to_json"]

_STEP = "standardize"


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
    return {
        "columns": [str(c) for c in standard.feature_names_in_],
        "mean": standard.mean_.tolist(),
        "scale": standard.scale_.tolist(),
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
