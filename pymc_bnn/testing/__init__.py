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

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from pymc_bnn.testing.implementations import (
        PYMC,
        PYMC_BNN,
        Implementation,
        compile_categorical,
        compile_dirichlet_multinomial,
        compile_multinomial,
    )
    from pymc_bnn.testing.oracles import (
        categorical_logp_oracle,
        categorical_logpmf_grad_logits,
        multinomial_grad_logits,
        multinomial_logpmf_oracle,
        scipy_dirichlet_multinomial_logpmf,
        scipy_multinomial_logpmf,
    )
    from pymc_bnn.testing.strategies import (
        INTEGER_DTYPES,
        MultinomialCase,
        concentration_vectors,
        count_vectors,
        invalid_count_vectors,
        logit_vectors,
        multinomial_cases,
        simplex_vectors,
    )

#: The distributions the contract covers, in report order.
DISTRIBUTIONS = ("Categorical", "Multinomial", "DirichletMultinomial")

#: Where each public name is defined; imported from there on first use.
__getattr__, __dir__, _ = lazy_loader.attach(
    __name__,
    submodules=["conformance", "contract", "implementations", "oracles", "strategies"],
    submod_attrs={
        "strategies": [
            "INTEGER_DTYPES",
            "MultinomialCase",
            "concentration_vectors",
            "count_vectors",
            "invalid_count_vectors",
            "logit_vectors",
            "multinomial_cases",
            "simplex_vectors",
        ],
        "oracles": [
            "categorical_logp_oracle",
            "categorical_logpmf_grad_logits",
            "multinomial_grad_logits",
            "multinomial_logpmf_oracle",
            "scipy_dirichlet_multinomial_logpmf",
            "scipy_multinomial_logpmf",
        ],
        "implementations": [
            "PYMC",
            "PYMC_BNN",
            "Implementation",
            "compile_categorical",
            "compile_dirichlet_multinomial",
            "compile_multinomial",
        ],
    },
)

__all__ = [
    "DISTRIBUTIONS",
    "INTEGER_DTYPES",
    "PYMC",
    "PYMC_BNN",
    "Implementation",
    "MultinomialCase",
    "categorical_logp_oracle",
    "categorical_logpmf_grad_logits",
    "compile_categorical",
    "compile_dirichlet_multinomial",
    "compile_multinomial",
    "concentration_vectors",
    "count_vectors",
    "invalid_count_vectors",
    "logit_vectors",
    "multinomial_cases",
    "multinomial_grad_logits",
    "multinomial_logpmf_oracle",
    "scipy_dirichlet_multinomial_logpmf",
    "scipy_multinomial_logpmf",
    "simplex_vectors",
]
