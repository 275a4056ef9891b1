"""Coordinates in which NUTS and ADVI walk a linear layer's posterior well.

A linear layer ``X @ beta + alpha`` on a design whose columns are correlated,
or far from zero (0/1 indicators), has a posterior whose directions are
correlated: every intercept with every coefficient, the coefficients of related
columns with each other.  A diagonal mass matrix (NUTS) or a mean-field
approximation (ADVI) steps badly along such directions.  Two linear changes of
variables remove the correlation without changing the model:

* the intercept of the centred design, ``a = alpha + m @ beta`` (``m`` the
  column means), as brms and Bambi sample it (:func:`centred_intercept`);
* the coefficients ``theta = R beta``, with ``R`` the triangular factor of the
  centred design (:func:`design_geometry`), Stan's QR reparametrisation
  (:func:`qr_coefficients`).

Both give each free variable the prior that makes ``alpha`` and ``beta`` exactly
as in the plain model: the posterior of ``alpha`` and ``beta`` is the same, only
the coordinates the sampler moves in differ.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.linalg
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "PARAMETRIZATIONS",
    "Parametrization",
    "centred_intercept",
    "check_parametrization",
    "design_geometry",
    "qr_coefficients",
]

Parametrization = Literal["qr", "centered", "plain"]
PARAMETRIZATIONS: tuple[str, ...] = get_args(Parametrization)
"""The accepted values of ``parametrization``."""


def check_parametrization(parametrization: str, *, also: tuple[str, ...] = ()) -> None:
    """Raise a ``ValueError`` naming the accepted values unless ``parametrization`` is one.

    ``also``: values a caller accepts besides :data:`PARAMETRIZATIONS` (the
    estimators' ``"auto"``), named first in the message.

    Examples
    --------
    >>> check_parametrization("QR")
    Traceback (most recent call last):
    ...
    ValueError: parametrization must be one of ['qr', 'centered', 'plain']; got 'QR'.
    >>> check_parametrization("auto", also=("auto",))
    """
    accepted = [*also, *PARAMETRIZATIONS]
    if parametrization not in accepted:
        raise ValueError(f"parametrization must be one of {accepted}; got {parametrization!r}.")


def design_geometry(
    X: ArrayLike, prior_scale: float | ArrayLike = 2.5
) -> tuple[np.ndarray, np.ndarray]:
    r"""The centre and the whitening factor of a design.

    Returns the column means :math:`m` and the upper-triangular :math:`R` with

    .. math::

       R^\top R = \tfrac{1}{n} (X - m)^\top (X - m)
                 + \tfrac{1}{n} \operatorname{diag}(s)^{-2},

    the ``R`` of a QR decomposition of the centred design scaled by
    :math:`1/\sqrt{n}` (Stan's QR reparametrisation), with the coefficients' prior
    precision added so that ``R`` is invertible for every design, collinear or
    with fewer rows than columns.  With :math:`\theta = R \beta` the centred
    design's linear predictor is :math:`(X - m) R^{-1} \theta`, whose columns
    are uncorrelated.

    Parameters
    ----------
    X : array_like, shape (rows, features)
        The design (only the columns whose coefficients are free).
    prior_scale : float or array_like, default 2.5
        The coefficients' prior standard deviation, a number or one per feature.

    Returns
    -------
    mean : numpy.ndarray, shape (features,)
    factor : numpy.ndarray, shape (features, features)
        Upper triangular, positive diagonal.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)) @ np.array([[1, 0.9, 0], [0, 0.4, 0], [0, 0, 2]])
    >>> m, R = design_geometry(X)
    >>> Z = (X - m) @ np.linalg.inv(R)  # the whitened design: nearly unit covariance
    >>> bool(np.allclose(Z.T @ Z / len(X), np.eye(3), atol=1e-2))
    True
    """
    X = np.asarray(X, dtype=np.float64)
    n, f = X.shape
    mean = X.mean(axis=0) if n else np.zeros(f)
    centred = X - mean
    scale = np.broadcast_to(np.asarray(prior_scale, dtype=np.float64), (f,))
    gram = (centred.T @ centred + np.diag(1.0 / scale**2)) / max(n, 1)
    return mean, np.linalg.cholesky(gram).T


def qr_coefficients(
    name: str,
    scales: np.ndarray,
    factor: np.ndarray,
    initval: np.ndarray | None = None,
) -> TensorVariable:
    """Coefficients ``beta = R^{-1} theta``, ``theta`` the free variable ``name``.

    ``beta``'s columns get independent Normal priors of standard deviations
    ``scales``, so each column of ``theta = R beta`` is multivariate Normal with
    covariance ``R diag(s^2) R^T``: the prior of ``beta`` is exactly that of
    ``pm.Normal(0, scales)``.  ``theta`` is stored with the columns first,
    ``(columns, rows)``.

    Parameters
    ----------
    name : str
        Name of the free variable ``theta``.
    scales : numpy.ndarray, shape (rows, columns)
        Prior standard deviations of ``beta``.
    factor : numpy.ndarray, shape (rows, rows)
        ``R``, upper triangular (:func:`design_geometry`).
    initval : numpy.ndarray, shape (rows, columns), optional
        Initial value of ``beta``.

    Returns
    -------
    TensorVariable
        ``beta``, shape ``(rows, columns)``.

    Examples
    --------
    >>> with pm.Model():
    ...     beta = qr_coefficients("theta", np.full((2, 3), 2.0), np.array([[1.0, 0.5], [0, 2]]))
    >>> draws = pm.draw(beta, draws=20000, random_seed=0)
    >>> np.round(draws.std(axis=0), 1)
    array([[2., 2., 2.],
           [2., 2., 2.]])
    """
    rows, columns = scales.shape
    covs = [factor @ np.diag(scales[:, c] ** 2) @ factor.T for c in range(columns)]
    if all(np.array_equal(scales[:, c], scales[:, 0]) for c in range(columns)):
        chol = np.linalg.cholesky(covs[0])
    else:
        chol = np.linalg.cholesky(np.stack(covs))
    start = None if initval is None else (factor @ initval).T
    theta = pm.MvNormal(name, mu=np.zeros(rows), chol=chol, shape=(columns, rows), initval=start)
    inverse = scipy.linalg.solve_triangular(factor, np.eye(rows))
    return pt.dot(pt.as_tensor(inverse), theta.T)


def centred_intercept(
    name: str,
    scale,
    coef: TensorVariable,
    mean: np.ndarray,
    columns: int,
) -> TensorVariable:
    """Intercepts ``alpha = a - m @ beta``, ``a`` the free variable ``name``.

    ``a`` is the intercept of the centred design ``X - m``.  Its prior,
    ``Normal(m @ beta, scale)`` given the coefficients ``beta``, makes ``alpha``
    ``Normal(0, scale)`` and independent of ``beta``, as when ``alpha`` is
    sampled itself: the map ``(a, beta) -> (alpha, beta)`` has Jacobian 1.

    Parameters
    ----------
    name : str
        Name of the free variable ``a``.
    scale : float or TensorVariable
        Prior standard deviation of ``alpha``.
    coef : TensorVariable, shape (features, columns)
        The coefficients ``beta``.
    mean : numpy.ndarray, shape (features,)
        The design's column means ``m``.
    columns : int
        Number of intercepts.

    Returns
    -------
    TensorVariable
        ``alpha``, shape ``(columns,)``.

    Examples
    --------
    >>> with pm.Model():
    ...     beta = pm.Normal("beta", 0.0, 1.0, shape=(2, 3))
    ...     alpha = centred_intercept("a", 5.0, beta, np.array([10.0, -3.0]), 3)
    >>> a, b = pm.draw([alpha, beta], draws=20000, random_seed=0)
    >>> np.round(a.std(axis=0)), bool(abs(np.corrcoef(a[:, 0], b[:, 0, 0])[0, 1]) < 0.03)
    (array([5., 5., 5.]), True)
    """
    shift = pt.dot(pt.as_tensor(mean), coef)
    centred = pm.Normal(name, mu=shift, sigma=scale, shape=(columns,))
    return centred - shift
