"""pymc_bnn.Multinomial against scipy: the contract of issue 2, one property per point.

Tolerances: relative 1e-10 in float64 (the log-pmf is a sum of a few gammaln
terms each exact to ~1e-15 relative; 1e-10 leaves room for cancellation between
them at n = 1000), about 1e-5 in float32.  The absolute floor 1e-12 covers
log-probabilities that are exactly 0.
"""

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pymc.logprob.utils import ParameterValueError
from scipy import special, stats

import pymc_bnn as pb
from pymc_bnn.testing import (
    INTEGER_DTYPES,
    PYMC_BNN,
    compile_multinomial,
    count_vectors,
    invalid_count_vectors,
    logit_vectors,
    multinomial_cases,
    multinomial_grad_logits,
    multinomial_logpmf_oracle,
    scipy_multinomial_logpmf,
    simplex_vectors,
)

RTOL, ATOL = 1e-10, 1e-12


def _max_n(dtype):
    return int(min(np.iinfo(dtype).max, 1000))


# 1. logp equals the oracle for every valid (n, p, value), whatever the integer dtype.
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@given(data=st.data())
def test_logp_p_matches_scipy_for_every_integer_dtype(dtype, data):
    case = data.draw(multinomial_cases(max_n=_max_n(dtype), parametrization="p"))
    f = compile_multinomial(PYMC_BNN, "p", dtype)
    logp, grad = f(case.n, case.counts.astype(dtype), case.p)
    expected = scipy_multinomial_logpmf(case.counts, case.n, case.p)
    np.testing.assert_allclose(logp, expected, rtol=RTOL, atol=ATOL)
    assert logp <= 0
    assert not np.isnan(grad).any()


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint16"])
@given(data=st.data())
def test_logp_logits_matches_oracle_at_any_magnitude(dtype, data):
    case = data.draw(multinomial_cases(max_n=_max_n(dtype), parametrization="logit_p"))
    logp, grad = compile_multinomial(PYMC_BNN, "logit_p", dtype)(
        case.n, case.counts.astype(dtype), case.logit_p
    )
    expected = multinomial_logpmf_oracle(case.counts, case.n, case.log_p)
    np.testing.assert_allclose(logp, expected, rtol=RTOL, atol=ATOL)
    assert logp <= 0
    # 2. the gradient is finite wherever the logp is finite, and equals x - n softmax.
    if np.isfinite(logp):
        np.testing.assert_allclose(
            grad, multinomial_grad_logits(case.counts, case.n, case.logit_p), rtol=1e-9, atol=1e-9
        )


@given(case=multinomial_cases(max_n=50, parametrization="logit_p", k=st.integers(1, 6)))
def test_logits_oracle_agrees_with_scipy_where_softmax_is_exact(case):
    """The logits oracle itself agrees with scipy when probabilities do not underflow."""
    assume(np.all(np.isfinite(case.logit_p)) and np.ptp(case.logit_p) < 30)
    p = special.softmax(case.logit_p)
    expected = scipy_multinomial_logpmf(case.counts, case.n, p)
    got = multinomial_logpmf_oracle(case.counts, case.n, case.log_p)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


# 3. p with zero entries: exact where the count is 0, -inf where it is positive, no NaN.
@given(data=st.data())
def test_zero_probabilities(data):
    k = data.draw(st.integers(2, 6))
    p = data.draw(simplex_vectors(k))
    zero = data.draw(st.integers(0, k - 1))
    p[zero] = 0.0
    assume(p.sum() > 0)
    p = p / p.sum()
    n = data.draw(st.integers(1, 200))
    counts = data.draw(count_vectors(n, k))
    logp, grad = compile_multinomial(PYMC_BNN, "p")(n, counts, p)
    if np.any(counts[p == 0] > 0):
        assert logp == -np.inf
    else:
        np.testing.assert_allclose(
            logp, scipy_multinomial_logpmf(counts, n, p), rtol=RTOL, atol=ATOL
        )
    # x / p may overflow to inf for subnormal p (the true gradient exceeds 1.8e308), never NaN.
    assert not np.isnan(grad).any()


# 4. Values off the support give -inf: no exception, no NaN.
@pytest.mark.parametrize("kind", ["p", "logit_p"])
@given(data=st.data())
def test_values_off_support_are_minus_inf(kind, data):
    k = data.draw(st.integers(1, 6))
    n = data.draw(st.integers(0, 100))
    x = data.draw(invalid_count_vectors(n, k))
    theta = data.draw(simplex_vectors(k) if kind == "p" else logit_vectors(k))
    logp, grad = compile_multinomial(PYMC_BNN, kind, "float64")(float(n), x, theta)
    assert logp == -np.inf
    assert not np.isnan(grad).any()


# 5. Invalid parameters.
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n=3, p=[-0.2, 0.7, 0.5]), "p must be nonnegative"),
        (dict(n=3, p=[0.2, 0.2, 0.2]), "p must sum to 1"),
        (dict(n=3, p=[0.5, 0.5 + 1e-6]), "p must sum to 1"),
        (dict(n=3, p=[0.5, np.nan, 0.5]), "p must not contain NaN"),
        (dict(n=-1, p=[0.5, 0.5]), "n must be nonnegative"),
        (dict(n=2.5, p=[0.5, 0.5]), "n must hold whole numbers"),
        (dict(n=3, logit_p=[0.0, np.inf]), r"logit_p must not contain \+inf"),
        (dict(n=3, logit_p=[-np.inf, -np.inf]), "at least one finite entry"),
        (dict(n=3, logit_p=[np.nan, 0.0]), "logit_p must not contain NaN"),
        (dict(n=3, p=[0.5, 0.5], logit_p=[0.0, 0.0]), "exactly one of p .* got both"),
        (dict(n=3), "exactly one of p .* got neither"),
        (dict(n=3, p=0.5), "at least one dimension"),
        (dict(n=[1, 2, 3], p=np.full((4, 2), 0.5)), r"batch shapes of n \(3,\) and p \(4,\)"),
    ],
)
def test_invalid_constant_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pb.Multinomial.dist(**kwargs)


@pytest.mark.parametrize(
    ("kind", "theta", "n"),
    [
        ("p", [0.2, 0.2, 0.2], 3),
        ("p", [-0.5, 0.5, 1.0], 3),
        ("p", [0.5, np.nan, 0.5], 3),
        ("p", [0.2, 0.3, 0.5], -3),
        ("logit_p", [0.0, np.inf, 1.0], 3),
        ("logit_p", [-np.inf, -np.inf, -np.inf], 3),
        ("logit_p", [np.nan, 0.0, 0.0], 3),
    ],
)
def test_invalid_symbolic_parameters_fail_pymc_parameter_check(kind, theta, n):
    f = compile_multinomial(PYMC_BNN, kind)
    with pytest.raises(ParameterValueError):
        f(n, np.array([1, 1, 1]), np.array(theta))


def test_symbolic_float_n_must_be_integer_valued():
    n = pt.dscalar("n")
    logp = pm.logp(pb.Multinomial.dist(n, p=[0.5, 0.5]), np.array([1, 1]))
    f = pytensor.function([n], logp)
    np.testing.assert_allclose(f(2.0), stats.multinomial.logpmf([1, 1], 2, [0.5, 0.5]))
    with pytest.raises(ParameterValueError):
        f(2.5)


# 6. Edge cases: n = 0 and a single category.
@pytest.mark.parametrize("kind", ["p", "logit_p"])
def test_n_zero_and_single_category(kind):
    f = compile_multinomial(PYMC_BNN, kind)
    theta = np.array([0.25, 0.75]) if kind == "p" else np.array([1.0, -2.0])
    assert f(0, np.array([0, 0]), theta)[0] == 0.0
    assert f(0, np.array([1, -1]), theta)[0] == -np.inf
    single = np.array([1.0]) if kind == "p" else np.array([-3.0])
    assert f(7, np.array([7]), single)[0] == 0.0
    assert f(7, np.array([6]), single)[0] == -np.inf


# Reduction checks.
@given(n=st.integers(0, 500), p=st.floats(0, 1), data=st.data())
def test_two_categories_reduce_to_binomial(n, p, data):
    x = data.draw(st.integers(0, n))
    logp, _ = compile_multinomial(PYMC_BNN, "p")(n, np.array([x, n - x]), np.array([p, 1 - p]))
    np.testing.assert_allclose(logp, stats.binom.logpmf(x, n, p), rtol=RTOL, atol=ATOL)


@given(logits=logit_vectors(), data=st.data())
def test_one_trial_equals_log_softmax_of_the_label(logits, data):
    label = data.draw(st.integers(0, len(logits) - 1))
    onehot = np.zeros(len(logits), dtype="int64")
    onehot[label] = 1
    multi, _ = compile_multinomial(PYMC_BNN, "logit_p")(1, onehot, logits)
    np.testing.assert_allclose(multi, special.log_softmax(logits)[label], rtol=RTOL, atol=ATOL)


# Constant (non-symbolic) n and counts of every kind a user may pass.
@pytest.mark.parametrize(
    "n", [100, np.int8(100), np.uint8(100), np.int16(100), np.int64(100), np.array(100.0)]
)
@pytest.mark.parametrize("counts_dtype", ["int8", "int32", "int64"])
def test_constant_n_of_any_integer_kind(n, counts_dtype):
    p = np.array([0.1, 0.2, 0.7])
    counts = np.array([10, 20, 70], dtype=counts_dtype)
    logp = pm.logp(pb.Multinomial.dist(n=n, p=p), counts).eval()
    np.testing.assert_allclose(logp, stats.multinomial.logpmf([10, 20, 70], 100, p), rtol=RTOL)


def test_batched_parameters_and_dims():
    p = np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]])
    n = np.array([3, 4, 5])
    counts = np.array([[1, 2], [2, 2], [5, 0]])
    with pm.Model(coords={"row": range(3), "cls": ["a", "b"]}) as model:
        pb.Multinomial("x", n=n, p=p, dims=("row", "cls"), observed=counts)
    expected = sum(stats.multinomial.logpmf(c, k, q) for c, k, q in zip(counts, n, p, strict=True))
    np.testing.assert_allclose(model.compile_logp()({}), expected, rtol=RTOL)


# 1 & 7 in float32 mode.
def test_float32_mode_matches_scipy():
    with pytensor.config.change_flags(floatX="float32"):
        n = pt.lscalar("n")
        counts = pt.lvector("counts")
        logits = pt.fvector("logits")
        logp = pm.logp(pb.Multinomial.dist(n, logit_p=logits), counts)
        assert logp.dtype == "float32"
        f = pytensor.function([n, counts, logits], [logp, pt.grad(logp, logits)])
    rng = np.random.default_rng(0)
    for _ in range(50):
        k = rng.integers(2, 8)
        lg = rng.normal(scale=3, size=k).astype("float32")
        x = rng.multinomial(40, special.softmax(lg.astype("float64")))
        logp_val, grad = f(40, x, lg)
        expected = multinomial_logpmf_oracle(x, 40, special.log_softmax(lg.astype("float64")))
        np.testing.assert_allclose(logp_val, expected, rtol=1e-5, atol=1e-5)
        assert np.isfinite(grad).all()


# 7. Draws.
def test_draws_support_totals_and_mean():
    p = np.array([0.1, 0.0, 0.3, 0.6])
    n = np.array([0, 1, 25])
    draws = pm.draw(pb.Multinomial.dist(n=n, p=p), draws=4000, random_seed=1)
    assert draws.shape == (4000, 3, 4) and draws.dtype.kind == "i"
    assert (draws >= 0).all()
    np.testing.assert_array_equal(draws.sum(-1), np.broadcast_to(n, (4000, 3)))
    assert (draws[..., 1] == 0).all()  # zero-probability category never drawn
    se = np.sqrt(25 * p * (1 - p) / 4000)
    assert np.all(np.abs(draws[:, 2].mean(0) - 25 * p) <= 5 * se + 1e-12)


def test_draws_from_extreme_logits():
    logits = np.array([0.0, -1e4, -np.inf, 2.0])
    draws = pm.draw(pb.Multinomial.dist(n=30, logit_p=logits), draws=2000, random_seed=2)
    assert (draws[:, 1:3] == 0).all()
    expected = 30 * special.softmax(logits)
    se = np.sqrt(30 * special.softmax(logits) * (1 - special.softmax(logits)) / 2000)
    assert np.all(np.abs(draws.mean(0) - expected) <= 5 * se + 1e-12)


def test_float32_p_summing_above_one_still_draws():
    p = np.array([0.3, 0.3, 0.4000001], dtype="float32")
    assert p.sum(dtype="float64") > 1
    draws = pm.draw(pb.Multinomial.dist(n=10, p=p), draws=100, random_seed=3)
    np.testing.assert_array_equal(draws.sum(-1), 10)


def test_draws_are_reproducible():
    dist = pb.Multinomial.dist(n=10, p=[0.2, 0.8])
    np.testing.assert_array_equal(
        pm.draw(dist, draws=5, random_seed=7), pm.draw(dist, draws=5, random_seed=7)
    )
