"""Exact collinearity in a design matrix: which columns, and which to fix at zero.

A softmax regression's logits are ``intercept + X @ coef``.  When a column of
``X`` is, together with the intercept, an exact linear combination of other
columns (a constant column, a duplicated column, a group of indicator columns
that sums to one, as one-hot encodings do), the likelihood is flat along a
direction of the coefficients: the posterior has a ridge bounded only by the
prior, and NUTS needs long trajectories to walk it.

:func:`find_collinearity` goes through the columns in order (the intercept
first) and finds each one that adds nothing to the span of the columns kept
before it: an unpivoted QR decomposition of ``[1, X]`` (the magnitude of
``R[j, j]`` relative to the column's norm is the part of column ``j`` that the
earlier columns do not explain), then least squares to name the columns each
dropped one depends on.  Fixing the coefficients of the dropped columns at zero
gives an identified model with the same predictions: for an indicator group it
is reference coding with the group's last level as reference, a constant
column's effect goes to the intercept, a duplicate's to its first copy.

A column that is zero on every row is left alone.  Its coefficients do not
enter the likelihood, so their posterior is their prior, independent of every
other coefficient: no ridge for a sampler to walk.  Keeping them keeps that
prior's uncertainty for new rows where the column is not zero (an indicator of
a level absent from training), which is what tells such rows from familiar
ones.  Fixing them at zero instead makes the model certain about a level it has
never seen (``benchmarks/results/uncertainty.md``, cover type's wilderness
areas).  A standardized design (a constant column centred) has its constant
columns at zero.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

__all__ = [
    "COLLINEARITY",
    "Collinearity",
    "CollinearityWarning",
    "check_collinearity",
    "find_collinearity",
]

COLLINEARITY: tuple[str, ...] = ("drop", "warn", "error", "ignore")
"""The accepted values of ``collinearity`` (besides a list of columns)."""

_TOL = 1e-8
"""A column is dependent when less than this fraction of its norm is new."""


class CollinearityWarning(UserWarning):
    """The design matrix is exactly collinear (the message names the columns)."""


@dataclass(frozen=True)
class Collinearity:
    """What :func:`find_collinearity` found.

    Attributes
    ----------
    names : list of str
        The column names (``x0``, ``x1``, ... for an array).
    constant : list of str
        Constant columns other than zero ones (collinear with the intercept).
    duplicated : list of tuple of str
        Pairs ``(first, copy)`` of identical columns.
    groups : list of tuple of str
        For every other dropped column, the columns it is (with the intercept)
        a linear combination of, itself last.
    dropped : list of int
        Indices of the columns whose coefficients are fixed at zero by the
        ``"drop"`` remedy: every constant column, every later copy, and the last
        column of every dependent group.
    zero : list of str
        Columns that are zero on every row: not dropped (their coefficients
        keep the prior).
    """

    names: list[str]
    constant: list[str] = field(default_factory=list)
    duplicated: list[tuple[str, str]] = field(default_factory=list)
    groups: list[tuple[str, ...]] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    zero: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.dropped)

    @property
    def kept(self) -> list[int]:
        """Indices of the columns whose coefficients stay free."""
        return [j for j in range(len(self.names)) if j not in set(self.dropped)]

    def describe(self) -> str:
        """The dropped columns and why, each column named once (empty if there are none).

        One clause, however many columns: the constant ones, the copies (with the
        column each copies), and the ones that are linear combinations of the
        other columns and the intercept (the last level of an indicator group).
        The columns a combination draws on are in :attr:`groups`, not in the
        text, which would otherwise repeat them for every group.

        Examples
        --------
        >>> X = np.column_stack([np.ones(4), [0, 1, 0, 1], [1, 0, 1, 0.0], [0, 1, 0, 1]])
        >>> find_collinearity(X, ["c", "a", "b", "a2"]).describe()
        "X is exactly collinear with the intercept: 3 columns add nothing to the others (constant ['c']; copies 'a2' of 'a'; linear combinations of the other columns ['b'])"
        """  # noqa: E501
        parts = []
        if self.constant:
            parts.append(f"constant {self.constant}")
        if self.duplicated:
            copies: dict[str, list[str]] = {}
            for first, copy in self.duplicated:
                copies.setdefault(first, []).append(copy)
            shown = ", ".join(
                f"{', '.join(repr(c) for c in cs)} of {first!r}" for first, cs in copies.items()
            )
            parts.append(f"copies {shown}")
        if self.groups:
            combos = [group[-1] for group in self.groups]
            parts.append(f"linear combinations of the other columns {combos}")
        if not parts:
            return ""
        n = len(self.dropped)
        return (
            f"X is exactly collinear with the intercept: {n} column{'s' if n > 1 else ''} "
            f"add{'' if n > 1 else 's'} nothing to the others ({'; '.join(parts)})"
        )


def find_collinearity(
    X: ArrayLike, names: Sequence[str] | None = None, *, tol: float = _TOL
) -> Collinearity:
    """Find the columns of ``X`` that are exactly collinear with the intercept and each other.

    Parameters
    ----------
    X : array_like, shape (rows, features)
        A finite numeric matrix.
    names : sequence of str, optional
        Column names for the report (default ``x0``, ``x1``, ...).
    tol : float, default 1e-8
        A column is dependent when the part of it that the intercept and the
        earlier kept columns do not explain has less than ``tol`` times its norm.

    Returns
    -------
    Collinearity

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=50)
    >>> onehot = np.eye(3)[rng.integers(0, 3, 50)]
    >>> X = np.column_stack([z, onehot, z, np.full(50, 2.0), np.zeros(50)])
    >>> found = find_collinearity(X, ["z", "g1", "g2", "g3", "z_copy", "two", "none"])
    >>> found.constant, found.duplicated, found.groups, found.zero
    (['two'], [('z', 'z_copy')], [('g1', 'g2', 'g3')], ['none'])
    >>> [found.names[j] for j in found.dropped]
    ['g3', 'z_copy', 'two']
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D matrix; got {X.ndim} dimensions.")
    f = X.shape[1]
    names = [f"x{j}" for j in range(f)] if names is None else [str(n) for n in names]
    if len(names) != f:
        raise ValueError(f"names must name the {f} columns of X; got {len(names)}.")
    if X.shape[0] == 0 or f == 0:
        return Collinearity(names)
    design = np.column_stack([np.ones(len(X)), X])
    norms = np.linalg.norm(design, axis=0)
    scaled = design / np.where(norms > 0, norms, 1.0)
    r = scipy.linalg.qr(scaled, mode="r", check_finite=False)[0]
    diag = np.abs(np.diag(r))
    if len(diag) < design.shape[1]:  # fewer rows than columns: the rest are dependent
        diag = np.concatenate([diag, np.zeros(design.shape[1] - len(diag))])
    constant, duplicated, groups, dropped, zero = [], [], [], [], []
    kept = [0]  # the intercept
    for j in range(1, design.shape[1]):
        column = X[:, j - 1]
        if not column.any():  # outside the likelihood: its coefficients keep the prior
            zero.append(names[j - 1])
            continue
        if np.ptp(column) == 0.0:
            constant.append(names[j - 1])
            dropped.append(j - 1)
            continue
        copies = [k for k in kept[1:] if np.array_equal(X[:, k - 1], column)]
        if copies:
            duplicated.append((names[copies[0] - 1], names[j - 1]))
            dropped.append(j - 1)
            continue
        if diag[j] > tol:
            kept.append(j)
            continue
        coef = np.linalg.lstsq(scaled[:, kept], scaled[:, j], rcond=None)[0]
        scale = np.max(np.abs(coef[1:])) if len(coef) > 1 else 0.0
        members = [
            names[k - 1] for k, c in zip(kept[1:], coef[1:], strict=True) if abs(c) > 1e-6 * scale
        ]
        groups.append((*members, names[j - 1]))
        dropped.append(j - 1)
    return Collinearity(names, constant, duplicated, groups, sorted(dropped), zero)


def check_collinearity(
    X: ArrayLike, names: Sequence[str] | None, collinearity: str, *, argument: str = "X"
) -> list[int]:
    """Apply a ``collinearity`` option to ``X``: the column indices whose coefficients are zero.

    ``"drop"`` warns (:class:`CollinearityWarning`) and returns the dropped
    columns; ``"warn"`` warns and returns none; ``"error"`` raises a
    ``ValueError`` naming the columns; ``"ignore"`` checks nothing.

    Examples
    --------
    >>> X = np.column_stack([np.arange(4.0), np.arange(4.0)])
    >>> check_collinearity(X, ["a", "b"], "ignore")
    []
    >>> check_collinearity(X, ["a", "b"], "error")
    Traceback (most recent call last):
    ...
    ValueError: X is exactly collinear with the intercept: 1 column adds nothing to the others ...
    """
    if collinearity not in COLLINEARITY:
        raise ValueError(
            f"collinearity must be one of {list(COLLINEARITY)} or a list of columns; "
            f"got {collinearity!r}."
        )
    if collinearity == "ignore":
        return []
    found = find_collinearity(X, names)
    if not found:
        return []
    message = found.describe().replace("X is", f"{argument} is", 1)
    one = len(found.dropped) == 1
    they, are = ("its coefficient", "is") if one else ("their coefficients", "are")
    if collinearity == "error":
        raise ValueError(
            f"{message}, so the posterior has a ridge that only the prior bounds; pass "
            f"collinearity='drop' to fix {they} at zero."
        )
    if collinearity == "drop":
        warnings.warn(
            f"{message}; {they} {are} fixed at zero (collinearity='drop').",
            CollinearityWarning,
            stacklevel=3,
        )
        return list(found.dropped)
    warnings.warn(
        f"{message}, so the posterior has a ridge that only the prior bounds "
        f"(collinearity='drop' fixes {they} at zero).",
        CollinearityWarning,
        stacklevel=3,
    )
    return []
