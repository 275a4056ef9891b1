# ruff: noqa: E501  (the header quotes source lines as they are)
"""Stage 13 of the patches: variational approximations of more than one group fit and draw."""

OPVI = "pymc/variational/opvi.py"

STAGE_13 = {
    "name": "13-grouped-approximations",
    "header": """Subject: ADVI: an Approximation of several groups fits, and its draws land on their own variables

`Approximation([group_1, group_other])`, as `Group`'s docstring shows it (for
example a full-rank group for some variables and mean-field for the rest), is
broken in two ways:

1. It cannot be fitted. `KLqp(approx).fit()` (and `step_function`,
   `score_function`) seed the compiled step with `self.approx.rng`, which only
   `Group` and `SingleGroupApproximation` (by delegating to its group) have:
   `AttributeError: 'Approximation' object has no attribute 'rng'`.

2. Its draws are assigned to the wrong variables when the groups are not in the
   model's order (the group of "the rest" always comes last). `sample_dict_fn`
   returns the draws in the groups' order, and `Approximation.sample` records
   them with `trace.record(point)`, whose compiled function takes
   `point.values()` positionally in the order of `model.value_vars`. Variables
   of different shapes raise a broadcasting error; variables of the same shape
   swap their posteriors silently:

    import numpy as np, pymc as pm
    from pymc.variational.approximations import Approximation, MeanFieldGroup
    with pm.Model() as m:
        a = pm.Normal("a", -5, 0.1, shape=2)
        b = pm.Normal("b", 5, 0.1, shape=2)
    approx = Approximation([MeanFieldGroup([b]), MeanFieldGroup([a])])
    approx.rng = np.random.RandomState(0)  # around 1.
    pm.KLqp(approx).fit(3000, obj_optimizer=pm.adam(learning_rate=0.05), progressbar=False)
    idata = approx.sample(200, random_seed=0)
    print(idata.posterior["a"].mean().item())  # 4.96: the posterior of b

Fix: `Approximation.rng` is the first group's generator (as for a single
group, so `random_seed` given to that group seeds the fit), and
`sample_dict_fn` returns the draws in the order of `model.value_vars`.
Found by pymc_bnn while comparing a full-rank output layer with mean-field
hidden layers in a Bayesian neural network.
""",
    "edits": [
        (
            OPVI,
            """    @property
    def model(self):
        return modelcontext(self.groups[0].model if self.groups else None)
""",
            """    @property
    def model(self):
        return modelcontext(self.groups[0].model if self.groups else None)

    @property
    def rng(self):
        \"\"\"The first group's generator: it seeds the compiled step, as for a single group.\"\"\"
        return self.groups[0].rng
""",
        ),
        (
            OPVI,
            """        names = [name for ordering in self.collect("ordering") for name in ordering]
""",
            """        # In the model's order: `sample` records each draw through a function that takes
        # the values in the order of `model.value_vars`, not in the groups' order.
        names = [v.name for v in self.model.value_vars]
""",
        ),
        (
            "tests/variational/test_grouped_approximations.py",
            None,
            """import numpy as np
import pytest

import pymc as pm

from pymc.variational.approximations import Approximation, FullRankGroup, MeanFieldGroup


@pytest.fixture
def model():
    with pm.Model() as m:
        pm.Normal("a", -5, 0.1, shape=2)
        pm.Normal("b", 5, 0.1, shape=2)
        pm.HalfNormal("s", 1.0, shape=3)
    return m


def test_grouped_approximation_draws_land_on_their_variables(model):
    # Groups out of the model's order; the means are set, not fitted.
    approx = Approximation(
        [MeanFieldGroup(None, model=model), MeanFieldGroup([model["b"]], model=model)],
        model=model,
    )
    values = {"a": -5.0, "b": 5.0, "s_log__": np.log(2.0)}
    for group in approx.groups:
        mu = np.concatenate(
            [np.full(np.prod(shape, dtype=int), values[name]) for name, (_, _, shape, _) in group.ordering.items()]
        )
        group.params_dict["mu"].set_value(mu)
        group.params_dict["rho"].set_value(np.full(mu.size, -10.0))
    posterior = approx.sample(20, random_seed=1).posterior
    np.testing.assert_allclose(posterior["a"], -5.0, atol=1e-3)
    np.testing.assert_allclose(posterior["b"], 5.0, atol=1e-3)
    np.testing.assert_allclose(posterior["s"], 2.0, rtol=1e-3)


def test_grouped_approximation_fits(model):
    def fit(seed):
        approx = Approximation(
            [
                FullRankGroup([model["b"]], model=model, random_seed=seed),
                MeanFieldGroup(None, model=model),
            ],
            model=model,
        )
        inference = pm.KLqp(approx)
        inference.fit(1500, obj_optimizer=pm.adam(learning_rate=0.05), progressbar=False)
        return approx, inference.hist

    approx, hist = fit(1)
    posterior = approx.sample(500, random_seed=1).posterior
    np.testing.assert_allclose(posterior["a"].mean(), -5.0, atol=0.05)
    np.testing.assert_allclose(posterior["b"].mean(), 5.0, atol=0.05)
    # The first group's random_seed seeds the fit.
    np.testing.assert_array_equal(fit(1)[1], hist)
""",
        ),
    ],
}
