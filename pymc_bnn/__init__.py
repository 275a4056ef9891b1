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

import warnings
from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from pymc_bnn import datasets, plots, uncertainty
    from pymc_bnn._version import __version__ as __version__
    from pymc_bnn.distributions import Categorical, DirichletMultinomial, Multinomial
    from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier
    from pymc_bnn.models.bnn import BayesianNeuralNetwork, bnn_classifier
    from pymc_bnn.models.glm import MultinomialGLM, multinomial_glm
    from pymc_bnn.models.inference import fit_advi
    from pymc_bnn.models.layer import bnn_layer


_RENAMED = {"BNNClassifier": "BayesianNeuralNetwork"}
"""Former names that still resolve, with a DeprecationWarning."""

_getattr, __dir__, _ = lazy_loader.attach(
    __name__,
    submodules=[
        "datasets",
        "distributions",
        "estimators",
        "models",
        "plots",
        "testing",
        "uncertainty",
    ],
    submod_attrs={
        "_version": ["__version__"],  # read from the package metadata: slow to import
        "distributions": ["Categorical", "DirichletMultinomial", "Multinomial"],
        "models.glm": ["MultinomialGLM", "multinomial_glm"],
        "models.bnn": ["BayesianNeuralNetwork", "bnn_classifier"],
        "models.layer": ["bnn_layer"],
        "models.inference": ["fit_advi"],
        "estimators": ["BayesianMLPClassifier", "BayesianSoftmaxClassifier"],
    },
)

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


def __getattr__(name: str) -> object:
    if name in _RENAMED:
        warnings.warn(
            f"pymc_bnn.{name} is now pymc_bnn.{_RENAMED[name]}.", DeprecationWarning, stacklevel=2
        )
        name = _RENAMED[name]
    return _getattr(name)
