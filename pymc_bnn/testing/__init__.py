"""Hypothesis strategies, oracles and the likelihood contract, for pymc_bnn and for PyMC.

These are the building blocks of pymc_bnn's own property tests, public so that
other projects (and PyMC itself) can reuse them:

* :mod:`~pymc_bnn.testing.strategies`: hypothesis strategies for probability
  vectors, logits, concentrations and count vectors (on and off the support);
* :mod:`~pymc_bnn.testing.oracles`: scipy and exact closed-form log-pmfs and
  gradients;
* :mod:`~pymc_bnn.testing.implementations`: :class:`Implementation` (the
  constructors under test), :data:`PYMC_BNN`, :data:`PYMC` and the
  compiled-once evaluators ``compile_*``;
* :mod:`~pymc_bnn.testing.contract`: the properties of each distribution,
  written once against an :class:`Implementation`;
* :mod:`~pymc_bnn.testing.conformance`: ``pymc-bnn check-upstream``, which runs
  the contract against PyMC.

Every strategy draws plain numpy data; compile your PyTensor function once with
symbolic inputs and feed it the drawn arrays.  The names below are imported on
first use, so importing :mod:`pymc_bnn.testing.conformance` (as ``pymc-bnn
--help`` does) needs neither hypothesis nor PyMC.

Examples
--------
>>> from hypothesis import given
>>> from pymc_bnn.testing import multinomial_cases, multinomial_logpmf_oracle
>>> @given(multinomial_cases())
... def test_never_positive(case):
...     assert multinomial_logpmf_oracle(case.counts, case.n, case.log_p) <= 0
>>> test_never_positive()
"""

import lazy_loader

#: The distributions the contract covers, in report order.
DISTRIBUTIONS = ("Categorical", "Multinomial", "DirichletMultinomial")

# The names below are listed once, in __init__.pyi, as imports from their modules;
# each is imported from there on first use.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ += ["DISTRIBUTIONS"]
