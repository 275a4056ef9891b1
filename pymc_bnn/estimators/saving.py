"""Saving a fitted estimator to one file and loading it back, without pickle.

The file is a model file of :mod:`pymc_bnn.persistence` (netCDF-4, opened by
``xarray.open_datatree`` and ArviZ).  It holds the estimator's ``idata_``: the
``posterior`` with its coords, ``sample_stats`` and ``loss_curve`` when the fit
has them, and ``observed_data`` when it takes at most 1 MiB (the training
features, ``constant_data``, are not saved).  Its attributes hold everything a
prediction needs, so nothing is guessed back from the draws:

* ``estimator``: the class name, and ``options``: its constructor options;
* ``fitted``: what the fit derived from the training rows (the softmax
  regression's columns fixed at zero, the network's prior scale of each layer);
* ``classes``, ``features`` (or null) and ``n_features``;
* ``sampler``: what fitted it (``"advi"`` or the NUTS sampler);
* ``versions``: of pymc_bnn, PyMC and PyTensor that fitted it;
* ``metadata``: the caller's own entries (``pymc-bnn fit``: the target, the
  feature scaling, the training limits and the held-out report).

:class:`SavedModelMixin` gives the estimators ``save``, ``load`` and
``read_metadata``; :func:`load_estimator` loads a model file of either class.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from sklearn.utils.validation import check_is_fitted

from pymc_bnn._docstrings import Fragments
from pymc_bnn.persistence import SavedModel, read_attrs, read_model, write_model

__all__ = ["SavedModelMixin", "load_estimator"]

OBSERVED_LIMIT = 1 << 20
"""``observed_data`` is saved when it takes at most this many bytes."""

_document = Fragments(
    path="""
    path : str or path-like
        The model file.
    """,
    read_errors="""
    FileNotFoundError
        If the file does not exist.
    pymc_bnn.persistence.ModelFileError
        If it is not a model file of this version, or is damaged or edited
        (its checksum); for a model folder of an earlier pymc_bnn, the
        message says what to do.
    """,
)
"""Fills the docstrings of ``read_metadata`` and ``load``: both read a model file."""

_GROUPS = ("posterior", "sample_stats", "loss_curve", "observed_data")
"""The groups of ``idata_`` a model file keeps (each when present and not empty)."""

_ENTRIES = ("estimator", "options", "fitted", "classes", "features", "n_features", "sampler")
"""Entries every model file of an estimator has (besides ``versions`` and ``metadata``)."""


class SavedModelMixin:
    """``save``, ``load`` and ``read_metadata`` of the estimators.

    The host class provides scikit-learn's ``get_params``, the fitted
    ``idata_``, ``classes_``, ``n_features_in_``, ``sampler_`` and the hooks
    ``_check_fit_options``, ``_fitted_predictor``, ``_fitted_entries`` and
    ``_restore_fitted``.
    """

    def save(
        self,
        path: str | os.PathLike,
        *,
        metadata: dict[str, Any] | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Write the fitted estimator to the model file ``path`` (one netCDF-4 file).

        The file holds ``idata_`` and, as attributes, the class, options,
        classes, features, what the fit derived from the training rows and
        the versions (see :mod:`pymc_bnn.estimators.saving`); nothing is
        pickled.  ``xarray.open_datatree(path)`` and ArviZ open it; :meth:`load`
        reads it back.  A ``random_state`` that is not an int or None is saved
        as None.  The file is written beside ``path`` and renamed into place
        when complete: an interrupted save leaves ``path`` as it was.

        Parameters
        ----------
        path : str or path-like
            The model file (``.nc`` by convention); missing folders are created.
        metadata : dict, optional
            More JSON entries to keep with the model (e.g. how the features
            were prepared), read back with :meth:`read_metadata`.
        overwrite : bool, default False
            Replace an existing file.

        Returns
        -------
        pathlib.Path
            The file.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        FileExistsError
            If ``path`` exists (and ``overwrite`` is false) or is a folder.
        TypeError
            If ``metadata`` is not a dict.
        ValueError
            If ``metadata``, an option or the classes cannot be written as
            strict JSON (no NaN or infinity), or the classes could not be
            loaded back.

        Examples
        --------
        >>> import tempfile
        >>> import xarray as xr
        >>> from pymc_bnn import BayesianSoftmaxClassifier
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True, as_frame=True)
        >>> X = (X - X.mean()) / X.std()
        >>> clf = BayesianSoftmaxClassifier(iterations=500, draws=100, random_state=0,
        ...                                 progressbar=False).fit(X, y)
        >>> path = clf.save(tempfile.mkdtemp() + "/iris.nc", metadata={"data": "iris"})
        >>> same = BayesianSoftmaxClassifier.load(path)
        >>> bool((same.predict_proba(X) == clf.predict_proba(X)).all())
        True
        >>> BayesianSoftmaxClassifier.read_metadata(path)["metadata"]
        {'data': 'iris'}
        >>> sorted(xr.open_datatree(path).children)
        ['loss_curve', 'observed_data', 'posterior']
        """
        check_is_fitted(self, "idata_")
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict; got {type(metadata).__name__}.")
        classes = self.classes_.tolist()
        _checked_classes(classes, "classes_")  # never save what load would refuse
        names = getattr(self, "feature_names_in_", None)
        attrs = {
            "estimator": type(self).__name__,
            "options": self._saved_options(),
            "fitted": self._fitted_entries(),
            "classes": classes,
            "features": None if names is None else [str(f) for f in names],
            "n_features": int(self.n_features_in_),
            "sampler": self.sampler_,
            "versions": _versions(),
            "metadata": metadata or {},
        }
        return write_model(path, _saved_tree(self.idata_), attrs, overwrite=overwrite)

    def _saved_options(self) -> dict[str, Any]:
        """The constructor options as JSON values (tuples as lists)."""
        options = {}
        for name, value in self.get_params(deep=False).items():
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, np.generic):
                value = value.item()
            elif name == "random_state" and not isinstance(value, int | None):
                value = None  # a RandomState or Generator: its state is not kept
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as err:
                raise ValueError(f"option {name}={value!r} cannot be saved as JSON.") from err
            options[name] = value
        return options

    @classmethod
    @_document
    def read_metadata(cls, path: str | os.PathLike) -> dict[str, Any]:
        """The attributes of a model file written by :meth:`save`, without its draws.

        Parameters
        ----------
        {path}

        Returns
        -------
        dict
            The entries listed in :mod:`pymc_bnn.estimators.saving`; the
            ``metadata`` given to :meth:`save` is ``["metadata"]``.

        Raises
        ------
        {read_errors}

        Examples
        --------
        >>> import tempfile
        >>> from pymc_bnn import BayesianSoftmaxClassifier
        >>> BayesianSoftmaxClassifier.read_metadata(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        pymc_bnn.persistence.ModelFileError: ... is a folder, not a model file
        """
        return read_attrs(path)

    @classmethod
    @_document
    def load(cls, path: str | os.PathLike) -> SavedModelMixin:
        """The fitted estimator saved by :meth:`save` in the model file ``path``.

        It predicts exactly as the saved one did (same draws, classes, feature
        names, options and fitted entries); the PyMC model is rebuilt, without
        data, on first use.

        Parameters
        ----------
        {path}

        Returns
        -------
        BayesianSoftmaxClassifier or BayesianMLPClassifier
            The class that was saved.  Called on one of the two classes, it
            refuses a file holding the other.

        Raises
        ------
        {read_errors}
        ValueError
            If an entry does not fit: the options, features, classes, fitted
            entries, the dims of the draws and their shapes against the rebuilt
            model's, non-finite draws.  The message names the file and what is
            wrong.

        Examples
        --------
        >>> import tempfile
        >>> from pymc_bnn import BayesianMLPClassifier, BayesianSoftmaxClassifier
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> X = (X - X.mean(0)) / X.std(0)
        >>> mlp = BayesianMLPClassifier(hidden=(5,), iterations=300, draws=50, random_state=0,
        ...                             progressbar=False, compile_mode="FAST_COMPILE")
        >>> path = mlp.fit(X, y).save(tempfile.mkdtemp() + "/mlp.nc")
        >>> BayesianMLPClassifier.load(path).hidden
        (5,)
        >>> BayesianSoftmaxClassifier.load(path)
        Traceback (most recent call last):
        ...
        ValueError: ... holds a BayesianMLPClassifier, not a BayesianSoftmaxClassifier.
        """
        return load_estimator(path, expected=cls)

    @classmethod
    def _loaded_options(cls, options: Any, file: Path) -> dict[str, Any]:
        """Constructor options from a model file, checked against the class's."""
        if not isinstance(options, dict):
            raise ValueError(f"{file}: options must be a JSON object; got {_short(options)}")
        options = dict(options)
        unknown = sorted(set(options) - set(cls().get_params(deep=False)))
        if unknown:
            raise ValueError(f"{file}: options {unknown} are not options of {cls.__name__}")
        if isinstance(options.get("hidden"), list):
            options["hidden"] = tuple(options["hidden"])
        return options

    def _check_draws_fit_model(self, file: Path) -> None:
        """Refuse draws that lack a variable predictions read or do not fit its shape."""
        try:
            predictor = self._fitted_predictor()
            shapes = predictor.prediction_shapes()
        except Exception as err:  # a builder refusing an option names it
            raise ValueError(f"{file}: cannot rebuild the model ({_short(err)})") from err
        posterior = self.posterior_
        for parameter in predictor.prediction_parameters:
            name = parameter.name
            if name not in posterior.data_vars:
                raise ValueError(f"{file}: lacks the posterior variable {name!r}")
            want = tuple(int(n) for n in shapes[name])
            got = tuple(posterior[name].shape[2:])
            if got != want:
                raise ValueError(
                    f"{file}: {name} has shape {got} per draw; the model needs {want} "
                    f"({self.n_features_in_} features, {len(self.classes_)} classes)"
                )


def load_estimator(
    model: str | os.PathLike | SavedModel, *, expected: type | None = None
) -> SavedModelMixin:
    """The fitted estimator of a model file, whichever class saved it.

    Parameters
    ----------
    model : str, path-like or pymc_bnn.persistence.SavedModel
        A model file written by an estimator's ``save``, or one already read by
        :func:`pymc_bnn.persistence.read_model`.
    expected : type, optional
        Refuse a file holding an estimator of another class.

    Returns
    -------
    BayesianSoftmaxClassifier or BayesianMLPClassifier

    Raises
    ------
    FileNotFoundError, pymc_bnn.persistence.ModelFileError, ValueError
        As the estimators' ``load``.

    Examples
    --------
    >>> load_estimator("no-such-model.nc")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no-such-model.nc: no such model file
    """
    saved = model if isinstance(model, SavedModel) else read_model(model)
    file, attrs = saved.path, saved.attrs
    missing = [key for key in _ENTRIES if key not in attrs]
    if missing:
        raise ValueError(f"{file}: lacks the entries {missing}")
    classes = _estimator_classes()
    saved_class = classes.get(attrs["estimator"]) if isinstance(attrs["estimator"], str) else None
    if saved_class is None:
        raise ValueError(
            f"{file}: unknown estimator {_short(attrs['estimator'], 60)}; expected one of "
            f"{sorted(classes)}"
        )
    if expected is not None and not issubclass(saved_class, expected):
        raise ValueError(f"{file} holds a {saved_class.__name__}, not a {expected.__name__}.")
    estimator = saved_class(**saved_class._loaded_options(attrs["options"], file))
    try:
        estimator._check_fit_options()
    except (TypeError, ValueError) as err:
        raise ValueError(f"{file}: bad options ({_short(err)})") from err
    features = _checked_features(attrs["features"], file)
    n_features = attrs["n_features"]
    if not _is_int(n_features) or n_features < 1:
        raise ValueError(f"{file}: n_features must be a positive integer; got {n_features!r}")
    if features is not None and n_features != len(features):
        raise ValueError(
            f"{file}: n_features is {n_features} but {len(features)} features are named"
        )
    if not isinstance(attrs["sampler"], str):
        raise ValueError(f"{file}: sampler must be a name; got {_short(attrs['sampler'], 60)}")
    estimator.classes_ = _checked_classes(attrs["classes"], file)
    estimator.n_features_in_ = n_features
    if features is not None:
        estimator.feature_names_in_ = np.asarray(features, dtype=object)
    estimator.sampler_ = attrs["sampler"]
    estimator._restore_fitted(attrs["fitted"], file)
    estimator.idata_ = _checked_tree(saved.tree, file)
    estimator._predictor = None
    estimator._check_draws_fit_model(file)
    return estimator


def _estimator_classes() -> dict[str, type]:
    """Every estimator class below :class:`SavedModelMixin`, by name."""
    found, stack = {}, list(SavedModelMixin.__subclasses__())
    while stack:
        sub = stack.pop()
        stack.extend(sub.__subclasses__())
        if not sub.__name__.startswith("_"):
            found[sub.__name__] = sub
    return found


def _saved_tree(idata: xr.DataTree) -> xr.DataTree:
    """The groups of ``idata`` a model file keeps."""
    groups = {}
    for name in _GROUPS:
        if name not in idata.children:
            continue
        group = idata[name].to_dataset()
        if not group.data_vars:
            continue
        if name == "observed_data" and group.nbytes > OBSERVED_LIMIT:
            continue
        groups[name] = group
    return xr.DataTree.from_dict(groups)


def _checked_tree(tree: xr.DataTree, file: Path) -> xr.DataTree:
    """The loaded groups, after the checks of the posterior's draws."""
    if "posterior" not in tree.children or not tree["posterior"].data_vars:
        raise ValueError(f"{file}: lacks the posterior draws")
    for name, draws in tree["posterior"].data_vars.items():
        if draws.dims[:2] != ("chain", "draw"):
            raise ValueError(f"{file}: {name} has dims {draws.dims}; expected chain, draw first")
        if draws.dtype.kind != "f":
            raise ValueError(f"{file}: {name} holds {draws.dtype}, not floats")
        if draws.shape[0] < 1 or draws.shape[1] < 1:
            raise ValueError(f"{file}: {name} holds no draws")
        if not np.isfinite(draws.values).all():
            raise ValueError(f"{file}: {name} holds non-finite draws")
    return tree


def _versions() -> dict[str, str]:
    import pymc
    import pytensor

    from pymc_bnn._version import __version__

    return {"pymc_bnn": __version__, "pymc": pymc.__version__, "pytensor": pytensor.__version__}


def _short(value: object, limit: int = 200) -> str:
    """``value`` as one line of at most ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_features(features: Any, file: Path) -> list[str] | None:
    if features is None:
        return None
    if not isinstance(features, list) or not features:
        raise ValueError(f"{file}: features must be a non-empty list of names or null")
    if not all(isinstance(f, str) for f in features) or len(set(features)) != len(features):
        raise ValueError(f"{file}: features must be distinct strings")
    return features


def _checked_classes(classes: Any, file: Path | str) -> np.ndarray:
    """The class labels of a model file: at least two, distinct, finite, of one JSON type."""
    if not isinstance(classes, list) or len(classes) < 2:
        raise ValueError(f"{file}: classes must be a list of at least two labels")
    kinds = {type(c) for c in classes}
    if len(kinds) != 1 or kinds.pop() not in (str, int, float, bool):
        raise ValueError(
            f"{file}: classes must be labels of one type (strings, numbers or booleans)"
        )
    if len(set(classes)) != len(classes) or not all(
        isinstance(c, str) or np.isfinite(c) for c in classes
    ):
        raise ValueError(f"{file}: classes must be distinct and finite")
    return np.asarray(classes)
