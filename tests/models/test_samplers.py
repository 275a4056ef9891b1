"""Every NUTS sampler PyMC hands models to gives PyMC's own NUTS posterior on pymc_bnn's models.

Oracle: ``pm.sample`` with PyMC's NUTS on the same model.  Each external
sampler (nutpie through Numba, NumPyro and BlackJAX through JAX) samples the
same small simulated models, and every posterior mean and standard deviation
must agree with PyMC's within Monte Carlo error: ``|a - b| <= Z * sqrt(se_a**2 +
se_b**2)`` with ESS-based standard errors (``arviz.mcse``, ``method="mean"``
and ``"sd"``).  ``Z = 4.5``: over the ~100 comparisons of a model a correct
sampler fails with probability below 0.1 %, while a wrong likelihood or
transform shifts a mean by many standard errors.  Every compared quantity must
have a bulk ESS of at least 100 (else its standard error is not trusted).

Models: one PyMC model holding ``multinomial_glm`` under each identification
with labels and with a count matrix, and user models built from
:class:`pymc_bnn.Categorical`, :class:`pymc_bnn.Multinomial` and
:class:`pymc_bnn.DirichletMultinomial` (so each sampler compiles it once); and a
tiny ``bnn_classifier``, compared on its predictive probabilities (identified,
unlike the weights).
"""

from __future__ import annotations

import functools
import os
import warnings

import arviz as az
import numpy as np
import pymc as pm
import pytest
import xarray as xr
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.tensor.type import TensorType

import pymc_bnn as pb
from pymc_bnn.models import nuts
from pymc_bnn.models.bnn import bnn_classifier
from pymc_bnn.models.glm import multinomial_glm
from pymc_bnn.models.nuts import SamplerCompileError, resolve_sampler, sample_nuts

SEED = 20261129
Z = 4.5
MIN_ESS = 100
EXTERNAL = ["nutpie", "numpyro", "blackjax"]
#: Unit-scale priors: under ``identification="none"`` the posterior is a ridge bounded
#: only by the prior, and NUTS's steps per draw grow with its length (94 per draw with
#: the default scales 2.5 / 5, most of this module's time); the comparison of samplers
#: needs no wide prior.
PRIOR = {"prior_scale": 1.0, "intercept_scale": 1.0}
#: Draws and tuning steps per chain, two chains.  With 500 and 500 the smallest bulk ESS of
#: the GLM model was 828 under PyMC's NUTS and 619 under nutpie (2026-12-03), far above
#: MIN_ESS, and PyMC's NUTS took 68 s: the bound scales with the standard errors, so
#: fewer draws keep the test's size and halve its time.
DRAWS, TUNE = 250, 300


def _simulate(rng, n, f, k):
    X = rng.normal(size=(n, f))
    beta = rng.normal(size=(f, k))
    logits = X @ beta
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    labels = (p.cumsum(1) > rng.uniform(size=(n, 1))).argmax(1)
    counts = np.array([rng.multinomial(5, row) for row in p])
    return X, labels, counts


def glm_and_distributions_model() -> tuple[pm.Model, list[str]]:
    """Every GLM identification (labels and counts) and the three likelihoods, in one model."""
    rng = np.random.default_rng(SEED)
    X, labels, counts = _simulate(rng, 120, 2, 3)
    with pm.Model() as model:
        for ident in ("zerosum", "reference", "none"):
            dims = (f"obs_{ident}", f"features_{ident}", f"classes_{ident}")
            multinomial_glm(f"labels_{ident}", X, labels, identification=ident, dims=dims, **PRIOR)
            dims = (f"cobs_{ident}", f"cfeatures_{ident}", f"cclasses_{ident}")
            multinomial_glm(f"counts_{ident}", X, counts, identification=ident, dims=dims, **PRIOR)
        p = pm.Dirichlet("cat_p", a=np.ones(4))
        pb.Categorical("cat", p=p, observed=rng.choice(4, 50, p=[0.1, 0.2, 0.3, 0.4]))
        logit = pm.Normal("mn_logit", 0.0, 1.5, shape=3)
        pb.Multinomial("mn", n=6, logit_p=logit, observed=rng.multinomial(6, [0.2, 0.3, 0.5], 30))
        a = pm.LogNormal("dm_a", 0.0, 1.0, shape=3)
        draws = np.array([rng.multinomial(8, rng.dirichlet([2.0, 4.0, 6.0])) for _ in range(40)])
        pb.DirichletMultinomial("dm", n=8, a=a, observed=draws)
    names = [
        *(f"labels_{i}_{p}" for i in ("zerosum", "none") for p in ("coef", "intercept")),
        *(f"counts_{i}_{p}" for i in ("zerosum", "none") for p in ("coef", "intercept")),
        *(f"{kind}_reference_{p}" for kind in ("labels", "counts") for p in ("coef", "intercept")),
        "cat_p",
        "mn_logit",
        "dm_a",
    ]
    return model, names


_ROWS = np.array([[-1.5, 0.0], [0.0, 0.0], [1.0, -1.0], [0.5, 1.5]])


def bnn_model():
    rng = np.random.default_rng(SEED + 1)
    X, labels, _ = _simulate(rng, 80, 2, 3)
    with pm.Model() as model:
        net = bnn_classifier("y", X, labels, hidden=(2,))
    return model, net


@functools.cache
def posterior(which: str, sampler: str):
    """Draws of one model from one sampler (compiled and sampled once per test session)."""
    if sampler != "pymc":
        pytest.importorskip(sampler)  # the samplers are named as their packages
    if which == "glm":
        model, names = glm_and_distributions_model()
    else:
        model, net = bnn_model()
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata, ran = sample_nuts(
            DRAWS, TUNE, 2, nuts_sampler=sampler, random_seed=SEED, cores=1, target_accept=0.9
        )
    assert ran == sampler
    post = idata.posterior.to_dataset()
    if which == "glm":
        # The reference class's coefficients and intercept are zero in every draw.
        return post[names].isel(
            classes_reference=slice(1, None), cclasses_reference=slice(1, None)
        )
    probs = net.predict_proba(idata, _ROWS)
    return xr.Dataset({"probs": probs})


def _compare(post: xr.Dataset, ref: xr.Dataset, sampler: str) -> None:
    failures = []
    ess = az.ess(post)
    ess_ref = az.ess(ref)
    for name in ref.data_vars:
        low = min(float(ess[name].min()), float(ess_ref[name].min()))
        assert low >= MIN_ESS, f"{sampler}: {name} has bulk ESS {low:.0f} < {MIN_ESS}"
    for method, stat in (("mean", "mean"), ("sd", "std")):
        se, se_ref = az.mcse(post, method=method), az.mcse(ref, method=method)
        for name in ref.data_vars:
            a = getattr(post[name], stat)(("chain", "draw")).values
            b = getattr(ref[name], stat)(("chain", "draw")).values
            bound = Z * np.sqrt(se[name].values ** 2 + se_ref[name].values ** 2)
            bad = np.abs(a - b) > bound
            if bad.any():
                failures.append(f"{name} {method}: {a[bad]} vs pymc {b[bad]} (bound {bound[bad]})")
    assert not failures, f"{sampler} disagrees with PyMC's NUTS: " + "; ".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", EXTERNAL)
def test_glms_and_likelihoods_match_pymc_nuts(sampler):
    _compare(posterior("glm", sampler), posterior("glm", "pymc"), sampler)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", EXTERNAL)
def test_bnn_predictive_probabilities_match_pymc_nuts(sampler):
    _compare(posterior("bnn", sampler), posterior("bnn", "pymc"), sampler)


# --------------------------------------------------------------------------------------
# Choosing a sampler, and bad input
# --------------------------------------------------------------------------------------


def test_auto_is_the_first_installed_in_measured_order(monkeypatch):
    assert resolve_sampler("auto") == nuts.installed_samplers()[0]
    real = nuts.importlib.util.find_spec
    monkeypatch.setattr(
        nuts.importlib.util, "find_spec", lambda n: None if n == "nutpie" else real(n)
    )
    assert nuts.installed_samplers()[0] == "numpyro"
    assert resolve_sampler("auto") == "numpyro"


# PyMC 6.4's pymc/sampling/jax.py sets XLA_FLAGS=--xla_force_host_platform_device_count=100
# on import, so a process that samples through pm.sample(nuts_sampler="numpyro") runs every
# JAX computation on 100 CPU devices, 1.3-1.8 times slower (benchmarks/results/nuts.md).
# Each case runs in a fresh interpreter: JAX fixes its devices when it starts.
_DEVICES_SCRIPT = """
import os, sys
import jax
case = sys.argv[1]
if case == "user set 3":
    jax.config.update("jax_num_cpu_devices", 3)
if case == "jax started":
    jax.numpy.zeros(1).block_until_ready()
from pymc_bnn.models.nuts import start_jax_cpu_devices
chains = os.cpu_count() + 2 if case == "more chains than cores" else 1
started = start_jax_cpu_devices(chains)
import pymc.sampling.jax  # what pm.sample imports for the JAX samplers
print(started, len(jax.devices()), os.cpu_count())
"""


@pytest.mark.parametrize("case", ["fresh", "more chains than cores", "user set 3", "jax started"])
def test_jax_samplers_start_one_device_per_core_not_pymcs_100(case):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _DEVICES_SCRIPT, case],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "XLA_FLAGS": ""},
    ).stdout.split()
    started, devices, cores = map(int, out)
    expected = {
        "fresh": cores,
        "more chains than cores": cores + 2,
        "user set 3": 3,
        "jax started": 1,  # too late to choose: JAX's default, one CPU device
    }[case]
    assert started == devices == expected


@pytest.mark.parametrize(
    ("sampler", "jax"), [("numpyro", True), ("blackjax", True), ("nutpie", False), ("pymc", False)]
)
def test_sample_nuts_starts_jax_devices_before_a_jax_sampler_only(monkeypatch, sampler, jax):
    calls = []
    monkeypatch.setattr(
        nuts, "start_jax_cpu_devices", lambda chains: calls.append(("jax", chains))
    )
    monkeypatch.setattr(nuts.pm, "sample", lambda **kw: calls.append(("sample", kw["chains"])))
    with pm.Model():
        pm.Normal("mu")
        sample_nuts(10, 10, 3, nuts_sampler=sampler)
    assert calls == [("jax", 3)] * jax + [("sample", 3)]


def test_start_jax_cpu_devices_names_a_bad_chain_count():
    with pytest.raises(ValueError, match="chains"):
        nuts.start_jax_cpu_devices(0)


def test_missing_sampler_is_one_line_naming_package_and_install(monkeypatch):
    real = nuts.importlib.util.find_spec
    monkeypatch.setattr(
        nuts.importlib.util, "find_spec", lambda n: None if n in ("nutpie", "jax") else real(n)
    )
    with pytest.raises(ImportError) as err:
        resolve_sampler("nutpie")
    assert str(err.value) == (
        'nuts_sampler="nutpie" needs nutpie, which is not installed: '
        "pip install nutpie  (or pip install 'pymc_bnn[nuts]')"
    )
    with pytest.raises(ImportError, match=r"needs jax, which is not installed: pip install jax"):
        resolve_sampler("numpyro")
    with pytest.raises(ValueError, match=r"nuts_sampler must be one of .*got 'stan'"):
        resolve_sampler("stan")
    from pymc_bnn.estimators import BayesianSoftmaxClassifier

    with pytest.raises(ImportError, match="pip install nutpie"):
        BayesianSoftmaxClassifier(method="nuts", nuts_sampler="nutpie").fit(np.eye(3), [0, 1, 0])


class _Square(Op):
    """An Op with a Python implementation only (no JAX or Numba one)."""

    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [TensorType("float64", shape=x.type.shape)()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = np.asarray(inputs[0] ** 2)

    def grad(self, inputs, grads):
        return [2 * inputs[0] * grads[0]]


@pytest.mark.slow
def test_uncompilable_model_names_sampler_operation_and_the_one_that_works():
    pytest.importorskip("numpyro")
    with pm.Model():
        mu = pm.Normal("mu", shape=2)
        pm.Normal("y", _Square()(mu), 1.0, observed=np.array([1.0, 2.0]))
        with pytest.raises(SamplerCompileError) as err:
            sample_nuts(10, 10, 1, nuts_sampler="numpyro", random_seed=0)
        assert err.value.sampler == "numpyro"
        assert "_Square" in err.value.operation
        message = str(err.value)
        assert message.startswith('nuts_sampler="numpyro" cannot compile this model: no JAX')
        assert message.endswith('use nuts_sampler="pymc", which compiles every PyMC model.')
        idata, ran = sample_nuts(50, 50, 1, nuts_sampler="pymc", random_seed=0)
    assert ran == "pymc" and idata.posterior["mu"].shape == (1, 50, 2)


@pytest.mark.slow
def test_estimator_and_cli_say_which_sampler_ran(tmp_path, capsys):
    import pandas as pd

    from pymc_bnn.cli import main
    from pymc_bnn.estimators import BayesianSoftmaxClassifier

    rng = np.random.default_rng(SEED)
    X, labels, _ = _simulate(rng, 60, 2, 3)
    clf = BayesianSoftmaxClassifier(
        method="nuts", draws=100, tune=100, chains=1, random_state=0, progressbar=False
    ).fit(X, labels)
    assert clf.sampler_ == resolve_sampler("auto")
    assert clf.posterior_["y_coef"].shape == (1, 100, 2, 3)
    csv = tmp_path / "data.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "t": labels}).to_csv(csv, index=False)
    status = main(
        [
            "fit",
            str(csv),
            "--target",
            "t",
            "--method",
            "nuts",
            "--nuts-sampler",
            "pymc",
            "--draws",
            "50",
            "--out",
            str(tmp_path / "model"),
            "--no-progress",
        ]
    )
    assert status == 0
    assert "Sampled with NUTS from pymc" in capsys.readouterr().out
