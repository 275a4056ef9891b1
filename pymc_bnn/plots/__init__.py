"""Plots of the uncertainty of multiclass predictions.

Each function draws on ``ax`` (by default the current Axes) and returns it.  The
quantities come from :mod:`pymc_bnn.uncertainty`, so the plots accept the same
inputs: posterior class probabilities of shape ``(draws, observations, classes)``
as a numpy array, an :class:`xarray.DataArray`, or the :class:`xarray.DataTree`
PyMC returns (choose the variable with ``var_name`` and ``group``).  Class ``k``
is drawn in colour ``C{k}`` of the default colour cycle (for up to 10 classes) in
every plot.  Legends sit outside the data (to the right, or below the axes) and
the axes are fitted to the data, so nothing is hidden and little space is empty.

One figure a module, named as the measure it shows in :mod:`pymc_bnn.uncertainty`:
:mod:`~pymc_bnn.plots.probabilities`, :mod:`~pymc_bnn.plots.entropy`,
:mod:`~pymc_bnn.plots.calibration`, :mod:`~pymc_bnn.plots.rejection`,
:mod:`~pymc_bnn.plots.novelty` and :mod:`~pymc_bnn.plots.decision_map`; every
function is importable from :mod:`pymc_bnn.plots` itself.
"""

from pymc_bnn.plots.calibration import plot_reliability_diagram
from pymc_bnn.plots.decision_map import plot_decision_map
from pymc_bnn.plots.entropy import plot_entropy_decomposition
from pymc_bnn.plots.novelty import plot_novelty
from pymc_bnn.plots.probabilities import plot_class_probabilities
from pymc_bnn.plots.rejection import plot_accuracy_rejection

__all__ = [
    "plot_accuracy_rejection",
    "plot_class_probabilities",
    "plot_decision_map",
    "plot_entropy_decomposition",
    "plot_novelty",
    "plot_reliability_diagram",
]
