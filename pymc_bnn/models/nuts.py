"""NUTS through PyMC's fast external samplers, chosen by what is installed.

``pm.sample(nuts_sampler=...)`` can hand a PyMC model to nutpie (compiled
through Numba), to NumPyro or BlackJAX (compiled through JAX), or sample it with
PyMC's own NUTS.  :func:`sample_nuts` picks one, says which one ran, samples
with one BLAS thread, and turns the failures a user can meet into one-line
errors:

* a sampler that is not installed: an :class:`ImportError` naming the package and
  the ``pip install`` line;
* a model the sampler cannot compile (an operation without a Numba or JAX
  implementation): a :class:`SamplerCompileError` naming the sampler and the
  operation and suggesting ``nuts_sampler="pymc"``, which compiles every model.

``nuts_sampler="auto"`` takes the first installed sampler of
:data:`NUTS_SAMPLERS`, in the order of their minimum bulk ESS per second on the
cover-type softmax regression (``benchmarks/nuts.py``; the figures, and how
close the runners-up came, are in ``benchmarks/results/nuts.md``).  Nothing
here imports nutpie or JAX until a sampler is asked for.

Before a JAX sampler, :func:`start_jax_cpu_devices` starts JAX on one CPU device
per core: PyMC's ``pymc.sampling.jax`` would otherwise start 100, and every JAX
computation in the process after it would run slower.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Literal

import pymc as pm

from pymc_bnn.models.data import check_positive_int
from pymc_bnn.runtime import blas_limits

__all__ = [
    "NUTS_SAMPLERS",
    "NutsSampler",
    "SamplerCompileError",
    "installed_samplers",
    "resolve_sampler",
    "sample_nuts",
    "start_jax_cpu_devices",
]

NutsSampler = Literal["auto", "nutpie", "numpyro", "blackjax", "pymc"]

NUTS_SAMPLERS: tuple[str, ...] = ("nutpie", "numpyro", "blackjax", "pymc")
"""The samplers in the order ``"auto"`` tries them (nutpie first by measurement)."""

_PACKAGES: dict[str, tuple[str, ...]] = {
    "nutpie": ("nutpie",),
    "numpyro": ("numpyro", "jax"),
    "blackjax": ("blackjax", "jax"),
    "pymc": (),
}


class SamplerCompileError(RuntimeError):
    """A NUTS sampler cannot compile the model (an operation it has no implementation of).

    Attributes
    ----------
    sampler : str
        The sampler that failed.
    operation : str
        The operation it could not compile, as the backend named it.
    """

    def __init__(self, sampler: str, operation: str, fallback: str):
        self.sampler = sampler
        self.operation = operation
        super().__init__(
            f'nuts_sampler="{sampler}" cannot compile this model: no '
            f"{_BACKENDS[sampler]} implementation of {operation}; use "
            f'nuts_sampler="{fallback}", which compiles every PyMC model.'
        )


_BACKENDS = {"nutpie": "Numba", "numpyro": "JAX", "blackjax": "JAX", "pymc": "PyTensor"}


def _missing(sampler: str) -> list[str]:
    return [p for p in _PACKAGES[sampler] if importlib.util.find_spec(p) is None]


def installed_samplers() -> list[str]:
    """The NUTS samplers whose packages are installed, fastest first.

    Examples
    --------
    >>> "pymc" in installed_samplers()
    True
    """
    return [s for s in NUTS_SAMPLERS if not _missing(s)]


def resolve_sampler(nuts_sampler: str = "auto") -> str:
    """The sampler that ``nuts_sampler`` names: ``"auto"`` is the fastest installed.

    Parameters
    ----------
    nuts_sampler : {"auto", "nutpie", "numpyro", "blackjax", "pymc"}

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``nuts_sampler`` is not one of the names.
    ImportError
        If the named sampler's package is not installed (the message says how to
        install it).

    Examples
    --------
    >>> resolve_sampler("pymc")
    'pymc'
    >>> resolve_sampler("auto") in NUTS_SAMPLERS
    True
    >>> resolve_sampler("stan")
    Traceback (most recent call last):
    ...
    ValueError: nuts_sampler must be one of ['auto', 'nutpie', 'numpyro', 'blackjax', 'pymc']; ...
    """
    if nuts_sampler == "auto":
        return installed_samplers()[0]
    if nuts_sampler not in NUTS_SAMPLERS:
        raise ValueError(
            f"nuts_sampler must be one of {['auto', *NUTS_SAMPLERS]}; got {nuts_sampler!r}."
        )
    missing = _missing(nuts_sampler)
    if missing:
        raise ImportError(
            f'nuts_sampler="{nuts_sampler}" needs {" and ".join(missing)}, which '
            f"{'is' if len(missing) == 1 else 'are'} not installed: "
            f"pip install {' '.join(missing)}  (or pip install 'pymc_bnn[nuts]')"
        )
    return nuts_sampler


_UNSUPPORTED = re.compile(
    r"(?:No (?:JAX|Numba) (?:conversion|implementation)[^:]*:?\s*|"
    r"not (?:implemented|supported)[^:]*:?\s*)(?P<op>.+)",
    re.IGNORECASE,
)


def _operation(err: BaseException) -> str:
    """The operation named in a backend's "not implemented" error (first line)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    match = _UNSUPPORTED.search(text)
    return (match.group("op") if match else text).strip().rstrip(".")


def start_jax_cpu_devices(chains: int = 1) -> int:
    """Start JAX on as many CPU devices as there are cores (or chains), not PyMC's 100.

    ``pm.sample(nuts_sampler="numpyro" | "blackjax")`` imports
    ``pymc.sampling.jax``, which sets
    ``XLA_FLAGS=--xla_force_host_platform_device_count=100`` (PyMC 6.4,
    ``pymc/sampling/jax.py``): if JAX has not started yet, it starts 100 CPU
    devices, each with its own thread pools, and every JAX computation in the
    process after that is slower (``benchmarks/results/nuts.md`` compares the
    milliseconds per gradient of a cover-type softmax likelihood on 100 devices
    and on one or two).  :func:`sample_nuts` calls this before a JAX sampler, so JAX
    starts with ``max(os.cpu_count(), chains)`` devices -- enough for NumPyro's
    parallel chains -- through JAX's own option ``jax_num_cpu_devices``.

    Nothing changes if JAX has already started (its devices are fixed then) or if
    the user set ``jax_num_cpu_devices``.

    Parameters
    ----------
    chains : int, default 1
        The chains about to run.

    Returns
    -------
    int
        The number of CPU devices JAX runs on.

    Examples
    --------
    >>> start_jax_cpu_devices(chains=2) >= 1
    True
    """
    check_positive_int(chains, "chains")
    import jax

    if jax.config.jax_num_cpu_devices < 0:
        # JAX refuses the option once it has started: its devices are fixed then.
        with suppress(RuntimeError):
            jax.config.update("jax_num_cpu_devices", max(os.cpu_count() or 1, chains))
    return len(jax.devices("cpu"))


@contextmanager
def _blackjax_adaptation_fix() -> Iterator[None]:
    """Drop the ``progress_bar`` option that PyMC 6.4 passes on to BlackJAX's kernel.

    PyMC 6.4's BlackJAX loop hands ``progress_bar`` to
    ``blackjax.window_adaptation``, which forwards it to the NUTS kernel of
    BlackJAX 1.7, which refuses it (``TypeError: ... unexpected keyword
    argument 'progress_bar'``), and calls ``blackjax.progress_bar.gen_scan_fn``,
    which BlackJAX 1.7 no longer has (a plain ``jax.lax.scan`` without a
    progress bar takes its place).
    """
    from types import SimpleNamespace

    import blackjax
    import jax

    original = blackjax.window_adaptation
    bar = blackjax.progress_bar

    def window_adaptation(*args, progress_bar=None, **kwargs):
        return original(*args, **kwargs)

    blackjax.window_adaptation = window_adaptation
    if not hasattr(bar, "gen_scan_fn"):  # BlackJAX 1.7 has no progress_bar.gen_scan_fn
        blackjax.progress_bar = SimpleNamespace(gen_scan_fn=lambda n, show: jax.lax.scan)
    try:
        yield
    finally:
        blackjax.window_adaptation = original
        blackjax.progress_bar = bar


def sample_nuts(
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    *,
    nuts_sampler: NutsSampler = "auto",
    random_seed: int | None = None,
    progressbar: bool = False,
    blas_threads: int | None = 1,
    model: pm.Model | None = None,
    **kwargs: Any,
) -> tuple[Any, str]:
    """Sample the current model with NUTS, through the fastest installed sampler by default.

    Parameters
    ----------
    draws, tune, chains : int
        Draws and tuning steps per chain, and the number of chains.
    nuts_sampler : {"auto", "nutpie", "numpyro", "blackjax", "pymc"}, default "auto"
        ``"auto"`` takes the first installed of :data:`NUTS_SAMPLERS` (fastest
        first, as measured in ``benchmarks/``).
    random_seed : int, optional
        Seed of the sampler.
    progressbar : bool, default False
    blas_threads : int or None, default 1
        BLAS threads during sampling (``None``: no change).  The products of
        pymc_bnn's models are thin, and more threads slow them down.
    model : pymc.Model, optional
        Default: the model of the current context.
    **kwargs
        Passed to ``pm.sample`` (e.g. ``target_accept``, ``cores``).

    Returns
    -------
    idata : xarray.DataTree
        The posterior, as ``pm.sample`` returns it.
    sampler : str
        The sampler that ran.

    Raises
    ------
    ImportError
        If the named sampler is not installed.
    SamplerCompileError
        If the sampler cannot compile the model (names the operation).

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model():
    ...     mu = pm.Normal("mu")
    ...     _ = pm.Normal("y", mu, 1, observed=np.array([0.5, 1.5]))
    ...     idata, sampler = sample_nuts(200, 200, 1, nuts_sampler="pymc", random_seed=0)
    >>> sampler, idata.posterior["mu"].shape
    ('pymc', (1, 200))
    """
    for name, value in (("draws", draws), ("tune", tune), ("chains", chains)):
        if name != "tune" or value != 0:
            check_positive_int(value, name)
    sampler = resolve_sampler(nuts_sampler)
    model = pm.modelcontext(model)
    options = dict(compute_convergence_checks=False)
    options.update(kwargs)
    if sampler == "blackjax" and chains > 1:
        # PyMC's default for BlackJAX maps the chains over devices (jax.pmap), which
        # fails with more chains than devices (one CPU); vectorized chains always run.
        sampler_kwargs = dict(options.get("nuts_sampler_kwargs") or {})
        sampler_kwargs.setdefault("chain_method", "vectorized")
        options["nuts_sampler_kwargs"] = sampler_kwargs
    if _BACKENDS[sampler] == "JAX":
        start_jax_cpu_devices(chains)
    fix = _blackjax_adaptation_fix() if sampler == "blackjax" else _nothing()
    try:
        with blas_limits(blas_threads), fix:
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                nuts_sampler=sampler,
                random_seed=random_seed,
                progressbar=progressbar,
                model=model,
                **options,
            )
    except NotImplementedError as err:
        if sampler == "pymc":
            raise
        raise SamplerCompileError(sampler, _operation(err), "pymc") from err
    return idata, sampler


@contextmanager
def _nothing() -> Iterator[None]:
    yield
