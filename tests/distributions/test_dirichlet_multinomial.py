"""pymc_bnn.DirichletMultinomial against scipy.stats.dirichlet_multinomial.

The properties live in :mod:`pymc_bnn.testing.contract.dirichlet_multinomial`, shared with
``pymc-bnn check-upstream``.  Tolerance: relative and absolute 1e-9 (the
log-pmf is a difference of gammaln terms up to about 1e4), 1e-5 in float32;
concentrations in [1e-3, 1e3], where scipy itself is exact.
"""

import numpy as np
import pymc as pm
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import pymc_bnn as pb
from pymc_bnn.testing import PYMC_BNN
from pymc_bnn.testing.contract import fixed_cases, hypothesis_properties
from pymc_bnn.testing.contract.dirichlet_multinomial import INVALID_PARAMETERS


@pytest.mark.parametrize(
    "prop", hypothesis_properties("DirichletMultinomial"), ids=lambda p: p.name
)
@given(data=st.data())
def test_property(prop, data):
    prop.check(PYMC_BNN, data.draw(prop.strategy))


@pytest.mark.parametrize(
    ("prop", "case"),
    [pytest.param(p, c, id=i) for p, c, i in fixed_cases("DirichletMultinomial")],
)
def test_property_case(prop, case):
    prop.check(PYMC_BNN, case)


@pytest.mark.parametrize(("kwargs", "match"), [(c.kwargs, c.match) for c in INVALID_PARAMETERS])
def test_invalid_constant_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pb.DirichletMultinomial.dist(**kwargs)


def test_batched_model_logp():
    a = np.array([[0.5, 1.0, 2.0], [3.0, 3.0, 3.0]])
    counts = np.array([[1, 2, 7], [4, 3, 3]])
    with pm.Model() as model:
        pb.DirichletMultinomial("x", n=10, a=a, observed=counts)
    expected = sum(
        stats.dirichlet_multinomial.logpmf(c, q, 10) for c, q in zip(counts, a, strict=True)
    )
    np.testing.assert_allclose(model.compile_logp()({}), expected, rtol=1e-10)
