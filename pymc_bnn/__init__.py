"""pymc_bnn: validated multiclass likelihoods and Bayesian classifiers for PyMC.

The public API, by layer:

* distributions (:mod:`pymc_bnn.distributions`): :class:`Categorical`,
  :class:`Multinomial`, :class:`DirichletMultinomial`;
* models (:mod:`pymc_bnn.models`), which register inside a ``pm.Model``:
  :func:`multinomial_glm`, :func:`bnn_layer`, :func:`bnn_classifier`, the
  handles they return (:class:`MultinomialGLM`, :class:`BayesianNeuralNetwork`)
  and :func:`fit_advi`;
* scikit-learn estimators (:mod:`pymc_bnn.estimators`):
  :class:`BayesianSoftmaxClassifier`, :class:`BayesianMLPClassifier`;
* the application: :mod:`pymc_bnn.uncertainty` (measures), :mod:`pymc_bnn.plots`
  (figures), :mod:`pymc_bnn.datasets` and the ``pymc-bnn`` command;
* :mod:`pymc_bnn.testing`: hypothesis strategies, oracles and the likelihood
  contract.

Names are imported on first use, so ``import pymc_bnn`` (and ``pymc-bnn
--help``) does not load PyMC until something needs it.

Examples
--------
>>> import pymc_bnn as pb
>>> sorted(pb.__all__)[:3]
['BayesianMLPClassifier', 'BayesianNeuralNetwork', 'BayesianSoftmaxClassifier']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymc_bnn._lazy import lazy_attributes

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from pymc_bnn import datasets, plots, uncertainty
    from pymc_bnn._version import __version__ as __version__
    from pymc_bnn.distributions import Categorical, DirichletMultinomial, Multinomial
    from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier
    from pymc_bnn.models.bnn import BayesianNeuralNetwork, bnn_classifier, bnn_layer
    from pymc_bnn.models.glm import MultinomialGLM, multinomial_glm
    from pymc_bnn.models.inference import fit_advi


_WHERE = {
    "__version__": "pymc_bnn._version",  # read from the package metadata: slow to import
    "Categorical": "pymc_bnn.distributions",
    "DirichletMultinomial": "pymc_bnn.distributions",
    "Multinomial": "pymc_bnn.distributions",
    "MultinomialGLM": "pymc_bnn.models.glm",
    "multinomial_glm": "pymc_bnn.models.glm",
    "BayesianNeuralNetwork": "pymc_bnn.models.bnn",
    "bnn_classifier": "pymc_bnn.models.bnn",
    "bnn_layer": "pymc_bnn.models.bnn",
    "fit_advi": "pymc_bnn.models.inference",
    "BayesianMLPClassifier": "pymc_bnn.estimators",
    "BayesianSoftmaxClassifier": "pymc_bnn.estimators",
}
_MODULES = ("datasets", "distributions", "estimators", "models", "plots", "testing", "uncertainty")
_RENAMED = {"BNNClassifier": "BayesianNeuralNetwork"}

__all__ = [
    "BayesianMLPClassifier",
    "BayesianNeuralNetwork",
    "BayesianSoftmaxClassifier",
    "Categorical",
    "DirichletMultinomial",
    "Multinomial",
    "MultinomialGLM",
    "bnn_classifier",
    "bnn_layer",
    "datasets",
    "fit_advi",
    "multinomial_glm",
    "plots",
    "uncertainty",
]


__getattr__, __dir__ = lazy_attributes(
    "pymc_bnn", _WHERE, modules=_MODULES, names=__all__, renamed=_RENAMED
)
