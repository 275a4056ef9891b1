"""pymc_bnn.Categorical against exact oracles: the contract of issue 2, one property per point.

Tolerance: relative 1e-10 in float64 (the log-probability is a single
log_softmax entry, exact to a few ulps), 1e-5 in float32.
"""

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymc.logprob.utils import ParameterValueError
from scipy import special

import pymc_bnn as pb
from pymc_bnn.testing import (
    INTEGER_DTYPES,
    PYMC_BNN,
    categorical_logp_oracle,
    categorical_logpmf_grad_logits,
    compile_categorical,
    compile_multinomial,
    logit_vectors,
    simplex_vectors,
)

RTOL, ATOL = 1e-10, 1e-12


# 1. logp equals the oracle whatever the integer dtype of the label.
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@given(p=simplex_vectors(), data=st.data())
def test_logp_p_matches_oracle_for_every_integer_dtype(dtype, p, data):
    label = data.draw(st.integers(0, len(p) - 1))
    logp, grad = compile_categorical(PYMC_BNN, "p", dtype)(np.array(label, dtype=dtype), p)
    with np.errstate(divide="ignore"):
        expected = np.log(p[label])
    np.testing.assert_allclose(logp, expected, rtol=RTOL, atol=ATOL)
    assert logp <= 0
    assert not np.isnan(grad).any()


# 2. Logits are carried through as logits: exact and finite at any magnitude, with gradient.
@given(logits=logit_vectors(), data=st.data())
def test_logits_exact_at_any_magnitude(logits, data):
    label = data.draw(st.integers(0, len(logits) - 1))
    logp, grad = compile_categorical(PYMC_BNN, "logit_p")(label, logits)
    np.testing.assert_allclose(logp, special.log_softmax(logits)[label], rtol=RTOL, atol=ATOL)
    if np.isfinite(logp):
        np.testing.assert_allclose(
            grad, categorical_logpmf_grad_logits(label, logits), rtol=1e-9, atol=1e-12
        )
        assert np.isfinite(grad).all()


def test_regression_pymc_softmax_underflow():
    """pm.Categorical(logit_p=...) gives -inf and NaN gradients once logits are ~745 apart.

    PyMC 6.4 converts logit_p to softmax(logit_p) in Categorical.dist and takes the log of
    the indexed probability; see docs/distributions.md ("Categorical: logit_p underflows").
    """
    logp = pm.logp(pb.Categorical.dist(logit_p=np.array([0.0, -1000.0])), 1).eval()
    assert logp == -1000.0
    assert pm.logp(pb.Categorical.dist(logit_p=np.array([1e4, -1e4, 0.0])), 2).eval() == -1e4


# 3. Zero probabilities.
def test_zero_probability_label():
    f = compile_categorical(PYMC_BNN, "p")
    logp, grad = f(0, np.array([0.0, 0.25, 0.75]))
    assert logp == -np.inf and not np.isnan(grad).any()
    logp, grad = f(2, np.array([0.0, 0.25, 0.75]))
    np.testing.assert_allclose(logp, np.log(0.75), rtol=RTOL)
    np.testing.assert_allclose(grad, [0.0, 0.0, 1 / 0.75], rtol=RTOL)


# 4. Labels off the support give -inf (symbolic float labels reach the logp unchanged).
@pytest.mark.parametrize("kind", ["p", "logit_p"])
@given(data=st.data())
def test_labels_off_support_are_minus_inf(kind, data):
    theta = data.draw(simplex_vectors() if kind == "p" else logit_vectors())
    k = len(theta)
    label = data.draw(
        st.one_of(
            st.integers(-1000, -1),
            st.integers(k, k + 1000),
            st.floats(-10, k + 10).filter(lambda x: x != np.floor(x)),
        )
    )
    logp, grad = compile_categorical(PYMC_BNN, kind, "float64")(float(label), theta)
    assert logp == categorical_logp_oracle(label, np.zeros(k)) == -np.inf
    assert not np.isnan(grad).any()


# 5. Invalid parameters.
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(p=[-0.2, 0.7, 0.5]), "p must be nonnegative"),
        (dict(p=[0.2, 0.2]), "p must sum to 1"),
        (dict(logit_p=[0.0, np.inf]), r"logit_p must not contain \+inf"),
        (dict(logit_p=[-np.inf, -np.inf]), "at least one finite entry"),
        (dict(p=[0.5, 0.5], logit_p=[0.0, 0.0]), "got both"),
        (dict(), "got neither"),
        (dict(logit_p=1.0), "at least one dimension"),
    ],
)
def test_invalid_constant_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pb.Categorical.dist(**kwargs)


@pytest.mark.parametrize(
    ("kind", "theta"),
    [
        ("p", [0.2, 0.2, 0.2]),
        ("p", [-0.5, 0.5, 1.0]),
        ("logit_p", [0.0, np.inf, 1.0]),
        ("logit_p", [-np.inf, -np.inf, -np.inf]),
        ("logit_p", [np.nan, 0.0, 0.0]),
    ],
)
def test_invalid_symbolic_parameters_fail_pymc_parameter_check(kind, theta):
    with pytest.raises(ParameterValueError):
        compile_categorical(PYMC_BNN, kind)(1, np.array(theta))


# 6. A single category.
@pytest.mark.parametrize(("kind", "theta"), [("p", [1.0]), ("logit_p", [-7.0])])
def test_single_category(kind, theta):
    f = compile_categorical(PYMC_BNN, kind)
    assert f(0, np.array(theta))[0] == 0.0
    assert f(1, np.array(theta))[0] == -np.inf


# Reduction: Categorical equals a one-trial Multinomial of the one-hot vector.
@given(logits=logit_vectors(), data=st.data())
def test_equals_one_trial_multinomial(logits, data):
    label = data.draw(st.integers(0, len(logits) - 1))
    onehot = np.eye(len(logits), dtype="int64")[label]
    cat, cat_grad = compile_categorical(PYMC_BNN, "logit_p")(label, logits)
    multi, multi_grad = compile_multinomial(PYMC_BNN, "logit_p")(1, onehot, logits)
    np.testing.assert_allclose(cat, multi, rtol=RTOL, atol=ATOL)
    if np.isfinite(cat):
        np.testing.assert_allclose(cat_grad, multi_grad, rtol=1e-9, atol=1e-12)


def test_batched_model_logp_and_observed_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=5, size=(50, 4))
    labels = rng.integers(0, 4, size=50)
    with pm.Model(coords={"obs": range(50)}) as model:
        pb.Categorical("y", logit_p=logits, dims="obs", observed=labels)
    expected = special.log_softmax(logits, axis=-1)[np.arange(50), labels].sum()
    np.testing.assert_allclose(model.compile_logp()({}), expected, rtol=RTOL)


def test_float32_mode():
    with pytensor.config.change_flags(floatX="float32"):
        logits = pt.fmatrix("logits")
        labels = pt.lvector("labels")
        logp = pm.logp(pb.Categorical.dist(logit_p=logits), labels)
        assert logp.dtype == "float32"
        f = pytensor.function([labels, logits], [logp, pt.grad(logp.sum(), logits)])
    rng = np.random.default_rng(1)
    lg = (rng.normal(scale=50, size=(200, 6))).astype("float32")
    lab = rng.integers(0, 6, size=200)
    got, grad = f(lab, lg)
    expected = special.log_softmax(lg.astype("float64"), axis=-1)[np.arange(200), lab]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    assert np.isfinite(grad).all()


# 7. Draws.
def test_draws_frequencies_and_zero_probability():
    p = np.array([0.5, 0.0, 0.2, 0.3])
    draws = pm.draw(pb.Categorical.dist(p=p), draws=20000, random_seed=1)
    assert draws.dtype.kind == "i" and set(np.unique(draws)) <= {0, 2, 3}
    freq = np.bincount(draws, minlength=4) / 20000
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / 20000) + 1e-12)


def test_draws_from_extreme_and_batched_logits():
    logits = np.array([[0.0, -1e4, -np.inf], [5.0, 5.0, -np.inf]])
    draws = pm.draw(pb.Categorical.dist(logit_p=logits), draws=4000, random_seed=2)
    assert draws.shape == (4000, 2)
    assert (draws[:, 0] == 0).all()
    assert set(np.unique(draws[:, 1])) == {0, 1}
    assert abs(draws[:, 1].mean() - 0.5) < 5 * np.sqrt(0.25 / 4000)


def test_float32_p_summing_above_one_draws():
    p = np.array([0.3, 0.3, 0.4000001], dtype="float32")
    draws = pm.draw(pb.Categorical.dist(p=p), draws=500, random_seed=3)
    assert set(np.unique(draws)) <= {0, 1, 2}


def test_size_and_reproducibility():
    dist = pb.Categorical.dist(logit_p=np.zeros(3), size=(4, 2))
    a = pm.draw(dist, random_seed=5)
    assert a.shape == (4, 2)
    np.testing.assert_array_equal(a, pm.draw(dist, random_seed=5))
