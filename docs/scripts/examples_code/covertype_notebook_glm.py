import numpy as np
import pymc as pm

# Softmax regression: wide Normal(0, 100) priors, one-hot rows observed through a
# Multinomial with n=1; Metropolis started at the MAP.
n_features, n_classes = X_train.shape[1], 7
with pm.Model() as cover_glm:
    x = pm.Data("x", X_train)
    weights = pm.Normal("weights", 0, 100, shape=(n_features, n_classes))
    intercept = pm.Normal("intercept", 0, 100, shape=n_classes)
    p = pm.Deterministic("p", pm.math.softmax(x @ weights + intercept, axis=-1))
    one_hot = np.eye(n_classes)[y_train - 1]
    pm.Multinomial("y", n=1, p=p, observed=one_hot, shape=(x.shape[0], n_classes))
    start = pm.find_MAP(progressbar=False)
    idata = pm.sample(
        50_000, step=pm.Metropolis(), initvals=start, chains=1, random_seed=0, progressbar=False
    )


def probability_draws(X):
    """Class probabilities of the rows X under every 50th draw: (draws, rows, 7)."""
    with cover_glm:
        pm.set_data({"x": X})
        pp = pm.sample_posterior_predictive(
            idata.sel(draw=slice(None, None, 50)), var_names=["p"], progressbar=False
        )
    return pp.posterior_predictive["p"].values.reshape(-1, len(X), n_classes)
