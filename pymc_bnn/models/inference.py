"""ADVI with the settings that make Bayesian neural networks and GLMs fit reliably.

:func:`fit_advi` is PyMC's ADVI (the same approximation, objective and Adam
optimizer as ``pm.fit``) with five choices made for the user, each of which
matters for a neural network (measurements in ``benchmarks/results/``,
explained in ``docs/tutorials/bnn-covertype.md``):

* many optimization steps per compiled call (:func:`compile_steps`: a PyTensor
  ``Scan`` over the steps, as NumPyro's ``svi.run`` fuses its loop), so the
  per-call cost of a compiled function (argument checks, the random
  generators' state crossing into compiled code) is paid once per hundred
  steps rather than at every step;

* Adam with ``learning_rate=0.01`` instead of PyMC's default ``adagrad_window``
  (whose steps shrink too fast for the many weakly identified weights of a
  network);
* mean-field standard deviations starting at ``start_sigma=0.1`` rather than
  PyMC's ``softplus(0) = 0.69``, which on unit-scale weights drowns the gradient
  of a network in noise for thousands of iterations;
* one BLAS thread during the fit (``blas_threads=1``, through threadpoolctl,
  restored afterwards): the matrix products of these models are small, and a
  multi-threaded OpenBLAS spends more time waking and synchronizing threads than
  multiplying (measured in ``benchmarks/``);
* a ``random_seed`` that also fixes the draws taken from the fitted approximation.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from pymc.progress_bar import CustomProgress, default_progress_theme
from pymc.pytensorf import collect_default_updates, reseed_rngs, resolve_backend_compile_kwargs
from pytensor.compile.executor import Function
from pytensor.compile.mode import get_mode
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant
from pytensor.graph.replace import graph_replace
from pytensor.graph.traversal import ancestors, applys_between
from pytensor.link.jax.linker import JAXLinker
from pytensor.scan.op import Scan
from rich.console import Console
from rich.progress import Progress, TextColumn

from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.data import check_positive_int
from pymc_bnn.models.draw_barrier import barrier_draws
from pymc_bnn.models.padded_dot import pad_products

__all__ = ["blas_limits", "compile_steps", "fit_advi", "interruptible"]

METHODS = {"advi": pm.ADVI, "fullrank_advi": pm.FullRankADVI}

STEPS_PER_CALL = 100
"""Optimization steps per compiled call in :func:`fit_advi` (callbacks run between calls)."""

JAX_STEPS_PER_CALL = 1000
"""The same under the JAX backend, where each call costs more: the 12,000-row cover-type
softmax regression took 0.675 s per 1,000 full-batch steps in calls of 100 against 0.64 in
calls of 2,000 (medians of 5 interleaved rounds; 2026-12-03, AMD EPYC)."""


def blas_limits(threads: int | None) -> AbstractContextManager:
    """Context limiting the BLAS libraries to ``threads`` threads (``None``: no change).

    Examples
    --------
    >>> with blas_limits(1):
    ...     _ = np.ones((3, 3)) @ np.ones((3, 3))
    """
    if threads is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


@contextmanager
def interruptible() -> Iterator[None]:
    """Context in which Ctrl-C (SIGINT) always ends in ``KeyboardInterrupt``.

    ``pm.fit`` and ``pm.sample`` catch ``KeyboardInterrupt`` and return what they
    have so far, and an interrupt that lands inside compiled (Numba) code can
    surface as another exception (``SystemError``).  Inside this context a
    SIGINT is recorded, and the block ends by raising ``KeyboardInterrupt``
    whatever happened to the first one.  An interrupt raised where Python can
    only print it (a garbage-collector callback such as JAX's, a ``__del__``:
    "Exception ignored in ...") is delivered again about 10 ms later, so a long
    call in the block does not run to its end first.  Outside the main thread (where
    Python delivers no signals) it changes nothing.

    Examples
    --------
    >>> import os, signal
    >>> try:
    ...     with interruptible():
    ...         try:
    ...             os.kill(os.getpid(), signal.SIGINT)
    ...         except KeyboardInterrupt:
    ...             pass  # swallowed, as pm.fit does
    ... except KeyboardInterrupt:
    ...     print("interrupted")
    interrupted
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupted = []
    previous = signal.getsignal(signal.SIGINT)
    previous_hook = sys.unraisablehook

    def handler(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    active = [True]

    def deliver_again():
        if active:  # not after the block: it has raised KeyboardInterrupt by then
            _thread.interrupt_main()

    def unraisable(info):
        if isinstance(info.exc_value, KeyboardInterrupt):
            # It landed where it is ignored: deliver it again from another thread, once
            # the callback has returned (delivered now, it would land in this hook).
            threading.Timer(0.01, deliver_again).start()
            return
        previous_hook(info)

    signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = unraisable
    try:
        yield
    except BaseException:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        active.clear()
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt


def _geometric_decay(rate, decay: float, n: int):
    start = float(rate.get_value())

    def callback(approx, losses, i):
        rate.set_value(np.float64(start * decay ** (i / n)))

    return callback


def compile_steps(
    inference: pm.variational.inference.Inference,
    learning_rate: float | pytensor.compile.SharedVariable = 0.01,
    *,
    random_seed: int | None = None,
    backend: str | None = None,
    **objective_kwargs,
) -> Function | Callable[[int], np.ndarray]:
    """Compile ``steps(k)``: ``k`` Adam steps of an ADVI objective in one call.

    The objective's parameter updates, Adam's state and the random generators
    (the Monte Carlo draws of the objective, ``pm.Minibatch`` indices) are
    threaded through a PyTensor ``Scan`` over the steps, so one call runs ``k``
    steps exactly as ``k`` calls of PyMC's one-step function would (the same
    arithmetic in the same order: the losses agree to rounding).

    Parameters
    ----------
    inference : pymc.ADVI or pymc.FullRankADVI
        The inference object; its approximation's parameters are updated in place.
    learning_rate : float or shared variable, default 0.01
        Adam's learning rate (a shared variable can be changed between calls).
    random_seed : int, optional
        Seed of the objective's random generators.
    backend : str, optional
        PyTensor backend (``"numba"``, ``"c"``, ``"jax"``); default PyTensor's.
    **objective_kwargs
        Passed to the objective's ``updates`` (e.g. ``obj_n_mc``,
        ``total_grad_norm_constraint``).

    Returns
    -------
    pytensor Function or callable
        ``steps(k)`` runs ``k >= 1`` steps and returns their ``k`` losses.  Under
        the JAX backend, whose ``scan`` needs its length when it compiles, a
        callable that compiles one function per distinct ``k`` on first use.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0, 10)
    ...     _ = pm.Normal("obs", mu, 1, observed=np.full(100, 3.0))
    >>> advi = pm.ADVI(model=model, random_seed=0)
    >>> steps = compile_steps(advi, 0.1, random_seed=0)
    >>> steps(3000).shape  # 3,000 Adam steps in one call
    (3000,)
    >>> round(float(advi.approx.mean.eval()[0]), 1)  # the posterior mean of mu
    3.0
    """
    # The loss on the full-data scale (the negative ELBO, minibatch terms scaled by
    # N / B), as NumPyro's SVI reports it, whatever the observed data: PyMC divides it by
    # a "minibatch" constant that is N / B for label vectors but prod(N / shape) for count
    # matrices (upstream/patches/12). Adam's steps do not depend on the loss's scale.
    inference.approx.scale_cost_to_minibatch = False
    updates = inference.objective.updates(
        obj_optimizer=pm.adam(learning_rate=learning_rate), **objective_kwargs
    )
    loss = updates.loss
    state = {**updates, **collect_default_updates(outputs=[loss, *updates.values()])}
    variables = list(state)
    reseed_rngs([v for v in variables if not isinstance(v.type, pt.TensorType)], random_seed)
    compile_kwargs = resolve_backend_compile_kwargs(backend, None)
    mode = get_mode(compile_kwargs.get("mode"))
    jax = isinstance(mode.linker, JAXLinker)
    step = [state[v] for v in variables] + [loss]
    if jax:  # XLA would otherwise evaluate a draw once per use (draw_barrier), and
        # run products with 7 columns slower than with 8 (padded_dot)
        step = pad_products(barrier_draws(step))

    def one_step(*values):
        return graph_replace(step, dict(zip(variables, values, strict=True)))

    def compile_scan(length) -> Function:
        *finals, losses = pytensor.scan(
            one_step, outputs_info=[*variables, None], n_steps=length, return_updates=False
        )
        # Tensor states come back as the trace of every step, generators as their last state.
        last = {
            v: f[-1] if isinstance(v.type, pt.TensorType) else f
            for v, f in zip(variables, finals, strict=True)
        }
        outputs = [losses, *last.values()]
        forget_constant_traces(outputs)
        inputs = [length] if isinstance(length, pt.Variable) else []
        # PyTensor 3.3 links a Scan's inner function with C thunks even under
        # FAST_COMPILE (about 80 C modules, 36 s on a cold cache, for a mode asked for
        # its fast compile): no C compiler while linking in that mode.
        fast = mode is get_mode("FAST_COMPILE")
        with (
            pytensor.config.change_flags(**({"cxx": ""} if fast else {})),
            warnings.catch_warnings(),
        ):
            if jax:
                # Expected under JAX, and taken care of: each function threads its own copy
                # of the generators (_StaticLengthSteps), and the parameter checks and
                # Minibatch's shape assertion cannot run inside a traced loop (a NaN loss
                # still stops the fit, naming its step: fit_advi).
                for message in ("The RandomType SharedVariables", "Skipping .* as JAX tracing"):
                    warnings.filterwarnings("ignore", message=message, category=UserWarning)
            fn = pytensor.function(inputs, losses, updates=last, **compile_kwargs)
        forget_constant_traces(outputs)
        return fn

    if jax:
        shared = [
            v
            for v in variables
            if isinstance(v, SharedVariable) and isinstance(v.type, pt.TensorType)
        ]
        return _StaticLengthSteps(compile_scan, shared)
    return compile_scan(pt.scalar("steps", dtype="int64"))


class _StaticLengthSteps:
    """``steps(k)`` for JAX, whose ``scan`` needs a length known when it compiles.

    One compiled function per distinct ``k``, compiled on first use (``fit_advi``
    asks for ``steps_per_call`` steps, and for the remainder once).  JAX leaves
    its own read-only arrays in the shared variables it updates; they go back as
    NumPy arrays, so the other backends (the draws afterwards) can read them.
    Each compiled function draws from its own copy of the random generators (PyTensor's
    JAX linker copies them), so the remainder's steps reuse the first draws of that
    stream: valid Monte Carlo draws, but not the stream one function would give.
    """

    def __init__(self, compile_scan: Callable[[int], Function], shared: list):
        self._compile_scan = compile_scan
        self._shared = shared
        self._compiled: dict[int, Function] = {}

    def __call__(self, k: int) -> np.ndarray:
        k = int(k)
        if k not in self._compiled:
            self._compiled[k] = self._compile_scan(k)
        losses = np.array(self._compiled[k]())
        for v in self._shared:
            v.set_value(np.array(v.get_value(borrow=True)), borrow=True)
        return losses


def forget_constant_traces(outputs: Sequence[pt.Variable]) -> None:
    """Empty the creation traces of the constants inside the ``Scan`` steps of ``outputs``.

    Works around a memory blow-up in PyTensor 3.3 (patch and reproducer in
    ``upstream/patches/11-stack-traces-once.patch``): a ``Scan``'s inner graph
    is frozen, and frozen nodes are interned process-wide, so a constant in it (``1.0`` in PyMC's
    ``switch(scale_cost_to_minibatch, ..., 1.0)``) is the same object in every
    later graph with the same step while any compiled function holding that
    step is alive. Rewriting appends traces to a variable without dropping the
    ones it has, and ``local_useless_switch`` copies a constant's own trace onto
    itself: its trace tripled at every compile, past 14 GB after about twenty
    fits in one process. Emptying the constants' traces before and after each
    compile keeps them bounded; a trace only names where a variable was made.
    """
    for node in applys_between([], outputs):
        if isinstance(node.op, Scan):
            for variable in ancestors(node.op.fgraph.outputs):
                if isinstance(variable, Constant) and getattr(variable.tag, "trace", None):
                    variable.tag.trace = []


def _progress(progressbar: bool) -> CustomProgress:
    return CustomProgress(
        *Progress.get_default_columns(),
        TextColumn("{task.fields[loss]}"),
        console=Console(theme=default_progress_theme),
        disable=not progressbar,
    )


def fit_advi(
    n: int = 30_000,
    *,
    model: pm.Model | None = None,
    method: str = "advi",
    learning_rate: float = 0.01,
    decay: float = 1.0,
    start_sigma: float | None = 0.1,
    draws: int = 1000,
    random_seed: int | None = None,
    progressbar: bool = True,
    blas_threads: int | None = 1,
    backend: str | None = None,
    callbacks: Sequence[Callable] | None = None,
    steps_per_call: int | None = None,
    **objective_kwargs,
) -> tuple[xr.DataTree, pm.Approximation]:
    """Fit the model with ADVI and return posterior draws and the approximation.

    Parameters
    ----------
    n : int, default 30000
        Number of optimization steps.
    model : pymc.Model, optional
        Default: the model of the current context.
    method : {"advi", "fullrank_advi"}, default "advi"
        Mean-field or full-rank Gaussian approximation.
    learning_rate : float, default 0.01
        Adam's learning rate at the first step.
    decay : float, default 1.0
        Learning rate at the last step relative to the first, reached
        geometrically (updated every 100 steps); 1 keeps it constant.
    start_sigma : float or None, default 0.1
        Starting standard deviation of every coordinate (mean-field only; ``None``
        keeps PyMC's 0.69).
    draws : int, default 1000
        Number of draws taken from the fitted approximation.
    random_seed : int, optional
        Seed of the optimization and of the draws.
    progressbar : bool, default True
        Show PyMC's progress bar.
    blas_threads : int or None, default 1
        Number of BLAS threads while fitting (``None`` leaves the setting alone).
    backend : str, optional
        PyTensor backend of the fit (``"numba"``, ``"c"``, ``"jax"``); default
        PyTensor's.  ``"jax"`` suits full-batch fits of many rows: XLA
        vectorizes the softmax's ``exp`` (on cover type's 12,000 rows about half
        the time per step of Numba's, ``benchmarks/results/advi_steps.md``), but
        it compiles again in every process and is slower on minibatches.
    callbacks : sequence of callable, optional
        ``callback(approx, losses, i)``, as in ``pm.fit``, called after every
        ``steps_per_call`` steps (and after the last) with ``i`` the number of
        steps done and ``losses`` the loss of each of them.
    steps_per_call : int, optional
        Optimization steps per compiled call (:func:`compile_steps`); default
        100, and 1,000 under the JAX backend, whose calls cost more.  The fit
        is the same for any value; it sets how often callbacks, the progress
        bar and a learning-rate ``decay`` are updated.
    **objective_kwargs
        Passed to the ADVI objective (as in ``pm.fit``: ``obj_n_mc``,
        ``total_grad_norm_constraint``, ``more_replacements``).

    Returns
    -------
    idata : xarray.DataTree
        ``posterior`` group with ``draws`` draws (one chain).
    approx : pymc.Approximation
        The fitted approximation; ``approx.hist`` holds the loss per step.

    Raises
    ------
    ValueError
        For an unknown method, ``n < 1`` or ``steps_per_call < 1``, a
        non-positive learning rate or ``start_sigma``.
    FloatingPointError
        If the loss becomes NaN (naming the step).
    KeyboardInterrupt
        If the fit or the draws were interrupted (Ctrl-C), rather than returning
        the partly fitted approximation as ``pm.fit`` does.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model():
    ...     mu = pm.Normal("mu", 0, 10)
    ...     _ = pm.Normal("obs", mu, 1, observed=np.full(100, 3.0))
    ...     idata, approx = fit_advi(3000, draws=500, random_seed=0, progressbar=False)
    >>> round(float(idata.posterior["mu"].mean()), 1), round(float(idata.posterior["mu"].std()), 2)
    (3.0, 0.1)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}.")
    check_positive_int(n, "n")
    if steps_per_call is not None:
        check_positive_int(steps_per_call, "steps_per_call")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive; got {learning_rate!r}.")
    if not 0 < decay <= 1:
        raise ValueError(f"decay must lie in (0, 1]; got {decay!r}.")
    model = pm.modelcontext(model)
    n = int(n)
    rate = pytensor.shared(np.float64(learning_rate), "learning_rate")
    callbacks = list(callbacks or [])
    if decay != 1:
        callbacks.append(_geometric_decay(rate, decay, n))
    options = {}
    if start_sigma is not None and method == "advi":
        if not start_sigma > 0:
            raise ValueError(f"start_sigma must be positive; got {start_sigma!r}.")
        point = model.initial_point()
        options["start_sigma"] = {
            v.name: np.full(np.shape(point[v.name]), float(start_sigma)).ravel()
            for v in model.value_vars
        }
    with interruptible(), blas_limits(blas_threads):
        inference = METHODS[method](model=model, random_seed=random_seed, **options)
        approx = inference.approx
        seed = approx.rng.randint(2**30, dtype=np.int64)  # as pm.fit seeds its step
        steps = compile_steps(
            inference, rate, random_seed=seed, backend=backend, **objective_kwargs
        )
        if steps_per_call is None:
            jax = isinstance(steps, _StaticLengthSteps)
            steps_per_call = JAX_STEPS_PER_CALL if jax else STEPS_PER_CALL
        losses = np.full(n, np.nan)
        done = 0
        with _progress(progressbar) as progress:
            task = progress.add_task("Fitting", total=n, loss="")
            while done < n:
                k = min(steps_per_call, n - done)
                losses[done : done + k] = steps(k)
                if np.isnan(losses[done : done + k]).any():
                    first = done + int(np.flatnonzero(np.isnan(losses[done : done + k]))[0])
                    raise FloatingPointError(
                        f"The ADVI loss became NaN at step {first + 1} of {n}; try a smaller "
                        "learning_rate or standardized features."
                    )
                done += k
                recent = losses[max(0, done - 1000) : done]
                progress.update(task, advance=k, loss=f"Average loss = {recent.mean():,.5g}")
                for callback in callbacks:
                    callback(approx, losses[:done], done)
        approx.hist = inference.hist = losses
        with quick_compile():  # one call drawing every draw at once
            idata = approx.sample(draws, random_seed=random_seed)
    return idata, approx
