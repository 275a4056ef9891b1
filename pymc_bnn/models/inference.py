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

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pymc as pm
import pytensor
import xarray as xr
from numpy.typing import ArrayLike
from pymc.progress_bar import CustomProgress, default_progress_theme
from rich.console import Console
from rich.progress import Progress, TextColumn

from pymc_bnn.models.advi_steps import MemberSteps, compile_steps, runs_on_jax
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.data import check_positive_int
from pymc_bnn.runtime import blas_limits, interruptible

__all__ = ["fit_advi"]

METHODS = {"advi": pm.ADVI, "fullrank_advi": pm.FullRankADVI}

STEPS_PER_CALL = 100
"""Optimization steps per compiled call in :func:`fit_advi` (callbacks run between calls)."""

JAX_STEPS_PER_CALL = 1000
"""The same under the JAX backend, where each call costs more, so longer calls run faster
(``benchmarks/results/advi_steps.md`` compares calls of 100 and 2,000 steps)."""


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
    members: int = 1,
    starts: Sequence[Mapping[str, ArrayLike]] | None = None,
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
    members : int, default 1
        Fit this many independent approximations at once, each from its own
        starting point and with its own Monte Carlo noise, and keep each as one
        chain of the posterior: the draws of all chains together are draws from
        the equally weighted mixture of the members.  A network's posterior has
        many modes and one mean-field Gaussian covers one; members started apart
        land in different modes, and their disagreement away from the data is
        what the epistemic uncertainty measures see.  The members are optimized
        as one vectorized computation (:func:`~pymc_bnn.models.advi_steps.compile_steps`).
    starts : sequence of dict, optional
        One starting point per member (``{value variable name: array}``, on the
        transformed scale, as :meth:`pymc.Model.initial_point` gives; entries
        not given start at the model's initial point).  Default: every member
        starts at the model's initial point (then only their noise differs; see
        :meth:`pymc_bnn.models.bnn.BayesianNeuralNetwork.member_starts`).
    **objective_kwargs
        Passed to the ADVI objective (as in ``pm.fit``: ``obj_n_mc``,
        ``total_grad_norm_constraint``, ``more_replacements``).

    Returns
    -------
    idata : xarray.DataTree
        ``posterior`` group with ``draws`` draws per member, one chain per
        member; ``loss_curve``: the ``loss`` (negative ELBO) of each step, dims
        ``(chain, step)``.
    approx : pymc.Approximation
        The fitted approximation; ``approx.hist`` holds the loss per step (one
        column per member when ``members > 1``, and the approximation's
        parameters then hold the last member's values).

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

    Three members, one chain each:

    >>> with pm.Model():
    ...     mu = pm.Normal("mu", 0, 10)
    ...     _ = pm.Normal("obs", mu, 1, observed=np.full(100, 3.0))
    ...     idata, _ = fit_advi(3000, members=3, draws=500, random_seed=0, progressbar=False)
    >>> idata.posterior["mu"].shape
    (3, 500)
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
    check_positive_int(members, "members")
    model = pm.modelcontext(model)
    if starts is not None and len(starts) != members:
        raise ValueError(f"starts must hold one point per member ({members}); got {len(starts)}.")
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
            inference,
            rate,
            random_seed=seed,
            backend=backend,
            members=None if members == 1 else members,
            **objective_kwargs,
        )
        if starts is not None:
            _start_members(steps, approx, starts)
        if steps_per_call is None:
            steps_per_call = JAX_STEPS_PER_CALL if runs_on_jax(backend) else STEPS_PER_CALL
        losses = _run_steps(steps, n, steps_per_call, approx, callbacks, progressbar)
        approx.hist = inference.hist = losses
        idata = _draw(approx, steps, draws, random_seed)
    return _with_loss_curve(idata, losses), approx


def _with_loss_curve(idata: xr.DataTree, losses: np.ndarray) -> xr.DataTree:
    """``idata`` with the loss of each step as its group ``loss_curve`` (a chain per member).

    The draws of an approximation have no sampler statistics: an empty
    ``sample_stats`` group is left out.
    """
    if "sample_stats" in idata.children and not idata["sample_stats"].data_vars:
        del idata["sample_stats"]
    per_member = losses.reshape(len(losses), -1).T  # (members, steps)
    idata["loss_curve"] = xr.Dataset(
        {"loss": (("chain", "step"), per_member)},
        coords={"chain": np.arange(len(per_member)), "step": np.arange(1, len(losses) + 1)},
    )
    return idata


def _start_members(steps, approx: pm.Approximation, starts: Sequence[Mapping]) -> None:
    """Put each member's means at its starting point (``starts``, one dict per member)."""
    (group,) = approx.groups
    mean = group.params_dict["mu"]
    values = np.repeat(np.asarray(mean.get_value())[None], len(starts), axis=0)
    for k, start in enumerate(starts):
        for name, value in start.items():
            if name not in group.ordering:
                raise ValueError(f"starts[{k}] names {name!r}, not a free variable of the model.")
            _, where, shape, _ = group.ordering[name]
            value = np.asarray(value, dtype=values.dtype)
            if value.shape != tuple(shape):
                raise ValueError(
                    f"starts[{k}][{name!r}] must have shape {tuple(shape)}; got {value.shape}."
                )
            values[k, where] = value.ravel()
    if isinstance(steps, MemberSteps):
        steps.set_values(mean, values)
    else:
        mean.set_value(values[0])


def _draw(approx: pm.Approximation, steps, draws: int, random_seed: int | None) -> xr.DataTree:
    """``draws`` draws from the approximation, one chain per member.

    A member's draws come from the approximation with its parameters set to that
    member's values; member ``k`` draws with its own seed spawned from ``random_seed``.
    """
    with quick_compile():  # one call drawing every draw at once
        if not isinstance(steps, MemberSteps):
            return approx.sample(draws, random_seed=random_seed)
        seeds = np.random.SeedSequence(random_seed).generate_state(steps.members)
        chains = []
        for k, seed in enumerate(seeds):
            for variable in steps.variables:
                variable.set_value(steps.values(variable)[k])
            chains.append(approx.sample(draws, random_seed=int(seed))["posterior"].to_dataset())
    posterior = xr.concat(chains, dim="chain").assign_coords(chain=np.arange(len(chains)))
    return xr.DataTree.from_dict({"posterior": posterior})


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
    losses = None
    done = 0
    with _progress(progressbar) as progress:
        task = progress.add_task("Fitting", total=n, loss="")
        while done < n:
            k = min(steps_per_call, n - done)
            chunk = np.asarray(steps(k))
            if losses is None:  # one column per member when there are several
                losses = np.full((n, *chunk.shape[1:]), np.nan)
            losses[done : done + k] = chunk
            nan = np.isnan(chunk.reshape(k, -1)).any(axis=1)
            if nan.any():
                first = done + int(np.flatnonzero(nan)[0])
                raise FloatingPointError(
                    f"The ADVI loss became NaN at step {first + 1} of {n}; try a smaller "
                    "learning_rate or standardized features."
                )
            done += k
            recent = losses[max(0, done - 1000) : done].reshape(-1)
            progress.update(task, advance=k, loss=f"Average loss = {recent.mean():,.5g}")
            for callback in callbacks:
                callback(approx, losses[:done], done)
    return losses
