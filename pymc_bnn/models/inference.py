"""ADVI with the settings that make Bayesian neural networks and GLMs fit reliably.

:func:`fit_advi` is ``pm.fit`` with four choices made for the user, each of
which matters for a neural network (measurements in ``benchmarks/results/benchmarks.md``,
explained in ``docs/tutorials/bnn-covertype.md``):

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

import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np
import pymc as pm
import pytensor
import xarray as xr

from pymc_bnn.models.data import check_positive_int

__all__ = ["blas_limits", "fit_advi", "interruptible"]

METHODS = ("advi", "fullrank_advi")


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
    whatever happened to the first one.  Outside the main thread (where Python
    delivers no signals) it changes nothing.

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

    def handler(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    except BaseException:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt


def _geometric_decay(rate, decay: float, n: int):
    start = float(rate.get_value())

    def callback(approx, losses, i):
        if i % 100 == 0:
            rate.set_value(np.float64(start * decay ** (i / n)))

    return callback


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
    **fit_kwargs,
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
    **fit_kwargs
        Passed to ``pm.fit`` (e.g. ``callbacks``).

    Returns
    -------
    idata : xarray.DataTree
        ``posterior`` group with ``draws`` draws (one chain).
    approx : pymc.Approximation
        The fitted approximation; ``approx.hist`` holds the loss per step.

    Raises
    ------
    ValueError
        For an unknown method, ``n < 1``, a non-positive learning rate or
        ``start_sigma``.
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
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive; got {learning_rate!r}.")
    if not 0 < decay <= 1:
        raise ValueError(f"decay must lie in (0, 1]; got {decay!r}.")
    model = pm.modelcontext(model)
    rate = pytensor.shared(np.float64(learning_rate), "learning_rate")
    if decay != 1:
        callbacks = [*fit_kwargs.pop("callbacks", []), _geometric_decay(rate, decay, int(n))]
        fit_kwargs["callbacks"] = callbacks
    if start_sigma is not None and method == "advi":
        if not start_sigma > 0:
            raise ValueError(f"start_sigma must be positive; got {start_sigma!r}.")
        point = model.initial_point()
        fit_kwargs["start_sigma"] = {
            v.name: np.full(np.shape(point[v.name]), float(start_sigma)).ravel()
            for v in model.value_vars
        }
    with interruptible(), blas_limits(blas_threads):
        approx = pm.fit(
            int(n),
            method=method,
            model=model,
            obj_optimizer=pm.adam(learning_rate=rate),
            random_seed=random_seed,
            progressbar=progressbar,
            **fit_kwargs,
        )
        stoppable = fit_kwargs.get("callbacks") or fit_kwargs.get("score") is False
        if len(approx.hist) < int(n) and not stoppable:
            # Stopped early with no callback to stop it: an interrupt that the
            # handler above did not see (outside the main thread).
            raise KeyboardInterrupt
        idata = approx.sample(draws, random_seed=random_seed)
    return idata, approx
