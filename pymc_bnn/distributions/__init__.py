"""Validated PyMC distributions for categorical outcomes.

Each takes its probabilities as ``p`` or as logits ``logit_p`` (equal
citizens), and its log-probability and gradient agree with scipy to float64
precision on every valid input:

* :mod:`~pymc_bnn.distributions.categorical`: :class:`Categorical`;
* :mod:`~pymc_bnn.distributions.multinomial`: :class:`Multinomial`;
* :mod:`~pymc_bnn.distributions.dirichlet_multinomial`: :class:`DirichletMultinomial`;
* :mod:`~pymc_bnn.distributions.simplex`: the functions they share (validation
  and conversion of ``p`` / ``logit_p``, the tolerance on ``sum(p)``,
  integer-valued support and batch-shape checks);
* :mod:`~pymc_bnn.distributions.base`: the classes they are built from (the
  check of observed data, the choice between the ``p`` and the ``logit_p``
  implementation, and the factory of that pair of implementations).

:mod:`~pymc_bnn.distributions.multinomial` also holds what the
Dirichlet-multinomial reuses: the check of the number of trials ``n``, the
multinomial coefficient, the count support and the support point.
"""

from pymc_bnn.distributions.categorical import Categorical
from pymc_bnn.distributions.dirichlet_multinomial import DirichletMultinomial
from pymc_bnn.distributions.multinomial import Multinomial

__all__ = ["Categorical", "DirichletMultinomial", "Multinomial"]
