"""pymc_bnn.Multinomial against scipy: the contract of issue 2, one property per point.

The properties themselves live in :mod:`pymc_bnn.testing.contract.multinomial`, shared with
``pymc-bnn check-upstream``, which runs them against PyMC; here each runs
against pymc_bnn.  Tolerances (stated there): relative 1e-10 in float64 (the
log-pmf is a sum of a few gammaln terms each exact to ~1e-15 relative; 1e-10
leaves room for cancellation between them at n = 1000), about 1e-5 in float32.
The absolute floor 1e-12 covers log-probabilities that are exactly 0.
"""

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import special, stats

import pymc_bnn as pb
from pymc_bnn.testing import PYMC_BNN
from pymc_bnn.testing.contract import RTOL, fixed_cases, hypothesis_properties
from pymc_bnn.testing.contract.multinomial import INVALID_PARAMETERS
from pymc_bnn.testing.oracles import multinomial_logpmf_oracle, scipy_multinomial_logpmf
from pymc_bnn.testing.strategies import multinomial_cases


# Points 1-4 and 7 (logp for every dtype, logits, zero probabilities, support, float32, draws).
@pytest.mark.parametrize("prop", hypothesis_properties("Multinomial"), ids=lambda p: p.name)
@given(data=st.data())
def test_property(prop, data):
    prop.check(PYMC_BNN, data.draw(prop.strategy))


# Points 5-7 as tables: invalid parameters, n = 0, one category, constant inputs, draws.
@pytest.mark.parametrize(
    ("prop", "case"),
    [pytest.param(p, c, id=i) for p, c, i in fixed_cases("Multinomial")],
)
def test_property_case(prop, case):
    prop.check(PYMC_BNN, case)


@given(case=multinomial_cases(max_n=50, parametrization="logit_p", k=st.integers(1, 6)))
def test_logits_oracle_agrees_with_scipy_where_softmax_is_exact(case):
    """The logits oracle itself agrees with scipy when probabilities do not underflow."""
    assume(np.all(np.isfinite(case.logit_p)) and np.ptp(case.logit_p) < 30)
    p = special.softmax(case.logit_p)
    expected = scipy_multinomial_logpmf(case.counts, case.n, p)
    got = multinomial_logpmf_oracle(case.counts, case.n, case.log_p)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


# 5. Invalid constant parameters: pymc_bnn's ValueError names the argument.
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [(c.kwargs, c.match) for c in INVALID_PARAMETERS]
    + [
        (
            dict(n=3, p=[0.5, 0.5], logit_p=[0.0, 0.0]),
            "Can.t specify both p and logit_p: pass exactly one of p",
        ),
        (dict(n=3), "Must specify either p or logit_p: pass exactly one of p"),
        (dict(n=[1, 2, 3], p=np.full((4, 2), 0.5)), r"batch shapes of n \(3,\) and p \(4,\)"),
    ],
)
def test_invalid_constant_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pb.Multinomial.dist(**kwargs)


def test_symbolic_float_n_holding_a_whole_number_is_valid():
    n = pt.dscalar("n")
    logp = pm.logp(pb.Multinomial.dist(n, p=[0.5, 0.5]), np.array([1, 1]))
    f = pytensor.function([n], logp)
    np.testing.assert_allclose(f(2.0), stats.multinomial.logpmf([1, 1], 2, [0.5, 0.5]))


def test_batched_parameters_and_dims():
    p = np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]])
    n = np.array([3, 4, 5])
    counts = np.array([[1, 2], [2, 2], [5, 0]])
    with pm.Model(coords={"row": range(3), "cls": ["a", "b"]}) as model:
        pb.Multinomial("x", n=n, p=p, dims=("row", "cls"), observed=counts)
    expected = sum(stats.multinomial.logpmf(c, k, q) for c, k, q in zip(counts, n, p, strict=True))
    np.testing.assert_allclose(model.compile_logp()({}), expected, rtol=RTOL)


def test_draws_are_reproducible():
    dist = pb.Multinomial.dist(n=10, p=[0.2, 0.8])
    np.testing.assert_array_equal(
        pm.draw(dist, draws=5, random_seed=7), pm.draw(dist, draws=5, random_seed=7)
    )
