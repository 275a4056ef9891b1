import numpy as np
import pymc as pm

# Two hidden tanh layers of 20 units, no biases, unit Normal weights that start
# at random values, a softmax output; one-hot rows through a Multinomial, n=1.
rng = np.random.default_rng(0)
n_features, n_classes = X_train.shape[1], 7
shapes = {"w_1": (n_features, 20), "w_2": (20, 20), "w_out": (20, n_classes)}
with pm.Model() as cover_net:
    x = pm.Data("x", X_train)
    w = {
        name: pm.Normal(name, 0, 1, shape=shape, initval=rng.standard_normal(shape))
        for name, shape in shapes.items()
    }
    hidden = pm.math.tanh(pm.math.tanh(x @ w["w_1"]) @ w["w_2"])
    p = pm.Deterministic("p", pm.math.softmax(hidden @ w["w_out"], axis=-1))
    one_hot = np.eye(n_classes)[y_train - 1]
    pm.Multinomial("y", n=1, p=p, observed=one_hot, shape=(x.shape[0], n_classes))
    approx = pm.fit(10_000, method="advi", random_seed=0, progressbar=False)
    idata = approx.sample(5_000, random_seed=0)


def probability_draws(X):
    """Class probabilities of the rows X under each draw: (draws, rows, 7)."""
    with cover_net:
        pm.set_data({"x": X})
        pp = pm.sample_posterior_predictive(
            idata, var_names=["p"], random_seed=0, progressbar=False
        )
    return pp.posterior_predictive["p"].values.reshape(-1, len(X), n_classes)
