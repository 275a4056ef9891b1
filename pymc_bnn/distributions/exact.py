"""Float64 building blocks that stay exact where ``gammaln`` differences cancel.

The textbook log-pmfs are differences of ``gammaln`` terms.  Each term is exact
to about 1e-16 *relative*, but with ``n = 2**40`` trials ``gammaln(n + 1)`` is
about 3e13, so the difference (a log-probability near -20) loses everything
below 3e13 * 1e-16 = 3e-3; a Dirichlet concentration of 1e15 loses 20 units.
The functions here rewrite those differences so that nothing large cancels:

* :func:`stirling_remainder` is ``log x! - (x log x - x)``, a quantity of size
  ``log x`` (Stirling's series above 16, ``gammaln`` below);
* :func:`trials_minus_counts` is ``n p - x`` computed without rounding ``n p``
  (``n`` and ``p`` are split into pieces whose products are exact);
* :func:`log_rising_factorial` is ``gammaln(a + x) - gammaln(a)``, by
  Stirling's series for large ``a``;
* :func:`check_categories` refuses a value whose number of categories differs
  from the parameter's, instead of letting it broadcast.

Examples
--------
>>> import numpy as np, pytensor.tensor as pt
>>> from scipy import special
>>> x = pt.as_tensor(np.array([1.0, 15.0, 17.0, 1e12]))
>>> got = stirling_remainder(x).eval()
>>> xs = np.array([1.0, 15.0, 17.0])
>>> bool(np.allclose(got[:3], special.gammaln(xs + 1) - xs * np.log(xs) + xs, rtol=1e-14))
True
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pytensor.raise_op import Assert
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "check_categories",
    "log_rising_factorial",
    "stirling_remainder",
    "trials_minus_counts",
]

#: Above this, Stirling's series with five terms is exact to float64 precision.
STIRLING_FROM = 16.0
_HALF_LOG_2PI = 0.5 * float(np.log(2 * np.pi))


def _stirling_correction(z: TensorVariable) -> TensorVariable:
    """``gammaln(z) - ((z - 1/2) log z - z + log(2 pi) / 2)`` for ``z >= 16`` (error < 1e-19)."""
    inv = 1.0 / z
    inv2 = inv * inv
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))


def stirling_remainder(x: TensorVariable) -> TensorVariable:
    """``log x! - (x log x - x)`` in float64 for ``x >= 0`` (0 at ``x = 0``).

    Equals ``log(2 pi x) / 2 + 1/(12 x) - ...`` above :data:`STIRLING_FROM`
    and ``gammaln(x + 1) - x log x + x`` below it; both are exact to a few
    units of 1e-16 relative, because neither subtracts large numbers.

    Examples
    --------
    >>> float(stirling_remainder(pt.as_tensor(1.0)).eval())
    1.0
    """
    x = pt.cast(x, "float64")
    big = pt.ge(x, STIRLING_FROM)
    xb = pt.switch(big, x, STIRLING_FROM)
    # log x! = log Gamma(x + 1) = (x + 1/2) log(x + 1) - (x + 1) + log(2 pi)/2 + c(x + 1); minus
    # (x log x - x): x log1p(1/x) + log(x + 1)/2 - 1 + log(2 pi)/2 + c(x + 1).
    series = (
        xb * pt.log1p(1.0 / xb)
        + 0.5 * pt.log1p(xb)
        - 1.0
        + _HALF_LOG_2PI
        + _stirling_correction(xb + 1.0)
    )
    xs = pt.switch(pt.gt(x, 0) & ~big, x, 1.0)
    direct = pt.gammaln(xs + 1.0) - xs * pt.log(xs) + xs
    return pt.switch(big, series, pt.switch(pt.gt(x, 0), direct, 0.0))


def trials_minus_counts(n: TensorVariable, p: TensorVariable, x: TensorVariable) -> TensorVariable:
    """``n * p - x`` in float64 without the rounding of ``n * p`` (``0 <= p <= 1``, ``n`` whole).

    ``n`` (below 2**53) is split at 2**27 and ``p`` at 2**-26; the products of
    the high parts are exact integers or dyadic fractions, so the difference
    with the count ``x`` is exact where it matters (``n p`` close to ``x``).
    The gradient in ``p`` is ``n``, as for ``n * p - x``.

    Examples
    --------
    >>> n, p = pt.as_tensor(2.0**40), pt.as_tensor(0.1)
    >>> float(trials_minus_counts(n, p, pt.as_tensor(109951162777.0)).eval())
    0.600006103515625
    """
    n = pt.cast(n, "float64")
    p = pt.cast(p, "float64")
    x = pt.cast(x, "float64")
    n_hi = pt.floor(n / 2.0**27) * 2.0**27
    n_lo = n - n_hi
    p_hi = pt.floor(p * 2.0**26) / 2.0**26
    p_lo = p - p_hi
    return ((n_hi * p_hi - x) + n_lo * p_hi) + (n_hi * p_lo + n_lo * p_lo)


def log_rising_factorial(a: TensorVariable, x: TensorVariable) -> TensorVariable:
    """``gammaln(a + x) - gammaln(a)`` in float64 for ``a > 0``, ``x >= 0``, exact for huge ``a``.

    For ``a >= 16`` it is ``(a - 1/2) log1p(x/a) + x log(a + x) - x`` plus the
    difference of Stirling corrections, so a concentration of 1e15 keeps full
    precision (the plain difference of two ``gammaln`` near 3e16 keeps none).
    Negative ``x`` (off the support) is treated as 0.

    Examples
    --------
    >>> from scipy import special
    >>> got = float(log_rising_factorial(pt.as_tensor(20.0), pt.as_tensor(3.0)).eval())
    >>> bool(np.isclose(got, special.gammaln(23.0) - special.gammaln(20.0), rtol=1e-14))
    True
    """
    a = pt.cast(a, "float64")
    x = pt.maximum(pt.cast(x, "float64"), 0.0)
    big = pt.ge(a, STIRLING_FROM)
    ab = pt.switch(big, a, STIRLING_FROM)
    stirling = (
        (ab - 0.5) * pt.log1p(x / ab)
        + x * pt.log(ab + x)
        - x
        + (_stirling_correction(ab + x) - _stirling_correction(ab))
    )
    direct = pt.gammaln(a + x) - pt.gammaln(a)
    return pt.switch(big, stirling, direct)


def check_categories(value: TensorVariable, param: TensorVariable) -> TensorVariable:
    """``value``, refused unless its last axis has as many categories as ``param``'s.

    A static mismatch raises a ``ValueError`` when the log-density is built; an
    unknown length is checked when the graph runs (an ``AssertionError``).
    Without this, a count vector of length 1 would broadcast against three
    categories and get a finite log-probability.

    Raises
    ------
    ValueError
        If both lengths are known and differ.

    Examples
    --------
    >>> check_categories(pt.as_tensor([1, 2]), pt.as_tensor([0.2, 0.3, 0.5]))
    Traceback (most recent call last):
    ...
    ValueError: the value has 2 categories on its last axis but the parameter has 3.
    """
    got, want = value.type.shape[-1], param.type.shape[-1]
    if got is not None and want is not None:
        if got != want:
            raise ValueError(
                f"the value has {got} categories on its last axis but the parameter has {want}."
            )
        return value
    msg = "the value's last axis must have as many categories as the parameter"
    return Assert(msg)(value, pt.eq(value.shape[-1], param.shape[-1]))
