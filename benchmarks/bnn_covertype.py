"""Bayesian neural network on the cover-type data: pymc_bnn vs NumPyro vs plain PyMC vs sklearn.

Network: two hidden layers of 20 tanh units, a linear output layer with 7 units,
Normal(0, 1) priors on every weight and bias; minibatches of 256 rows, 30,000
optimization steps, 500 posterior draws for prediction.  Split and scores as in
``glm_covertype.py`` (:mod:`common`).

Rows:

* ``pymc_bnn``: :func:`pymc_bnn.bnn_classifier` + :func:`pymc_bnn.fit_advi`;
* ``NumPyro``: the same network, priors, batch size, step count and Adam learning
  rate, SVI with an ``AutoNormal`` guide (its defaults: ``init_to_uniform``,
  ``init_scale=0.1``);
* ``plain PyMC`` and two steps from it to pymc_bnn (the ablation that shows where
  plain PyMC loses): the network written with ``pm.Normal`` weights and
  ``pm.Categorical(p=softmax(...))``, fitted with ``pm.fit`` defaults
  (``adagrad_window``, all-zero starting means, starting sigma 0.69); then with
  random starting weights; then with Adam(0.01) too;
* scikit-learn ``MLPClassifier(hidden_layer_sizes=(20, 20))`` (point estimate);
* ``multinomial_glm`` with the same minibatch ADVI, for reference.

pymc_bnn and NumPyro are run with ``--seeds`` seeds each; their rows show the
median over seeds (and the range).  Seconds per 1,000 iterations exclude
compilation (pymc_bnn rows: between the first and the last callback); NumPyro's
steady-state step time is measured directly in ``advi_steps.py`` (its ``svi.run``
compiles inside the run, and subtracting two runs is no measurement).

Run: ``.venv/bin/python benchmarks/bnn_covertype.py [--seeds 3] [--steps 30000]``;
writes ``benchmarks/results/bnn_covertype.md``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from common import (
    RESULTS,
    SCORE_HEADERS,
    StepClock,
    Stopwatch,
    as_probs,
    codes,
    jax_float64,
    machine,
    score_row,
    scores,
    split,
    table,
)
from scipy.special import softmax

from pymc_bnn import bnn_classifier, fit_advi, multinomial_glm

HIDDEN = (20, 20)
BATCH = 256
LEARNING_RATE = 0.01
DRAWS = 500


def _pymc_result(start, clock, probs, y_test, notes):
    return {
        **scores(probs, y_test),
        "compile": clock.first - start,
        "per_1000": clock.per_1000(),
        "notes": notes,
    }


def fit_pymc_bnn(data, steps, seed):
    clock = StepClock()
    with pm.Model():
        # Unit priors on every layer, as the NumPyro and plain PyMC rows (not "auto").
        net = bnn_classifier(
            "cover",
            data.X_train,
            data.y_train,
            hidden=HIDDEN,
            prior_scale=1.0,
            batch_size=BATCH,
            random_seed=seed,
        )
        start = time.perf_counter()
        idata, approx = fit_advi(
            steps,
            learning_rate=LEARNING_RATE,
            draws=DRAWS,
            random_seed=seed,
            progressbar=False,
            callbacks=[clock],
        )
    assert np.isfinite(approx.hist).all()
    probs = net.predict_proba(idata, data.X_test)
    return _pymc_result(start, clock, probs, data.y_test, "fit_advi defaults")


def fit_glm(data, steps, seed):
    clock = StepClock()
    with pm.Model():
        glm = multinomial_glm(
            "cover",
            data.X_train,
            data.y_train,
            batch_size=BATCH,
            parametrization="centered",  # the estimators' choice for ADVI
            random_seed=seed,
        )
        start = time.perf_counter()
        idata, _ = fit_advi(
            steps, draws=DRAWS, random_seed=seed, progressbar=False, callbacks=[clock]
        )
    probs = glm.predict_proba(idata, data.X_test)
    return _pymc_result(start, clock, probs, data.y_test, "zerosum, fit_advi defaults")


def _plain_forward(params: dict[str, np.ndarray], X):
    """Class probabilities ``(draw, obs, classes)`` from weight draws ``w{i}``, ``b{i}``."""
    a = X[None]
    for i in range(len(HIDDEN) + 1):
        a = a @ params[f"w{i}"] + params[f"b{i}"][:, None, :]
        if i < len(HIDDEN):
            a = np.tanh(a)
    return softmax(a, axis=-1)


def fit_plain_pymc(data, steps, seed, *, random_init: bool, adam: bool):
    """The network as a PyMC user writes it from the PyMC examples."""
    classes, y_train, _ = codes(data)
    rng = np.random.default_rng(seed)
    clock = StepClock()
    with pm.Model():
        X = pm.Data("X", data.X_train.to_numpy())
        y = pm.Data("y", y_train)
        X_batch, y_batch = pm.Minibatch(X, y, batch_size=BATCH)
        sizes = (X_batch.type.shape[-1] or data.X_train.shape[1], *HIDDEN, len(classes))
        a = X_batch
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            init = rng.normal(size=(n_in, n_out)) if random_init else None
            w = pm.Normal(f"w{i}", 0.0, 1.0, shape=(n_in, n_out), initval=init)
            b = pm.Normal(f"b{i}", 0.0, 1.0, shape=(n_out,))
            a = a @ w + b
            if i < len(HIDDEN):
                a = pt.tanh(a)
        pm.Categorical(
            "obs", p=pt.special.softmax(a, axis=-1), observed=y_batch, total_size=len(y_train)
        )
        kwargs = {"obj_optimizer": pm.adam(learning_rate=LEARNING_RATE)} if adam else {}
        start = time.perf_counter()
        approx = pm.fit(steps, random_seed=seed, progressbar=False, callbacks=[clock], **kwargs)
        post = approx.sample(DRAWS, random_seed=seed).posterior
    params = {k: post[k].values.reshape(-1, *post[k].shape[2:]) for k in post.data_vars}
    probs = as_probs(_plain_forward(params, data.X_test.to_numpy()), classes)
    init = "random" if random_init else "zero"
    optimizer = "Adam(0.01)" if adam else "adagrad_window (default)"
    return _pymc_result(start, clock, probs, data.y_test, f"{init} init, {optimizer}, sigma 0.69")


def numpyro_bnn(sizes: tuple[int, ...], batch_size: int | None):
    """The network in NumPyro: Normal(0, 1) weights and biases, tanh hidden layers.

    ``sizes`` are the layer widths from the inputs to the classes; the
    likelihood sees a random minibatch of ``batch_size`` rows (all rows for
    ``None``).
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    def model(X, y):
        params = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            w = numpyro.sample(f"w{i}", dist.Normal(0, 1).expand([n_in, n_out]).to_event(2))
            b = numpyro.sample(f"b{i}", dist.Normal(0, 1).expand([n_out]).to_event(1))
            params.append((w, b))
        with numpyro.plate("obs", X.shape[0], subsample_size=batch_size) as idx:
            a = X[idx]
            for i, (w, b) in enumerate(params):
                a = a @ w + b
                if i < len(params) - 1:
                    a = jnp.tanh(a)
            numpyro.sample("y", dist.Categorical(logits=a), obs=y[idx])

    return model


def fit_numpyro(data, steps, seed):
    import jax
    import jax.numpy as jnp
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoNormal
    from numpyro.optim import Adam

    classes, y_train, _ = codes(data)
    X_train = jnp.asarray(data.X_train.to_numpy())
    y_train = jnp.asarray(y_train)
    sizes = (X_train.shape[1], *HIDDEN, len(classes))

    model = numpyro_bnn(sizes, BATCH)

    guide = AutoNormal(model)
    svi = SVI(model, guide, Adam(LEARNING_RATE), Trace_ELBO())
    key = jax.random.PRNGKey(seed)
    with Stopwatch() as clock:
        result = svi.run(key, steps, X_train, y_train, progress_bar=False)
        jax.block_until_ready(result.params)
    post = guide.sample_posterior(
        jax.random.PRNGKey(seed + 1), result.params, sample_shape=(DRAWS,)
    )
    params = {k: np.asarray(v) for k, v in post.items()}
    probs = as_probs(_plain_forward(params, data.X_test.to_numpy()), classes)
    assert np.isfinite(np.asarray(result.losses)).all()
    return {
        **scores(probs, data.y_test),
        "compile": float("nan"),
        "per_1000": float("nan"),
        "notes": f"SVI, AutoNormal, Adam(0.01); {clock.seconds:.0f} s in all with compilation "
        "(steady-state step time: advi_steps.md)",
    }


def fit_mlp(data, steps, seed):
    from sklearn.neural_network import MLPClassifier

    with Stopwatch() as clock:
        clf = MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=1000, random_state=seed)
        clf.fit(data.X_train, data.y_train)
    probs = as_probs(clf.predict_proba(data.X_test), clf.classes_)
    return {
        **scores(probs, data.y_test),
        "compile": 0.0,
        "per_1000": float("nan"),
        "notes": f"point estimate, relu, Adam, {clf.n_iter_} epochs in {clock.seconds:.0f} s",
    }


def median_row(label, results):
    keys = ("accuracy", "mlpd", "ece", "compile", "per_1000")
    med = {k: statistics.median(r[k] for r in results) for k in keys}
    spread = (
        ""
        if len(results) == 1
        else (
            f"; accuracy {min(r['accuracy'] for r in results):.3f}-"
            f"{max(r['accuracy'] for r in results):.3f} over {len(results)} seeds"
        )
    )
    return score_row(label, {**med, "notes": results[0]["notes"] + spread})


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args(argv)
    jax_float64()  # NumPyro at pymc_bnn's precision
    data = split(args.csv) if args.csv else split()
    runs = [
        ("pymc_bnn bnn_classifier + fit_advi", fit_pymc_bnn, args.seeds),
        ("NumPyro BNN", fit_numpyro, args.seeds),
        (
            "plain PyMC BNN",
            lambda d, s, r: fit_plain_pymc(d, s, r, random_init=False, adam=False),
            1,
        ),
        (
            "plain PyMC + random init",
            lambda d, s, r: fit_plain_pymc(d, s, r, random_init=True, adam=False),
            1,
        ),
        (
            "plain PyMC + random init + Adam",
            lambda d, s, r: fit_plain_pymc(d, s, r, random_init=True, adam=True),
            1,
        ),
        ("multinomial_glm + fit_advi", fit_glm, 1),
        ("sklearn MLPClassifier(20, 20)", fit_mlp, 1),
    ]
    rows = []
    for label, fit, seeds in runs:
        results = []
        for seed in range(seeds):
            results.append(fit(data, args.steps, seed))
            print(f"{label}, seed {seed}: {results[-1]}", file=sys.stderr, flush=True)
        rows.append(median_row(label, results))
    text = "\n".join(
        [
            "## Bayesian neural network on cover type (2 x 20 tanh, minibatch 256, "
            f"{args.steps} steps)",
            "",
            f"{len(data.X_train)} training / {len(data.X_test)} test rows; {machine()}.",
            "",
            table(SCORE_HEADERS, rows),
            "",
        ]
    )
    print(text)
    return text


if __name__ == "__main__":
    out = main()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bnn_covertype.md").write_text(out)
