"""How pymc_bnn compiles the functions it calls once: :func:`quick_compile`.

A fit's optimization steps are one compiled loop called thousands of times, and
are worth Numba's compile (PyTensor's default).  Other functions are called once
or a few times per fit: the draws taken from a fitted approximation, the class
probabilities of new rows under every posterior draw, a shape.  Each of their
nodes works on a whole stack of draws, so NumPy's own loops do the work and a
compiled loop gains little at run time, while Numba's compile of them takes
seconds per model on an empty compile cache.  :func:`quick_compile` compiles them
in a fraction of that, for the same run time once compiled (figures in
``benchmarks/results/code_choices.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytensor

__all__ = ["quick_compile"]


@contextmanager
def quick_compile() -> Iterator[None]:
    """Context in which PyTensor compiles in well under a second.

    PyTensor's ``FAST_COMPILE`` rewrites (no fusion of elementwise operations,
    which would run as Python scalar loops) and Python thunks: no Numba, and no
    C compiler either (``FAST_COMPILE`` would otherwise compile a C module per
    operation on a cold cache).  For functions called once on whole arrays.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> x = pt.vector("x")
    >>> with quick_compile():
    ...     f = pytensor.function([x], pt.exp(x).sum())
    >>> float(f([0.0, 0.0]))
    2.0
    """
    with pytensor.config.change_flags(mode="FAST_COMPILE", cxx=""):
        yield
