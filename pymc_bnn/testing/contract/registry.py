"""The registry of properties: :class:`Property`, the :func:`prop` decorator and look-ups.

A property registers itself where it is defined: :func:`prop` decorates its
check, a plain function ``check(impl, case)``, with the distribution, the name,
a one-line summary and the strategy or table of cases.  The distribution
modules of :mod:`pymc_bnn.testing.contract` are the only places that do so;
importing :mod:`pymc_bnn.testing.contract` registers them all.

Examples
--------
>>> len(PROPERTIES), [len(ps) for ps in by_distribution().values()]
(93, [32, 40, 21])
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from pymc_bnn.testing import DISTRIBUTIONS
from pymc_bnn.testing.contract.calls import value_text
from pymc_bnn.testing.implementations import Implementation

__all__ = [
    "DISTRIBUTIONS",
    "PROPERTIES",
    "Property",
    "by_distribution",
    "case_text",
    "fixed_cases",
    "get",
    "hypothesis_properties",
    "prop",
    "select",
]


@dataclass(frozen=True)
class Property:
    """One point of the contract of one distribution.

    Give either ``strategy`` (hypothesis draws the cases and shrinks a
    failure; ``examples`` are cases it always tries first, like
    ``hypothesis.example``) or ``cases`` (a table, checked in order).

    Attributes
    ----------
    distribution : str
        ``"Categorical"``, ``"Multinomial"`` or ``"DirichletMultinomial"``.
    name : str
        Short name, unique within the distribution, e.g. ``"logp_p_matches_scipy[int8]"``.
    summary : str
        One line: what must hold.
    check : callable
        ``check(impl, case)``; raises :class:`~pymc_bnn.testing.contract.PropertyFailure`
        if it does not hold.
    strategy : hypothesis strategy or None
        Draws the cases.
    cases : tuple
        The table of cases, when there is no strategy.
    examples : tuple
        Cases hypothesis tries before drawing.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> p = get("Categorical", "single_category")
    >>> p.id, len(p.cases), p.applies_to(PYMC_BNN)
    ('Categorical.single_category', 4, True)
    """

    distribution: str
    name: str
    summary: str
    check: Callable[[Implementation, Any], None]
    strategy: st.SearchStrategy | None = None
    cases: tuple = field(default=())
    examples: tuple = field(default=())

    @property
    def id(self) -> str:
        """``"<distribution>.<name>"``."""
        return f"{self.distribution}.{self.name}"

    def applies_to(self, impl: Implementation) -> bool:
        """Whether ``impl`` provides this property's distribution."""
        return (
            self.distribution != "DirichletMultinomial" or impl.dirichlet_multinomial is not None
        )


#: Every registered property, in registration order.
PROPERTIES: list[Property] = []


def _check_new(prop: Property) -> None:
    if prop.distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {prop.distribution!r}")
    if any(p.id == prop.id for p in PROPERTIES):
        raise ValueError(f"property {prop.id} is already registered")
    if (prop.strategy is None) == (not prop.cases):
        raise ValueError(f"property {prop.id}: give either a strategy or cases")


def prop(
    distribution: str,
    name: str,
    summary: str,
    *,
    strategy: st.SearchStrategy | Callable[[Any], st.SearchStrategy] | None = None,
    cases: Iterable = (),
    examples: Iterable = (),
    params: Sequence | None = None,
) -> Callable[[Callable], Callable]:
    """Register the decorated check as a property of ``distribution``; return the check.

    The check is a plain function ``check(impl, case)`` that raises a
    :class:`~pymc_bnn.testing.contract.PropertyFailure` when the property does
    not hold for ``impl`` (an :class:`~pymc_bnn.testing.Implementation`).
    Several ``@prop`` lines may decorate one check (properties that differ only
    in their cases); they register in the order they are written, and the
    check's ``contract_properties`` attribute lists what it registered.

    Parameters
    ----------
    distribution : str
        One of :data:`DISTRIBUTIONS`.
    name : str
        Unique within the distribution.
    summary : str
        One line: what must hold.
    strategy : hypothesis strategy, or a function of the parameter returning one
        Draws the cases (hypothesis shrinks a failing one).
    cases : iterable
        A table of cases instead of a strategy, checked in order.
    examples : iterable
        Cases hypothesis tries first.
    params : sequence, optional
        Register one property per parameter ``x`` (e.g. a dtype): named
        ``name[x]``, with ``summary.format(param=x)``, the strategy
        ``strategy(x)`` when ``strategy`` is a function, and checked by
        ``check(impl, case, x)``.

    Examples
    --------
    >>> @prop("Categorical", "doc_example", "label 0 of p = [1] has logp 0",
    ...       cases=[0], params=["p"])
    ... def _doc_example(impl, label, kind):
    ...     assert kind == "p" and label == 0
    >>> get("Categorical", "doc_example[p]").check(None, 0)
    >>> PROPERTIES.remove(get("Categorical", "doc_example[p]"))
    """

    def register(check: Callable) -> Callable:
        if params is None:
            new = [Property(distribution, name, summary, check, strategy, (*cases,), (*examples,))]
        else:
            new = [
                Property(
                    distribution,
                    f"{name}[{param}]",
                    summary.format(param=param),
                    functools.partial(_with_param, check, param),
                    strategy(param) if callable(strategy) else strategy,
                    (*cases,),
                    (*examples,),
                )
                for param in params
            ]
        for p in new:
            _check_new(p)
        # Stacked decorators run bottom-up: insert before the properties of the ones
        # below, so properties are registered (and reported) in the order they are written.
        below = check.__dict__.setdefault("contract_properties", [])
        at = PROPERTIES.index(below[0]) if below else len(PROPERTIES)
        PROPERTIES[at:at] = new
        below[:0] = new
        return check

    return register


def _with_param(check: Callable, param: Any, impl: Implementation, case: Any) -> None:
    check(impl, case, param)


def select(distribution: str | None = None, name: str | None = None) -> list[Property]:
    """Properties of ``distribution`` whose name is ``name`` or ``name[...]`` (both optional).

    Examples
    --------
    >>> [p.name for p in select("Categorical", "labels_off_support_are_minus_inf")]
    ['labels_off_support_are_minus_inf[p]', 'labels_off_support_are_minus_inf[logit_p]']
    """
    return [
        p
        for p in PROPERTIES
        if (distribution is None or p.distribution == distribution)
        and (name is None or p.name == name or p.name.startswith(name + "["))
    ]


def get(distribution: str, name: str) -> Property:
    """The property called ``name`` (exactly) of ``distribution``.

    Examples
    --------
    >>> get("Multinomial", "logp_p_matches_scipy[int8]").id
    'Multinomial.logp_p_matches_scipy[int8]'
    """
    for p in PROPERTIES:
        if p.distribution == distribution and p.name == name:
            return p
    raise KeyError(f"{distribution}.{name}")


def by_distribution(names: Sequence[str] | None = None) -> dict[str, list[Property]]:
    """Properties grouped by distribution, in :data:`DISTRIBUTIONS` order.

    Examples
    --------
    >>> list(by_distribution(["Categorical"]))
    ['Categorical']
    """
    names = list(names or DISTRIBUTIONS)
    return {d: [p for p in PROPERTIES if p.distribution == d] for d in names}


def hypothesis_properties(distribution: str) -> list[Property]:
    """The properties of ``distribution`` that hypothesis draws cases for.

    Examples
    --------
    >>> all(p.strategy is not None for p in hypothesis_properties("Multinomial"))
    True
    """
    return [p for p in select(distribution) if p.strategy is not None]


def fixed_cases(distribution: str) -> list[tuple[Property, Any, str]]:
    """``(property, case, id)`` for every table case and explicit example of ``distribution``.

    Examples
    --------
    >>> fixed_cases("Categorical")[0][2]
    'zero_probability_label-0'
    """
    return [
        (p, case, f"{p.name}-{i}")
        for p in select(distribution)
        for i, case in enumerate(p.cases or p.examples)
    ]


def case_text(case: Any) -> str:
    """A one-line description of a case, for reports: its fields other than ``None``.

    Integer arrays of a dtype other than int64 show their dtype.

    Examples
    --------
    >>> from pymc_bnn.testing.contract.multinomial import BinomialCase
    >>> case_text(BinomialCase(n=3, x=1, p=0.5))
    'n=3, x=1, p=0.5'
    """
    if dataclasses.is_dataclass(case):
        parts = []
        for f in dataclasses.fields(case):
            v = getattr(case, f.name)
            if v is None:
                continue
            if isinstance(v, np.ndarray) and v.dtype.kind in "iu" and v.dtype != np.int64:
                parts.append(f"{f.name}={value_text(v)} ({v.dtype})")
            else:
                parts.append(f"{f.name}={value_text(v)}")
        return ", ".join(parts)
    return value_text(case)
