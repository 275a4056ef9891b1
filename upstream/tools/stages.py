# ruff: noqa: E501  (the edits quote PyMC source lines as they are)
"""The edits behind upstream/patches/*.patch, stage by stage (see make_patches.py).

Each stage is one root cause: a header (the issue text, ready to file), the
source edits to PyMC 6.4.0, and the regression test in PyMC's style.
"""

MV = "pymc/distributions/multivariate.py"
DISC = "pymc/distributions/discrete.py"
CORE = "pymc/model/core.py"

_TEST_HEAD = """import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
import scipy.stats as st

import pymc as pm
"""

STAGES = [
    {
        "name": "01-float64-factorials",
        "header": """Subject: Multinomial, DirichletMultinomial: compute log-factorials in float64

`Multinomial.logp` computes `factln(n) = gammaln(n + 1)` in the dtype of `n`:
`n + 1` overflows for `n = np.int8(127)`, and `gammaln` of int8/int16 inputs
runs in float32, so the log-pmf is off by up to 1e-4 (int16) or completely
wrong (int8 at its maximum).  `DirichletMultinomial.logp` has the same
`gammaln(value + 1)`.  Python ints become int8 constants, so
`pm.Multinomial.dist(n=100, p=...)` is affected without the user choosing a
dtype.

Reproducer:

    import numpy as np, pymc as pm, scipy.stats as st
    x = np.array([0, 0, 127], dtype="int8")
    print(pm.logp(pm.Multinomial.dist(np.int8(127), p=[0.2, 0.3, 0.5]), x).eval())
    print(st.multinomial.logpmf([0, 0, 127], 127, [0.2, 0.3, 0.5]))  # -88.03

Fix: cast `n` and the value to float64 before the log-factorials, and the
result to the dtype of the probabilities at the end when that is a float
dtype (float32 mode stays float32, but exact); an integer-typed `p` or `a`
(`p=[0, 0, 1]`, `a=[2, 1]`) keeps the float64 result, since casting a
log-probability to an integer dtype would truncate it.  Found by pymc_bnn's
property suite (`Multinomial.logp_p_matches_scipy[int8]`,
`largest_n_of_each_dtype`, `DirichletMultinomial.logp_matches_scipy[int8]`,
`integer_typed_parameters`).
""",
        "edits": [
            (
                MV,
                "        res = factln(n) + pt.sum(-factln(value) + logpow(p, value), axis=-1)\n",
                "        # float64 log-factorials: n + 1 overflows int8, gammaln(int8) runs in float32\n"
                '        n_, value_ = pt.cast(n, "float64"), pt.cast(value, "float64")\n'
                "        res = factln(n_) + pt.sum(-factln(value_) + logpow(p, value_), axis=-1)\n"
                "        res = pt.cast(res, _logp_dtype(p))\n",
            ),
            (
                MV,
                """        sum_a = a.sum(axis=-1)
        const = (gammaln(n + 1) + gammaln(sum_a)) - gammaln(n + sum_a)
        series = gammaln(value + a) - (gammaln(value + 1) + gammaln(a))
        res = const + series.sum(axis=-1)
""",
                """        # float64 throughout: gammaln of int8/int16 counts would run in float32
        a_ = pt.cast(a, "float64")
        n_, value_ = pt.cast(n, "float64"), pt.cast(value, "float64")
        sum_a = a_.sum(axis=-1)
        const = (gammaln(n_ + 1) + gammaln(sum_a)) - gammaln(n_ + sum_a)
        series = gammaln(value_ + a_) - (gammaln(value_ + 1) + gammaln(a_))
        res = pt.cast(const + series.sum(axis=-1), _logp_dtype(a))
""",
            ),
            (
                MV,
                "class Multinomial(Discrete):\n",
                '''def _logp_dtype(param):
    """The dtype of a log-probability: the parameter's if it is a float, else float64."""
    return param.dtype if param.dtype.startswith("float") else "float64"


class Multinomial(Discrete):
''',
            ),
            (
                "tests/distributions/test_multivariate_float64_factorials.py",
                None,
                _TEST_HEAD
                + """

@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_multinomial_logp_integer_dtypes(dtype):
    n = min(np.iinfo(dtype).max, 1000)
    value = np.array([0, 0, n], dtype=dtype)
    p = np.array([0.2, 0.3, 0.5])
    logp = pm.logp(pm.Multinomial.dist(np.array(n, dtype=dtype), p=p), value).eval()
    np.testing.assert_allclose(logp, st.multinomial.logpmf(value, n, p), rtol=1e-10)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int64"])
def test_dirichlet_multinomial_logp_integer_dtypes(dtype):
    value = np.array([3, 100, 24], dtype=dtype)
    a = np.array([0.5, 2.0, 7.0])
    n = np.array(127, dtype=dtype)
    logp = pm.logp(pm.DirichletMultinomial.dist(n, a=a), value).eval()
    expected = st.dirichlet_multinomial.logpmf(value.astype(int), a, 127)
    np.testing.assert_allclose(logp, expected, rtol=1e-9)


def test_integer_typed_parameters_are_not_truncated():
    # a log-probability cast to the dtype of an integer a or p would be truncated
    ns = np.arange(6)
    logp = pm.logp(pm.DirichletMultinomial.dist(5, a=[2, 1]), np.stack([ns, 5 - ns], -1)).eval()
    np.testing.assert_allclose(logp, st.betabinom.logpmf(ns, 5, 2, 1), rtol=1e-12)
    assert pm.logp(pm.Multinomial.dist(3, p=[0, 0, 1]), [0, 0, 3]).eval() == 0.0
    assert pm.logp(pm.Multinomial.dist(3, p=[0, 0, 1]), [1, 0, 2]).eval() == -np.inf
""",
            ),
        ],
    },
    {
        "name": "02-integer-support",
        "header": """Subject: Categorical, Multinomial, DirichletMultinomial: non-integer values are off the support

`pm.logp(pm.Categorical.dist(p=[0.5, 0.5]), 0.5)` is `log(0.5)`: the value is
cast to int before indexing, so 0.5 is read as 0.  `Multinomial` and
`DirichletMultinomial` check only `value >= 0` and the total, so
`[0.5, 0.5]` out of `n = 1` gets a finite log-pmf.  A fractional `n` is
not checked either (`DirichletMultinomial` truncates `n = 2.5` to 2), and
`a = inf` gives NaN instead of failing the parameter check.

Reproducer:

    import numpy as np, pymc as pm
    import pytensor.tensor as pt
    value = pt.dvector("value")
    logp = pm.logp(pm.Multinomial.dist(1, p=[0.5, 0.5]), value)
    print(logp.eval({value: np.array([0.5, 0.5])}))  # -0.69, expected -inf

Fix: add `value == floor(value)` to the support of the three distributions,
`n == floor(n)` and `a < inf` to the parameter checks, and keep a float `n`
of `DirichletMultinomial` symbolic (cast to int only for the draws).
""",
        "edits": [
            (
                DISC,
                """        value_p = pt.switch(
            pt.or_(pt.lt(value, 0), pt.gt(value, k - 1)),
            -np.inf,
            safe_value_p,
        )
""",
                """        value_p = pt.switch(
            pt.or_(
                pt.or_(pt.lt(value, 0), pt.gt(value, k - 1)), pt.neq(value, pt.floor(value))
            ),
            -np.inf,
            safe_value_p,
        )
""",
            ),
            (
                MV,
                """        res = pt.switch(
            pt.or_(pt.any(pt.lt(value, 0), axis=-1), pt.neq(pt.sum(value, axis=-1), n)),
            -np.inf,
            res,
        )
        return check_parameters(
            res,
            0 <= p,
            p <= 1,
            pt.isclose(pt.sum(p, axis=-1), 1),
            pt.ge(n, 0),
            msg="0 <= p <= 1, sum(p) = 1, n >= 0",
        )
""",
                """        res = pt.switch(
            pt.or_(
                pt.any(pt.or_(pt.lt(value, 0), pt.neq(value, pt.floor(value))), axis=-1),
                pt.neq(pt.sum(value, axis=-1), n),
            ),
            -np.inf,
            res,
        )
        return check_parameters(
            res,
            0 <= p,
            p <= 1,
            pt.isclose(pt.sum(p, axis=-1), 1),
            pt.ge(n, 0),
            pt.eq(n, pt.floor(n)),
            msg="0 <= p <= 1, sum(p) = 1, n >= 0 and integer",
        )
""",
            ),
            (
                MV,
                """        res = pt.switch(
            pt.or_(
                pt.any(pt.lt(value, 0), axis=-1),
                pt.neq(pt.sum(value, axis=-1), n),
            ),
            -np.inf,
            res,
        )

        return check_parameters(
            res,
            a > 0,
            n >= 0,
            msg="a > 0, n >= 0",
        )
""",
                """        res = pt.switch(
            pt.or_(
                pt.any(pt.or_(pt.lt(value, 0), pt.neq(value, pt.floor(value))), axis=-1),
                pt.neq(pt.sum(value, axis=-1), n),
            ),
            -np.inf,
            res,
        )

        return check_parameters(
            res,
            a > 0,
            a < np.inf,
            n >= 0,
            pt.eq(n, pt.floor(n)),
            msg="0 < a < inf, n >= 0 and integer",
        )
""",
            ),
            (
                MV,
                """    def rv_op(cls, n, a, *, size=None, rng=None):
        n = pt.as_tensor(n, dtype=int)
""",
                """    def rv_op(cls, n, a, *, size=None, rng=None):
        # a float n stays symbolic, so that the log-density can refuse n = 2.5
        n = pt.as_tensor(n)
""",
            ),
            (
                MV,
                "        final_rng, rv = multinomial(n, p, size=size, rng=next_rng, return_next_rng=True)\n",
                "        final_rng, rv = multinomial(\n"
                '            pt.cast(n, "int64"), p, size=size, rng=next_rng, return_next_rng=True\n'
                "        )\n",
            ),
            (
                MV,
                """    @classmethod
    def dist(cls, n, a, *args, **kwargs):
        return super().dist([n, a], **kwargs)
""",
                """    @classmethod
    def dist(cls, n, a, *args, **kwargs):
        n = pt.as_tensor_variable(n)
        if isinstance(n, TensorConstant):
            n_ = np.asarray(n.data)
            if np.any(n_ != np.floor(n_)):
                raise ValueError(f"n must hold whole numbers of trials, got: {n_}")
            n = pt.as_tensor_variable(n_.astype("int64"))
        return super().dist([n, a], **kwargs)
""",
            ),
            (
                "tests/distributions/test_integer_support.py",
                None,
                _TEST_HEAD
                + """

def test_categorical_non_integer_value_is_off_support():
    value = pt.dscalar("value")
    logp = pm.logp(pm.Categorical.dist(p=[0.5, 0.5]), value)
    assert logp.eval({value: 0.5}) == -np.inf


@pytest.mark.parametrize("dist", ["multinomial", "dirichlet_multinomial"])
def test_count_distributions_non_integer_value_is_off_support(dist):
    value = pt.dvector("value")
    if dist == "multinomial":
        rv = pm.Multinomial.dist(1, p=[0.5, 0.5])
    else:
        rv = pm.DirichletMultinomial.dist(1, a=[1.0, 1.0])
    assert pm.logp(rv, value).eval({value: np.array([0.5, 0.5])}) == -np.inf


def test_dirichlet_multinomial_rejects_infinite_a_and_fractional_n():
    a = pt.vector("a")
    n = pt.scalar("n")
    logp = pm.logp(pm.DirichletMultinomial.dist(n, a=a), np.array([1.0, 1.0]))
    f = pytensor.function([n, a], logp)
    with pytest.raises(pm.logprob.utils.ParameterValueError):
        f(2.0, np.array([1.0, np.inf]))
    with pytest.raises(pm.logprob.utils.ParameterValueError):
        f(2.5, np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="whole numbers"):
        pm.DirichletMultinomial.dist(2.5, a=[1.0, 1.0])
""",
            ),
        ],
    },
    {
        "name": "03-logits-stay-logits",
        "header": """Subject: Categorical, Multinomial: evaluate logit_p through log_softmax

`pm.Categorical.dist(logit_p=...)` turns the logits into `softmax(logit_p)`
and takes `log(p[value])`: once two logits are about 745 apart the
probability underflows to 0, the log-pmf is `-inf` and the gradient NaN.
`logcdf` takes `log(cumsum(p))` with the same underflow.  `pm.Multinomial`
takes no `logit_p` at all, so users write `p=softmax(logits)` and hit the
same underflow.

Reproducer:

    import numpy as np, pymc as pm
    print(pm.logp(pm.Categorical.dist(logit_p=np.array([0.0, -1000.0])), 1).eval())  # -inf
    print(pm.logcdf(pm.Categorical.dist(logit_p=np.array([0.0, 1000.0])), 0).eval())  # -inf

Expected -1000.0 for both (`scipy.special.log_softmax`).

Fix: when `p` is the output of a `Softmax`, index `log_softmax` of its input
instead (exact for logits of any magnitude); the cdf takes `logsumexp` of
the same log-probabilities up to the value.
`Multinomial.dist` accepts `logit_p` (converted with `softmax`, which the
log-density recognises in the same way).
""",
        "edits": [
            (
                DISC,
                """    @staticmethod
    def _safe_index_value_p(value, p):
        # Find the probability of the given value by indexing in p,
        # after handling broadcasting and invalid values.
""",
                """    @staticmethod
    def _log_p_of_logits(p):
        # log(p) as log_softmax(logits) when p = softmax(logits): exact at any magnitude
        if p.owner is not None and isinstance(p.owner.op, Softmax):
            return log_softmax(p.owner.inputs[0], axis=p.owner.op.axis)
        return None

    @staticmethod
    def _safe_index_value_p(value, p, log_p=None):
        # Find the probability of the given value by indexing in p,
        # after handling broadcasting and invalid values.
""",
            ),
            (
                DISC,
                """        elif dim_diff < 1:
            # value broadcasts implicitly beyond p
            p = pt.shape_padleft(p, 1 - dim_diff)

        k = pt.shape(p)[-1]
        value_clip = pt.clip(value, 0, k - 1).astype(int)
        return value, pt.log(pt.take_along_axis(p, value_clip[..., None], axis=-1).squeeze(-1))
""",
                """        elif dim_diff < 1:
            # value broadcasts implicitly beyond p
            p = pt.shape_padleft(p, 1 - dim_diff)
            if log_p is not None:
                log_p = pt.shape_padleft(log_p, 1 - dim_diff)

        k = pt.shape(p)[-1]
        value_clip = pt.clip(value, 0, k - 1).astype(int)
        if log_p is not None:
            return value, pt.take_along_axis(log_p, value_clip[..., None], axis=-1).squeeze(-1)
        return value, pt.log(pt.take_along_axis(p, value_clip[..., None], axis=-1).squeeze(-1))
""",
            ),
            (
                DISC,
                """    def logp(value, p):
        k = pt.shape(p)[-1]
        value, safe_value_p = Categorical._safe_index_value_p(value, p)
""",
                """    def logp(value, p):
        k = pt.shape(p)[-1]
        log_p = Categorical._log_p_of_logits(p)
        value, safe_value_p = Categorical._safe_index_value_p(value, p, log_p)
""",
            ),
            (
                DISC,
                """        value, safe_value_p = Categorical._safe_index_value_p(value, p.cumsum(-1))
""",
                """        log_p = Categorical._log_p_of_logits(p)
        if log_p is None:
            value, safe_value_p = Categorical._safe_index_value_p(value, p.cumsum(-1))
        else:
            # logsumexp of log_softmax up to the value: exact when softmax underflows
            dim_diff = log_p.type.ndim - value.type.ndim
            if dim_diff > 1:
                value = pt.shape_padleft(value, dim_diff - 1)
            elif dim_diff < 1:
                log_p = pt.shape_padleft(log_p, 1 - dim_diff)
            masked = pt.switch(pt.le(pt.arange(k), value[..., None]), log_p, -np.inf)
            top = pt.max(masked, axis=-1)
            empty = pt.isinf(top)
            safe_top = pt.switch(empty, 0.0, top)
            total = pt.sum(pt.exp(masked - safe_top[..., None]), axis=-1)
            safe_value_p = pt.switch(
                empty, -np.inf, pt.log(pt.switch(empty, 1.0, total)) + safe_top
            )
""",
            ),
            (
                DISC,
                "from pytensor.tensor import TensorConstant\n",
                "from pytensor.tensor import TensorConstant\n"
                "from pytensor.tensor.special import Softmax, log_softmax\n",
            ),
            (
                MV,
                """    def dist(cls, n, p, *args, **kwargs):
        p = pt.as_tensor_variable(p)
""",
                """    def dist(cls, n, p=None, *args, logit_p=None, **kwargs):
        if (p is None) == (logit_p is None):
            raise ValueError("Pass exactly one of p or logit_p.")
        if logit_p is not None:
            p = pt.special.softmax(logit_p, axis=-1)
        p = pt.as_tensor_variable(p)
""",
            ),
            (
                MV,
                "        res = factln(n_) + pt.sum(-factln(value_) + logpow(p, value_), axis=-1)\n",
                "        if p.owner is not None and isinstance(p.owner.op, pt.special.Softmax):\n"
                "            # p = softmax(logits): x log p from log_softmax, exact at any magnitude\n"
                "            log_p = pt.special.log_softmax(p.owner.inputs[0], axis=p.owner.op.axis)\n"
                "            x_log_p = pt.switch(pt.eq(value_, 0), 0, value_ * log_p)\n"
                "        else:\n"
                "            x_log_p = logpow(p, value_)\n"
                "        res = factln(n_) + pt.sum(-factln(value_) + x_log_p, axis=-1)\n",
            ),
            (
                "tests/distributions/test_logits.py",
                None,
                _TEST_HEAD
                + """
from scipy.special import log_softmax


def test_categorical_logit_p_far_apart():
    logit_p = np.array([0.0, -1000.0])
    logp = pm.logp(pm.Categorical.dist(logit_p=logit_p), 1).eval()
    np.testing.assert_allclose(logp, log_softmax(logit_p)[1])
    logcdf = pm.logcdf(pm.Categorical.dist(logit_p=np.array([0.0, 1000.0])), 0).eval()
    np.testing.assert_allclose(logcdf, -1000.0)


def test_categorical_logit_p_gradient_is_finite():
    logit_p = pt.vector("logit_p")
    logp = pm.logp(pm.Categorical.dist(logit_p=logit_p), 1)
    grad = pytensor.function([logit_p], pytensor.grad(logp, logit_p))(np.array([0.0, -1000.0]))
    np.testing.assert_allclose(grad, [-1.0, 1.0])


def test_multinomial_accepts_logit_p():
    logp = pm.logp(pm.Multinomial.dist(n=3, logit_p=np.array([0.0, -1000.0])), [2, 1]).eval()
    np.testing.assert_allclose(logp, -1000.0 + np.log(3))
""",
            ),
        ],
    },
    {
        "name": "04-dirichlet-multinomial-draws",
        "header": """Subject: DirichletMultinomial: draw the Dirichlet in log space (small concentrations)

`pm.DirichletMultinomial` draws `p ~ Dirichlet(a)` and then
`Multinomial(n, p)`.  For `a` near 1e-3 every gamma draw underflows to 0, `p`
is NaN and the counts come out as -9223372036854775788.

Reproducer:

    import pymc as pm
    print(pm.draw(pm.DirichletMultinomial.dist(n=10, a=[1e-3, 1e-3, 1e-3]), random_seed=1))

Fix: `log G_k = log G'_k + log(U_k) / a_k` with `G'_k ~ Gamma(a_k + 1)` and
`U_k ~ Uniform(0, 1)` is the log of a `Gamma(a_k)` draw that does not
underflow; the term `log(U_k) / a_k = -exp(t_k)` is formed relative to the
largest one, so it stays finite for subnormal `a`; `p = softmax(log G)`.
`t_k = log(-log U_k) - log a_k` is drawn as minus a `Gumbel(log a_k, 1)`
variable, so that `a` meets the draw's shape only inside random variables:
a `size` that does not broadcast against `a` fails when drawn, not when the
variable is built, as before and as for every other distribution.
""",
        "edits": [
            (
                MV,
                "from pytensor.tensor.random.basic import MvNormalRV, dirichlet, multinomial, multivariate_normal\n",
                "from pytensor.tensor.random.basic import (\n"
                "    MvNormalRV,\n"
                "    dirichlet,\n"
                "    gamma,\n"
                "    gumbel,\n"
                "    multinomial,\n"
                "    multivariate_normal,\n"
                ")\n",
            ),
            (
                MV,
                "        next_rng, p = dirichlet(a, size=size, rng=rng, return_next_rng=True)\n",
                """        # Dirichlet in log space: log Gamma(a) = log Gamma(a + 1) + log(U) / a, with
        # log(U) / a = -exp(t) taken relative to the largest term; t = log(-log U) - log a
        # is minus a Gumbel(log a) draw, so a enters only through random variables and an
        # invalid size fails when drawn, not when built, as for every PyMC distribution.
        a64 = pt.cast(a, "float64")
        full = pt.concatenate([size, a.shape[-1:]])
        rng1, g = gamma(a64 + 1.0, scale=1.0, size=full, rng=rng, return_next_rng=True)
        next_rng, minus_t = gumbel(pt.log(a64), 1.0, size=full, rng=rng1, return_next_rng=True)
        t = -minus_t
        t_min = pt.min(t, axis=-1, keepdims=True)
        gap = pt.switch(pt.eq(t, t_min), 0.0, pt.exp(t_min) * pt.expm1(t - t_min))
        p = pt.special.softmax(pt.log(g) - gap, axis=-1)
""",
            ),
            (
                "tests/distributions/test_dirichlet_multinomial_draws.py",
                None,
                _TEST_HEAD
                + """

@pytest.mark.parametrize("a", [[1e-3, 1e-3, 1e-3], [1e-310, 3e-310, 1e-310]])
def test_small_concentrations_draw_valid_counts(a):
    draws = pm.draw(pm.DirichletMultinomial.dist(n=10, a=a), draws=500, random_seed=1)
    assert draws.min() >= 0
    np.testing.assert_array_equal(draws.sum(-1), 10)
    # nearly every draw puts all trials in one category, category k with probability a_k / sum(a)
    vertex = (draws == 10).mean(0)
    np.testing.assert_allclose(vertex, np.asarray(a) / np.sum(a), atol=0.1)
""",
            ),
        ],
    },
    {
        "name": "05-number-of-categories",
        "header": """Subject: Multinomial, DirichletMultinomial: refuse a value with the wrong number of categories

A count vector of length 1 against three categories broadcasts: the
log-density is finite instead of an error.

Reproducer:

    import numpy as np, pymc as pm
    print(pm.logp(pm.Multinomial.dist(3, p=[0.2, 0.3, 0.5]), np.array([3])).eval())  # -14.1

Fix: when both lengths are known and differ, raise a ValueError while
building the log-density; otherwise assert the lengths agree when it runs.
""",
        "edits": [
            (
                MV,
                """        if p.owner is not None and isinstance(p.owner.op, pt.special.Softmax):
""",
                """        value = _check_categories(value, p)
        if p.owner is not None and isinstance(p.owner.op, pt.special.Softmax):
""",
            ),
            (
                MV,
                """        # float64 throughout: gammaln of int8/int16 counts would run in float32
        a_ = pt.cast(a, "float64")
""",
                """        value = _check_categories(value, a)
        # float64 throughout: gammaln of int8/int16 counts would run in float32
        a_ = pt.cast(a, "float64")
""",
            ),
            (
                MV,
                "class DirichletMultinomialRV(SymbolicRandomVariable):\n",
                '''def _check_categories(value, param):
    """Refuse a value whose last axis differs in length from the parameter's."""
    got, want = value.type.shape[-1], param.type.shape[-1]
    if got is not None and want is not None:
        if got != want:
            raise ValueError(f"The value has {got} categories, the parameter {want}.")
        return value
    msg = "The value must have as many categories as the parameter"
    return Assert(msg)(value, pt.eq(value.shape[-1], param.shape[-1]))


class DirichletMultinomialRV(SymbolicRandomVariable):
''',
            ),
            (
                "tests/distributions/test_number_of_categories.py",
                None,
                _TEST_HEAD
                + """

@pytest.mark.parametrize(
    "rv",
    [
        pm.Multinomial.dist(3, p=[0.2, 0.3, 0.5]),
        pm.DirichletMultinomial.dist(3, a=[2.0, 3.0, 5.0]),
    ],
)
def test_wrong_number_of_categories_raises(rv):
    with pytest.raises(ValueError, match="categories"):
        pm.logp(rv, np.array([3]))
    x = pt.lvector("x")
    f = pytensor.function([x], pm.logp(rv, x))
    with pytest.raises((AssertionError, ValueError)):
        f(np.array([1, 1, 1, 0]))
""",
            ),
        ],
    },
    {
        "name": "06-no-silent-rescaling",
        "header": """Subject: Categorical, Multinomial: refuse a constant p off the simplex instead of rescaling it

`pm.Multinomial.dist(3, p=[0.2, 0.2, 0.2])` warns and rescales `p` to
`[1/3, 1/3, 1/3]`; a symbolic `p` with the same values fails the parameter
check.  The two paths disagree, and a typing error in `p` silently becomes a
different model.  Inside the tolerance (`np.isclose`), a constant `p` such
as `[0.2, 0.3, 0.500001]` (probabilities rounded to six digits) is used as
it is, not normalized, so its log-probabilities are those of no distribution.
A fractional constant `n` is accepted as well.

Fix: one rule for a constant `p`, in `dist_math.check_constant_p`: within
the rounding of its float dtype (`sqrt(eps)`: 1.5e-8 in float64) it is used
as given; off by more but within the tolerance of the symbolic check
(`np.isclose`: 1e-5) it is renormalized; further off, a ValueError naming
`p`, as the symbolic check refuses such a `p`.  An integer-typed `p`
(`p=[0, 1]`) is held to float64's rounding.  A constant `n` must hold
nonnegative whole numbers.

This changes what PyMC's `test_categorical_p_not_normalized` and
`test_multinomial_p_not_normalized` (`tests/distributions/test_discrete.py`,
`test_multivariate.py`) expect for `p=[1, 1, 1, 1, 1]`: a ValueError instead
of the rescaling warning.  The patch updates both tests; the behaviour change
is to be discussed on the issue.
""",
        "edits": [
            (
                "pymc/distributions/dist_math.py",
                """def logpow(x, m):""",
                '''def check_constant_p(p: TensorConstant) -> TensorVariable:
    """Check a constant probability vector ``p`` (categories on the last axis).

    Its sums must be 1 within the tolerance of the symbolic check (``np.isclose``)
    or the rounding of its float dtype, whichever is larger; otherwise a
    ValueError.  Within that rounding ``p`` is returned as it is; between the
    two it is returned renormalized, so that probabilities rounded to six digits
    mean what they meant.  An integer-typed ``p`` is held to float64's rounding.
    """
    p_ = np.asarray(p.data)
    p_sum_ = np.sum(p_, axis=-1)
    dtype = p_.dtype if p_.dtype.kind == "f" else np.dtype("float64")
    rounding = float(np.sqrt(np.finfo(dtype).eps))
    off = np.abs(p_sum_ - 1.0)
    if np.any(off > max(rounding, 1e-8 + 1e-5)):
        raise ValueError(f"`p` parameters must sum to 1, got sums {p_sum_}")
    if np.all(off <= rounding):
        return p
    p64 = p_.astype("float64")
    return pt.as_tensor_variable((p64 / p64.sum(axis=-1, keepdims=True)).astype(dtype))


def logpow(x, m):''',
            ),
            (
                "pymc/distributions/dist_math.py",
                "from pytensor.tensor import gammaln\n",
                "from pytensor.tensor import TensorConstant, TensorVariable, gammaln\n",
            ),
            (DISC, "import warnings\n\nimport numpy as np\n", "import numpy as np\n"),
            (
                DISC,
                """    check_icdf_value,
    check_parameters,
""",
                """    check_constant_p,
    check_icdf_value,
    check_parameters,
""",
            ),
            (
                DISC,
                """            p_sum_ = np.sum([p_], axis=-1)
            if not np.all(np.isclose(p_sum_, 1.0)):
                warnings.warn(
                    f"`p` parameters sum to {p_sum_}, instead of 1.0. "
                    "They will be automatically rescaled. "
                    "You can rescale them directly to get rid of this warning.",
                    UserWarning,
                )
                p_ = p_ / pt.sum(p_, axis=-1, keepdims=True)
                p = pt.as_tensor_variable(p_)
        return super().dist([p], **kwargs)
""",
                """            p = check_constant_p(p)
        return super().dist([p], **kwargs)
""",
            ),
            (
                MV,
                """    betaln,
    check_parameters,
    factln,
""",
                """    betaln,
    check_constant_p,
    check_parameters,
    factln,
""",
            ),
            (
                MV,
                """            p_sum_ = np.sum([p_], axis=-1)
            if not np.all(np.isclose(p_sum_, 1.0)):
                warnings.warn(
                    f"`p` parameters sum to {p_sum_}, instead of 1.0. "
                    "They will be automatically rescaled. "
                    "You can rescale them directly to get rid of this warning.",
                    UserWarning,
                )
                p_ = p_ / pt.sum(p_, axis=-1, keepdims=True)
                p = pt.as_tensor_variable(p_)
        n = pt.as_tensor_variable(n)
""",
                """            p = check_constant_p(p)
        n = pt.as_tensor_variable(n)
        if isinstance(n, TensorConstant):
            n_ = np.asarray(n.data)
            if np.any(n_ != np.floor(n_)) or np.any(n_ < 0):
                raise ValueError(f"n must hold nonnegative whole numbers, got: {n_}")
""",
            ),
            (
                "tests/distributions/test_discrete.py",
                """        with pytest.warns(UserWarning, match="They will be automatically rescaled"):
            with pm.Model() as m:
                x = pm.Categorical("x", p=[1, 1, 1, 1, 1])
        assert np.isclose(m.x.owner.inputs[-1].sum().eval(), 1.0)
""",
                """        # p off the simplex is refused, as the same values given symbolically are
        with pytest.raises(ValueError, match="must sum to 1"):
            with pm.Model():
                pm.Categorical("x", p=[1, 1, 1, 1, 1])
""",
            ),
            (
                "tests/distributions/test_multivariate.py",
                """        with pytest.warns(UserWarning, match="They will be automatically rescaled"):
            with pm.Model() as m:
                x = pm.Multinomial("x", n=5, p=[1, 1, 1, 1, 1])
        # test stored p-vals have been normalised
        assert np.isclose(m.x.owner.inputs[-1].sum().eval(), 1.0)
""",
                """        # p off the simplex is refused, as the same values given symbolically are
        with pytest.raises(ValueError, match="must sum to 1"):
            with pm.Model():
                pm.Multinomial("x", n=5, p=[1, 1, 1, 1, 1])
""",
            ),
            (
                "tests/distributions/test_no_silent_rescaling.py",
                None,
                _TEST_HEAD
                + """

def test_constant_p_off_the_simplex_raises():
    with pytest.raises(ValueError, match="sum to 1"):
        pm.Multinomial.dist(3, p=[0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="sum to 1"):
        pm.Categorical.dist(p=[0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="sum to 1"):
        pm.Multinomial.dist(3, p=[0.5, 0.5001])
    with pytest.raises(ValueError, match="whole numbers"):
        pm.Multinomial.dist(2.5, p=[0.5, 0.5])


def test_rounded_constant_p_is_renormalized():
    p = np.array([0.2, 0.3, 0.500001])  # within np.isclose of the simplex
    logp = pm.logp(pm.Multinomial.dist(3, p=p), [1, 0, 2]).eval()
    np.testing.assert_allclose(logp, st.multinomial.logpmf([1, 0, 2], 3, p / p.sum()), rtol=1e-12)
    logp = pm.logp(pm.Categorical.dist(p=p), 2).eval()
    np.testing.assert_allclose(logp, np.log(p[2] / p.sum()), rtol=1e-12)


def test_integer_typed_p_is_a_probability_vector():
    assert pm.logp(pm.Categorical.dist(p=[0, 1]), 1).eval() == 0.0
    assert pm.logp(pm.Multinomial.dist(3, p=[0, 0, 1]), [0, 0, 3]).eval() == 0.0
""",
            ),
        ],
    },
    {
        "name": "07-integer-observed-data",
        "header": """Subject: Model: refuse non-integer observed data for a discrete variable

Observed data is cast to the variable's dtype: labels `[0.5, 1.0]` of a
`pm.Categorical` become `[0, 1]` and the model fits data the user never
had.

Reproducer:

    import numpy as np, pymc as pm
    with pm.Model() as m:
        pm.Categorical("y", p=[0.5, 0.5], observed=np.array([0.5, 1.0]))
    print(m.rvs_to_values[m["y"]].data)  # [0 1]

Fix: before the cast, raise a ValueError naming the variable when float data
for an integer variable holds non-integer values (missing values are left to
the imputation that follows).
""",
        "edits": [
            (
                CORE,
                """        name = rv_var.name
        data = convert_observed_data(data).astype(rv_var.dtype)
""",
                """        name = rv_var.name
        data = convert_observed_data(data)
        integer_rv = rv_var.dtype.startswith(("int", "uint"))
        if integer_rv and isinstance(data, np.ndarray) and data.dtype.kind == "f":
            values = np.ma.getdata(data)
            present = ~np.ma.getmaskarray(data) & np.isfinite(values)
            if np.any(values[present] != np.floor(values[present])):
                raise ValueError(
                    f"Observed data of the integer-valued variable {name!r} holds "
                    "non-integer values; casting would truncate them."
                )
        data = data.astype(rv_var.dtype)
""",
            ),
            (
                "tests/model/test_integer_observed_data.py",
                None,
                _TEST_HEAD
                + """

def test_non_integer_observed_data_of_discrete_variable_raises():
    with pm.Model():
        with pytest.raises(ValueError, match="non-integer"):
            pm.Categorical("y", p=[0.5, 0.5], observed=np.array([0.5, 1.0]))


def test_whole_float_observed_data_is_accepted():
    with pm.Model() as m:
        pm.Categorical("y", p=[0.5, 0.5], observed=np.array([0.0, 1.0]))
    np.testing.assert_array_equal(m.rvs_to_values[m["y"]].data, [0, 1])
""",
            ),
        ],
    },
]

from stage_08 import STAGE_08, STAGE_09  # noqa: E402
from stage_10 import STAGE_10  # noqa: E402
from stage_11 import STAGE_11  # noqa: E402
from stage_12 import STAGE_12  # noqa: E402
from stage_13 import STAGE_13  # noqa: E402
from stage_14 import STAGE_14  # noqa: E402

STAGES += [STAGE_08, STAGE_09, STAGE_10, STAGE_11, STAGE_12, STAGE_13, STAGE_14]
