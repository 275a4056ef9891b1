# ruff: noqa: E501  (the edits quote PyMC source lines as they are)
"""Stage 08 of the PyMC patches: exact log-pmfs at huge n and huge concentrations."""

MV = "pymc/distributions/multivariate.py"

_HELPERS = """_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def _stirling_correction(z):
    # gammaln(z) - ((z - 1/2) log z - z + log(2 pi) / 2), for z >= 16
    inv = 1.0 / z
    inv2 = inv * inv
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))


def _log_factorial_remainder(x):
    # log x! - (x log x - x) for x >= 1, without cancellation
    big = pt.ge(x, 16.0)
    xb = pt.switch(big, x, 16.0)
    series = (
        xb * pt.log1p(1.0 / xb)
        + 0.5 * pt.log1p(xb)
        - 1.0
        + _HALF_LOG_2PI
        + _stirling_correction(xb + 1.0)
    )
    xs = pt.switch(big, 1.0, x)
    return pt.switch(big, series, gammaln(xs + 1.0) - xs * pt.log(xs) + xs)


def _trials_minus_counts(n, p, x):
    # n * p - x without rounding n * p: n split at 2**27, p at 2**-26 (exact products)
    n_hi = pt.floor(n / 2.0**27) * 2.0**27
    n_lo = n - n_hi
    p_hi = pt.floor(p * 2.0**26) / 2.0**26
    p_lo = p - p_hi
    return ((n_hi * p_hi - x) + n_lo * p_hi) + (n_hi * p_lo + n_lo * p_lo)


def _multinomial_logpmf(n, x, probs, log_p):
    # r(n) + sum_{x > 0} [x log(n p / x) - r(x)], r(x) = log x! - x log x + x
    positive = pt.gt(x, 0)
    xs = pt.switch(positive, x, 1.0)
    n_k = pt.shape_padright(n, 1)
    u = _trials_minus_counts(n_k, probs, x) / xs
    near = pt.lt(abs(u), 0.5)
    close_form = xs * pt.log1p(pt.switch(near, u, 0.0))
    far_form = xs * (pt.log(pt.switch(positive, n_k, 1.0)) + log_p - pt.log(xs))
    terms = pt.switch(near, close_form, far_form) - _log_factorial_remainder(xs)
    n_term = pt.switch(pt.gt(n, 0), _log_factorial_remainder(pt.maximum(n, 1.0)), 0.0)
    return n_term + pt.sum(pt.switch(positive, terms, 0.0), axis=-1)


def _log_rising_factorial(a, x):
    # gammaln(a + x) - gammaln(a), by Stirling's series for a >= 16 (exact for huge a)
    x = pt.maximum(x, 0.0)
    big = pt.ge(a, 16.0)
    ab = pt.switch(big, a, 16.0)
    stirling = (
        (ab - 0.5) * pt.log1p(x / ab)
        + x * pt.log(ab + x)
        - x
        + (_stirling_correction(ab + x) - _stirling_correction(ab))
    )
    # exactly 0 at x = 0: the two corrections need not cancel once the graph is fused
    return pt.switch(pt.eq(x, 0), 0.0, pt.switch(big, stirling, gammaln(a + x) - gammaln(a)))


def _check_categories(value, param):
"""

_TEST = """import numpy as np
import pytest
import scipy.stats as st

import pymc as pm


def test_multinomial_huge_n():
    # reference: the log-pmf in 60-digit arithmetic (mpmath) at the exact float64 inputs
    x = np.array([109951940554, 219902325555, 769657361667])
    logp = pm.logp(pm.Multinomial.dist(2**40, p=[0.1, 0.2, 0.7]), x).eval()
    np.testing.assert_allclose(logp, -30.57336347092055, rtol=1e-10)


@pytest.mark.parametrize("dtype", ["int8", "int64"])
def test_multinomial_small_n_unchanged(dtype):
    value = np.array([3, 0, 4], dtype=dtype)
    p = np.array([0.2, 0.3, 0.5])
    logp = pm.logp(pm.Multinomial.dist(np.array(7, dtype=dtype), p=p), value).eval()
    np.testing.assert_allclose(logp, st.multinomial.logpmf(value, 7, p), rtol=1e-12)


def test_dirichlet_multinomial_huge_concentration():
    logp = pm.logp(pm.DirichletMultinomial.dist(5, a=[1e15, 2e15]), np.array([2, 3])).eval()
    np.testing.assert_allclose(logp, -1.1110348086666677, rtol=1e-10)
"""

STAGE_08 = {
    "name": "08-exact-extremes",
    "header": """Subject: Multinomial at huge n, DirichletMultinomial at huge a: no cancelling gammaln terms

`Multinomial.logp` is `gammaln(n + 1) - sum gammaln(x + 1) + sum x log p`.
At `n = 2**40` each `gammaln` is about 3e13, so the difference (a log-pmf
near -30) keeps only the digits above 3e-3: off by 7.6e-5 relative at
`n = 2**31 - 1`.  In float32 mode the same happens in float32 (3e-3 relative
at `n = 1e6`).  `DirichletMultinomial.logp` with `a = [1e15, 2e15]` subtracts
`gammaln` values near 1e17 and returns -32.0 where the truth is -1.111.

Reproducer:

    import numpy as np, pymc as pm
    x = np.array([109951940554, 219902325555, 769657361667])
    print(pm.logp(pm.Multinomial.dist(2**40, p=[0.1, 0.2, 0.7]), x).eval())
    # -30.57336347092055 in 60-digit arithmetic (mpmath)
    print(pm.logp(pm.DirichletMultinomial.dist(5, a=[1e15, 2e15]), np.array([2, 3])).eval())
    # -1.1110348086666677

Fix: write the multinomial log-pmf as
`r(n) + sum_{x > 0} [x log(n p / x) - r(x)]` with
`r(x) = log x! - x log x + x` (Stirling's series above 16, a quantity of
size log x) and `x log(n p / x) = x log1p((n p - x) / x)` near `n p = x`,
where `n p - x` is formed without rounding `n p` (n and p split into
exactly multiplied halves); all in float64, cast to the (float) dtype of `p`
at the end.  The Dirichlet-multinomial's gamma ratios become log rising factorials,
by Stirling's series for `a >= 16`.
""",
    "edits": [
        (MV, "def _check_categories(value, param):\n", _HELPERS),
        (
            MV,
            """            log_p = pt.special.log_softmax(p.owner.inputs[0], axis=p.owner.op.axis)
            x_log_p = pt.switch(pt.eq(value_, 0), 0, value_ * log_p)
        else:
            x_log_p = logpow(p, value_)
        res = factln(n_) + pt.sum(-factln(value_) + x_log_p, axis=-1)
        res = pt.cast(res, _logp_dtype(p))
""",
            """            logits = pt.cast(p.owner.inputs[0], "float64")
            log_p = pt.special.log_softmax(logits, axis=p.owner.op.axis)
            probs = pt.exp(log_p)
        else:
            probs = pt.cast(p, "float64")
            log_p = pt.log(pt.switch(pt.gt(value_, 0), probs, 1.0))
        # not gammaln(n + 1) - sum gammaln(x + 1): both are near 3e13 at n = 2**40
        res = pt.cast(_multinomial_logpmf(n_, value_, probs, log_p), _logp_dtype(p))
""",
        ),
        (
            MV,
            """        const = (gammaln(n_ + 1) + gammaln(sum_a)) - gammaln(n_ + sum_a)
        series = gammaln(value_ + a_) - (gammaln(value_ + 1) + gammaln(a_))
""",
            """        # gamma ratios as log rising factorials: gammaln(a) is near 3e16 at a = 1e15
        const = gammaln(n_ + 1) - _log_rising_factorial(sum_a, n_)
        series = _log_rising_factorial(a_, value_) - gammaln(value_ + 1)
""",
        ),
        ("tests/distributions/test_exact_extremes.py", None, _TEST),
    ],
}

STAGE_09 = {
    "name": "09-minibatch-integer-observed",
    "header": """Subject: convert_data: leave symbolic data's dtype alone (pm.Minibatch of int64 labels)

`pm.Minibatch` of an int64 label vector cannot be used as observed data:

    import numpy as np, pymc as pm
    y = np.array([0, 1, 2, 1] * 5, dtype="int64")
    with pm.Model():
        pm.Categorical("y", p=np.ones(3) / 3, observed=pm.Minibatch(y, batch_size=4),
                       total_size=len(y))
    # TypeError: Variables that depend on other nodes cannot be used for observed
    # data.The data variable was: Cast{int32}.0

`convert_observed_data` ends in `smarttypeX`, which casts integer data to
`intX` (int32); for a symbolic variable that adds a `Cast` node on top of the
`MinibatchOp`, and `is_valid_observed` no longer sees the minibatch.

Fix: `convert_observed_data` returns symbolic observed data as it is;
`make_obs_var` casts it to the variable's dtype (a no-op for int64 labels of
an int64 variable), so the minibatch stays visible.  `convert_data` itself,
which `pm.Data` and PyMC's tests rely on to cast to `floatX`/`intX`, is
unchanged.
""",
    "edits": [
        (
            "pymc/pytensorf.py",
            """        raise TypeError("Data passed to `observed` cannot be a generator.")
    return convert_data(data)
""",
            """        raise TypeError("Data passed to `observed` cannot be a generator.")
    if isinstance(data, Variable):
        # symbolic data keeps its dtype: make_obs_var casts it to the variable's dtype,
        # and a cast here would hide a Minibatch from is_valid_observed
        return data
    return convert_data(data)
""",
        ),
        (
            "tests/test_minibatch_integer_observed.py",
            None,
            """import numpy as np

import pymc as pm


def test_minibatch_of_int64_labels_as_observed():
    y = np.array([0, 1, 2, 1] * 5, dtype="int64")
    with pm.Model() as m:
        y_mb = pm.Minibatch(y, batch_size=4)
        pm.Categorical("y", p=np.ones(3) / 3, observed=y_mb, total_size=len(y))
    # uniform p: the rescaled minibatch logp is the full-data logp whatever the batch
    np.testing.assert_allclose(m.compile_logp()({}), len(y) * np.log(1 / 3))
""",
        ),
    ],
}
