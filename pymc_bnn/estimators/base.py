"""The shared base of the scikit-learn estimators: options, fitting and prediction.

Both classes (:class:`~pymc_bnn.estimators.BayesianSoftmaxClassifier` and
:class:`~pymc_bnn.estimators.BayesianMLPClassifier`) follow the scikit-learn
interface (``fit``, ``predict``, ``predict_proba``, ``score``, ``classes_``,
``get_params``/``set_params``, ``random_state``) and fit the PyMC model by ADVI
(default) or NUTS.  On top of it they give ``predict_uncertainty(X)`` (the
measures of :mod:`pymc_bnn.uncertainty`, one row per observation),
``predict_proba_draws(X)`` (class probabilities per posterior draw, for any
function of :mod:`pymc_bnn.uncertainty`), the posterior ``idata_`` and the PyMC
model ``model_``.

A fitted estimator keeps its posterior draws and the options needed to rebuild
the model, never the compiled PyMC model itself, so it pickles; after
unpickling, the model is rebuilt (without the training data) on first use.
Saving and loading without pickle: :mod:`pymc_bnn.estimators.saving`.
"""

from __future__ import annotations

import numbers
import weakref
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

from pymc_bnn._docstrings import Fragments
from pymc_bnn.estimators.saving import SavedModelMixin
from pymc_bnn.models.geometry import check_parametrization
from pymc_bnn.models.inference import fit_advi
from pymc_bnn.models.nuts import resolve_sampler, sample_nuts
from pymc_bnn.models.predictive import DTYPES, PosteriorPredictive
from pymc_bnn.runtime import blas_limits, interruptible
from pymc_bnn.uncertainty import MEASURES, uncertainty_scores

__all__ = ["MAX_PROBABILITY", "Method"]

MAX_PROBABILITY = "max_probability"
"""Column of :meth:`~BayesianSoftmaxClassifier.predict_uncertainty`: the largest
posterior mean class probability of a row (that of its predicted class)."""

_NAME = "y"
"""Name of the likelihood in every model the estimators build."""

_PREDICTORS: dict[tuple, Any] = {}
"""Models rebuilt for prediction in this process, by structure, most recently used last:
an unpickled copy of an estimator (a worker's, say) reuses the compiled prediction."""
_MAX_PREDICTORS = 8
_PREDICTIVES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Each estimator's draws stacked for prediction, with the posterior and precision they
are of (kept outside the estimator: predicting does not change its attributes)."""

Method = Literal["advi", "nuts"]


class _BayesianClassifier(SavedModelMixin, ClassifierMixin, BaseEstimator):
    """Shared fitting and prediction; subclasses choose the model builder and its options."""

    _builder_options: tuple[str, ...] = ()

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

    def _record_fitted(self, predictor) -> None:
        """Keep what the fit derived from the training rows (the fitted attributes)."""

    def _fitted_entries(self) -> dict[str, Any]:
        """What :meth:`_record_fitted` kept, as the JSON entry ``fitted`` of a model file."""
        return {}

    def _restore_fitted(self, entries: Any, file: Path) -> None:
        """Set what :meth:`_record_fitted` keeps from a model file's ``fitted`` entry."""
        if entries != {}:
            raise ValueError(f"{file}: fitted must be {{}}; got {entries!r}")

    def _options(self) -> dict[str, Any]:
        """The builder's options, ``parametrization="auto"`` resolved for the method."""
        options = {name: getattr(self, name) for name in self._builder_options}
        if options.get("parametrization") == "auto":
            # QR coordinates suit NUTS's diagonal mass matrix on correlated columns;
            # mean-field ADVI on short fits does better in the centred ones
            # (benchmarks/results/nuts_rows*.md, parametrization_advi.md).
            options["parametrization"] = "qr" if self.method == "nuts" else "centered"
        return options

    # ----------------------------------------------------------------------------------
    # Fitting
    # ----------------------------------------------------------------------------------

    def _check_fit_options(self) -> None:
        if self.method not in ("advi", "nuts"):
            raise ValueError(f'method must be "advi" or "nuts"; got {self.method!r}.')
        positive = ["draws"] + (["iterations", "members"] if self.method == "advi" else ["chains"])
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        if self.method == "nuts" and self.batch_size is not None:
            raise ValueError("batch_size (minibatches) works with method='advi' only.")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive; got {self.learning_rate!r}.")
        if self.prediction_dtype not in DTYPES:
            raise ValueError(
                f"prediction_dtype must be one of {list(DTYPES)}; got {self.prediction_dtype!r}."
            )
        check_parametrization(self.parametrization, also=("auto",))
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
                    members=self.members,
                    starts=predictor.member_starts(self.members, random_seed=fit_seed),
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
        self._record_fitted(predictor)
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
        # The PyMC model and the compiled prediction: rebuilt after unpickling, once per
        # process (_PREDICTORS), not once per unpickled copy.
        state.pop("_predictor", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._predictor = None

    def _structure(self) -> tuple:
        """What the rebuilt model's graph depends on: equal keys predict through one graph."""
        options = {**self._options(), **self._fitted_options()}
        names = getattr(self, "feature_names_in_", None)
        return (
            type(self).__name__,
            repr(sorted(options.items())),
            int(self.n_features_in_),
            None if names is None else tuple(map(str, names)),
            tuple(self.classes_.tolist()),
        )

    def _fitted_predictor(self):
        check_is_fitted(self, "idata_")
        if getattr(self, "_predictor", None) is None:
            key = self._structure()
            predictor = _PREDICTORS.pop(key, None)
            if predictor is None:
                with pm.Model():
                    predictor = self._build(
                        self._frame(np.zeros((1, self.n_features_in_))),
                        None,
                        classes=self.classes_,
                        batch_size=None,
                        random_seed=None,
                    )
            _PREDICTORS[key] = predictor  # most recently used last
            while len(_PREDICTORS) > _MAX_PREDICTORS:
                _PREDICTORS.pop(next(iter(_PREDICTORS)))
            self._predictor = predictor
        return self._predictor

    def _predictive(self) -> PosteriorPredictive:
        """The posterior's draws stacked for prediction, in ``prediction_dtype`` (cached)."""
        check_is_fitted(self, "idata_")
        cached = _PREDICTIVES.get(self)
        # The cache holds the posterior it stacked, so a refit's new one is never mistaken
        # for it.
        if cached is None or cached[0] is not self.idata_ or cached[1] != self.prediction_dtype:
            predictive = self._fitted_predictor().predictive(
                self.idata_, dtype=self.prediction_dtype
            )
            cached = _PREDICTIVES[self] = (self.idata_, self.prediction_dtype, predictive)
        return cached[2]

    @property
    def model_(self) -> pm.Model:
        """The PyMC model: the fitted one, or after unpickling one rebuilt without data."""
        return self._fitted_predictor().model

    @property
    def loss_curve_(self) -> np.ndarray:
        """The ADVI loss at each optimisation step (as scikit-learn's MLPClassifier has).

        The loss is the negative ELBO on the full-data scale (the ``loss``
        variable of the ``loss_curve`` group of :attr:`idata_`): shape
        ``(iterations,)``, or ``(chains, iterations)`` for a fit of several
        independent members.  A NUTS fit has none (``AttributeError``).
        """
        check_is_fitted(self, "idata_")
        if "loss_curve" not in self.idata_.children:
            raise AttributeError(f"loss_curve_: fitted by {self.sampler_}, which has no loss")
        loss = self.idata_["loss_curve"]["loss"].transpose("chain", ...).values
        return loss[0] if loss.shape[0] == 1 else loss

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
        probs = self._predictive().probabilities(self._validated(X))
        post = self.posterior_
        return xr.DataArray(
            probs,
            dims=("chain", "draw", "obs", "classes"),
            coords={
                "chain": post["chain"].values,
                "draw": post["draw"].values,
                "classes": self.classes_,
            },
            name=f"{_NAME}_probs",
        )

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Posterior mean class probabilities of rows ``X``.

        Every chain and draw of the posterior counts (an ensemble of ADVI fits
        stored as chains is pooled).  Computed in chunks of rows, each in one
        compiled pass: the per-draw probabilities are never all held at once.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray, shape (n_samples, n_classes)
            Columns in the order of :attr:`classes_`.
        """
        return self._predictive().mean(self._validated(X))

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

        Computed with the mean probabilities in one pass over the posterior's
        draws (chains and draws pooled), chunk by chunk.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (n_samples, n_features)
        proba : bool, default False
            Also give the posterior mean class probabilities, as columns
            ``p_<class>`` before the measures.

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
        parts = self._predictive().uncertainty(self._validated(X))
        mean = parts["mean"]
        columns = {}
        if proba:
            columns = {f"p_{c}": mean[:, k] for k, c in enumerate(self.classes_)}
        draws = None
        for measure in MEASURES:
            if measure == "least_confidence":  # 1 - max probability: report max p
                columns[MAX_PROBABILITY] = mean.max(axis=-1, initial=0.0)
            elif measure in parts:
                columns[measure] = parts[measure]
            else:  # a measure the one-pass summary does not compute: from the draws
                if draws is None:
                    draws = self.predict_proba_draws(X)
                columns[measure] = np.asarray(uncertainty_scores(draws, measure))
        return pd.DataFrame(columns, index=index)


_document = Fragments(
    common="""
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
        ADVI optimisation steps.  More steps sharpen the fit in distribution
        and leave the model's uncertainty weaker away from the training data;
        fewer do the reverse (the BNN: ``benchmarks/results/ablation-iterations.md`` and
        ``ablation-iterations-small.md``).
    learning_rate : float, default 0.01
        Step size of ADVI's Adam optimiser.
    draws : int
        Posterior draws per chain: per ADVI member, or per NUTS chain.
        Default 1000; 200 for :class:`BayesianMLPClassifier`, whose five
        members then give 1,000 draws in all.
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
    prediction_dtype : {"float64", "float32"}, default "float64"
        Precision of the predictions (``predict_proba``, ``predict_uncertainty``,
        ``predict_proba_draws``).  float32 halves the memory of the draws and of
        each chunk's arrays, at the cost of float32 rounding in the probabilities
        (``benchmarks/prediction.py`` measures both).
    compile_mode : str, optional
        PyTensor compilation mode of the fit, e.g. ``"JAX"`` (needs JAX; the
        ADVI steps compile in seconds where Numba's first compile, on an empty
        compile cache, takes far longer, and run at a similar speed:
        ``pymc-bnn``'s default when JAX is installed) or ``"FAST_COMPILE"``,
        which compiles fastest (pure Python: no Numba and no C code) but runs
        each step slower: worth it for tiny data or many small fits (tests).
        Default: PyTensor's (Numba).  Figures:
        ``benchmarks/results/code_choices.md``.
    random_state : int, numpy.random.RandomState or None, default None
        Seed of the fit and the draws; an int makes fits reproducible.
    progressbar : bool, default True
        Show PyMC's progress bar while fitting.
    """,
    fitted="""
    classes_ : numpy.ndarray
        The class labels.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Column names, when fitted on a DataFrame.
    idata_ : xarray.DataTree
        The fit, with its coords: ``posterior``, ``sample_stats`` (NUTS),
        ``loss_curve`` (ADVI), ``observed_data``.
    loss_curve_ : numpy.ndarray
        The ADVI loss at each step (ADVI fits only).
    sampler_ : str
        What fitted it: ``"advi"`` or the NUTS sampler that ran (``"nutpie"``,
        ``"numpyro"``, ``"blackjax"`` or ``"pymc"``).
    posterior_ : xarray.Dataset
        The ``posterior`` group of ``idata_``.
    model_ : pymc.Model
        The PyMC model.
    """,
)
"""Fills the estimators' docstrings: ``{common}``, the options both estimators take,
and ``{fitted}``, the attributes both have after ``fit``."""
