"""Saving a fitted estimator without pickle, and loading it back.

:class:`SavedModelMixin` gives the estimators ``save``, ``read_metadata`` and
``load``; the file format itself (what is written, checksums, atomic
replacement) is :mod:`pymc_bnn.persistence`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from sklearn.utils.validation import check_is_fitted

from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.persistence import (
    _CHECKSUM_KEY,
    _METADATA_FILE,
    _MODEL_FORMAT,
    _MODEL_KEYS,
    _OLD_FORMATS,
    _POSTERIOR_FILE,
    _canonical,
    _checked_classes,
    _checked_features,
    _is_int,
    _read_posterior,
    _refuse_constant,
    _sha256,
    _short,
    _write_model,
)

__all__ = ["SavedModelMixin"]


class SavedModelMixin:
    """``save``, ``read_metadata`` and ``load`` of an estimator.

    The host class names its model kind in ``_kind`` (``"glm"`` or ``"bnn"``)
    and provides scikit-learn's ``get_params``, ``_check_fit_options``,
    ``_fitted_predictor`` and ``posterior_``.
    """

    _kind: str = ""
    """The model kind written by :meth:`save`: ``"glm"`` or ``"bnn"``."""

    @classmethod
    def _kinds(cls) -> dict[str, type]:
        """Every estimator class below this mixin, by model kind."""
        found, stack = {}, list(SavedModelMixin.__subclasses__())
        while stack:
            sub = stack.pop()
            stack.extend(sub.__subclasses__())
            if sub._kind:
                found[sub._kind] = sub
        return found

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
                json.dumps(value)
            except (TypeError, ValueError) as err:
                raise ValueError(f"option {name}={value!r} cannot be saved as JSON.") from err
            options[name] = value
        return options

    def save(self, path: str | os.PathLike, *, metadata: dict[str, Any] | None = None) -> Path:
        """Write the fitted estimator to the folder ``path`` (created if needed).

        The folder gets ``metadata.json`` (format ``"pymc-bnn model 2"``, package
        version, model kind ``"glm"`` or ``"bnn"``, the constructor options,
        feature names and count, classes, the dims of each posterior variable,
        and ``sha256``: the SHA-256 checksums of ``posterior.npz`` and of the
        metadata itself) and ``posterior.npz`` (the posterior draws, one array
        per variable).  Nothing is pickled: load it back with :meth:`load`.  A
        ``random_state`` that is not an int or None is saved as None.

        Saving is atomic: the files are written and synced in a new folder beside
        ``path``, which then replaces ``path`` by renaming; an interrupted save
        leaves ``path`` as it was.  An existing model folder (holding only these
        two files) is replaced whole; in a folder holding other files too, only
        these two are replaced, each by a rename (the checksum refuses the pair
        if a crash falls between the two renames).

        Parameters
        ----------
        path : str or path-like
            The model folder.
        metadata : dict, optional
            More JSON-serializable entries for ``metadata.json`` (e.g. how the
            features were prepared), read back with :meth:`read_metadata`.  They
            must not reuse the keys above.

        Returns
        -------
        pathlib.Path
            The folder.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        FileExistsError
            If ``path`` is a file.
        TypeError
            If ``metadata`` is not a dict.
        ValueError
            If ``metadata`` reuses a reserved key, or if it, an option or the
            classes cannot be written as strict JSON (no NaN or infinity).

        Examples
        --------
        >>> import tempfile
        >>> from pymc_bnn import BayesianSoftmaxClassifier
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True, as_frame=True)
        >>> X = (X - X.mean()) / X.std()
        >>> clf = BayesianSoftmaxClassifier(iterations=500, draws=100, random_state=0,
        ...                                 progressbar=False).fit(X, y)
        >>> folder = clf.save(tempfile.mkdtemp() + "/iris-model", metadata={"data": "iris"})
        >>> sorted(p.name for p in folder.iterdir())
        ['metadata.json', 'posterior.npz']
        >>> same = BayesianSoftmaxClassifier.load(folder)
        >>> bool(np.allclose(same.predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-12))
        True
        >>> BayesianSoftmaxClassifier.read_metadata(folder)["data"]
        'iris'
        """
        check_is_fitted(self, "idata_")
        from pymc_bnn._version import __version__

        posterior = self.posterior_
        names = getattr(self, "feature_names_in_", None)
        meta: dict[str, Any] = {
            "format": _MODEL_FORMAT,
            "package_version": __version__,
            "model": self._kind,
            "options": self._saved_options(),
            "features": None if names is None else [str(f) for f in names],
            "n_features": int(self.n_features_in_),
            "classes": self.classes_.tolist(),
            "posterior_dims": {name: list(da.dims) for name, da in posterior.data_vars.items()},
        }
        try:
            json.dumps(meta["classes"])
        except (TypeError, ValueError) as err:
            raise ValueError(f"classes_ cannot be saved as JSON: {err}.") from err
        _checked_classes(meta["classes"], "classes_")  # never save what load would refuse
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict; got {type(metadata).__name__}.")
        extra = dict(metadata or {})
        reused = sorted(set(extra) & (set(meta) | {_CHECKSUM_KEY}))
        if reused:
            raise ValueError(
                f"metadata must not reuse the keys the model writes itself; got {reused}."
            )
        meta.update(extra)
        try:
            _canonical(meta)
        except (TypeError, ValueError) as err:
            raise ValueError(f"metadata cannot be saved as strict JSON: {err}.") from err
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise FileExistsError(f"{folder} exists and is not a folder; path must be a folder.")
        arrays = {name: np.asarray(da.values) for name, da in posterior.data_vars.items()}
        return _write_model(folder, meta, arrays)

    @classmethod
    def read_metadata(cls, path: str | os.PathLike) -> dict[str, Any]:
        """The contents of ``metadata.json`` in a folder written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            The model folder.

        Returns
        -------
        dict
            The model's entries (see :meth:`save`) and the ``metadata`` given to it.

        Raises
        ------
        FileNotFoundError
            If the folder has no ``metadata.json``.
        ValueError
            If ``metadata.json`` is not JSON, not of a model saved by :meth:`save`
            (format ``"pymc-bnn model 2"``, or ``1`` written before checksums), or
            does not match its checksum (edited or damaged).

        Examples
        --------
        >>> import tempfile
        >>> from pymc_bnn import BayesianSoftmaxClassifier
        >>> BayesianSoftmaxClassifier.read_metadata(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        FileNotFoundError: ...: not a saved model (no metadata.json; a model folder holds
        metadata.json and posterior.npz)
        """
        folder = Path(path)
        file = folder / _METADATA_FILE
        if not file.is_file():
            raise FileNotFoundError(
                f"{folder}: not a saved model (no {_METADATA_FILE}; a model folder holds "
                f"{_METADATA_FILE} and {_POSTERIOR_FILE})"
            )
        try:
            meta = json.loads(file.read_text(), parse_constant=_refuse_constant)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            raise ValueError(f"{file}: cannot read it as JSON ({_short(err)})") from err
        got = meta.get("format") if isinstance(meta, dict) else None
        if got not in (_MODEL_FORMAT, *_OLD_FORMATS):
            raise ValueError(
                f"{file}: not a saved model's metadata (format {_short(repr(got), 60)}, "
                f"expected {_MODEL_FORMAT!r})"
            )
        if got == _MODEL_FORMAT:
            sums = meta.get(_CHECKSUM_KEY)
            if not isinstance(sums, dict) or not all(
                isinstance(sums.get(k), str) for k in (_METADATA_FILE, _POSTERIOR_FILE)
            ):
                raise ValueError(f"{file}: lacks the checksums ({_CHECKSUM_KEY!r} entry)")
            rest = {k: v for k, v in meta.items() if k != _CHECKSUM_KEY}
            if _sha256(_canonical(rest)) != sums[_METADATA_FILE]:
                raise ValueError(
                    f"{file}: does not match its checksum (the metadata was edited or damaged)"
                )
        missing = [key for key in _MODEL_KEYS if key not in meta]
        if missing:
            raise ValueError(f"{file}: lacks the entries {missing}")
        return meta

    @classmethod
    def load(cls, path: str | os.PathLike) -> SavedModelMixin:
        """The fitted estimator saved by :meth:`save` in folder ``path``.

        It predicts as the saved one did (same posterior draws, classes, feature
        names and options); the PyMC model is rebuilt, without data, on first use.

        Parameters
        ----------
        path : str or path-like
            The model folder.

        Returns
        -------
        BayesianSoftmaxClassifier or BayesianMLPClassifier
            The class that was saved.  Called on one of the two classes, it
            refuses a folder holding the other.

        Raises
        ------
        FileNotFoundError
            If ``metadata.json`` or ``posterior.npz`` is missing.
        ValueError
            If a file is not what :meth:`save` writes, or the folder holds the
            other kind of model.  Every entry is checked before anything is
            predicted: the checksums, the options, features and classes (types,
            lengths, no duplicates), the dims of the draws, their shapes against
            the rebuilt model's, and that every draw is finite.  The message
            names the file and what is wrong.

        Examples
        --------
        >>> import tempfile
        >>> from pymc_bnn import BayesianMLPClassifier, BayesianSoftmaxClassifier
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> X = (X - X.mean(0)) / X.std(0)
        >>> mlp = BayesianMLPClassifier(hidden=(5,), iterations=300, draws=50, random_state=0,
        ...                             progressbar=False, compile_mode="FAST_COMPILE")
        >>> folder = mlp.fit(X, y).save(tempfile.mkdtemp())
        >>> BayesianMLPClassifier.load(folder).hidden
        (5,)
        >>> BayesianSoftmaxClassifier.load(folder)
        Traceback (most recent call last):
        ...
        ValueError: ... holds a BayesianMLPClassifier, not a BayesianSoftmaxClassifier.
        """
        folder = Path(path)
        meta = cls.read_metadata(folder)
        file = folder / _METADATA_FILE
        kinds = cls._kinds()
        saved = kinds.get(meta["model"])
        if saved is None:
            raise ValueError(f"{file}: unknown model {meta['model']!r}; expected {sorted(kinds)}")
        if not issubclass(saved, cls):
            raise ValueError(f"{folder} holds a {saved.__name__}, not a {cls.__name__}.")
        estimator = saved(**saved._loaded_options(meta["options"], file))
        try:
            estimator._check_fit_options()
        except (TypeError, ValueError) as err:
            raise ValueError(f"{file}: bad options ({_short(err)})") from err
        features = _checked_features(meta["features"], file)
        n_features = meta.get("n_features", None if features is None else len(features))
        if not _is_int(n_features) or n_features < 1:
            raise ValueError(f"{file}: n_features must be a positive integer; got {n_features!r}")
        if features is not None and n_features != len(features):
            raise ValueError(
                f"{file}: n_features is {n_features} but {len(features)} features are named"
            )
        classes = _checked_classes(meta["classes"], file)
        checksum = meta.get(_CHECKSUM_KEY, {}).get(_POSTERIOR_FILE)
        posterior = _read_posterior(folder / _POSTERIOR_FILE, meta["posterior_dims"], checksum)
        estimator.classes_ = classes
        estimator.n_features_in_ = n_features
        if features is not None:
            estimator.feature_names_in_ = np.asarray(features, dtype=object)
        estimator.idata_ = xr.DataTree.from_dict({"posterior": posterior})
        estimator._predictor = None
        estimator._check_draws_fit_model(folder / _POSTERIOR_FILE)
        return estimator

    def _check_draws_fit_model(self, file: Path) -> None:
        """Refuse draws that lack a parameter of the rebuilt model or do not fit its shape."""
        try:
            predictor = self._fitted_predictor()
            with quick_compile():
                shapes = predictor.model.eval_rv_shapes()
        except Exception as err:  # a builder refusing an option names it
            raise ValueError(f"{file.parent}: cannot rebuild the model ({_short(err)})") from err
        posterior = self.posterior_
        for parameter in predictor.parameters:
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

    @classmethod
    def _loaded_options(cls, options: Any, file: Path) -> dict[str, Any]:
        """Constructor options from ``metadata.json``, checked against the class's."""
        if not isinstance(options, dict):
            raise ValueError(f"{file}: options must be a JSON object; got {options!r}")
        options = dict(options)
        known = cls().get_params(deep=False)
        if options.get("hidden", 0) is None and "hidden" not in known:
            del options["hidden"]  # softmax models saved by pymc-bnn fit 0.1 hold hidden: null
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise ValueError(f"{file}: options {unknown} are not options of {cls.__name__}")
        if isinstance(options.get("hidden"), list):
            options["hidden"] = tuple(options["hidden"])
        return options
