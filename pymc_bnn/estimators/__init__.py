"""scikit-learn estimators for Bayesian multiclass classification.

* :class:`BayesianSoftmaxClassifier`: softmax regression, built with
  :func:`pymc_bnn.multinomial_glm` (:mod:`~pymc_bnn.estimators.softmax`).
* :class:`BayesianMLPClassifier`: a Bayesian neural network (multilayer
  perceptron), built with :func:`pymc_bnn.bnn_classifier`
  (:mod:`~pymc_bnn.estimators.mlp`).
* :func:`load_estimator`: a saved model file of either class.

Their shared fitting and prediction is :mod:`~pymc_bnn.estimators.base`; saving
and loading, :mod:`~pymc_bnn.estimators.saving`.
"""

from pymc_bnn.estimators.mlp import BayesianMLPClassifier
from pymc_bnn.estimators.saving import load_estimator
from pymc_bnn.estimators.softmax import BayesianSoftmaxClassifier

__all__ = ["BayesianMLPClassifier", "BayesianSoftmaxClassifier", "load_estimator"]
