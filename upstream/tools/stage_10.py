# ruff: noqa: E501  (the header quotes source lines as they are)
"""Stage 10 of the patches, for PyTensor: categorical and multinomial draws from a float32 ``p``."""

BASIC = "pytensor/tensor/random/basic.py"
NUMBA = "pytensor/link/numba/dispatch/random.py"

STAGE_10 = {
    "name": "10-float32-draws",
    "header": """Subject: categorical / multinomial draws: a float32 p summing below 1 draws out of range

A valid float32 probability vector rarely sums to 1 exactly. Its float32
rounding error then becomes probability mass of an impossible outcome:

    import numpy as np, pymc as pm, pytensor.tensor as pt
    theta = pt.tensor("theta", dtype="float32", shape=(None,))
    p = np.array([0.3, 0.69999], dtype="float32")  # sums to 0.99999
    d = pm.compile([theta], pm.Categorical.dist(p=theta, size=(200000,)), random_seed=4)(p)
    print(d.max())  # 2: a third category that does not exist
    theta3 = np.array([0.5, 0.49999, 0.0], dtype="float32")
    d = pm.compile([theta], pm.Multinomial.dist(1000, p=theta, size=(2000,)), random_seed=4)(theta3)
    print(d[:, 2].sum())  # 17 trials in a category of probability 0

`CategoricalRV.rng_fn` searches a uniform draw in `cumsum(p)`: when the sum
is below 1, a draw above it returns K. `MultinomialRV.rng_fn` passes `p` to
numpy's `multinomial`, which hands the trials left over by the missing mass to
the last category, whatever its probability. The Numba implementations do the
same float32 arithmetic (`cumsum(p)`; conditional binomials starting from a
remaining mass of 1.0); their draws did not show the error in our runs (seeds
0-4), and they get the same fix so that both backends agree.

Fix: accumulate `p` in float64 and measure the draw against the actual total
(categorical: search `u * total` in `cumsum(p)`; multinomial: start the
remaining mass at the total and cap each conditional probability at 1; Python:
divide by the float64 total before `numpy.random.Generator.multinomial`). For a
`p` that sums to 1 in float64 nothing changes.

The Numba implementations also get new cache versions (Categorical 1, was
none; Multinomial 2, was 1): PyTensor keys its on-disk Numba cache by the
graph and these versions, not by the source, so without them a warm cache goes
on serving the draws compiled from the old code (we first saw the patch "not
work" for that reason).
""",
    "edits": [
        (
            BASIC,
            """        unif_samples = rng.uniform(size=size)
        samples = vsearchsorted(p.cumsum(axis=-1), unif_samples)
""",
            """        unif_samples = rng.uniform(size=size)
        # against the float64 total: a float32 p summing below 1 must not draw K
        cdf = np.cumsum(p, axis=-1, dtype=np.float64)
        samples = vsearchsorted(cdf, unif_samples * cdf[..., -1])
""",
        ),
        (
            BASIC,
            """    def rng_fn(cls, rng, n, p, size):
        if n.ndim > 0 or p.ndim > 1:
""",
            """    def rng_fn(cls, rng, n, p, size):
        # in float64, divided by its total: mass lost to float32 rounding must not
        # go to the last category
        p = np.asarray(p, dtype=np.float64)
        p = p / p.sum(axis=-1, keepdims=True)
        if n.ndim > 0 or p.ndim > 1:
""",
        ),
        (
            NUMBA,
            """        unif_sample = rng.uniform(0, 1)
        return np.searchsorted(np.cumsum(p), unif_sample)

    return random_fn
""",
            """        unif_sample = rng.uniform(0, 1)
        cdf = np.cumsum(p.astype(np.float64))
        return np.searchsorted(cdf, unif_sample * cdf[-1])

    # A version: PyTensor keys its Numba cache by the graph, so without a new key a
    # warm cache would go on serving the draws compiled from the old code.
    return random_fn, 1
""",
        ),
        (
            NUMBA,
            """        remaining_p = np.float64(1.0)
        remaining_n = n
        for i in range(n_cat - 1):
            out[i] = rng.binomial(remaining_n, p[i] / remaining_p)
            remaining_n -= out[i]
            if remaining_n <= 0:
                break
            remaining_p -= p[i]
""",
            """        remaining_p = np.sum(p.astype(np.float64))  # not 1.0: float32 p may sum below 1
        remaining_n = n
        for i in range(n_cat - 1):
            p_i = np.float64(p[i])
            out[i] = rng.binomial(remaining_n, min(p_i / remaining_p, 1.0))
            remaining_n -= out[i]
            if remaining_n <= 0:
                break
            remaining_p -= p_i
""",
        ),
        (
            NUMBA,
            """    random_fn.handles_out = True
    return random_fn, 1
""",
            """    random_fn.handles_out = True
    return random_fn, 2  # version 2: a new cache key for the new draws
""",
        ),
        (
            "tests/tensor/random/test_float32_draws.py",
            None,
            """import numpy as np
import pytest

import pytensor
import pytensor.tensor as pt
from pytensor.tensor.random.basic import categorical, multinomial


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "NUMBA"])
def test_categorical_float32_p_summing_below_one_draws_in_range(mode):
    p = pt.vector("p", dtype="float32")
    rng = pytensor.shared(np.random.default_rng(4))
    f = pytensor.function([p], categorical(p, size=(200_000,), rng=rng), mode=mode)
    draws = f(np.array([0.3, 0.69999], dtype="float32"))
    assert draws.max() == 1
    np.testing.assert_allclose(draws.mean(), 0.69999 / 0.99999, atol=5e-3)


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "NUMBA"])
def test_multinomial_float32_p_summing_below_one_never_draws_a_zero_category(mode):
    p = pt.vector("p", dtype="float32")
    rng = pytensor.shared(np.random.default_rng(4))
    f = pytensor.function([p], multinomial(1000, p, size=(2000,), rng=rng), mode=mode)
    draws = f(np.array([0.5, 0.49999, 0.0], dtype="float32"))
    assert draws[:, 2].sum() == 0
    assert (draws.sum(axis=1) == 1000).all()
""",
        ),
    ],
}
