"""Model builders that register inside a ``pm.Model``, and how to fit them.

* :mod:`~pymc_bnn.models.data`: validation and encoding of features, labels
  and counts;
* :mod:`~pymc_bnn.models.inputs`: data containers, minibatches and the
  likelihood, shared by every builder;
* :mod:`~pymc_bnn.models.base`: :class:`SoftmaxModel`, the handle every builder
  returns, which predicts through the model's own graph;
* :mod:`~pymc_bnn.models.glm`: :func:`multinomial_glm` (softmax regression);
* :mod:`~pymc_bnn.models.layer`: :func:`bnn_layer`, one Bayesian dense layer;
* :mod:`~pymc_bnn.models.bnn`: :func:`bnn_classifier`, layers stacked into a classifier;
* :mod:`~pymc_bnn.models.inference`: :func:`fit_advi`, the ADVI fit;
* :mod:`~pymc_bnn.models.advi_steps`: :func:`compile_steps`, its optimisation
  steps compiled into one loop;
* :mod:`~pymc_bnn.models.memory`: :func:`check_fits_in_memory`, which refuses
  a graph too large for the machine before it is compiled;
* :mod:`~pymc_bnn.models.compile_mode`: :func:`quick_compile`, the mode of the
  functions called once (draws, probabilities of new rows).
"""
