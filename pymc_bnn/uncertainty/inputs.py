"""Posterior class probabilities as the measures take them: pooled, checked, labelled.

``_as_probs`` turns any accepted input (see :mod:`pymc_bnn.uncertainty`) into
``_Probs``: float64 values of shape ``(draws, observations, classes)`` and, for
a labelled input, the observation and class coordinates that results carry back.
``_document`` fills the docstrings' ``{probs}``, ``{y}`` and ``{var_name_group}``
with the parameters every function of :mod:`pymc_bnn.uncertainty` and
:mod:`pymc_bnn.plots` takes, and ``{n_bins}`` with the calibration functions' bins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from pymc_bnn._docstrings import Fragments
from pymc_bnn.distributions.simplex import simplex_atol, sums_to_one

__all__ = ["ProbsLike"]

ProbsLike = ArrayLike | xr.DataArray | xr.Dataset | xr.DataTree
"""Posterior class probabilities: an array, a DataArray, a Dataset or a DataTree."""

_document = Fragments(
    probs="""
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities ``(draws, observations, classes)`` (see
        :mod:`pymc_bnn.uncertainty`).
    """,
    y="""
    y : array_like, 1-D
        Observed classes: labels of the class coordinate or positions ``0..K-1``.
    """,
    n_bins="""
    n_bins : int, default 10
        Number of equal-width confidence bins over [0, 1].
    """,
    var_name_group="""
    var_name, group : str, optional
        Which variable of a DataTree or Dataset (see
        :func:`pymc_bnn.uncertainty.posterior_probabilities`).
    """,
)

_SAMPLE_DIMS = ("chain", "draw", "sample")
_GROUPS = ("posterior_predictive", "posterior")


@dataclass(frozen=True)
class _Probs:
    """Validated probabilities ``values`` (draws, obs, classes) and their labels, if any."""

    values: np.ndarray
    template: xr.DataArray | None

    @property
    def n_obs(self) -> int:
        return self.values.shape[1]

    @property
    def n_classes(self) -> int:
        return self.values.shape[2]

    @property
    def classes(self) -> np.ndarray:
        if self.template is None:
            return np.arange(self.n_classes)
        return np.asarray(self.template[self.template.dims[1]].values)

    def per_obs(self, data: np.ndarray, name: str) -> np.ndarray | xr.DataArray:
        if self.template is None:
            return data
        class_dim = self.template.dims[1]
        return self.template.isel({class_dim: 0}, drop=True).copy(data=data).rename(name)

    def per_obs_class(self, data: np.ndarray, name: str) -> np.ndarray | xr.DataArray:
        if self.template is None:
            return data
        return self.template.copy(data=data).rename(name)


def _select_variable(
    data: xr.DataTree | xr.Dataset, var_name: str | None, group: str | None
) -> xr.DataArray:
    """The DataArray ``var_name`` of ``group`` in a DataTree, or of a Dataset."""
    if isinstance(data, xr.Dataset):
        candidates = {"dataset": data}
    elif group is not None:
        if group not in data.children:
            raise ValueError(
                f"group={group!r} is not in probs; its groups are {sorted(data.children)}."
            )
        candidates = {group: data[group].to_dataset()}
    else:
        candidates = {g: data[g].to_dataset() for g in _GROUPS if g in data.children}
        if not candidates:
            raise ValueError(
                f"probs has neither of the groups {list(_GROUPS)}; pass group= "
                f"(its groups are {sorted(data.children)})."
            )
    for ds in candidates.values():
        names = list(ds.data_vars)
        if var_name is None and len(names) == 1:
            return ds[names[0]]
        if var_name is not None and var_name in names:
            return ds[var_name]
    listing = {where: list(ds.data_vars) for where, ds in candidates.items()}
    if var_name is None:
        raise ValueError(f"Pass var_name= to choose the probabilities among {listing}.")
    raise ValueError(f"var_name={var_name!r} not found; the variables are {listing}.")


def _split_dims(da: xr.DataArray) -> tuple[list, object, object]:
    """Sample dims, observation dim and class dim of a DataArray of probabilities."""
    sample_dims = [d for d in da.dims if d in _SAMPLE_DIMS]
    if not sample_dims and da.ndim == 3:
        sample_dims = [da.dims[0]]
    others = [d for d in da.dims if d not in sample_dims]
    if not sample_dims or len(others) != 2:
        raise ValueError(
            "probs must have draw dimensions (chain/draw/sample, or a first dimension "
            "of a 3-D array), one observation dimension and a class dimension last; got "
            f"dims {da.dims}. Draws of labels from a posterior predictive are not "
            "probabilities: sample the class probabilities (e.g. a pm.Deterministic)."
        )
    return sample_dims, others[0], others[1]


def _from_dataarray(da: xr.DataArray) -> tuple[np.ndarray, xr.DataArray]:
    sample_dims, obs_dim, class_dim = _split_dims(da)
    da = da.transpose(*sample_dims, obs_dim, class_dim)
    template = da.isel(dict.fromkeys(sample_dims, 0), drop=True)
    values = np.asarray(da.values).reshape(-1, da.sizes[obs_dim], da.sizes[class_dim])
    return values, template


def _check_probability_values(values: np.ndarray) -> None:
    """Raise unless ``values`` are finite, nonnegative and rows sum to 1."""
    if values.dtype.kind not in "fiu":
        raise TypeError(f"probs must hold real numbers; got dtype {values.dtype}.")
    if values.ndim != 3:
        raise ValueError(
            "probs must have 3 dimensions (draws, observations, classes); got shape "
            f"{values.shape}. Pool chains first, e.g. probs.reshape(-1, n_obs, n_classes)."
        )
    if 0 in values.shape:
        raise ValueError(
            f"probs must have at least one draw, observation and class; got shape {values.shape}."
        )
    # Two passes over the draws when they are valid: a NaN or an infinity makes its
    # row's sum non-finite, and the entry-wise checks run only then.
    sums = values.sum(axis=-1, dtype=np.float64)
    if not np.isfinite(sums).all() or values.min() < 0:
        if np.isnan(values).any():
            raise ValueError(f"probs must not contain NaN; found {np.isnan(values).sum()} NaN.")
        if (values < 0).any() or np.isinf(values).any():
            bad = values[(values < 0) | np.isinf(values)]
            raise ValueError(f"probs must be finite and nonnegative; got entries {bad[:5]}.")
    dtype = values.dtype.name if values.dtype.kind == "f" else "float64"
    atol = simplex_atol(dtype)
    bad = ~sums_to_one(sums, dtype)
    if bad.any():
        raise ValueError(
            f"probs must sum to 1 over the classes (last axis) within {atol:.1e}; "
            f"{bad.sum()} rows do not, e.g. sums {sums[bad][:5]}. "
            "They are not rescaled: normalize them yourself."
        )


def _as_probs(probs: ProbsLike, var_name: str | None, group: str | None) -> _Probs:
    """Pool draws, validate and keep the labels of ``probs``."""
    if isinstance(probs, xr.DataTree | xr.Dataset):
        probs = _select_variable(probs, var_name, group)
    template = None
    if isinstance(probs, xr.DataArray):
        values, template = _from_dataarray(probs)
    else:
        values = np.asarray(probs)
    _check_probability_values(values)
    return _Probs(np.asarray(values, dtype=np.float64), template)
