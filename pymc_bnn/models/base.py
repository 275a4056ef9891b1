"""The base of the model handles that pymc_bnn's builders return.

:class:`SoftmaxModel` holds a model's variables (data containers, logits,
likelihood) and predicts new rows from posterior draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

import numpy as np
import pymc as pm
import pytensor
import xarray as xr
from numpy.typing import ArrayLike
from pytensor.graph.traversal import ancestors
from pytensor.tensor.variable import TensorVariable

from pymc_bnn._docstrings import Fragments
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.data import check_positive_int
from pymc_bnn.models.inputs import ModelInputs, add_likelihood
from pymc_bnn.models.predictive import PosteriorPredictive, compile_predictive, prediction_backend

__all__ = ["SoftmaxModel"]

_document = Fragments(
    example_glm="""
    >>> import numpy as np, pymc as pm
    >>> from pymc_bnn import multinomial_glm
    >>> with pm.Model():
    ...     glm = multinomial_glm("y", np.eye(3), ["a", "b", "c"])
    ...     prior = pm.sample_prior_predictive(10, random_seed=0)
    """
)
"""The examples' model: a softmax regression on three features and its prior draws."""


def posterior_dataset(idata, group: str = "posterior") -> xr.Dataset:
    """The ``group`` of a DataTree as a Dataset (a Dataset is returned as it is)."""
    if isinstance(idata, xr.DataTree):
        idata = idata[group] if group in idata.children else idata
        return idata.to_dataset()
    return idata


def _from_inputs(attr: str, doc: str) -> property:
    """A read-only property: ``self.inputs.<attr>``."""
    return property(attrgetter(f"inputs.{attr}"), doc=doc)


@dataclass
class SoftmaxModel:
    """Base of the model handles built by pymc_bnn: holds the variables and predicts.

    Prediction goes through the model's own graph (:func:`compile_predictive`),
    compiled once per handle on first use, so the builders define each model once.

    Attributes
    ----------
    name : str
        Name of the likelihood; other variables are prefixed with it.
    model : pymc.Model
        The model the variables live in.
    inputs : ModelInputs
        Data containers, their minibatch views, the label encoder and dims.
    logits : TensorVariable
        The logits the likelihood sees (of a minibatch when ``batch_size`` is set).
    likelihood : TensorVariable
        The :class:`pymc_bnn.Categorical` or :class:`pymc_bnn.Multinomial` variable.
    """

    name: str
    model: pm.Model
    inputs: ModelInputs
    logits: TensorVariable
    likelihood: TensorVariable
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def with_likelihood(
        cls, name: str, model: pm.Model, inputs: ModelInputs, logits: TensorVariable, **fields
    ) -> SoftmaxModel:
        """The handle of a builder's model: the likelihood of ``inputs`` on ``logits`` added.

        Each builder turns features into logits its own way; this registers the
        likelihood (:func:`~pymc_bnn.models.inputs.add_likelihood`) and returns
        ``cls`` holding it, with the builder's own ``fields``.
        """
        likelihood = add_likelihood(name, logits, inputs)
        return cls(
            name=name, model=model, inputs=inputs, logits=logits, likelihood=likelihood, **fields
        )

    def member_starts(
        self, members: int, random_seed: int | np.random.Generator | None = None
    ) -> list[dict[str, np.ndarray]]:
        """Starting points of :func:`pymc_bnn.fit_advi`'s members: the model's own, each.

        A model with one mode (the softmax regression's posterior is log-concave)
        needs nothing else; :class:`~pymc_bnn.models.bnn.BayesianNeuralNetwork`
        starts its members apart.

        Parameters
        ----------
        members : int
            Number of members.
        random_seed : int or numpy.random.Generator, optional
            Unused here; the networks draw their starting weights from it.

        Returns
        -------
        list of dict
            One empty dict (the initial point) per member.
        """
        check_positive_int(members, "members")
        return [{} for _ in range(members)]

    # -- views of the inputs ---------------------------------------------------------
    X = _from_inputs("X", "Data container of the features.")
    y = _from_inputs("y", "Data container of the observed labels or counts, or None.")
    n = _from_inputs("n", "Data container of the row totals (count models), or None.")
    encoder = _from_inputs("encoder", "The class labels and their codes (a LabelEncoder).")
    classes = _from_inputs("encoder.classes", "The class labels, in class-code order.")
    feature_names = _from_inputs("features", "The ``features`` coordinate.")
    counts = _from_inputs("counts", "Whether ``y`` is a count matrix (Multinomial), not labels.")
    batch_size = _from_inputs("batch_size", "Rows per minibatch, or None for full-data fitting.")
    dims = _from_inputs("dims", "Names of the observation, feature and class dimensions.")

    # -- prediction ------------------------------------------------------------------
    @cached_property
    def parameters(self) -> list[TensorVariable]:
        """The free random variables the logits depend on (what NUTS and ADVI move).

        Found once by walking the graph above the logits, which do not change
        after the builder returns.
        """
        upstream = set(ancestors([self.logits]))
        return [rv for rv in self.model.free_RVs if rv in upstream]

    @cached_property
    def prediction_parameters(self) -> list[TensorVariable]:
        """The model variables that, with the features, fix the logits; predictions read them.

        The named variables nearest to the logits: the coefficients and intercepts
        of a softmax regression, each layer's weights and biases of a network
        (Deterministics, stored in every posterior), rather than the free
        variables behind them.  How the free variables map to them can depend on
        the training rows (``multinomial_glm``'s ``parametrization``), so
        predicting from these needs nothing of those rows.
        """
        data = set(self.model.data_vars) | {self.inputs.X_fit}
        named = {v for v in self.model.named_vars.values() if v not in data}
        found = set(ancestors([self.logits], blockers=named | data))
        return [v for v in self.model.named_vars.values() if v in found and v in named]

    def prediction_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of one draw of each of :attr:`prediction_parameters`, by name."""
        shapes = {}
        for p in self.prediction_parameters:
            dims = self.model.named_vars_to_dims.get(p.name)
            if dims is not None and all(d in self.model.coords for d in dims):
                shapes[p.name] = tuple(len(self.model.coords[d]) for d in dims)
            else:
                with quick_compile():
                    shapes[p.name] = tuple(int(n) for n in pytensor.function([], p.shape)())
        return shapes

    def compiled_predictive(
        self, summary: str, dtype: str = "float64", backend: str | None = None
    ) -> Callable:
        """The compiled function of ``summary`` (:func:`compile_predictive`), compiled once.

        Cached in the handle by summary, precision and backend.  It trusts its
        inputs (``trust_input=True``): call it with the rows and the draws as
        arrays of ``dtype``, as :class:`PosteriorPredictive` does.
        """
        backend = backend or prediction_backend()
        key = (summary, dtype, backend)
        if key not in self._compiled:
            self._compiled[key] = compile_predictive(
                self.logits,
                self.inputs.X_fit,
                self.prediction_parameters,
                summary,
                dtype=dtype,
                backend=backend,
                trust_input=True,
            )
        return self._compiled[key]

    @_document
    def predictive(
        self,
        idata: xr.DataTree | xr.Dataset,
        *,
        group: str = "posterior",
        dtype: str = "float64",
        backend: str | None = None,
    ) -> PosteriorPredictive:
        """The class probabilities of new rows under the draws of ``idata``, and summaries.

        Parameters
        ----------
        idata : DataTree or Dataset
            Result of ``pm.sample`` / ``approx.sample`` (its ``group`` is used), or
            the group itself.  Every chain and draw is used, pooled.
        group : str, default "posterior"
        dtype : {"float64", "float32"}, default "float64"
            Precision of the computation.  float32 halves the memory of the
            draws and of each chunk's arrays, at the cost of float32 rounding
            in the probabilities (``benchmarks/prediction.py`` measures both).
        backend : str, optional
            PyTensor mode (:func:`pymc_bnn.models.predictive.prediction_backend`).

        Returns
        -------
        PosteriorPredictive
            Its ``probabilities(X)``, ``mean(X)`` and ``uncertainty(X)`` take
            rows as a 2-D array of the model's features.

        Raises
        ------
        ValueError
            If the posterior lacks a variable of :attr:`prediction_parameters`.

        Examples
        --------
        {example_glm}
        >>> pp = glm.predictive(prior, group="prior")
        >>> pp.mean(np.zeros((2, 3))).shape, sorted(pp.uncertainty(np.zeros((2, 3))))
        ((2, 3), ['aleatoric', 'epistemic', 'mean', 'total'])
        """
        post = posterior_dataset(idata, group)
        parameters = self.prediction_parameters
        missing = [p.name for p in parameters if p.name not in post]
        if missing:
            raise ValueError(
                f"the posterior lacks {missing}, which predictions need (keep the model's "
                "Deterministics when sampling)."
            )
        backend = backend or prediction_backend()
        chains, draws = post.sizes["chain"], post.sizes["draw"]
        stacks = []
        for p in parameters:
            values = post[p.name].transpose("chain", "draw", ...).values
            values = values.reshape(chains * draws, *values.shape[2:])
            stacks.append(np.ascontiguousarray(values, dtype=dtype))
        shapes = self.prediction_shapes()
        return PosteriorPredictive(
            lambda summary: self.compiled_predictive(summary, dtype, backend),
            stacks,
            chains=chains,
            draws=draws,
            n_classes=len(self.classes),
            width=max(shape[-1] for shape in shapes.values()),
            dtype=dtype,
            backend=backend,
        )

    def set_X(self, X: ArrayLike, y: ArrayLike | None = None, n: ArrayLike | None = None) -> None:
        """Replace the data by new rows, e.g. before ``pm.sample_posterior_predictive``.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (rows, features)
            New features, of any number of rows.  A DataFrame's columns are matched
            to the model's features by name.
        y : array_like, optional
            New labels (or counts); labels must be classes the model knows.  When
            omitted, ``y`` is filled with placeholders (class 0, or all trials in
            class 0), which posterior predictive sampling ignores.
        n : array_like of int, optional
            For count models, the number of trials per new row (default: the row
            sums of ``y``, or 1).

        Raises
        ------
        ValueError
            If ``X`` is invalid, ``y`` holds labels the model never saw, or lengths
            differ.
        NotImplementedError
            For a minibatch model (use :meth:`predict_proba`).

        Examples
        --------
        >>> import numpy as np, pymc as pm
        >>> from pymc_bnn import multinomial_glm
        >>> with pm.Model() as model:
        ...     glm = multinomial_glm("y", np.eye(3), ["a", "b", "c"])
        >>> glm.set_X(np.zeros((5, 3)))
        >>> model["y_X"].get_value().shape
        (5, 3)
        """
        if self.batch_size is not None:
            raise NotImplementedError(
                "set_X is not available for a minibatch model; use predict_proba(idata, X)."
            )
        pm.set_data(self.inputs.new_data(X, y, n), model=self.model)

    @_document
    def predict_proba(
        self,
        idata: xr.DataTree | xr.Dataset,
        X: ArrayLike | None = None,
        *,
        group: str = "posterior",
    ) -> xr.DataArray:
        """Posterior class probabilities of rows ``X``, one set per posterior draw.

        Parameters
        ----------
        idata : DataTree or Dataset
            Result of ``pm.sample`` / ``approx.sample`` (its ``group`` is used), or
            the group itself.
        X : array_like or pandas.DataFrame, optional
            Rows to predict (default: the data currently in the model).
        group : str, default "posterior"
            Group of ``idata`` holding the parameters (e.g. ``"prior"``).

        Returns
        -------
        xarray.DataArray
            Dims ``(chain, draw, obs, classes)``; the classes coordinate holds the
            original labels.  Pass it to :mod:`pymc_bnn.uncertainty` functions.

        Examples
        --------
        {example_glm}
        >>> glm.predict_proba(prior, np.zeros((2, 3)), group="prior").sizes
        Frozen({'chain': 1, 'draw': 10, 'obs': 2, 'classes': 3})
        """
        post = posterior_dataset(idata, group)
        arr = np.asarray(self.X.get_value()) if X is None else self.inputs.check_new_X(X)
        probs = self.predictive(post).probabilities(arr)
        obs, _, cls = self.dims
        return xr.DataArray(
            probs,
            dims=("chain", "draw", obs, cls),
            coords={"chain": post["chain"].values, "draw": post["draw"].values, cls: self.classes},
            name=f"{self.name}_probs",
        )

    @_document
    def sample_posterior_predictive(
        self,
        idata: xr.DataTree,
        X: ArrayLike | None = None,
        *,
        random_seed: int | None = None,
        **kwargs,
    ) -> xr.DataArray:
        """Posterior predictive draws for rows ``X``, as original class labels.

        Calls :meth:`set_X` (which leaves the new rows in the model) and
        ``pm.sample_posterior_predictive``, then maps the class codes back to the
        labels.  For count models the draws are counts with a classes dimension and
        ``n`` can be passed to choose the number of trials per row (default 1).

        Parameters
        ----------
        idata : DataTree
            Result of ``pm.sample`` or ``approx.sample``.
        X : array_like or pandas.DataFrame, optional
            Rows to predict (default: the data currently in the model).
        random_seed : int, optional
            Seed of the draws.
        **kwargs
            ``n`` (count models), then passed to ``pm.sample_posterior_predictive``.

        Returns
        -------
        xarray.DataArray
            Dims ``(chain, draw, obs)`` of labels, or ``(chain, draw, obs, classes)``
            of counts.

        Examples
        --------
        {example_glm}
        >>> idata = xr.DataTree.from_dict({"posterior": prior["prior"].to_dataset()})
        >>> draws = glm.sample_posterior_predictive(idata, np.zeros((4, 3)), random_seed=1)
        >>> draws.sizes, sorted(set(draws.values.ravel().tolist()))
        (Frozen({'chain': 1, 'draw': 10, 'obs': 4}), ['a', 'b', 'c'])
        """
        if X is not None:
            self.set_X(X, n=kwargs.pop("n", None))
        pp = pm.sample_posterior_predictive(
            idata,
            model=self.model,
            var_names=[self.name],
            random_seed=random_seed,
            progressbar=kwargs.pop("progressbar", False),
            **kwargs,
        )
        draws = pp["posterior_predictive"][self.name]
        if self.counts:
            return draws.assign_coords({self.dims[2]: self.classes})
        return draws.copy(data=self.encoder.inverse_transform(draws.values))

    @_document
    def predict(
        self,
        idata: xr.DataTree | xr.Dataset,
        X: ArrayLike | None = None,
        *,
        group: str = "posterior",
    ) -> np.ndarray:
        """Most probable class label of each row under the posterior mean probabilities.

        Arguments are those of :meth:`predict_proba`.

        Examples
        --------
        {example_glm}
        >>> glm.predict(prior, np.zeros((2, 3)), group="prior").shape
        (2,)
        """
        mean = self.predict_proba(idata, X, group=group).mean(("chain", "draw")).values
        return self.encoder.inverse_transform(mean.argmax(axis=-1))
