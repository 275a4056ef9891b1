import numpy as np
import pymc as pm

# Two hidden tanh layers of five units, no biases, unit Normal weights that
# start at random values, a sigmoid output and a Bernoulli likelihood.
rng = np.random.default_rng(0)
shapes = {"w_in": (2, 5), "w_hidden": (5, 5), "w_out": (5,)}
with pm.Model() as moons_net:
    x = pm.Data("x", X_train)
    w = {
        name: pm.Normal(name, 0, 1, shape=shape, initval=rng.standard_normal(shape))
        for name, shape in shapes.items()
    }
    hidden = pm.math.tanh(pm.math.tanh(x @ w["w_in"]) @ w["w_hidden"])
    p = pm.Deterministic("p", pm.math.sigmoid(hidden @ w["w_out"]))
    pm.Bernoulli("y", p=p, observed=y_train, shape=x.shape[0])
    approx = pm.fit(30_000, method="advi", random_seed=0, progressbar=False)
    idata = approx.sample(5_000, random_seed=0)


def probability_draws(X):
    """P(class 0), P(class 1) of the rows X under each draw: (draws, rows, 2)."""
    with moons_net:
        pm.set_data({"x": X})
        pp = pm.sample_posterior_predictive(
            idata, var_names=["p"], random_seed=0, progressbar=False
        )
    p1 = pp.posterior_predictive["p"].values.reshape(-1, len(X))
    return np.stack([1 - p1, p1], axis=-1)
