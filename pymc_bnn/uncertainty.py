"""Uncertainty of multiclass predictions, from posterior class probabilities.

Every function takes posterior (predictive) class probabilities with shape
``(draws, observations, classes)``, given as

* a numpy array (or anything :func:`numpy.asarray` accepts) with exactly those
  three axes;
* an :class:`xarray.DataArray`: its ``chain``, ``draw`` and ``sample`` dimensions
  are pooled into draws (if it has none, its first dimension holds the draws),
  its last other dimension holds the classes and the one left holds the
  observations;
* an :class:`xarray.DataTree` (what PyMC's samplers return) or an
  :class:`xarray.Dataset`, from which ``var_name`` in ``group`` is taken.

Results keep the labels of the input: numpy in, numpy out; a labelled input
gives :class:`xarray.DataArray` results with its observation and class
coordinates.  Tables (reliability table, accuracy–rejection curve) are
:class:`pandas.DataFrame` objects whatever the input.

Probabilities are checked, never repaired: they must be finite, nonnegative
and sum to one over the classes within :func:`pymc_bnn.distributions.simplex.simplex_atol`
of their dtype (about 1.5e-8 for float64, 3.5e-4 for float32).  All
computations are in float64 and entropies are in nats, with ``0 log 0 = 0``.

The entropy decomposition of the posterior predictive distribution
``p̄ = mean_s p_s`` of one observation is

* total uncertainty ``H[p̄]``, the entropy of the posterior mean;
* aleatoric uncertainty ``mean_s H[p_s]``, the expected entropy of the draws;
* epistemic uncertainty ``H[p̄] - mean_s H[p_s]``, the mutual information
  between the label and the parameters; it is zero when all draws agree.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from arviz_stats.base import array_stats
from numpy.typing import ArrayLike
from scipy.special import entr

from pymc_bnn.distributions.simplex import simplex_atol, sums_to_one
from pymc_bnn.models.data import LabelEncoder

__all__ = [
    "MEASURES",
    "ClassProbabilities",
    "EntropyDecomposition",
    "ProbsLike",
    "accuracy_rejection_curve",
    "brier_score",
    "class_probabilities",
    "correct_predictions",
    "encode_labels",
    "entropy_decomposition",
    "expected_calibration_error",
    "log_score",
    "novelty_auroc",
    "posterior_probabilities",
    "predicted_class",
    "reliability_table",
    "uncertainty_scores",
]

ProbsLike = ArrayLike | xr.DataArray | xr.Dataset | xr.DataTree
"""Posterior class probabilities: an array, a DataArray, a Dataset or a DataTree."""

Measure = Literal["total", "aleatoric", "epistemic", "least_confidence"]

MEASURES: dict[str, str] = {
    "total": "total: predictive entropy",
    "aleatoric": "aleatoric: expected entropy",
    "epistemic": "epistemic: mutual information",
    "least_confidence": "least confidence: 1 - max class probability",
}
"""Names of the uncertainty measures, with a short description of each."""

_RENAMED = {"confidence": "least_confidence"}
"""Former measure names, still accepted with a DeprecationWarning."""

_SAMPLE_DIMS = ("chain", "draw", "sample")
_GROUPS = ("posterior_predictive", "posterior")


# --------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Probs:
    """Validated probabilities ``values`` (draws, obs, classes) and their labels, if any."""

    values: np.ndarray
    template: xr.DataArray | None

    @property
    def n_obs(self) -> int:
        return self.values.shape[1]

    @property
    def n_classes(self) -> int:
        return self.values.shape[2]

    @property
    def classes(self) -> np.ndarray:
        if self.template is None:
            return np.arange(self.n_classes)
        return np.asarray(self.template[self.template.dims[1]].values)

    def per_obs(self, data: np.ndarray, name: str) -> np.ndarray | xr.DataArray:
        if self.template is None:
            return data
        class_dim = self.template.dims[1]
        return self.template.isel({class_dim: 0}, drop=True).copy(data=data).rename(name)

    def per_obs_class(self, data: np.ndarray, name: str) -> np.ndarray | xr.DataArray:
        if self.template is None:
            return data
        return self.template.copy(data=data).rename(name)


def _select_variable(
    data: xr.DataTree | xr.Dataset, var_name: str | None, group: str | None
) -> xr.DataArray:
    """The DataArray ``var_name`` of ``group`` in a DataTree, or of a Dataset."""
    if isinstance(data, xr.Dataset):
        candidates = {"dataset": data}
    elif group is not None:
        if group not in data.children:
            raise ValueError(
                f"group={group!r} is not in probs; its groups are {sorted(data.children)}."
            )
        candidates = {group: data[group].to_dataset()}
    else:
        candidates = {g: data[g].to_dataset() for g in _GROUPS if g in data.children}
        if not candidates:
            raise ValueError(
                f"probs has neither of the groups {list(_GROUPS)}; pass group= "
                f"(its groups are {sorted(data.children)})."
            )
    for ds in candidates.values():
        names = list(ds.data_vars)
        if var_name is None and len(names) == 1:
            return ds[names[0]]
        if var_name is not None and var_name in names:
            return ds[var_name]
    listing = {where: list(ds.data_vars) for where, ds in candidates.items()}
    if var_name is None:
        raise ValueError(f"Pass var_name= to choose the probabilities among {listing}.")
    raise ValueError(f"var_name={var_name!r} not found; the variables are {listing}.")


def _split_dims(da: xr.DataArray) -> tuple[list, object, object]:
    """Sample dims, observation dim and class dim of a DataArray of probabilities."""
    sample_dims = [d for d in da.dims if d in _SAMPLE_DIMS]
    if not sample_dims and da.ndim == 3:
        sample_dims = [da.dims[0]]
    others = [d for d in da.dims if d not in sample_dims]
    if not sample_dims or len(others) != 2:
        raise ValueError(
            "probs must have draw dimensions (chain/draw/sample, or a first dimension "
            "of a 3-D array), one observation dimension and a class dimension last; got "
            f"dims {da.dims}. Draws of labels from a posterior predictive are not "
            "probabilities: sample the class probabilities (e.g. a pm.Deterministic)."
        )
    return sample_dims, others[0], others[1]


def _from_dataarray(da: xr.DataArray) -> tuple[np.ndarray, xr.DataArray]:
    sample_dims, obs_dim, class_dim = _split_dims(da)
    da = da.transpose(*sample_dims, obs_dim, class_dim)
    template = da.isel(dict.fromkeys(sample_dims, 0), drop=True)
    values = np.asarray(da.values).reshape(-1, da.sizes[obs_dim], da.sizes[class_dim])
    return values, template


def _check_probability_values(values: np.ndarray) -> None:
    """Raise unless ``values`` are finite, nonnegative and rows sum to 1."""
    if values.dtype.kind not in "fiu":
        raise TypeError(f"probs must hold real numbers; got dtype {values.dtype}.")
    if values.ndim != 3:
        raise ValueError(
            "probs must have 3 dimensions (draws, observations, classes); got shape "
            f"{values.shape}. Pool chains first, e.g. probs.reshape(-1, n_obs, n_classes)."
        )
    if 0 in values.shape:
        raise ValueError(
            f"probs must have at least one draw, observation and class; got shape {values.shape}."
        )
    # Two passes over the draws when they are valid: a NaN or an infinity makes its
    # row's sum non-finite, and the entry-wise checks run only then.
    sums = values.sum(axis=-1, dtype=np.float64)
    if not np.isfinite(sums).all() or values.min() < 0:
        if np.isnan(values).any():
            raise ValueError(f"probs must not contain NaN; found {np.isnan(values).sum()} NaN.")
        if (values < 0).any() or np.isinf(values).any():
            bad = values[(values < 0) | np.isinf(values)]
            raise ValueError(f"probs must be finite and nonnegative; got entries {bad[:5]}.")
    dtype = values.dtype.name if values.dtype.kind == "f" else "float64"
    atol = simplex_atol(dtype)
    bad = ~sums_to_one(sums, dtype)
    if bad.any():
        raise ValueError(
            f"probs must sum to 1 over the classes (last axis) within {atol:.1e}; "
            f"{bad.sum()} rows do not, e.g. sums {sums[bad][:5]}. "
            "They are not rescaled: normalize them yourself."
        )


def _as_probs(probs: ProbsLike, var_name: str | None, group: str | None) -> _Probs:
    """Pool draws, validate and keep the labels of ``probs``."""
    if isinstance(probs, xr.DataTree | xr.Dataset):
        probs = _select_variable(probs, var_name, group)
    template = None
    if isinstance(probs, xr.DataArray):
        values, template = _from_dataarray(probs)
    else:
        values = np.asarray(probs)
    _check_probability_values(values)
    return _Probs(np.asarray(values, dtype=np.float64), template)


def _check_prob(prob: float) -> float:
    if not isinstance(prob, Real) or not 0 < prob < 1:
        raise ValueError(f"prob must be a number in the open interval (0, 1); got {prob!r}.")
    return float(prob)


def encode_labels(y: ArrayLike, classes: int | Sequence) -> np.ndarray:
    """Positions of the labels ``y`` among the classes.

    Parameters
    ----------
    y : array_like, 1-D
        Class labels.  If every entry equals one of ``classes``, entries map to the
        position of that class; otherwise ``y`` must hold integer positions
        ``0, ..., K-1``.
    classes : int or sequence
        The number of classes ``K`` or the class labels (e.g. a class coordinate).

    Returns
    -------
    numpy.ndarray of int
        Class positions, one per entry of ``y``.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, or holds a label that is not a class.

    Examples
    --------
    >>> encode_labels(["b", "a", "b"], ["a", "b", "c"])
    array([1, 0, 1])
    >>> encode_labels([2, 0], 3)
    array([2, 0])
    """
    y_arr = np.asarray(y.values if isinstance(y, xr.DataArray) else y)
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D, one label per observation; got shape {y_arr.shape}.")
    labels = np.arange(classes) if isinstance(classes, int | np.integer) else np.asarray(classes)
    try:
        return LabelEncoder(labels).transform(y_arr, "y").astype(np.intp)
    except ValueError:
        pass
    n_classes = len(labels)
    if y_arr.dtype.kind in "iu" and ((y_arr >= 0) & (y_arr < n_classes)).all():
        return y_arr.astype(np.intp)
    known = set(labels.tolist())
    bad = [v for v in y_arr.tolist() if v not in known][:5]
    raise ValueError(
        f"y must hold class labels {labels.tolist()} or class positions 0..{n_classes - 1}; "
        f"got values outside them, e.g. {bad}."
    )


def _aligned(y: xr.DataArray, p: _Probs) -> xr.DataArray:
    """``y`` in the observation order of ``p``, when both are labelled by the same dim."""
    obs_dim = p.template.dims[0] if p.template is not None else None
    if obs_dim is None or obs_dim not in y.coords or obs_dim not in p.template.coords:
        return y
    wanted = p.template[obs_dim].values
    if not np.array_equal(np.sort(y[obs_dim].values), np.sort(wanted)):
        raise ValueError(
            f"y's {obs_dim!r} coordinate does not hold the same labels as that of probs."
        )
    return y.sel({obs_dim: wanted})


def _y_indices(y: ArrayLike, p: _Probs) -> np.ndarray:
    if isinstance(y, xr.DataArray):
        y = _aligned(y, p)
    y_arr = np.asarray(y.values if isinstance(y, xr.DataArray) else y)
    if y_arr.ndim == 1 and len(y_arr) != p.n_obs:
        raise ValueError(
            f"y has {len(y_arr)} labels but probs has {p.n_obs} observations; they must match."
        )
    return encode_labels(y_arr, p.classes)


# --------------------------------------------------------------------------------------
# Posterior class probabilities
# --------------------------------------------------------------------------------------


def posterior_probabilities(
    probs: ProbsLike, *, var_name: str | None = None, group: str | None = None
) -> np.ndarray | xr.DataArray:
    """Validated class probabilities with chains and draws pooled.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    var_name : str, optional
        Variable holding the probabilities, for a DataTree or Dataset.  May be
        omitted when the group has a single variable.
    group : str, optional
        Group of a DataTree, e.g. ``"posterior_predictive"`` or ``"posterior"``.
        By default the first of these two holding ``var_name``.

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Shape ``(draws, observations, classes)`` in float64; a DataArray with dims
        ``("sample", <observation dim>, <class dim>)`` when ``probs`` is labelled.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray(np.full((2, 5, 4, 3), 1 / 3), dims=("chain", "draw", "obs", "cls"))
    >>> posterior_probabilities(da).dims
    ('sample', 'obs', 'cls')
    >>> posterior_probabilities(da).shape
    (10, 4, 3)
    """
    p = _as_probs(probs, var_name, group)
    if p.template is None:
        return p.values
    template = p.template.expand_dims(sample=np.arange(len(p.values)))
    return template.copy(data=p.values)


@dataclass(frozen=True)
class ClassProbabilities:
    """Posterior mean class probabilities and a credible interval around each.

    Attributes
    ----------
    mean, lower, upper : numpy.ndarray or xarray.DataArray
        Shape ``(observations, classes)``.
    prob : float
        Probability mass of the intervals.
    method : str
        ``"hdi"`` or ``"eti"``.
    """

    mean: np.ndarray | xr.DataArray
    lower: np.ndarray | xr.DataArray
    upper: np.ndarray | xr.DataArray
    prob: float
    method: str


def _interval(values: np.ndarray, prob: float, method: str) -> np.ndarray:
    """Credible interval over the draws (axis 0), bounds on a new last axis."""
    if method == "hdi":
        return array_stats.hdi(values, prob, axis=0)
    if method == "eti":
        bounds = np.quantile(values, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return np.moveaxis(bounds, 0, -1)
    raise ValueError(f'method must be "hdi" or "eti"; got {method!r}.')


def class_probabilities(
    probs: ProbsLike,
    *,
    prob: float = 0.94,
    method: Literal["hdi", "eti"] = "hdi",
    var_name: str | None = None,
    group: str | None = None,
) -> ClassProbabilities:
    """Posterior mean class probabilities with credible intervals.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    prob : float, default 0.94
        Probability mass of each interval, in (0, 1).
    method : {"hdi", "eti"}, default "hdi"
        Highest density interval (ArviZ's ``hdi``, method ``"nearest"``) or
        equal-tailed interval (linear quantiles).
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    ClassProbabilities
        ``mean``, ``lower`` and ``upper``, each ``(observations, classes)``.

    Examples
    --------
    >>> draws = np.array([[[0.2, 0.8]], [[0.4, 0.6]]])  # 2 draws, 1 observation
    >>> cp = class_probabilities(draws, method="eti", prob=0.5)
    >>> cp.mean
    array([[0.3, 0.7]])
    >>> cp.lower
    array([[0.25, 0.65]])
    """
    prob = _check_prob(prob)
    p = _as_probs(probs, var_name, group)
    bounds = _interval(p.values, prob, method)
    return ClassProbabilities(
        mean=p.per_obs_class(p.values.mean(axis=0), "mean"),
        lower=p.per_obs_class(bounds[..., 0], "lower"),
        upper=p.per_obs_class(bounds[..., 1], "upper"),
        prob=prob,
        method=method,
    )


# --------------------------------------------------------------------------------------
# Entropy decomposition
# --------------------------------------------------------------------------------------


def _entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats over the last axis, with 0 log 0 = 0."""
    return entr(p).sum(axis=-1)


def _decompose(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total, aleatoric and epistemic entropy of (draws, obs, classes) probabilities."""
    total = _entropy(values.mean(axis=0))
    aleatoric = _entropy(values).mean(axis=0)
    return total, aleatoric, np.maximum(total - aleatoric, 0.0)


def _measure_name(measure: str) -> str:
    """The measure's current name, checked: a former name warns and maps to its new one.

    Called once by each public function that takes a measure name (the warning
    points at the caller of that function).
    """
    if measure in _RENAMED:
        warnings.warn(
            f"measure {measure!r} is now called {_RENAMED[measure]!r} (it is 1 - max "
            "probability, larger when less sure); the old name will be removed.",
            DeprecationWarning,
            stacklevel=3,
        )
        return _RENAMED[measure]
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {list(MEASURES)}; got {measure!r}.")
    return measure


def _scores(values: np.ndarray, measure: str) -> np.ndarray:
    """Uncertainty score per observation for a measure's current name (see _measure_name)."""
    if measure == "least_confidence":
        return 1.0 - values.mean(axis=0).max(axis=-1)
    total, aleatoric, epistemic = _decompose(values)
    return {"total": total, "aleatoric": aleatoric, "epistemic": epistemic}[measure]


@dataclass(frozen=True)
class EntropyDecomposition:
    """Total, aleatoric and epistemic uncertainty of each observation, in nats.

    Attributes
    ----------
    total : numpy.ndarray or xarray.DataArray
        Entropy of the posterior mean probabilities (predictive entropy).
    aleatoric : numpy.ndarray or xarray.DataArray
        Mean over draws of the entropy of each draw (expected entropy).
    epistemic : numpy.ndarray or xarray.DataArray
        ``total - aleatoric``: the mutual information between label and parameters.
    """

    total: np.ndarray | xr.DataArray
    aleatoric: np.ndarray | xr.DataArray
    epistemic: np.ndarray | xr.DataArray


def entropy_decomposition(
    probs: ProbsLike, *, var_name: str | None = None, group: str | None = None
) -> EntropyDecomposition:
    """Split the predictive entropy of each observation into aleatoric and epistemic parts.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    EntropyDecomposition
        ``total``, ``aleatoric`` and ``epistemic``, one value per observation, in
        nats; each lies in ``[0, log K]``.  ``epistemic`` is clipped at zero, which
        it can undershoot only by rounding.

    Examples
    --------
    Two confident draws that disagree: no aleatoric, all epistemic uncertainty.

    >>> draws = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    >>> ed = entropy_decomposition(draws)
    >>> ed.aleatoric, ed.epistemic
    (array([0.]), array([0.693...]))
    """
    p = _as_probs(probs, var_name, group)
    total, aleatoric, epistemic = _decompose(p.values)
    return EntropyDecomposition(
        total=p.per_obs(total, "total"),
        aleatoric=p.per_obs(aleatoric, "aleatoric"),
        epistemic=p.per_obs(epistemic, "epistemic"),
    )


def uncertainty_scores(
    probs: ProbsLike,
    measure: Measure = "epistemic",
    *,
    var_name: str | None = None,
    group: str | None = None,
) -> np.ndarray | xr.DataArray:
    """One uncertainty score per observation; larger means less sure.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    measure : {"total", "aleatoric", "epistemic", "least_confidence"}, default "epistemic"
        The first three are the parts of :func:`entropy_decomposition`;
        ``"least_confidence"`` is one minus the largest posterior mean class
        probability (``"confidence"``, its former name, is deprecated).
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Shape ``(observations,)``.

    Examples
    --------
    >>> uncertainty_scores(np.array([[[0.9, 0.1], [0.5, 0.5]]]), "least_confidence")
    array([0.1, 0.5])
    """
    measure = _measure_name(measure)
    p = _as_probs(probs, var_name, group)
    return p.per_obs(_scores(p.values, measure), measure)


def novelty_auroc(
    probs: ProbsLike,
    novel: ArrayLike,
    measure: Measure = "epistemic",
    *,
    var_name: str | None = None,
    group: str | None = None,
) -> float:
    """How well an uncertainty measure tells novel observations from familiar ones.

    The area under the ROC curve of :func:`uncertainty_scores` as a score for
    ``novel`` (scikit-learn's :func:`~sklearn.metrics.roc_auc_score`): the
    probability that a novel observation (of a class never seen in training, or
    from a shifted population) is more uncertain than a familiar one, ties
    counting half.  1 separates them perfectly, 0.5 is chance.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    novel : array_like of bool, 1-D
        True for the novel observations; both kinds must occur.
    measure : {"total", "aleatoric", "epistemic", "least_confidence"}, default "epistemic"
        The uncertainty measure (:func:`uncertainty_scores`).
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    float

    Examples
    --------
    >>> probs = np.array([[[0.9, 0.1], [0.6, 0.4], [0.5, 0.5]]])
    >>> novelty_auroc(probs, [False, False, True], measure="least_confidence")
    1.0
    """
    from sklearn.metrics import roc_auc_score

    p = _as_probs(probs, var_name, group)
    flags = np.asarray(novel)
    if flags.dtype != bool or flags.shape != (p.n_obs,):
        raise ValueError(
            f"novel must be {p.n_obs} booleans, one per observation; got {flags.dtype} "
            f"of shape {flags.shape}."
        )
    if flags.all() or not flags.any():
        raise ValueError("novel must flag some observations and leave some unflagged.")
    return float(roc_auc_score(flags, _scores(p.values, _measure_name(measure))))


# --------------------------------------------------------------------------------------
# Scores against observed labels
# --------------------------------------------------------------------------------------


def _predict(values: np.ndarray) -> np.ndarray:
    """Position of the largest posterior mean probability; ties go to the first class."""
    return values.mean(axis=0).argmax(axis=-1)


def predicted_class(
    probs: ProbsLike, *, var_name: str | None = None, group: str | None = None
) -> np.ndarray | xr.DataArray:
    """The class of largest posterior mean probability for each observation.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Shape ``(observations,)``: class positions for an unlabelled input, class
        labels (values of the class coordinate) for a labelled one.  Ties go to the
        first class.

    Examples
    --------
    >>> predicted_class(np.array([[[0.9, 0.1], [0.3, 0.7]], [[0.2, 0.8], [0.5, 0.5]]]))
    array([0, 1])
    """
    p = _as_probs(probs, var_name, group)
    return p.per_obs(p.classes[_predict(p.values)], "predicted_class")


def correct_predictions(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    var_name: str | None = None,
    group: str | None = None,
) -> np.ndarray | xr.DataArray:
    """Whether the class of largest posterior mean probability is the observed one.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    numpy.ndarray or xarray.DataArray of bool
        Shape ``(observations,)``.  Ties go to the first class.

    Examples
    --------
    >>> correct_predictions(np.array([[[0.9, 0.1], [0.3, 0.7]]]), [0, 0])
    array([ True, False])
    """
    p = _as_probs(probs, var_name, group)
    y_idx = _y_indices(y, p)
    return p.per_obs(_predict(p.values) == y_idx, "correct")


def _pointwise_or_mean(p: _Probs, values: np.ndarray, pointwise: bool, name: str):
    return p.per_obs(values, name) if pointwise else float(values.mean())


def brier_score(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    pointwise: bool = False,
    var_name: str | None = None,
    group: str | None = None,
) -> float | np.ndarray | xr.DataArray:
    """Multiclass Brier score of the posterior mean probabilities (lower is better).

    ``sum_k (p̄_k - 1[y = k])**2`` per observation, as in Brier (1950); it lies in
    ``[0, 2]`` and is not divided by the number of classes.  Its mean is
    scikit-learn's ``brier_score_loss(..., scale_by_half=False)`` of the posterior
    means, which gives no per-observation scores.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    pointwise : bool, default False
        Return one score per observation instead of their mean.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    float, or numpy.ndarray / xarray.DataArray of shape ``(observations,)``

    Examples
    --------
    >>> brier_score(np.array([[[1.0, 0.0], [0.5, 0.5]]]), [0, 1], pointwise=True)
    array([0. , 0.5])
    """
    p = _as_probs(probs, var_name, group)
    y_idx = _y_indices(y, p)
    one_hot = np.eye(p.n_classes)[y_idx]
    scores = ((p.values.mean(axis=0) - one_hot) ** 2).sum(axis=-1)
    return _pointwise_or_mean(p, scores, pointwise, "brier_score")


def log_score(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    pointwise: bool = False,
    var_name: str | None = None,
    group: str | None = None,
) -> float | np.ndarray | xr.DataArray:
    """Logarithmic score ``log p̄(y)`` of the posterior predictive (higher is better).

    ``p̄(y)`` is the posterior mean probability of the observed class, so this is the
    log posterior predictive density of each label; it is ``-inf`` where that
    probability is exactly zero.  Its mean is minus scikit-learn's ``log_loss`` of
    the posterior means, which clips a zero probability and gives no
    per-observation scores.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    pointwise : bool, default False
        Return one score per observation instead of their mean.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    float, or numpy.ndarray / xarray.DataArray of shape ``(observations,)``

    Examples
    --------
    >>> log_score(np.array([[[0.5, 0.5]], [[1.0, 0.0]]]), [0])  # mean p(y=0) = 0.75
    -0.287...
    """
    p = _as_probs(probs, var_name, group)
    y_idx = _y_indices(y, p)
    p_y = p.values.mean(axis=0)[np.arange(p.n_obs), y_idx]
    with np.errstate(divide="ignore"):
        scores = np.log(p_y)
    return _pointwise_or_mean(p, scores, pointwise, "log_score")


def _check_n_bins(n_bins: int) -> None:
    if not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")


def reliability_table(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    n_bins: int = 10,
    var_name: str | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """Accuracy against confidence, in equal-width confidence bins.

    The confidence of an observation is its largest posterior mean class
    probability; the prediction is that class.  Bin ``b`` holds confidences in
    ``(b / n_bins, (b + 1) / n_bins]`` (the first bin also holds 0).

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    n_bins : int, default 10
        Number of bins over [0, 1].
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    pandas.DataFrame
        One row per bin, columns ``bin_lower``, ``bin_upper``, ``count``,
        ``confidence`` (mean confidence) and ``accuracy`` (fraction correct); the
        last two are NaN for empty bins.

    Examples
    --------
    >>> probs = np.array([[[0.75, 0.25]] * 4])  # 1 draw, 4 observations
    >>> reliability_table(probs, [0, 0, 0, 1], n_bins=2)
       bin_lower  bin_upper  count  confidence  accuracy
    0        0.0        0.5      0         NaN       NaN
    1        0.5        1.0      4        0.75      0.75
    """
    _check_n_bins(n_bins)
    p = _as_probs(probs, var_name, group)
    y_idx = _y_indices(y, p)
    mean = p.values.mean(axis=0)
    confidence = mean.max(axis=-1)
    correct = _predict(p.values) == y_idx
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(bins, weights=confidence, minlength=n_bins) / count
        accuracy = np.bincount(bins, weights=correct, minlength=n_bins) / count
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1],
            "bin_upper": edges[1:],
            "count": count,
            "confidence": mean_conf,
            "accuracy": accuracy,
        }
    )


def expected_calibration_error(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    n_bins: int = 10,
    var_name: str | None = None,
    group: str | None = None,
) -> float:
    """Expected calibration error: the count-weighted mean of ``|accuracy - confidence|``.

    Computed over the bins of :func:`reliability_table`; 0 means that in every bin
    the fraction of correct predictions equals the mean confidence.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    n_bins : int, default 10
        Number of equal-width confidence bins.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> probs = np.array([[[0.75, 0.25]] * 4])
    >>> expected_calibration_error(probs, [0, 0, 0, 1])
    0.0
    >>> expected_calibration_error(probs, [0, 0, 0, 0])
    0.25
    """
    table = reliability_table(probs, y, n_bins=n_bins, var_name=var_name, group=group)
    filled = table[table["count"] > 0]
    gaps = (filled["accuracy"] - filled["confidence"]).abs()
    return float((gaps * filled["count"]).sum() / filled["count"].sum())


def _check_rates(rates: ArrayLike) -> np.ndarray:
    rates = np.asarray(rates, dtype=np.float64)
    if rates.ndim != 1 or not ((rates >= 0) & (rates < 1)).all():
        raise ValueError(
            f"rejection_rates must be a 1-D sequence of fractions in [0, 1); got {rates.tolist()}."
        )
    return rates


def _scores_for(p: _Probs, measure: str | ArrayLike) -> tuple[str, np.ndarray]:
    """Name and values of an uncertainty measure given by name or as scores."""
    if isinstance(measure, str):  # already through _measure_name
        return measure, _scores(p.values, measure)
    scores = np.asarray(measure, dtype=np.float64)
    if scores.shape != (p.n_obs,) or np.isnan(scores).any():
        raise ValueError(
            f"measure must be one of {list(MEASURES)} or {p.n_obs} uncertainty scores "
            f"without NaN; got an array of shape {scores.shape}."
        )
    return "custom", scores


def accuracy_rejection_curve(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    measure: Measure | ArrayLike = "epistemic",
    rejection_rates: ArrayLike | None = None,
    var_name: str | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """Accuracy on the observations kept when the most uncertain are set aside.

    At rejection rate ``r`` the ``floor(r * n)`` observations with the largest
    uncertainty are rejected and the accuracy of the posterior mean prediction is
    computed on the rest.  Ties in uncertainty are rejected in observation order.
    A useful measure gives a curve that rises; random rejection keeps the
    accuracy at its value for ``r = 0`` on average.

    Parameters
    ----------
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities (see the module documentation).
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    measure : str or array_like, default "epistemic"
        A name from :data:`MEASURES` (see :func:`uncertainty_scores`), or one
        uncertainty score per observation (larger is less sure).
    rejection_rates : array_like, optional
        Fractions in [0, 1).  By default ``0, 1/n, ..., (n-1)/n``: every number
        of rejected observations.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see :func:`posterior_probabilities`).

    Returns
    -------
    pandas.DataFrame
        Columns ``rejection_rate``, ``n_retained`` and ``accuracy``;
        ``attrs["measure"]`` names the measure.

    Examples
    --------
    >>> probs = np.array([[[0.9, 0.1], [0.6, 0.4], [0.55, 0.45]]])
    >>> accuracy_rejection_curve(probs, [0, 0, 1], measure="least_confidence")
       rejection_rate  n_retained  accuracy
    0        0.000000           3  0.666667
    1        0.333333           2  1.000000
    2        0.666667           1  1.000000
    """
    if isinstance(measure, str):
        measure = _measure_name(measure)
    p = _as_probs(probs, var_name, group)
    y_idx = _y_indices(y, p)
    name, scores = _scores_for(p, measure)
    n = p.n_obs
    rates = np.arange(n) / n if rejection_rates is None else _check_rates(rejection_rates)
    correct = _predict(p.values) == y_idx
    order = np.argsort(-scores, kind="stable")
    # correct_after[m]: number correct among the observations kept after rejecting m.
    correct_after = np.concatenate([np.cumsum(correct[order][::-1])[::-1], [0]])
    # The tiny offset keeps floor(m / n * n) == m despite rounding.
    n_rejected = np.floor(rates * n + 1e-9).astype(int)
    n_retained = n - n_rejected
    curve = pd.DataFrame(
        {
            "rejection_rate": rates,
            "n_retained": n_retained,
            "accuracy": correct_after[n_rejected] / n_retained,
        }
    )
    curve.attrs["measure"] = name
    return curve
