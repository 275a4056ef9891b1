# ruff: noqa: E501  (the header quotes source lines as they are)
"""Stage 14 of the patches: the Metropolized Gibbs proposal of CategoricalGibbsMetropolis."""

METROPOLIS = "pymc/step_methods/metropolis.py"

STAGE_14 = {
    "name": "14-metropolized-gibbs-ratio",
    "header": """Subject: CategoricalGibbsMetropolis(proposal="proportional"): accept with Liu's ratio

`metropolis_proportional` (Liu's Metropolized Gibbs sampler) proposes a
category `j` other than the current `i` with probability `pi_j / (1 - pi_i)`
and must accept it with probability `min(1, (1 - pi_i) / (1 - pi_j))`.  It
divides the proposal vector by `1 - pi_i` in place first, so the ratio it
forms is `(1 - pi_i) / (1 - pi_j / (1 - pi_i))`, and the chain samples another
distribution:

    import numpy as np, pymc as pm, pytensor.tensor as pt
    with pm.Model():
        z = pm.Categorical("z", p=[0.2, 0.3, 0.5])
        pm.Normal("y", mu=pt.as_tensor([-1.0, 0.5, 2.0])[z], sigma=1.0, observed=[0.3, 0.1])
        step = pm.CategoricalGibbsMetropolis([z], proposal="proportional")
        idata = pm.sample(3000, tune=300, chains=2, step=step, random_seed=11)
    print(np.bincount(idata.posterior["z"].values.ravel()) / 6000)
    # [0.31 0.62 0.07]; the posterior p_k N(y; mu_k, 1) / Z is [0.139 0.804 0.057]

The stationary distribution of the kernel as written is [0.308, 0.623,
0.069].  The default `proposal="uniform"` is right.

Fix: draw the proposal from the divided vector, but form the ratio with the
undivided `pi_j`.  Found by pymc_bnn's check that PyMC's Gibbs steps sample a
latent Categorical to its exact posterior.
""",
    "edits": [
        (
            METROPOLIS,
            """        prob_curr, probs[given_cat] = probs[given_cat], 0.0
        probs /= 1.0 - prob_curr
        proposed_cat = self.rng.choice(candidates, p=probs)
        accept_ratio = (1.0 - prob_curr) / (1.0 - probs[proposed_cat])
""",
            """        prob_curr, probs[given_cat] = probs[given_cat], 0.0
        proposal = probs / (1.0 - prob_curr)
        proposed_cat = self.rng.choice(candidates, p=proposal)
        # Liu (1996): accept with (1 - pi_current) / (1 - pi_proposed), undivided pi
        accept_ratio = (1.0 - prob_curr) / (1.0 - probs[proposed_cat])
""",
        ),
        (
            "tests/step_methods/test_metropolized_gibbs.py",
            None,
            """import numpy as np
import pytensor.tensor as pt
import pytest
import scipy.stats as st

import pymc as pm


@pytest.mark.parametrize("proposal", ["uniform", "proportional"])
def test_categorical_gibbs_samples_the_exact_posterior(proposal):
    prior, mu, y = np.array([0.2, 0.3, 0.5]), np.array([-1.0, 0.5, 2.0]), np.array([0.3, 0.1])
    log_post = np.log(prior) + st.norm.logpdf(y[:, None], mu, 1.0).sum(0)
    exact = np.exp(log_post - log_post.max())
    exact /= exact.sum()
    with pm.Model():
        z = pm.Categorical("z", p=prior)
        pm.Normal("y", mu=pt.as_tensor(mu)[z], sigma=1.0, observed=y)
        step = pm.CategoricalGibbsMetropolis([z], proposal=proposal)
        idata = pm.sample(
            3000, tune=300, chains=2, step=step, random_seed=11, progressbar=False
        )
    draws = idata.posterior["z"].values.ravel()
    freq = np.bincount(draws, minlength=3) / draws.size
    # 6000 autocorrelated draws: 0.03 is several Monte-Carlo standard errors
    np.testing.assert_allclose(freq, exact, atol=0.03)
""",
        ),
    ],
}
