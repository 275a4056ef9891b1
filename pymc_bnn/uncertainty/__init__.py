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

One concept a module: :mod:`~pymc_bnn.uncertainty.probabilities` (pooled draws,
means and credible intervals), :mod:`~pymc_bnn.uncertainty.measures` (the entropy
decomposition into total, aleatoric and epistemic uncertainty, and least
confidence), :mod:`~pymc_bnn.uncertainty.novelty` (telling novel observations
from familiar ones), :mod:`~pymc_bnn.uncertainty.predictions` (the predicted
class), :mod:`~pymc_bnn.uncertainty.scores` (Brier and log scores),
:mod:`~pymc_bnn.uncertainty.calibration` (reliability table, expected calibration
error) and :mod:`~pymc_bnn.uncertainty.rejection` (accuracy–rejection curve);
:mod:`~pymc_bnn.uncertainty.inputs` and :mod:`~pymc_bnn.uncertainty.labels` read
the probabilities and the observed labels.  Every public name is importable from
:mod:`pymc_bnn.uncertainty` itself.
"""

from pymc_bnn.uncertainty.calibration import expected_calibration_error, reliability_table
from pymc_bnn.uncertainty.inputs import ProbsLike
from pymc_bnn.uncertainty.labels import encode_labels
from pymc_bnn.uncertainty.measures import (
    MEASURES,
    EntropyDecomposition,
    entropy_decomposition,
    uncertainty_scores,
)
from pymc_bnn.uncertainty.novelty import novelty_auroc
from pymc_bnn.uncertainty.predictions import correct_predictions, predicted_class
from pymc_bnn.uncertainty.probabilities import (
    ClassProbabilities,
    class_probabilities,
    posterior_probabilities,
)
from pymc_bnn.uncertainty.rejection import accuracy_rejection_curve
from pymc_bnn.uncertainty.scores import brier_score, log_score

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
