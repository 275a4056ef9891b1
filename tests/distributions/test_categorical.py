"""pymc_bnn.Categorical against exact oracles: the contract of issue 2, one property per point.

The properties live in :mod:`pymc_bnn.testing.contract.categorical`, shared with
``pymc-bnn check-upstream``; here each runs against pymc_bnn.  Tolerance:
relative 1e-10 in float64 (the log-probability is a single log_softmax entry,
exact to a few ulps), 1e-5 in float32.
"""

import numpy as np
import pymc as pm
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

import pymc_bnn as pb
from pymc_bnn.testing import PYMC_BNN
from pymc_bnn.testing.contract import RTOL, fixed_cases, hypothesis_properties
from pymc_bnn.testing.contract.categorical import INVALID_PARAMETERS


# Points 1-4, 7 and the reduction to a one-trial Multinomial.
@pytest.mark.parametrize("prop", hypothesis_properties("Categorical"), ids=lambda p: p.name)
@given(data=st.data())
def test_property(prop, data):
    prop.check(PYMC_BNN, data.draw(prop.strategy))


# Tables: constant extreme logits (PyMC's softmax underflow, docs/distributions.md section 1),
# zero probabilities, invalid parameters, one category, draws.
@pytest.mark.parametrize(
    ("prop", "case"),
    [pytest.param(p, c, id=i) for p, c, i in fixed_cases("Categorical")],
)
def test_property_case(prop, case):
    prop.check(PYMC_BNN, case)


# 5. Invalid constant parameters: pymc_bnn's ValueError names the argument.
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [(c.kwargs, c.match) for c in INVALID_PARAMETERS]
    + [
        (dict(p=[0.5, 0.5], logit_p=[0.0, 0.0]), "Can.t specify both p and logit_p"),
        (dict(), "Must specify either p or logit_p"),
    ],
)
def test_invalid_constant_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pb.Categorical.dist(**kwargs)


def test_batched_model_logp_and_observed_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=5, size=(50, 4))
    labels = rng.integers(0, 4, size=50)
    with pm.Model(coords={"obs": range(50)}) as model:
        pb.Categorical("y", logit_p=logits, dims="obs", observed=labels)
    expected = special.log_softmax(logits, axis=-1)[np.arange(50), labels].sum()
    np.testing.assert_allclose(model.compile_logp()({}), expected, rtol=RTOL)


def test_size_and_reproducibility():
    dist = pb.Categorical.dist(logit_p=np.zeros(3), size=(4, 2))
    a = pm.draw(dist, random_seed=5)
    assert a.shape == (4, 2)
    np.testing.assert_array_equal(a, pm.draw(dist, random_seed=5))


@pytest.mark.parametrize("kind", ["p", "logit_p"])
def test_logp_and_gradient_compile_with_the_jax_backend(kind):
    """Regression: indexing the picked label with ``[..., 0]`` made the gradient's
    AdvancedIncSubtensor build a dynamic shape that JAX cannot trace (TypeError);
    ``squeeze(-1)`` keeps it static.  Needs the 'bench' extra (JAX)."""
    pytest.importorskip("jax")
    import pytensor
    import pytensor.tensor as pt
    from pytensor.compile.mode import get_mode

    theta, value = pt.dmatrix("theta"), pt.lvector("value")
    logp = pm.logp(pb.Categorical.dist(**{kind: theta}), value).sum()
    outputs = [logp, pt.grad(logp, theta)]
    logits = np.array([[0.0, 1.0, -2.0], [3.0, 0.5, 0.0]])
    param = special.softmax(logits, axis=-1) if kind == "p" else logits
    labels = np.array([2, 0])
    jax_out = pytensor.function([value, theta], outputs, mode=get_mode("jax"))(labels, param)
    default = pytensor.function([value, theta], outputs)(labels, param)
    for got, want in zip(jax_out, default, strict=True):
        np.testing.assert_allclose(np.asarray(got), want, rtol=RTOL)
