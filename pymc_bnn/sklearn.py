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

import json
import numbers
import os
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
from pymc_bnn.models.glm import multinomial_glm
from pymc_bnn.models.inference import blas_limits, fit_advi
from pymc_bnn.uncertainty import MEASURES, entropy_decomposition, uncertainty_scores

__all__ = ["BayesianMLPClassifier", "BayesianSoftmaxClassifier"]

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
        """Add the model to the current ``pm.Model`` and return its predictor."""
        return self._builder(
            _NAME,
            X,
            y,
            classes=classes,
            batch_size=batch_size,
            random_seed=random_seed,
            **self._options(),
        )

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
            Numeric features, best standardized (the priors assume unit scale).
        y : array_like, shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self
        """
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
                with blas_limits(1):
                    idata = pm.sample(
                        draws=self.draws,
                        tune=self.tune,
                        chains=self.chains,
                        cores=self.n_jobs or 1,
                        random_seed=fit_seed,
                        progressbar=self.progressbar,
                        compute_convergence_checks=False,
                    )
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
            the columns of :data:`pymc_bnn.uncertainty.MEASURES`: ``total``
            (predictive entropy), ``aleatoric`` (expected entropy), ``epistemic``
            (mutual information), all in nats, and ``confidence`` (one minus the
            largest posterior mean probability).
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

        The folder gets ``metadata.json`` (format ``"pymc-bnn model 1"``, package
        version, model kind ``"glm"`` or ``"bnn"``, the constructor options,
        feature names and count, classes, the dims of each posterior variable)
        and ``posterior.npz`` (the posterior draws, one array per variable); files
        of those names already there are replaced.  Nothing is pickled: load it
        back with :meth:`load`.  A ``random_state`` that is not an int or None is
        saved as None.

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
            classes cannot be written as JSON.

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
        from pymc_bnn import __version__

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
        reused = sorted(set(extra) & set(meta))
        if reused:
            raise ValueError(
                f"metadata must not reuse the keys the model writes itself; got {reused}."
            )
        meta.update(extra)
        try:
            text = json.dumps(meta, indent=2) + "\n"
        except (TypeError, ValueError) as err:
            raise ValueError(f"metadata cannot be saved as JSON: {err}.") from err
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise FileExistsError(f"{folder} exists and is not a folder; path must be a folder.")
        arrays = {name: np.asarray(da.values) for name, da in posterior.data_vars.items()}
        return _write_model(folder, text, arrays)

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
            If ``metadata.json`` is not JSON or not of a model saved by
            :meth:`save` (format ``"pymc-bnn model 1"``).

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
            meta = json.loads(file.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise ValueError(f"{file}: cannot read it as JSON ({err})") from err
        got = meta.get("format") if isinstance(meta, dict) else None
        if got != _MODEL_FORMAT:
            raise ValueError(
                f"{file}: not a saved model's metadata (format {got!r}, "
                f"expected {_MODEL_FORMAT!r})"
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
            other kind of model.

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
        features = meta["features"]
        n_features = meta.get("n_features", None if features is None else len(features))
        try:
            posterior = _read_posterior(folder / _POSTERIOR_FILE, meta["posterior_dims"])
            classes = np.asarray(meta["classes"])
            n_features = int(n_features)
        except (TypeError, AttributeError) as err:
            raise ValueError(f"{file}: malformed entries ({err})") from err
        estimator.classes_ = classes
        estimator.n_features_in_ = n_features
        if features is not None:
            estimator.feature_names_in_ = np.asarray(features, dtype=object)
        estimator.idata_ = xr.DataTree.from_dict({"posterior": posterior})
        estimator._predictor = None
        return estimator

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


_MODEL_FORMAT = "pymc-bnn model 1"
"""The ``format`` entry of a saved model's ``metadata.json``."""
_METADATA_FILE = "metadata.json"
_POSTERIOR_FILE = "posterior.npz"
_MODEL_KEYS = ("model", "options", "features", "classes", "posterior_dims")
"""Entries every saved model's metadata has (besides ``format``)."""


def _write_model(folder: Path, metadata: str, arrays: dict[str, np.ndarray]) -> Path:
    """Write a model folder: the metadata text and the posterior arrays.

    Every file of a saved model is written here, so that writing can be made
    atomic in one place.
    """
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / _POSTERIOR_FILE, **arrays)
    (folder / _METADATA_FILE).write_text(metadata)
    return folder


def _read_posterior(file: Path, dims: dict[str, list[str]]) -> xr.Dataset:
    """The posterior draws of ``posterior.npz``, with the dims of the metadata."""
    if not file.is_file():
        raise FileNotFoundError(f"{file.parent}: not a saved model (no {file.name})")
    try:
        with np.load(file, allow_pickle=False) as arrays:
            missing = sorted(set(dims) - set(arrays.files))
            if missing:
                raise ValueError(f"lacks the posterior variables {missing}")
            return xr.Dataset({name: (tuple(d), arrays[name]) for name, d in dims.items()})
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{file}: cannot read the posterior draws ({err})") from err


_COMMON_PARAMETERS = """
    method : {"advi", "nuts"}, default "advi"
        Mean-field ADVI with :func:`pymc_bnn.fit_advi` (fast; the posterior is
        approximated by independent Normals) or NUTS (exact up to Monte Carlo
        error, slower).
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
        Processes for the NUTS chains.
    batch_size : int, optional
        Fit ADVI on random minibatches of this many rows (for large data).
    compile_mode : str, optional
        PyTensor compilation mode of the fit, e.g. ``"FAST_COMPILE"``, which
        compiles in well under a second but runs each step slower: worth it for
        tiny data or many small fits (tests).  Default: PyTensor's (Numba).
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
    ['total', 'aleatoric', 'epistemic', 'confidence']
    """

    _builder = staticmethod(multinomial_glm)
    _builder_options = ("prior_scale", "identification")
    _kind = "glm"

    def __init__(
        self,
        *,
        prior_scale: float = 2.5,
        identification: str = "zerosum",
        method: Method = "advi",
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
    _builder_options = ("hidden", "activation")
    _kind = "bnn"

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] = (20, 20),
        activation: str = "tanh",
        method: Method = "advi",
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
