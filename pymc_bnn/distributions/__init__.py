"""Validated PyMC distributions for categorical outcomes.

Each takes its probabilities as ``p`` or as logits ``logit_p`` (equal
citizens), and its log-probability and gradient agree with scipy to float64
precision on every valid input:

* :mod:`~pymc_bnn.distributions.categorical`: :class:`Categorical`;
* :mod:`~pymc_bnn.distributions.multinomial`: :class:`Multinomial`;
* :mod:`~pymc_bnn.distributions.dirichlet_multinomial`: :class:`DirichletMultinomial`;
* :mod:`~pymc_bnn.distributions.simplex`: what they share (validation and
  conversion of ``p`` / ``logit_p``, integer-valued support checks).
"""

from pymc_bnn.distributions.categorical import Categorical
from pymc_bnn.distributions.dirichlet_multinomial import DirichletMultinomial
from pymc_bnn.distributions.multinomial import Multinomial

__all__ = ["Categorical", "DirichletMultinomial", "Multinomial"]
