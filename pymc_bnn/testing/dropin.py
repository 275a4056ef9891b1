"""A pytest plugin that runs PyMC's own tests with pymc_bnn's classes bound in place of PyMC's.

``python -m pytest -p pymc_bnn.testing.dropin <PyMC's test modules>`` binds
``pm.Categorical`` and ``pm.Multinomial`` (and the names ``from pymc import
...`` finds) to :class:`pymc_bnn.Categorical` and :class:`pymc_bnn.Multinomial`
before the test modules are collected, for that pytest process only.  It is
the measure of "drop-in" in ``docs/distributions.md``; ``CONTRIBUTING.md``
says how to get PyMC's tests at the installed release and which of them to run
(:data:`SELECTION`).

Nothing happens on import: the binding is done by the pytest hook
:func:`pytest_configure`, so importing this module (a doctest run does) leaves
``pm.*`` alone, as importing pymc_bnn always does.

Examples
--------
>>> import pymc as pm
>>> bound = bind()
>>> pm.Categorical.__module__
'pymc_bnn.distributions.categorical'
>>> unbind(bound)
>>> pm.Categorical.__module__
'pymc.distributions.discrete'
"""

from __future__ import annotations

from typing import Any

__all__ = ["SELECTION", "bind", "pytest_configure", "pytest_unconfigure", "unbind"]

#: The ``-k`` expression that selects PyMC's tests of Multinomial and Categorical
#: (not DirichletMultinomial's or OrderedMultinomial's) in ``tests/distributions/
#: test_multivariate.py``, ``test_discrete.py``, ``moments/test_means.py`` and
#: ``step_methods/test_metropolis.py``: 77 tests at PyMC 6.4.0.
SELECTION = (
    "(multinomial or categorical or orderedlogistic_dimensions or step_discrete) "
    "and not dirichlet and not ordered_multinomial and not orderedmultinomial "
    "and not expected_categorical"
)

_NAMES = ("Categorical", "Multinomial")


def bind() -> dict[str, Any]:
    """Bind ``pm.Categorical`` / ``pm.Multinomial`` to pymc_bnn's; return what they were."""
    import pymc as pm

    import pymc_bnn as pb

    previous = {name: getattr(pm, name) for name in _NAMES}
    for name in _NAMES:
        setattr(pm, name, getattr(pb, name))
    return previous


def unbind(previous: dict[str, Any]) -> None:
    """Restore the classes :func:`bind` replaced."""
    import pymc as pm

    for name, cls in previous.items():
        setattr(pm, name, cls)


_bound: dict[str, Any] = {}


def pytest_configure(config) -> None:
    """Bind before collection, so ``from pymc import Categorical`` finds pymc_bnn's."""
    _bound.update(bind())


def pytest_unconfigure(config) -> None:
    """Restore PyMC's classes at the end of the session."""
    unbind(_bound)
    _bound.clear()
