"""The contract of the multiclass likelihoods, written once for any implementation.

Each :class:`Property` is one point of the contract of ``Categorical``,
``Multinomial`` or ``DirichletMultinomial``: a hypothesis strategy (or a table
of cases) and a check ``check(impl, case)`` that takes an
:class:`~pymc_bnn.testing.Implementation` and one case.  The pytest suite runs
every property against :data:`~pymc_bnn.testing.PYMC_BNN`; ``pymc-bnn
check-upstream`` (:mod:`pymc_bnn.testing.conformance`) runs the same objects
against PyMC's distributions and turns each failure into a bug report.

The properties of one distribution live in one module, each registered where it
is defined by the :func:`prop` decorator:

* :mod:`~pymc_bnn.testing.contract.categorical`,
  :mod:`~pymc_bnn.testing.contract.multinomial`,
  :mod:`~pymc_bnn.testing.contract.dirichlet_multinomial`: the properties,
  their cases and tolerances;
* :mod:`~pymc_bnn.testing.contract.extremes`: huge ``n``, huge and tiny
  concentrations, exact totals, the number of categories and the Categorical
  logcdf, against an arbitrary-precision (mpmath) oracle;
* :mod:`~pymc_bnn.testing.contract.inference`: minibatch inference, exactly:
  ``pm.Minibatch`` with ``total_size`` rescales the log-likelihood by ``N / B``
  and ``pm.ADVI``'s loss is on a known scale (labels, count matrices, batched
  counts; the rows of each batch read back);
* :mod:`~pymc_bnn.testing.contract.shared`: the cases and checks the
  distributions share (exact values, off-support values, invalid parameters,
  float32 mode, draws, observed data);
* :mod:`~pymc_bnn.testing.contract.calls`: how a check evaluates an
  implementation (compiled once per graph) and writes a reproducer;
* :mod:`~pymc_bnn.testing.contract.registry`: :class:`Property`, :func:`prop`
  and the look-ups.

A failing check raises :class:`PropertyFailure` (an ``AssertionError``) that
carries the quantity, the actual and expected values, and a reproducer: plain
``numpy``/``pymc``/``pytensor`` code that shows the wrong value when run on
its own.

Tolerances (the oracles are scipy or exact closed forms): relative 1e-10 and
absolute 1e-12 on float64 log-probabilities; 1e-9 on gradients;
relative 1e-9 / absolute 1e-9 for the Dirichlet-multinomial, whose log-pmf
is a difference of ``gammaln`` terms up to about 1e4; about 1e-5 in float32
mode.  Draws: every mean within 5 standard errors.

Examples
--------
>>> from pymc_bnn.testing import PYMC_BNN
>>> p = get("Categorical", "single_category")
>>> for case in p.cases:
...     p.check(PYMC_BNN, case)
>>> len(select(distribution="DirichletMultinomial")) > 5
True
"""

from pymc_bnn.testing.contract import (
    calls,
    categorical,
    dirichlet_multinomial,
    extremes,
    inference,
    multinomial,
    registry,
)
from pymc_bnn.testing.contract.calls import *  # noqa: F403
from pymc_bnn.testing.contract.registry import *  # noqa: F403

# The modules of properties, and every name of calls and registry (each module's
# __all__ says which), in the forms type checkers follow.
__all__ = ["categorical", "dirichlet_multinomial", "extremes", "inference", "multinomial"]
__all__ += calls.__all__
__all__ += registry.__all__
