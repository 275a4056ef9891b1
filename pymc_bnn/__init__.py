"""pymc_bnn: validated multiclass likelihoods and Bayesian classifiers for PyMC.

Public API: the distributions :class:`Categorical` and :class:`Multinomial`, the
model builders :func:`multinomial_glm`, :func:`bnn_layer` and :func:`bnn_classifier`,
:func:`fit_advi` (ADVI with settings that suit them), the scikit-learn
estimators :class:`BayesianSoftmaxClassifier` and :class:`BayesianMLPClassifier`, the
modules :mod:`pymc_bnn.uncertainty` (measures) and :mod:`pymc_bnn.plots`
(matplotlib figures, imported on first use), and :mod:`pymc_bnn.testing`
(hypothesis strategies and oracles).
"""

import importlib

from pymc_bnn import uncertainty
from pymc_bnn.distributions import Categorical, DirichletMultinomial, Multinomial
from pymc_bnn.models.bnn import BNNClassifier, bnn_classifier, bnn_layer
from pymc_bnn.models.glm import MultinomialGLM, multinomial_glm
from pymc_bnn.models.inference import fit_advi
from pymc_bnn.sklearn import BayesianMLPClassifier, BayesianSoftmaxClassifier

__all__ = [
    "BNNClassifier",
    "BayesianMLPClassifier",
    "BayesianSoftmaxClassifier",
    "Categorical",
    "DirichletMultinomial",
    "Multinomial",
    "MultinomialGLM",
    "bnn_classifier",
    "bnn_layer",
    "fit_advi",
    "multinomial_glm",
    "plots",
    "uncertainty",
]
__version__ = "0.1.0.dev0"


def __getattr__(name: str):
    # matplotlib is imported only when plots are asked for.
    if name == "plots":
        return importlib.import_module("pymc_bnn.plots")
    raise AttributeError(f"module 'pymc_bnn' has no attribute {name!r}")
