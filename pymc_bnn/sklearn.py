"""scikit-learn estimators for Bayesian multiclass classification.

* :class:`BayesianSoftmaxClassifier`: softmax regression, built with
  :func:`pymc_bnn.multinomial_glm`.
* :class:`BayesianMLPClassifier`: a Bayesian neural network (multilayer
  perceptron), built with :func:`pymc_bnn.bnn_classifier`.

Both follow the scikit-learn interface (``fit``, ``predict``, ``predict_proba``,
``score``, ``classes_``, ``get_params``/``set_params``, ``random_state``) and
fit the PyMC model by ADVI (default) or NUTS.  On top of it they give
``predict_uncertainty(X)`` (the measures of :mod:`pymc_bnn.uncertainty`, one row
per observation), ``predict_proba_draws(X)`` (class probabilities per posterior
draw, for any function of :mod:`pymc_bnn.uncertainty`), the posterior
``idata_`` and the PyMC model ``model_``.

A fitted estimator keeps its posterior draws and the options needed to rebuild
the model, never the compiled PyMC model itself, so it pickles; after
unpickling, the model is rebuilt (without the training data) on first use.
``save(folder)`` writes it without pickle (JSON metadata and the draws as
``.npz``) and ``load(folder)`` reads it back.
"""

from __future__ import annotations

import hashlib
import io
import json
import numbers
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import xarray as xr
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from pymc_bnn.models.bnn import bnn_classifier
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.glm import multinomial_glm
from pymc_bnn.models.inference import blas_limits, fit_advi, interruptible
from pymc_bnn.models.nuts import resolve_sampler, sample_nuts
from pymc_bnn.uncertainty import MEASURES, entropy_decomposition, uncertainty_scores

__all__ = ["BayesianMLPClassifier", "BayesianSoftmaxClassifier"]

MAX_PROBABILITY = "max_probability"
"""Column of :meth:`~BayesianSoftmaxClassifier.predict_uncertainty`: the largest
posterior mean class probability of a row (that of its predicted class)."""

_NAME = "y"
"""Name of the likelihood in every model the estimators build."""

_CHUNK_ELEMENTS = 2_000_000
"""Predictions are computed in chunks of rows holding at most this many probabilities."""

Method = Literal["advi", "nuts"]


class _BayesianClassifier(ClassifierMixin, BaseEstimator):
    """Shared fitting and prediction; subclasses choose the model builder and its options."""

    _builder_options: tuple[str, ...] = ()
    _kind: str = ""
    """The model kind written by :meth:`save`: ``"glm"`` or ``"bnn"``."""

    def _set_params_from(self, params: dict[str, Any]) -> None:
        """Store the arguments of a subclass's ``__init__`` unchanged (scikit-learn's rule)."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    # ----------------------------------------------------------------------------------
    # Model building (subclasses)
    # ----------------------------------------------------------------------------------

    @staticmethod
    def _builder(name, X, y, **kwargs):
        """The model builder (:func:`multinomial_glm` or :func:`bnn_classifier`)."""
        raise NotImplementedError

    def _build(self, X, y, *, classes, batch_size, random_seed):
        """Add the model to the current ``pm.Model`` and return its predictor.

        Without ``y`` the model is rebuilt for prediction, without the training
        rows: what the fit derived from them comes from :meth:`_fitted_options`.
        """
        options = self._options()
        if y is None:
            options.update(self._fitted_options())
        return self._builder(
            _NAME,
            X,
            y,
            classes=classes,
            batch_size=batch_size,
            random_seed=random_seed,
            **options,
        )

    def _fitted_options(self) -> dict[str, Any]:
        """Builder options the fit derived from the training rows (none by default)."""
        return {}

    def _options(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._builder_options}

    # ----------------------------------------------------------------------------------
    # Fitting
    # ----------------------------------------------------------------------------------

    def _check_fit_options(self) -> None:
        if self.method not in ("advi", "nuts"):
            raise ValueError(f'method must be "advi" or "nuts"; got {self.method!r}.')
        positive = ["draws"] + (["iterations"] if self.method == "advi" else ["chains"])
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        if self.method == "nuts" and self.batch_size is not None:
            raise ValueError("batch_size (minibatches) works with method='advi' only.")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive; got {self.learning_rate!r}.")
        if self.method == "nuts":
            resolve_sampler(self.nuts_sampler)  # refuse a missing sampler before building

    def _seeds(self) -> list[int | None]:
        """Seeds of the model (minibatches, initial values) and of the fit."""
        if self.random_state is None:
            return [None, None]
        if isinstance(self.random_state, numbers.Integral):
            entropy = int(self.random_state)
        else:
            entropy = int(check_random_state(self.random_state).randint(2**31 - 1))
        return [int(s) for s in np.random.SeedSequence(entropy).generate_state(2)]

    def _frame(self, X: np.ndarray) -> np.ndarray | pd.DataFrame:
        names = getattr(self, "feature_names_in_", None)
        return X if names is None else pd.DataFrame(X, columns=list(names))

    def fit(self, X: ArrayLike, y: ArrayLike) -> _BayesianClassifier:
        """Fit the model to features ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)
            Numeric features.  The priors assume unit scale: standardize the
            continuous columns (mean 0, standard deviation 1) and leave 0/1
            indicator columns as 0/1, as ``pymc-bnn fit --scale auto`` does
            (standardized, a rare indicator's 1 becomes tens of standard
            deviations, which scored worse on cover type).
        y : array_like, shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self

        Raises
        ------
        KeyboardInterrupt
            If the fit is interrupted (Ctrl-C); the estimator is then left as it
            was (unfitted if it was), never holding a partly fitted posterior.
        """
        before = dict(self.__dict__)
        try:
            return self._fit(X, y)
        except KeyboardInterrupt:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit(self, X: ArrayLike, y: ArrayLike) -> _BayesianClassifier:
        self._check_fit_options()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                "y must contain at least two classes to classify; "
                f"got only one class, {classes.tolist()}."
            )
        batch_size = None if self.batch_size is None else min(self.batch_size, len(y))
        model_seed, fit_seed = self._seeds()
        with pytensor.config.change_flags(**self._mode()), pm.Model():
            predictor = self._build(
                self._frame(X), y, classes=classes, batch_size=batch_size, random_seed=model_seed
            )
            sampler = "advi"
            if self.method == "advi":
                idata, _ = fit_advi(
                    self.iterations,
                    learning_rate=self.learning_rate,
                    draws=self.draws,
                    random_seed=fit_seed,
                    progressbar=self.progressbar,
                )
            else:
                # One BLAS thread, as fit_advi uses: the products of these models are
                # thin and OpenBLAS's threads slow them down (pymc_bnn.models.inference).
                # pm.sample returns the draws so far on Ctrl-C; interruptible re-raises.
                with interruptible(), blas_limits(1):
                    idata, sampler = sample_nuts(
                        draws=self.draws,
                        tune=self.tune,
                        chains=self.chains,
                        nuts_sampler=self.nuts_sampler,
                        cores=self.n_jobs or 1,
                        random_seed=fit_seed,
                        progressbar=self.progressbar,
                        blas_threads=None,
                    )
        self.sampler_ = sampler
        self.fixed_columns_ = list(getattr(predictor, "fixed_columns", []))
        self.classes_ = classes
        self.idata_ = idata
        self._predictor = predictor
        return self

    def _mode(self) -> dict[str, str]:
        return {} if self.compile_mode is None else {"mode": self.compile_mode}

    # ----------------------------------------------------------------------------------
    # The fitted model
    # ----------------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_predictor", None)  # holds the PyMC model; rebuilt after unpickling
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._predictor = None

    def _fitted_predictor(self):
        check_is_fitted(self, "idata_")
        if getattr(self, "_predictor", None) is None:
            with pm.Model():
                self._predictor = self._build(
                    self._frame(np.zeros((1, self.n_features_in_))),
                    None,
                    classes=self.classes_,
                    batch_size=None,
                    random_seed=None,
                )
        return self._predictor

    @property
    def model_(self) -> pm.Model:
        """The PyMC model: the fitted one, or after unpickling one rebuilt without data."""
        return self._fitted_predictor().model

    @property
    def posterior_(self) -> xr.Dataset:
        """The posterior draws (the ``posterior`` group of :attr:`idata_`)."""
        check_is_fitted(self, "idata_")
        return self.idata_["posterior"].to_dataset()

    # ----------------------------------------------------------------------------------
    # Prediction
    # ----------------------------------------------------------------------------------

    def _validated(self, X: ArrayLike) -> np.ndarray:
        check_is_fitted(self, "idata_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def _chunks(self, X: np.ndarray):
        n_draws = self.posterior_.sizes["chain"] * self.posterior_.sizes["draw"]
        rows = max(1, _CHUNK_ELEMENTS // (n_draws * len(self.classes_)))
        predictor = self._fitted_predictor()
        for start in range(0, len(X), rows):
            yield predictor.predict_proba(self.idata_, X[start : start + rows])

    def predict_proba_draws(self, X: ArrayLike) -> xr.DataArray:
        """Class probabilities of rows ``X`` under each posterior draw.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)

        Returns
        -------
        xarray.DataArray
            Dims ``(chain, draw, obs, classes)``, the classes labelled by
            :attr:`classes_`.  Pass it to any function of :mod:`pymc_bnn.uncertainty`.
        """
        return xr.concat(list(self._chunks(self._validated(X))), dim="obs")

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Posterior mean class probabilities of rows ``X``.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray, shape (n_samples, n_classes)
            Columns in the order of :attr:`classes_`.
        """
        X = self._validated(X)
        chunks = [p.mean(("chain", "draw")).values for p in self._chunks(X)]
        return np.concatenate(chunks, axis=0)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of largest posterior mean probability for each row of ``X``.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray, shape (n_samples,)
            Labels from :attr:`classes_`.
        """
        best = self.predict_proba(X).argmax(axis=1)
        return self.classes_[best]

    def predict_uncertainty(self, X: ArrayLike, *, proba: bool = False) -> pd.DataFrame:
        """The uncertainty measures of :mod:`pymc_bnn.uncertainty` for each row of ``X``.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)
        proba : bool, default False
            Also give the posterior mean class probabilities, as columns
            ``p_<class>`` before the measures (one pass over the posterior
            instead of two).

        Returns
        -------
        pandas.DataFrame
            One row per observation (the index of a DataFrame ``X`` is kept) and
            the columns ``total`` (predictive entropy), ``aleatoric`` (expected
            entropy), ``epistemic`` (mutual information), all in nats, and
            ``max_probability``: the largest posterior mean class probability,
            that of the predicted class (a row predicted with probability 0.865
            shows 0.865).  The first three are measures of
            :data:`pymc_bnn.uncertainty.MEASURES`; ``max_probability`` is one
            minus its ``"least_confidence"`` score.
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        parts = []
        for probs in self._chunks(self._validated(X)):
            part = {}
            if proba:
                mean = probs.mean(("chain", "draw")).values
                part = {f"p_{c}": mean[:, k] for k, c in enumerate(self.classes_)}
            parts_of = entropy_decomposition(probs)
            for measure in MEASURES:
                values = getattr(parts_of, measure, None)
                if values is None:
                    values = uncertainty_scores(probs, measure)
                if measure == "least_confidence":  # 1 - max probability: report max p
                    measure = MAX_PROBABILITY
                    values = probs.mean(("chain", "draw")).values.max(axis=-1)
                part[measure] = np.asarray(values)
            parts.append(pd.DataFrame(part))
        table = pd.concat(parts, ignore_index=True)
        if index is not None:
            table.index = index
        return table

    # ----------------------------------------------------------------------------------
    # Saving and loading
    # ----------------------------------------------------------------------------------

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
    def load(cls, path: str | os.PathLike) -> _BayesianClassifier:
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
        kinds = {sub._kind: sub for sub in _BayesianClassifier.__subclasses__()}
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


_MODEL_FORMAT = "pymc-bnn model 2"
"""The ``format`` entry of a saved model's ``metadata.json``."""
_OLD_FORMATS = ("pymc-bnn model 1",)
"""Formats still read: 1 is 2 without the checksums."""
_METADATA_FILE = "metadata.json"
_POSTERIOR_FILE = "posterior.npz"
_CHECKSUM_KEY = "sha256"
_MODEL_KEYS = ("model", "options", "features", "classes", "posterior_dims")
"""Entries every saved model's metadata has (besides ``format``)."""


def _short(err: object, limit: int = 200) -> str:
    """``err`` as one line of at most ``limit`` characters."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 5] + " ..."


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _canonical(meta: dict[str, Any]) -> bytes:
    """The metadata as strict JSON in one canonical form: what its checksum is taken of."""
    return json.dumps(meta, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def _checked_classes(classes: Any, file: Path) -> np.ndarray:
    if not isinstance(classes, list) or len(classes) < 2:
        raise ValueError(f"{file}: classes must be a list of at least two labels")
    kinds = {type(c) for c in classes}
    if len(kinds) != 1 or kinds.pop() not in (str, int, float):
        raise ValueError(f"{file}: classes must be labels of one type (strings or numbers)")
    if len(set(classes)) != len(classes) or not all(
        isinstance(c, str) or np.isfinite(c) for c in classes
    ):
        raise ValueError(f"{file}: classes must be distinct and finite")
    return np.asarray(classes)


def _fsync(path: Path) -> None:
    """Flush a file or a folder (its entries) to disk; folders are skipped where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_model(folder: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write a model folder atomically: the posterior arrays, then the metadata.

    Both files are written, synced and checksummed in a new folder beside
    ``folder``, which then takes its place by renaming.  Every file of a saved
    model is written here.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        draws = buffer.getvalue()
        meta = dict(meta)
        meta[_CHECKSUM_KEY] = {_POSTERIOR_FILE: _sha256(draws), _METADATA_FILE: ""}
        meta[_CHECKSUM_KEY][_METADATA_FILE] = _sha256(
            _canonical({k: v for k, v in meta.items() if k != _CHECKSUM_KEY})
        )
        text = json.dumps(meta, indent=2, allow_nan=False) + "\n"
        for name, data in ((_POSTERIOR_FILE, draws), (_METADATA_FILE, text.encode())):
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        _fsync(tmp)
        _replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync(folder.parent)
    return folder


def _replace(new: Path, folder: Path) -> None:
    """Put the complete model folder ``new`` in the place of ``folder`` by renaming."""
    if not folder.exists():
        os.rename(new, folder)
        return
    ours = {_METADATA_FILE, _POSTERIOR_FILE}
    if {p.name for p in folder.iterdir()} <= ours:
        # The old model (or an empty folder) stays whole until the new one takes its place.
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
        os.rename(folder, old / "model")
        try:
            os.rename(new, folder)
        except BaseException:
            os.rename(old / "model", folder)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return
    # Other files in the folder are the user's: replace only the model's files.
    for name in (_POSTERIOR_FILE, _METADATA_FILE):
        os.replace(new / name, folder / name)
    new.rmdir()


def _read_posterior(file: Path, dims: Any, checksum: str | None) -> xr.Dataset:
    """The posterior draws of ``posterior.npz``, checked, with the dims of the metadata."""
    if not file.is_file():
        raise FileNotFoundError(f"{file.parent}: not a saved model (no {file.name})")
    meta_file = file.parent / _METADATA_FILE
    if not isinstance(dims, dict) or not dims:
        raise ValueError(f"{meta_file}: posterior_dims must map variable names to dims")
    for name, d in dims.items():
        if (
            not isinstance(d, list)
            or not all(isinstance(x, str) for x in d)
            or d[:2] != ["chain", "draw"]
            or len(set(d)) != len(d)
        ):
            raise ValueError(
                f"{meta_file}: posterior_dims of {_short(repr(name), 40)} must be distinct "
                "names starting with 'chain', 'draw'"
            )
    try:
        data = file.read_bytes()
    except OSError as err:
        raise ValueError(f"{file}: cannot read it ({_short(err)})") from err
    if checksum is not None and _sha256(data) != checksum:
        raise ValueError(f"{file}: does not match its checksum (damaged or replaced)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            missing = sorted(set(dims) - set(arrays.files))
            if missing:
                raise ValueError(f"lacks the posterior variables {_short(missing, 80)}")
            values = {name: arrays[name] for name in dims}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{file}: cannot read the posterior draws ({_short(err)})") from err
    for name, array in values.items():
        if array.ndim != len(dims[name]) or array.dtype.kind != "f":
            raise ValueError(
                f"{file}: {name} is a {array.ndim}-d {array.dtype} array; the metadata "
                f"gives it {len(dims[name])} dims of floats"
            )
        if array.shape[0] < 1 or array.shape[1] < 1:
            raise ValueError(f"{file}: {name} holds no draws")
        if not np.isfinite(array).all():
            raise ValueError(f"{file}: {name} holds non-finite draws")
    try:
        return xr.Dataset({name: (tuple(dims[name]), v) for name, v in values.items()})
    except ValueError as err:
        raise ValueError(f"{file}: the draws' sizes disagree ({_short(err)})") from err


_COMMON_PARAMETERS = """
    method : {"advi", "nuts"}, default "advi"
        Mean-field ADVI with :func:`pymc_bnn.fit_advi` (fast; the posterior is
        approximated by independent Normals) or NUTS (exact up to Monte Carlo
        error, slower).
    nuts_sampler : {"auto", "nutpie", "numpyro", "blackjax", "pymc"}, default "auto"
        The NUTS implementation for ``method="nuts"``
        (``pymc_bnn.models.nuts.sample_nuts``): ``"auto"`` is the fastest
        installed (nutpie, then NumPyro, BlackJAX, PyMC; ``benchmarks/nuts.py``).
        The one that ran is ``sampler_``.
    iterations : int, default 10000
        ADVI optimisation steps.
    learning_rate : float, default 0.01
        Step size of ADVI's Adam optimiser.
    draws : int, default 1000
        Posterior draws: from the ADVI approximation, or per NUTS chain.
    tune : int, default 1000
        NUTS tuning steps per chain.
    chains : int, default 2
        NUTS chains.
    n_jobs : int, default 1
        NUTS chains sampled at once (``cores`` of ``pm.sample``: processes, or
        nutpie's threads); 1 runs them in turn.  ``n_jobs=2`` puts two chains on
        two cores at once (measured in ``benchmarks/results/nuts.md``).
    batch_size : int, optional
        Fit ADVI on random minibatches of this many rows (for large data).
    compile_mode : str, optional
        PyTensor compilation mode of the fit, e.g. ``"JAX"`` (needs JAX; the
        ADVI steps compile in about 2 s where Numba takes up to a minute on an
        empty compile cache, and run at a similar speed: ``pymc-bnn``'s default
        when JAX is installed) or ``"FAST_COMPILE"``, which compiles in well
        under a second (pure Python: no Numba and no C code) but runs each step
        slower: worth it for tiny data or many small fits (tests).  Default:
        PyTensor's (Numba).
    random_state : int, numpy.random.RandomState or None, default None
        Seed of the fit and the draws; an int makes fits reproducible.
    progressbar : bool, default True
        Show PyMC's progress bar while fitting."""


def _document(cls: type) -> type:
    cls.__doc__ = cls.__doc__.replace("    {common}", _COMMON_PARAMETERS.strip("\n"))
    return cls


@_document
class BayesianSoftmaxClassifier(_BayesianClassifier):
    """Bayesian softmax (multinomial logistic) regression, as a scikit-learn classifier.

    The model is :func:`pymc_bnn.multinomial_glm`: ``y ~ Categorical(softmax(X @
    coef + intercept))`` with Normal priors on standardized features.

    Parameters
    ----------
    prior_scale : float, default 2.5
        Prior standard deviation of the coefficients.
    identification : {"zerosum", "reference", "none"}, default "zerosum"
        How the softmax's redundant direction is removed (see
        :func:`pymc_bnn.multinomial_glm`).
    collinearity : {"drop", "warn", "error", "ignore"}, default "drop"
        What to do when the features are exactly collinear with the intercept
        (constant or duplicated columns, one-hot groups): ``"drop"`` warns,
        naming the columns, and fixes the redundant columns' coefficients at zero
        (see :func:`pymc_bnn.multinomial_glm`).
    {common}

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class labels.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Column names, when fitted on a DataFrame.
    idata_ : xarray.DataTree
        The fitted posterior (``posterior`` group: ``y_coef``, ``y_intercept``).
    sampler_ : str
        What fitted it: ``"advi"`` or the NUTS sampler that ran (``"nutpie"``,
        ``"numpyro"``, ``"blackjax"`` or ``"pymc"``).
    fixed_columns_ : list of int
        The feature columns whose coefficients were fixed at zero (``collinearity``).
    posterior_ : xarray.Dataset
        The ``posterior`` group of ``idata_``.
    model_ : pymc.Model
        The PyMC model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> clf = BayesianSoftmaxClassifier(iterations=2000, draws=200, random_state=0,
    ...                                 progressbar=False).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> list(clf.predict_uncertainty(X[:2]).columns)
    ['total', 'aleatoric', 'epistemic', 'max_probability']
    """

    _builder = staticmethod(multinomial_glm)
    _builder_options = ("prior_scale", "identification", "collinearity")
    _kind = "glm"

    def __init__(
        self,
        *,
        prior_scale: float = 2.5,
        identification: str = "zerosum",
        collinearity: str = "drop",
        method: Method = "advi",
        nuts_sampler: str = "auto",
        iterations: int = 10_000,
        learning_rate: float = 0.01,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        compile_mode: str | None = None,
        random_state: int | np.random.RandomState | None = None,
        progressbar: bool = True,
    ):
        self._set_params_from(locals())

    def _fitted_options(self) -> dict[str, Any]:
        return {"collinearity": self._fixed_columns()}  # the coefficients fixed at zero

    def _fixed_columns(self) -> list[int]:
        """Columns fixed at zero in the fit (for a loaded model: the all-zero rows of y_coef)."""
        fixed = getattr(self, "fixed_columns_", None)
        if fixed is not None:
            return list(fixed)
        post = self.idata_["posterior"]
        if f"{_NAME}_coef" not in post:
            return []
        coef = post[f"{_NAME}_coef"].transpose("chain", "draw", ...).values
        return [int(j) for j in np.flatnonzero((coef == 0).all(axis=(0, 1, 3)))]


@_document
class BayesianMLPClassifier(_BayesianClassifier):
    """Bayesian neural network (multilayer perceptron), as a scikit-learn classifier.

    The model is :func:`pymc_bnn.bnn_classifier`: fully connected hidden layers with
    Normal priors on the weights and a softmax output.

    Parameters
    ----------
    hidden : tuple of int, default (20, 20)
        Widths of the hidden layers.
    activation : str, default "tanh"
        Activation of the hidden layers.
    prior_scale : float, "fan_in", "auto" or a sequence of them, default "auto"
        Prior standard deviation of the weights, as in
        :func:`pymc_bnn.bnn_classifier`: ``"auto"`` scales the first layer's
        prior to the training rows (unit-variance pre-activations), 1.0 after it.
    skip_scale : float, optional
        Prior standard deviation of a linear path from the features to the
        logits (:func:`pymc_bnn.bnn_classifier`); None (default) leaves it out.
    {common}

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class labels.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Column names, when fitted on a DataFrame.
    idata_ : xarray.DataTree
        The fitted posterior.
    posterior_ : xarray.Dataset
        The ``posterior`` group of ``idata_``.
    model_ : pymc.Model
        The PyMC model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> clf = BayesianMLPClassifier(hidden=(5,), iterations=2000, draws=200,
    ...                             random_state=0, progressbar=False)
    >>> clf.fit(X, y).score(X, y) > 0.9  # doctest: +SKIP
    True
    """

    _builder = staticmethod(bnn_classifier)
    _builder_options = ("hidden", "activation", "prior_scale", "skip_scale")
    _kind = "bnn"

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] = (20, 20),
        activation: str = "tanh",
        prior_scale: float | str | tuple[float | str | None, ...] = "auto",
        skip_scale: float | None = None,
        method: Method = "advi",
        nuts_sampler: str = "auto",
        iterations: int = 10_000,
        learning_rate: float = 0.01,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        compile_mode: str | None = None,
        random_state: int | np.random.RandomState | None = None,
        progressbar: bool = True,
    ):
        self._set_params_from(locals())

    def _fitted_options(self) -> dict[str, Any]:
        return {"prior_scale": self._fitted_prior_scales()}  # "auto" read the training rows

    def _fitted_prior_scales(self) -> list[float]:
        """Each layer's weight prior scale, read from the draws (weights = scale * z).

        ``"auto"`` depends on the training rows, which a loaded or unpickled
        estimator no longer has; the draws hold both the weights and their
        unit-scale ``z``, whose ratio is the scale (to rounding, about 1e-16).
        """
        post = self.idata_["posterior"]
        layers, i = [], 1
        while f"{_NAME}_hidden{i}_w" in post:
            layers.append(f"{_NAME}_hidden{i}")
            i += 1
        scales = []
        for layer in [*layers, f"{_NAME}_out"]:
            w = np.asarray(post[f"{layer}_w"].values)
            z = np.asarray(post[f"{layer}_w_z"].values)
            nonzero = z != 0
            scales.append(float(np.median(w[nonzero] / z[nonzero])) if nonzero.any() else 1.0)
        return scales
