"""ADVI's optimisation steps compiled into one loop: :func:`compile_steps`.

Many optimization steps run per compiled call (a PyTensor ``Scan`` over the
steps, as NumPyro's ``svi.run`` fuses its loop), so the per-call cost of a
compiled function (argument checks, the random generators' state crossing into
compiled code) is paid once per hundred steps rather than at every step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.pytensorf import collect_default_updates, reseed_rngs, resolve_backend_compile_kwargs
from pytensor.compile.executor import Function
from pytensor.compile.mode import get_mode
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant
from pytensor.graph.replace import graph_replace, vectorize_graph
from pytensor.graph.traversal import ancestors, applys_between
from pytensor.link.jax.linker import JAXLinker
from pytensor.scan.op import Scan
from pytensor.tensor.random.op import RandomVariable

from pymc_bnn.models.draw_barrier import barrier_draws
from pymc_bnn.models.memory import check_fits_in_memory
from pymc_bnn.models.padded_dot import pad_products

__all__ = [
    "MemberSteps",
    "MembersInTurn",
    "StaticLengthSteps",
    "VectorizedMembers",
    "compile_steps",
    "forget_constant_traces",
    "runs_on_jax",
]


def runs_on_jax(backend: str | None = None) -> bool:
    """Whether steps compiled for ``backend`` (default: PyTensor's mode) run on JAX.

    Examples
    --------
    >>> runs_on_jax("numba")
    False
    """
    mode = get_mode(resolve_backend_compile_kwargs(backend, None).get("mode"))
    return isinstance(mode.linker, JAXLinker)


def compile_steps(
    inference: pm.variational.inference.Inference,
    learning_rate: float | pytensor.compile.SharedVariable = 0.01,
    *,
    random_seed: int | None = None,
    backend: str | None = None,
    members: int | None = None,
    **objective_kwargs,
) -> Function | StaticLengthSteps | MemberSteps:
    """Compile ``steps(k)``: ``k`` Adam steps of an ADVI objective in one call.

    The objective's parameter updates, Adam's state and the random generators
    (the Monte Carlo draws of the objective, ``pm.Minibatch`` indices) are
    threaded through a PyTensor ``Scan`` over the steps, so one call runs ``k``
    steps exactly as ``k`` calls of PyMC's one-step function would (the same
    arithmetic in the same order: the losses agree to rounding).

    Parameters
    ----------
    inference : pymc.ADVI or pymc.FullRankADVI
        The inference object; its approximation's parameters are updated in place.
    learning_rate : float or shared variable, default 0.01
        Adam's learning rate (a shared variable can be changed between calls).
    random_seed : int, optional
        Seed of the objective's random generators.
    backend : str, optional
        PyTensor backend (``"numba"``, ``"c"``, ``"jax"``); default PyTensor's.
    members : int, optional
        Optimize this many independent copies of the approximation
        (:class:`MemberSteps`), each with its own parameters, optimizer state
        and Monte Carlo noise.  Under JAX the step is vectorized over a leading
        member axis (:class:`VectorizedMembers`: every member sees the same
        minibatch rows, and the approximation's own parameters are left as
        they are); other backends run the members in turn
        (:class:`MembersInTurn`).
    **objective_kwargs
        Passed to the objective's ``updates`` (e.g. ``obj_n_mc``,
        ``total_grad_norm_constraint``).

    Returns
    -------
    pytensor Function, StaticLengthSteps or MemberSteps
        ``steps(k)`` runs ``k >= 1`` steps and returns their ``k`` losses
        (``(k, members)`` with ``members``).  Under the JAX backend, whose
        ``scan`` needs its length when it compiles, a callable that compiles
        one function per distinct ``k`` on first use.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0, 10)
    ...     _ = pm.Normal("obs", mu, 1, observed=np.full(100, 3.0))
    >>> advi = pm.ADVI(model=model, random_seed=0)
    >>> steps = compile_steps(advi, 0.1, random_seed=0)
    >>> steps(3000).shape  # 3,000 Adam steps in one call
    (3000,)
    >>> round(float(advi.approx.mean.eval()[0]), 1)  # the posterior mean of mu
    3.0
    """
    # The loss on the full-data scale (the negative ELBO, minibatch terms scaled by
    # N / B), as NumPyro's SVI reports it, whatever the observed data: PyMC divides it by
    # a "minibatch" constant that is N / B for label vectors but prod(N / shape) for count
    # matrices (upstream/patches/12). Adam's steps do not depend on the loss's scale.
    inference.approx.scale_cost_to_minibatch = False
    updates = inference.objective.updates(
        obj_optimizer=pm.adam(learning_rate=learning_rate), **objective_kwargs
    )
    loss = updates.loss
    state = {**updates, **collect_default_updates(outputs=[loss, *updates.values()])}
    variables = list(state)
    reseed_rngs([v for v in variables if not isinstance(v.type, pt.TensorType)], random_seed)
    compile_kwargs = resolve_backend_compile_kwargs(backend, None)
    mode = get_mode(compile_kwargs.get("mode"))
    jax = runs_on_jax(backend)
    step = [state[v] for v in variables] + [loss]
    batched = None
    if members is not None:
        _check_members(members)
    if members is not None and jax:
        batched = _member_copies(variables, members)
        step = _vectorize_members(step, variables, batched, members)
        variables = [batched.get(v, v) for v in variables]
    check_fits_in_memory(step, "The ADVI fit of this model")  # before a compile that would not
    if jax:  # XLA would otherwise evaluate a draw once per use (draw_barrier), and
        # run products with 7 columns slower than with 8 (padded_dot)
        step = pad_products(barrier_draws(step))

    def one_step(*values):
        return graph_replace(step, dict(zip(variables, values, strict=True)))

    def compile_scan(length) -> Function:
        *finals, losses = pytensor.scan(
            one_step, outputs_info=[*variables, None], n_steps=length, return_updates=False
        )
        # Tensor states come back as the trace of every step, generators as their last state.
        last = {
            v: f[-1] if isinstance(v.type, pt.TensorType) else f
            for v, f in zip(variables, finals, strict=True)
        }
        outputs = [losses, *last.values()]
        forget_constant_traces(outputs)
        inputs = [length] if isinstance(length, pt.Variable) else []
        # PyTensor 3.3 links a Scan's inner function with C thunks even under
        # FAST_COMPILE (dozens of C modules on a cold cache, in a mode asked for its
        # fast compile): no C compiler while linking in that mode.
        fast = mode is get_mode("FAST_COMPILE")
        with (
            pytensor.config.change_flags(**({"cxx": ""} if fast else {})),
            warnings.catch_warnings(),
        ):
            if jax:
                # Expected under JAX, and taken care of: each function threads its own copy
                # of the generators (StaticLengthSteps), and the parameter checks and
                # Minibatch's shape assertion cannot run inside a traced loop (a NaN loss
                # still stops the fit, naming its step: fit_advi).
                for message in ("The RandomType SharedVariables", "Skipping .* as JAX tracing"):
                    warnings.filterwarnings("ignore", message=message, category=UserWarning)
            fn = pytensor.function(inputs, losses, updates=last, **compile_kwargs)
        forget_constant_traces(outputs)
        return fn

    if jax:
        shared = [
            v
            for v in variables
            if isinstance(v, SharedVariable) and isinstance(v.type, pt.TensorType)
        ]
        steps = StaticLengthSteps(compile_scan, shared)
    else:
        steps = compile_scan(pt.scalar("steps", dtype="int64"))
    if members is None:
        return steps
    if batched is not None:
        return VectorizedMembers(steps, batched)
    return MembersInTurn(steps, _tensor_states(variables), members)


def _check_members(members) -> None:
    if not isinstance(members, int) or isinstance(members, bool) or members < 1:
        raise ValueError(f"members must be a positive integer; got {members!r}.")


def _tensor_states(variables: list) -> list[SharedVariable]:
    """The shared tensor states among ``variables`` (parameters and the optimizer's state)."""
    return [
        v for v in variables if isinstance(v, SharedVariable) and isinstance(v.type, pt.TensorType)
    ]


def _member_copies(variables: list, members: int) -> dict[SharedVariable, SharedVariable]:
    """A shared copy of each tensor state with a leading axis of ``members`` equal entries."""
    copies = {}
    for v in _tensor_states(variables):
        stacked = np.repeat(np.asarray(v.get_value())[None], members, axis=0)
        copies[v] = pytensor.shared(stacked, name=f"{v.name}_members", shape=stacked.shape)
    return copies


def _vectorize_members(step: list, variables: list, batched: dict, members: int) -> list:
    """``step`` vectorized over the leading member axis of the states in ``batched``.

    The objective's Monte Carlo noise (its Normal draws, which do not depend on
    the parameters) would be shared by every member: each such draw is replaced
    by one with a leading member axis, drawn from the same generator, so the
    members' gradients are independent.
    """
    generators = [v for v in variables if not isinstance(v.type, pt.TensorType)]
    noise, next_states = {}, {}
    for node in applys_between([*batched, *generators], step):
        if isinstance(node.op, RandomVariable) and node.op.name == "normal":
            rng, size, loc, scale = node.inputs
            next_rng, draws = pt.random.normal(
                loc, scale, size=pt.concatenate([[members], size]), rng=rng, return_next_rng=True
            )
            noise[node.outputs[1]] = draws
            next_states[node.outputs[0]] = next_rng
    placeholders = {
        v: pt.tensor(f"{v.name}", dtype=v.type.dtype, shape=copy.type.shape)
        for v, copy in batched.items()
    }
    vectorized = vectorize_graph(step, replace={**placeholders, **noise})
    vectorized = graph_replace(vectorized, next_states)
    return graph_replace(vectorized, {placeholders[v]: copy for v, copy in batched.items()})


class MemberSteps:
    """``steps(k)`` of several independent approximations (members) of one model.

    Made by :func:`compile_steps` with ``members``.  Each call runs ``k`` steps of
    every member and returns the losses as ``(k, members)``; :meth:`values` and
    :meth:`set_values` read and write the members' values of one of the
    approximation's shared variables (its means, say, to start the members at
    different points).  Two strategies share this interface:
    :class:`VectorizedMembers` (JAX) and :class:`MembersInTurn` (other backends).
    """

    variables: list[SharedVariable]
    """The approximation's shared variables each member has its own value of."""

    def __call__(self, k: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def members(self) -> int:
        """The number of members."""
        return len(self.values(self.variables[0]))

    def values(self, variable: SharedVariable) -> np.ndarray:
        """The members' values of ``variable``, stacked on a leading axis."""
        raise NotImplementedError

    def set_values(self, variable: SharedVariable, values: np.ndarray) -> None:
        """Set the members' values of ``variable`` (shape ``(members, *variable.shape)``)."""
        shape = (self.members, *np.shape(variable.get_value()))
        values = np.asarray(values, dtype=variable.dtype)
        if values.shape != shape:
            raise ValueError(
                f"values of {variable.name} must have shape {shape}; got {values.shape}."
            )
        self._store(variable, values.copy())

    def _store(self, variable: SharedVariable, values: np.ndarray) -> None:
        raise NotImplementedError


class VectorizedMembers(MemberSteps):
    """The members as one computation: every state has a leading member axis.

    The step is vectorized over that axis (:func:`compile_steps`), so each
    matrix product of the model runs once for all members.  Used under JAX,
    whose ``vmap`` runs the vectorized indexing of the likelihood natively;
    Numba and C run PyTensor's vectorized advanced indexing through a slow
    fallback, so they take :class:`MembersInTurn`.

    Parameters
    ----------
    steps : callable
        The compiled steps over the copies.
    copies : dict
        The approximation's shared variables and their copies with a member axis.
    """

    def __init__(self, steps: Callable[[int], np.ndarray], copies: dict):
        self.steps = steps
        self.copies = copies
        self.variables = list(copies)

    def __call__(self, k: int) -> np.ndarray:
        return np.asarray(self.steps(k))

    def values(self, variable: SharedVariable) -> np.ndarray:
        return np.array(self.copies[variable].get_value())

    def _store(self, variable: SharedVariable, values: np.ndarray) -> None:
        self.copies[variable].set_value(values)


class MembersInTurn(MemberSteps):
    """The members one after another through the one-member steps.

    Each call loads a member's state (parameters, the optimizer's moments) into
    the approximation's shared variables, runs its ``k`` steps, stores the new
    state, and goes on to the next member.  The random generators are not
    swapped: each member continues the stream, so their Monte Carlo draws and
    minibatches differ.

    Parameters
    ----------
    steps : callable
        The compiled one-member steps.
    variables : list of SharedVariable
        The states each member keeps its own value of.
    members : int
        The number of members.
    """

    def __init__(self, steps: Callable[[int], np.ndarray], variables: list, members: int):
        self.steps = steps
        self.variables = list(variables)
        self._values = {
            v: np.repeat(np.asarray(v.get_value())[None], members, axis=0) for v in variables
        }

    def __call__(self, k: int) -> np.ndarray:
        losses = []
        for m in range(self.members):
            for v, values in self._values.items():
                v.set_value(values[m].copy())
            losses.append(np.asarray(self.steps(k)))
            for v, values in self._values.items():
                values[m] = v.get_value()
        return np.stack(losses, axis=1)

    def values(self, variable: SharedVariable) -> np.ndarray:
        return self._values[variable].copy()

    def _store(self, variable: SharedVariable, values: np.ndarray) -> None:
        self._values[variable] = values


class StaticLengthSteps:
    """``steps(k)`` for JAX, whose ``scan`` needs a length known when it compiles.

    One compiled function per distinct ``k``, compiled on first use (``fit_advi``
    asks for ``steps_per_call`` steps, and for the remainder once).  JAX leaves
    its own read-only arrays in the shared variables it updates; they go back as
    NumPy arrays, so the other backends (the draws afterwards) can read them.
    Each compiled function draws from its own copy of the random generators (PyTensor's
    JAX linker copies them), so the remainder's steps reuse the first draws of that
    stream: valid Monte Carlo draws, but not the stream one function would give.
    """

    def __init__(self, compile_scan: Callable[[int], Function], shared: list):
        self._compile_scan = compile_scan
        self._shared = shared
        self._compiled: dict[int, Function] = {}

    def __call__(self, k: int) -> np.ndarray:
        k = int(k)
        if k not in self._compiled:
            self._compiled[k] = self._compile_scan(k)
        losses = np.array(self._compiled[k]())
        for v in self._shared:
            v.set_value(np.array(v.get_value(borrow=True)), borrow=True)
        return losses


def forget_constant_traces(outputs: Sequence[pt.Variable]) -> None:
    """Empty the creation traces of the constants inside the ``Scan`` steps of ``outputs``.

    Works around a memory blow-up in PyTensor 3.3 (patch and reproducer in
    ``upstream/patches/11-stack-traces-once.patch``): a ``Scan``'s inner graph
    is frozen, and frozen nodes are interned process-wide, so a constant in it (``1.0`` in PyMC's
    ``switch(scale_cost_to_minibatch, ..., 1.0)``) is the same object in every
    later graph with the same step while any compiled function holding that
    step is alive. Rewriting appends traces to a variable without dropping the
    ones it has, and ``local_useless_switch`` copies a constant's own trace onto
    itself: its trace tripled at every compile, so memory grew with every fit
    in one process (the figure is in the patch).  Emptying the constants' traces
    before and after each compile keeps them bounded; a trace only names where a
    variable was made.
    """
    for node in applys_between([], outputs):
        if isinstance(node.op, Scan):
            for variable in ancestors(node.op.fgraph.outputs):
                if isinstance(variable, Constant) and getattr(variable.tag, "trace", None):
                    variable.tag.trace = []
