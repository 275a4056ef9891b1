"""The held-out metrics and the table that prints them, one column per model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # an annotation only: importing the report does not import xarray
    import xarray as xr

__all__ = ["format_report", "metrics", "summary_metrics"]


def metrics(probs: xr.DataArray, y) -> dict[str, float]:
    """Held-out accuracy, log score, calibration error, Brier score and mean epistemic entropy.

    Parameters
    ----------
    probs : xarray.DataArray
        Class probabilities per posterior draw on the held-out rows, as an
        estimator's ``predict_proba_draws`` gives them.
    y : array_like
        Their labels.

    Returns
    -------
    dict
        Metric name to value, in the order the report prints them.

    Examples
    --------
    >>> import xarray as xr
    >>> probs = xr.DataArray(
    ...     np.array([[[0.9, 0.1], [0.2, 0.8]]]),
    ...     dims=("draw", "obs", "classes"), coords={"classes": [0, 1]},
    ... )
    >>> metrics(probs, [0, 1])["accuracy"]
    1.0
    """
    from pymc_bnn import uncertainty as u

    draws = [d for d in probs.dims if d not in ("obs", "classes")]
    mean = probs.mean(draws).transpose("obs", "classes")
    epistemic = u.entropy_decomposition(probs).epistemic
    return summary_metrics(mean.values, np.asarray(epistemic), y, mean["classes"].values)


def summary_metrics(mean, epistemic, y, classes) -> dict[str, float]:
    """The metrics of :func:`metrics` from each row's posterior mean probabilities.

    Every metric but the epistemic entropy depends on the draws only through
    their mean, so a caller that computes the means and the epistemic entropy
    over a few rows at a time (as the estimators' ``predict_uncertainty``
    does) never holds draws x rows x classes at once.

    Parameters
    ----------
    mean : array_like, shape (rows, classes)
        Posterior mean class probabilities.
    epistemic : array_like, shape (rows,)
        Epistemic entropy (mutual information) of each row, in nats.
    y : array_like, shape (rows,)
        The labels.
    classes : array_like
        The class labels, in the order of ``mean``'s columns.

    Examples
    --------
    >>> summary_metrics([[0.9, 0.1], [0.2, 0.8]], [0.0, 0.0], [0, 1], [0, 1])["accuracy"]
    1.0
    """
    import xarray as xr

    from pymc_bnn import uncertainty as u

    probs = xr.DataArray(
        np.asarray(mean, dtype=np.float64)[None],
        dims=("draw", "obs", "classes"),
        coords={"classes": np.asarray(classes)},
    )
    y = np.asarray(y)
    return {
        "accuracy": float(np.mean(u.correct_predictions(probs, y))),
        "log score": u.log_score(probs, y),
        "calibration error (ECE)": u.expected_calibration_error(probs, y),
        "Brier score": u.brier_score(probs, y),
        "mean epistemic (nats)": float(np.mean(epistemic)),
    }


def format_report(columns: dict[str, dict[str, float]], seconds: dict[str, float]) -> str:
    """A table of metrics, one column per model, and each model's fit time.

    Examples
    --------
    >>> print(format_report({"glm": {"accuracy": 0.9132}}, {"glm": 2.04}))
                                         glm
      accuracy                         0.913
      fit time (s)                       2.0
    """
    names = list(columns)
    width = max(26, *(len(m) + 1 for m in next(iter(columns.values()))))
    lines = ["  " + " " * width + "".join(f"{n:>12}" for n in names)]
    for metric in next(iter(columns.values())):
        values = "".join(f"{columns[n][metric]:>12.3f}" for n in names)
        lines.append(f"  {metric:<{width}}{values}")
    lines.append(f"  {'fit time (s)':<{width}}" + "".join(f"{seconds[n]:>12.1f}" for n in names))
    return "\n".join(lines)
