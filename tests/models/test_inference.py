"""Tests of fused ADVI steps (models.advi_steps), fit_advi's loop (models.inference), interrupts.

Oracle: PyMC's own ``pm.fit`` with the same approximation, objective, Adam
learning rate, starting standard deviations and seed.  ``fit_advi`` runs its
steps in a Scan (many per compiled call) but threads the same state (the
parameters, Adam's moments, the random generators of the Monte Carlo draws and
of the minibatch indices) in the same order, so the loss of every step must
agree to rounding: tolerance 1e-9 relative on losses of order 10-100 (observed
differences about 1e-14).
"""

from __future__ import annotations

import gc
import signal
import time
from contextlib import contextmanager

import numpy as np
import pymc as pm
import pytensor
import pytest
from pytensor.graph.basic import Constant
from pytensor.graph.traversal import ancestors, applys_between
from pytensor.scan.op import Scan

import pymc_bnn as pb
from pymc_bnn.models.advi_steps import compile_steps
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.inference import fit_advi
from pymc_bnn.runtime import interruptible


def _model(batch_size):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 3)), rng.integers(0, 3, 120)
    model = pm.Model()
    with model:
        pb.bnn_classifier("y", X, y, hidden=(4,), batch_size=batch_size, random_seed=0)
    return model


def _start_sigma(model, value=0.1):
    point = model.initial_point()
    return {v.name: np.full(np.shape(point[v.name]), value).ravel() for v in model.value_vars}


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", [None, 16])
def test_fit_advi_takes_the_same_steps_as_pm_fit(batch_size):
    # The same graph arithmetic whatever the backend: quick_compile for both fits saves
    # four Numba compiles (50 s of a cold run, 2026-12-03).
    n = 250  # not a multiple of steps_per_call: the last call is shorter
    with quick_compile():
        _, approx = fit_advi(
            n, model=_model(batch_size), random_seed=3, progressbar=False, draws=5
        )
    reference = _model(batch_size)
    with reference, quick_compile():
        advi = pm.ADVI(random_seed=3, start_sigma=_start_sigma(reference))
        advi.approx.scale_cost_to_minibatch = False  # fit_advi's loss: the full-data scale
        expected = pm.fit(
            n,
            method=advi,
            obj_optimizer=pm.adam(learning_rate=pytensor.shared(np.float64(0.01))),
            progressbar=False,
        )
    assert approx.hist.shape == (n,)
    np.testing.assert_allclose(approx.hist, expected.hist, rtol=1e-9)
    np.testing.assert_allclose(approx.mean.eval(), expected.mean.eval(), rtol=1e-9, atol=1e-12)


#: The next three tests check fit_advi's loop (calls, callbacks, the NaN check), which does
#: not depend on the backend: quick_compile spares their three Numba compiles (about 40 s
#: of a cold run, 2026-12-03).


@pytest.mark.slow
def test_steps_per_call_does_not_change_the_fit():
    with quick_compile():
        fits = [
            fit_advi(
                120, model=_model(16), random_seed=1, progressbar=False, draws=5, steps_per_call=k
            )
            for k in (1, 7, 120)
        ]
    for _, approx in fits[1:]:
        np.testing.assert_allclose(approx.hist, fits[0][1].hist, rtol=1e-12)


@pytest.mark.slow
def test_callbacks_see_every_step_done():
    seen = []

    def callback(approx, losses, i):
        seen.append((i, len(losses), bool(np.isfinite(losses).all())))

    with quick_compile():
        fit_advi(
            250,
            model=_model(None),
            random_seed=0,
            progressbar=False,
            draws=5,
            callbacks=[callback],
            steps_per_call=100,
        )
    assert seen == [(100, 100, True), (200, 200, True), (250, 250, True)]


@pytest.mark.slow
def test_a_nan_loss_names_the_step():
    with pm.Model() as model:
        x = pm.Normal("x")
        pm.Potential("bad", pm.math.switch(x > 1e9, 0.0, np.nan))
    with pytest.raises(FloatingPointError, match="NaN at step 1 of 50"), quick_compile():
        fit_advi(50, model=model, progressbar=False, draws=5)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["config", "backend"])
def test_fast_compile_steps_compile_no_c_code(no_c_modules, how):
    # On a cold cache the first fused ADVI steps under FAST_COMPILE compiled ~80 C
    # modules (36 s).
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 3, 40)
    mode = "FAST_COMPILE" if how == "config" else pytensor.config.mode
    with pytensor.config.change_flags(mode=mode), pm.Model():
        pb.multinomial_glm("glm", X, y)
        advi = pm.ADVI(random_seed=0)
        backend = "FAST_COMPILE" if how == "backend" else None
        steps = compile_steps(advi, 0.1, random_seed=0, backend=backend)
        assert np.isfinite(steps(10)).all()


def test_draws_from_the_approximation_compile_without_numba_or_c(monkeypatch):
    # quick_compile: Numba's compile of the draw function cost 5-7 s per model on an
    # empty cache (the demo, 2026-12-03) for one call drawing every draw.
    seen = []
    sample = pm.Approximation.sample

    def spy(self, *args, **kwargs):
        seen.append((pytensor.config.mode, pytensor.config.cxx))
        return sample(self, *args, **kwargs)

    monkeypatch.setattr(pm.Approximation, "sample", spy)
    # The steps in FAST_COMPILE (no Numba compile for this test) but with the C compiler
    # left as it is: only fit_advi's own quick_compile empties it around the draws.
    with pm.Model(), pytensor.config.change_flags(mode="FAST_COMPILE"):
        pm.Normal("mu", 0, 1)
        idata, _ = fit_advi(10, draws=7, random_seed=0, progressbar=False)
    assert seen == [("FAST_COMPILE", "")]
    assert idata["posterior"]["mu"].shape == (1, 7)


@pytest.mark.slow
def test_jax_backend_fits_through_static_length_scans():
    """fit_advi(backend="jax"): JAX's scan needs a static length (it failed with a traced one).

    Oracle: the conjugate normal mean, 100 observations of 3.0 with unit noise under a
    Normal(0, 10) prior: posterior mean 3.0 (to 3e-4) and sd 0.0999.  2,500 steps in
    calls of 1,000 also run the remainder (500), a second compiled function.
    """
    pytest.importorskip("jax")
    seen = []
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        pm.Normal("obs", mu, 1, observed=np.full(100, 3.0))
        idata, approx = fit_advi(
            2500,
            backend="jax",
            draws=2000,
            random_seed=0,
            progressbar=False,
            callbacks=[lambda approx, losses, i: seen.append(i)],
        )
    assert seen == [1000, 2000, 2500]  # JAX's default: 1,000 steps per call
    assert np.isfinite(approx.hist).all() and len(approx.hist) == 2500
    draws = idata["posterior"]["mu"].values
    assert abs(draws.mean() - 3.0) < 0.02  # 2,000 draws: Monte Carlo error 0.002
    assert 0.07 < draws.std() < 0.13  # mean-field ADVI of a 1-D Gaussian is exact
    assert type(approx.params[0].get_value()) is np.ndarray  # not JAX's read-only array


@pytest.mark.slow
def test_repeated_fits_keep_constant_traces_bounded():
    # Regression: PyTensor 3.3 interns a Scan's frozen inner nodes process-wide, so
    # while one compiled step function lives, every later fit of the same model
    # rewrites the same constant, whose creation trace tripled at each compile
    # (9,841 entries after 6 fits; CI's test process reached 14 GB and was killed).
    # Oracle: a trace is a handful of entries after any number of fits.
    def longest_trace(steps):
        scans = [n.op for n in steps.maker.fgraph.apply_nodes if isinstance(n.op, Scan)]
        return max(
            len(getattr(v.tag, "trace", []))
            for op in scans
            for v in ancestors(op.fgraph.outputs)
            if isinstance(v, Constant)
        )

    def glm():
        rng = np.random.default_rng(0)
        X, y = rng.normal(size=(60, 3)), rng.integers(0, 3, 60)
        with pm.Model() as model:
            pb.multinomial_glm("glm", X, y)
        return model

    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        with glm():
            kept = compile_steps(pm.ADVI(random_seed=0), 0.01, random_seed=0)
        for _ in range(6):
            with glm():
                fit_advi(20, draws=5, random_seed=0, progressbar=False)
    assert longest_trace(kept) <= 20


@pytest.mark.slow
@pytest.mark.parametrize("observed", ["labels", "counts"])
def test_loss_is_on_the_full_data_scale_for_any_observed_kind(observed):
    # Oracle: with the parameters held still (learning rate 0), the mean loss of a
    # minibatch model over many steps is the full-data model's mean loss (both estimate
    # the full-data negative ELBO at the same q). PyMC's own normalizing constant would
    # divide the count minibatch's loss by N**2 / (B K) = 60 here instead of N / B = 6.
    # Tolerance 3%: 2,000 steps, the loss's Monte Carlo sd is about 20% of its mean.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    y = (
        rng.integers(0, 3, 120)
        if observed == "labels"
        else rng.multinomial(4, [0.2, 0.3, 0.5], 120)
    )

    def mean_loss(batch_size):
        # The scale does not depend on the backend: quick_compile saves four Numba
        # compiles (73 s of a cold run, 2026-12-03) for 2,000 steps of 120 rows.
        with pm.Model(), quick_compile():
            pb.multinomial_glm("glm", X, y, batch_size=batch_size)
            steps = compile_steps(pm.ADVI(random_seed=0), pytensor.shared(0.0), random_seed=0)
        return steps(2000).mean()

    np.testing.assert_allclose(mean_loss(20), mean_loss(None), rtol=0.03)


def test_compile_steps_runs_k_steps_per_call():
    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 10)
        pm.Normal("obs", mu, 1, observed=np.full(50, -2.0))
    advi = pm.ADVI(model=model, random_seed=0)
    steps = compile_steps(advi, 0.1, random_seed=0)
    assert steps(1).shape == (1,)
    losses = steps(2000)
    assert losses.shape == (2000,)
    # The conjugate posterior of mu: mean -2 * 50 / (50 + 1/100), sd 1 / sqrt(50.01) = 0.141.
    # Adam's one-draw gradients keep the fitted mean jittering on that scale: within one sd.
    assert abs(float(advi.approx.mean.eval()[0]) - (-100 / 50.01)) < 1 / np.sqrt(50.01)
    assert losses[-100:].mean() < losses[:100].mean()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"steps_per_call": 0}, "steps_per_call must be a positive integer")],
)
def test_bad_arguments_are_named(kwargs, message):
    with pm.Model():
        pm.Normal("x")
        with pytest.raises(ValueError, match=message):
            fit_advi(10, progressbar=False, **kwargs)


@contextmanager
def _interrupt_at_next_gc():
    """A SIGINT raised inside a garbage-collector callback (where Python ignores it)."""
    raised = []

    def callback(phase, info):
        if phase == "start" and not raised:
            raised.append(True)
            signal.raise_signal(signal.SIGINT)  # the handler raises here, inside gc

    gc.callbacks.append(callback)
    try:
        yield raised
    finally:
        gc.callbacks.remove(callback)


def test_an_interrupt_ignored_in_a_gc_callback_is_delivered_again():
    """Ctrl-C that lands in a garbage-collector callback (JAX registers one) is printed as
    "Exception ignored" and lost; ``interruptible`` delivers it again about 10 ms later
    (a timer thread), well before the 10 s call below would end.  Before
    that, a CI run's Ctrl-C test waited 120 s for a drawing loop to end."""
    finished = []
    with _interrupt_at_next_gc() as raised:
        with pytest.raises(KeyboardInterrupt), interruptible():
            gc.collect()
            deadline = time.monotonic() + 10  # a long call, as drawing can be
            while time.monotonic() < deadline:
                time.sleep(0.01)
            finished.append(True)  # not reached: the interrupt comes first
    assert raised == [True]
    assert finished == []


def test_an_interrupt_delivered_again_never_arrives_after_the_block():
    """The block that ends first raises the recorded interrupt itself; the second delivery
    must not land in the code after it (a CLI cleaning up its partial output)."""
    with _interrupt_at_next_gc():
        with pytest.raises(KeyboardInterrupt), interruptible():
            gc.collect(0)  # quick; ignored there, the block ends at once
    time.sleep(0.2)  # the timer of the second delivery fires here: nothing happens


@pytest.mark.slow
def test_jax_steps_read_draws_through_a_barrier_pad_products_and_compute_the_same_losses(
    monkeypatch,
):
    """The JAX steps put every random draw behind ``DrawBarrier`` (XLA copied the normal
    draw's inverse error function into each fusion reading it: 61 against 13 us per
    step on 70 rows of cover type, draw_barrier.py) and make every product a
    ``PaddedDot`` (XLA's products with 7 columns are slower than with 8: 716 against
    541 us per full-batch step, padded_dot.py).  Oracle: the same steps compiled without
    either, same seed, same draws: both are the same values, so the losses agree to
    rounding (1e-12 relative; XLA may order a fused sum differently).
    """
    pytest.importorskip("jax")
    import pymc_bnn.models.advi_steps as advi_steps
    from pymc_bnn.models.draw_barrier import DrawBarrier, barrier_draws
    from pymc_bnn.models.padded_dot import PaddedDot

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)

    def steps():
        with pm.Model():
            # "plain": the model's one product X @ coef (the other parametrizations add
            # the products of their change of variables).
            pb.multinomial_glm("glm", X, y, parametrization="plain")
            advi = pm.ADVI(random_seed=0)
        return compile_steps(advi, 0.05, random_seed=0, backend="jax")

    def products(steps):
        (fn,) = steps._compiled.values()
        (scan,) = [n for n in fn.maker.fgraph.toposort() if isinstance(n.op, Scan)]
        return [type(n.op) for n in scan.op.fgraph.toposort() if "Dot" in type(n.op).__name__]

    padded = steps()
    with_both = padded(300)
    assert products(padded) == [PaddedDot, PaddedDot]  # the forward and gradient products
    monkeypatch.setattr(advi_steps, "barrier_draws", list)
    monkeypatch.setattr(advi_steps, "pad_products", list)
    without = steps()(300)
    np.testing.assert_allclose(with_both, without, rtol=1e-12)
    assert without[-50:].mean() < without[:50].mean()  # the steps did optimize

    # The draw's node stays one node: its next generator state is the one returned.
    rng_state = pytensor.shared(np.random.default_rng(0))
    next_rng, z = pytensor.tensor.random.normal(size=3, rng=rng_state, return_next_rng=True)
    out, new_rng = barrier_draws([z * z.sum(), next_rng])
    nodes = list(applys_between([], [out, new_rng]))
    (normal,) = [n for n in nodes if n.op == z.owner.op]
    assert new_rng is normal.outputs[0]
    readers = [n for n in nodes if normal.outputs[1] in n.inputs]
    assert [type(n.op) for n in readers] == [DrawBarrier]
