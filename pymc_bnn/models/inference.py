"""ADVI with the settings that make Bayesian neural networks and GLMs fit reliably.

:func:`fit_advi` is PyMC's ADVI (the same approximation, objective and Adam
optimizer as ``pm.fit``) with five choices made for the user, each of which
matters for a neural network (measurements in ``benchmarks/results/``,
explained in ``docs/tutorials/bnn-covertype.md``):

* many optimization steps per compiled call
  (:func:`~pymc_bnn.models.advi_steps.compile_steps`), so the per-call cost of
  a compiled function is paid once per hundred steps rather than at every step;

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

from collections.abc import Callable, Sequence

import numpy as np
import pymc as pm
import pytensor
import xarray as xr
from pymc.progress_bar import CustomProgress, default_progress_theme
from rich.console import Console
from rich.progress import Progress, TextColumn

from pymc_bnn.models.advi_steps import StaticLengthSteps, compile_steps
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.data import check_positive_int
from pymc_bnn.runtime import blas_limits, interruptible

__all__ = ["fit_advi"]

METHODS = {"advi": pm.ADVI, "fullrank_advi": pm.FullRankADVI}

STEPS_PER_CALL = 100
"""Optimization steps per compiled call in :func:`fit_advi` (callbacks run between calls)."""

JAX_STEPS_PER_CALL = 1000
"""The same under the JAX backend, where each call costs more: the 12,000-row cover-type
softmax regression took 0.675 s per 1,000 full-batch steps in calls of 100 against 0.64 in
calls of 2,000 (medians of 5 interleaved rounds; 2026-12-03, AMD EPYC)."""


def _geometric_decay(rate, decay: float, n: int):
    start = float(rate.get_value())

    def callback(approx, losses, i):
        rate.set_value(np.float64(start * decay ** (i / n)))

    return callback


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
        ``posterior`` group with ``draws`` draws (one chain), ``loss_curve``:
        the ``loss`` (negative ELBO) of each step, dims ``(chain, step)``.
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
            jax = isinstance(steps, StaticLengthSteps)
            steps_per_call = JAX_STEPS_PER_CALL if jax else STEPS_PER_CALL
        losses = _run_steps(steps, n, steps_per_call, approx, callbacks, progressbar)
        approx.hist = inference.hist = losses
        with quick_compile():  # one call drawing every draw at once
            idata = approx.sample(draws, random_seed=random_seed)
    return _with_loss_curve(idata, losses), approx


def _with_loss_curve(idata: xr.DataTree, losses: np.ndarray) -> xr.DataTree:
    """``idata`` with the loss of each step as its group ``loss_curve``.

    The draws of an approximation have no sampler statistics: an empty
    ``sample_stats`` group is left out.
    """
    if "sample_stats" in idata.children and not idata["sample_stats"].data_vars:
        del idata["sample_stats"]
    steps = np.arange(1, len(losses) + 1)
    idata["loss_curve"] = xr.Dataset(
        {"loss": (("chain", "step"), losses[None, :])}, coords={"chain": [0], "step": steps}
    )
    return idata


def _run_steps(
    steps: Callable[[int], np.ndarray],
    n: int,
    steps_per_call: int,
    approx: pm.Approximation,
    callbacks: Sequence[Callable],
    progressbar: bool,
) -> np.ndarray:
    """Run ``n`` steps, ``steps_per_call`` per call, and return the loss of each step.

    The progress bar and the callbacks are updated after every call; a NaN loss
    stops the fit, naming its step.
    """
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
    return losses
