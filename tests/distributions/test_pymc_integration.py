"""pymc_bnn distributions inside PyMC workflows, checked against closed forms.

A Dirichlet prior with a Multinomial likelihood is conjugate: the posterior is
Dirichlet(alpha + counts), whose mean is known exactly, so NUTS and ADVI have an
oracle.  These fit models, so they are the slowest tests of the likelihood suite
(marked ``slow``, as is the one that starts a fresh interpreter).
"""

import subprocess
import sys
import textwrap

import numpy as np
import pymc as pm
import pytest

import pymc_bnn as pb

ALPHA = np.array([1.0, 2.0, 3.0])
COUNTS = np.array([[12, 30, 58], [9, 33, 58]])


def _dirichlet_multinomial_model(parametrization):
    with pm.Model() as model:
        p = pm.Dirichlet("p", ALPHA)
        if parametrization == "p":
            pb.Multinomial("x", n=100, p=p, observed=COUNTS)
        else:
            pb.Multinomial("x", n=100, logit_p=pm.math.log(p), observed=COUNTS)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("parametrization", ["p", "logit_p"])
def test_nuts_recovers_conjugate_posterior_mean(parametrization):
    post = ALPHA + COUNTS.sum(0)
    exact_mean = post / post.sum()
    exact_sd = np.sqrt(exact_mean * (1 - exact_mean) / (post.sum() + 1))
    with _dirichlet_multinomial_model(parametrization):
        idata = pm.sample(
            draws=1000,
            tune=500,
            chains=2,
            random_seed=1,
            progressbar=False,
            compute_convergence_checks=False,
        )
    draws = idata.posterior["p"].values.reshape(-1, 3)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    # Monte-Carlo standard error with a conservative effective size of 400 draws.
    assert np.all(np.abs(draws.mean(0) - exact_mean) < 5 * exact_sd / np.sqrt(400))


@pytest.mark.slow
def test_advi_recovers_conjugate_posterior_mean():
    post = ALPHA + COUNTS.sum(0)
    with _dirichlet_multinomial_model("logit_p"):
        approx = pm.fit(20000, random_seed=2, progressbar=False)
    mean = approx.sample(2000, random_seed=3).posterior["p"].values.reshape(-1, 3).mean(0)
    # Mean-field ADVI on the stick-breaking space is biased, but not by 0.02 here.
    np.testing.assert_allclose(mean, post / post.sum(), atol=0.02)


def test_prior_and_posterior_predictive_shapes_and_support():
    with pm.Model(coords={"obs": range(5), "cls": list("abc")}) as model:
        logits = pm.Normal("logits", 0, 1, dims="cls")
        y = pb.Categorical("y", logit_p=logits, dims="obs")
        x = pb.Multinomial("x", n=7, logit_p=logits, dims=("obs", "cls"))
        prior = pm.sample_prior_predictive(draws=50, random_seed=4)
    ys = prior.prior["y"].values
    xs = prior.prior["x"].values
    assert ys.shape == (1, 50, 5) and xs.shape == (1, 50, 5, 3)
    assert ys.min() >= 0 and ys.max() <= 2
    assert (xs.sum(-1) == 7).all()
    assert model.rvs_to_values[y] is not None and model.rvs_to_values[x] is not None


@pytest.mark.parametrize(
    ("cls", "kwargs", "observed", "match"),
    [
        (pb.Categorical, dict(p=[0.5, 0.5]), [0, 0.5], "non-integer"),
        (pb.Categorical, dict(p=[0.5, 0.5]), [0, -1], "negative"),
        (pb.Categorical, dict(p=[0.5, 0.5]), [0, np.inf], "inf"),
        (pb.Multinomial, dict(n=2, p=[0.5, 0.5]), [[1, 1], [1.5, 0.5]], "non-integer"),
        (pb.Multinomial, dict(n=2, p=[0.5, 0.5]), [[3, -1]], "negative"),
    ],
)
def test_bad_observed_data_raises_naming_the_variable(cls, kwargs, observed, match):
    with pm.Model(), pytest.raises(ValueError, match=f"'obs'.*{match}"):
        cls("obs", observed=np.array(observed), **kwargs)


def test_missing_labels_are_imputed_as_pymc_does():
    """NaN labels become a y_unobserved variable for pb.Categorical as for pm.Categorical."""
    labels = np.array([0.0, np.nan, 1.0])
    logps = []
    for cls in (pb.Categorical, pm.Categorical):
        with pm.Model() as model:
            cls("obs", p=[0.25, 0.75], observed=labels)
        assert [v.name for v in model.free_RVs] == ["obs_unobserved"]
        logps.append(model.compile_logp()(model.initial_point()))
    # initial value of the missing label: the most probable class, 1
    np.testing.assert_allclose(logps, np.log([0.25, 0.75, 0.75]).sum(), rtol=1e-12)


@pytest.mark.slow
def test_import_does_not_change_pymc():
    """Importing pymc_bnn (its distributions included) leaves pm.Categorical /
    pm.Multinomial exactly as they were: log-densities, dispatch, step methods, draws
    (pymc_bnn's draw rewrite and registrations apply to its own op classes only)."""
    script = textwrap.dedent(
        """
        import numpy as np, pymc as pm
        from pymc.distributions.moments.means import _mean
        from pymc.logprob.abstract import _logprob
        from pymc.sampling.mcmc import assign_step_methods
        from pytensor.tensor.random.basic import CategoricalRV, MultinomialRV

        def probe():
            with pm.Model() as model:
                pm.Categorical("z", p=[0.2, 0.3, 0.5])
            return (
                float(pm.logp(pm.Categorical.dist(logit_p=np.array([0.0, -1000.0])), 1).eval()),
                float(pm.logp(pm.Multinomial.dist(n=np.int8(100), p=[0.5, 0.5]),
                              np.array([50, 50], dtype="int8")).eval()),
                _logprob.dispatch(CategoricalRV), _logprob.dispatch(MultinomialRV),
                _mean.dispatch(CategoricalRV), _mean.dispatch(MultinomialRV),
                [c.__name__ for c in assign_step_methods(model)[1]],
                pm.draw(pm.Categorical.dist(p=[0.2, 0.3, 0.5], size=20), random_seed=1).tolist(),
                str(pm.Categorical.dist(p=[0.2, 0.3, 0.5]).owner.op),
            )

        before = probe()
        import pymc_bnn
        pymc_bnn.Categorical, pymc_bnn.Multinomial, pymc_bnn.DirichletMultinomial
        after = probe()
        assert before == after, (before, after)
        print("unchanged", before[:2])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "unchanged" in out.stdout
