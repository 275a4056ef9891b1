"""Random draws that XLA computes once per step, not once per use.

Under PyTensor's JAX backend a standard normal draw is ``jax.random.normal``:
bits from threefry, then an inverse error function, a piecewise polynomial of
about a hundred operations per number.  XLA's fusion copies such elementwise
producers into each consumer it fuses, and a consumer that reads one draw many
times (a broadcast product summed over classes, a bias added to every row of a
minibatch) then evaluates the inverse error function once per read.  In
``multinomial_glm``'s zero-sum coding each of the ``(features, K - 1)`` draws
was evaluated ``K`` times in one fusion and again in the gradient's, and an ADVI
step ran several times faster with the draws behind
:func:`jax.lax.optimization_barrier` (figures in ``benchmarks/results/advi_steps.md``).

:func:`barrier_draws` puts every random draw of a graph behind
:class:`DrawBarrier`, an identity that the JAX backend compiles to
``optimization_barrier``, so XLA materializes each draw once.  ``compile_steps``
applies it to its JAX steps only: Numba and C do not copy producers into
consumers.  Nothing here imports JAX until the JAX form is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import ClassVar

import pytensor.tensor as pt
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.op import Op
from pytensor.graph.replace import graph_replace
from pytensor.graph.traversal import applys_between
from pytensor.tensor.random.op import RandomVariable

__all__ = ["DrawBarrier", "barrier_draws"]


class DrawBarrier(Op):
    """Identity; ``jax.lax.optimization_barrier`` under PyTensor's JAX backend.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> x = pt.vector("x")
    >>> f = pytensor.function([x], DrawBarrier()(x) * 2, mode="FAST_COMPILE")
    >>> f(np.array([1.0, 2.0]))
    array([2., 4.])
    """

    __props__ = ()
    view_map: ClassVar[dict[int, list[int]]] = {0: [0]}

    def make_node(self, x) -> Apply:
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, input_shapes):
        return input_shapes

    def grad(self, inputs, output_grads):
        return output_grads


@cache
def _register_jax() -> None:
    """Teach PyTensor's JAX backend the barrier (imports JAX; once per process)."""
    import jax
    from pytensor.link.jax.dispatch import jax_funcify

    @jax_funcify.register(DrawBarrier)
    def _jax_draw_barrier(op, **kwargs):
        return jax.lax.optimization_barrier


def barrier_draws(outputs: Sequence[Variable]) -> list[Variable]:
    """``outputs`` with every random draw they depend on behind a :class:`DrawBarrier`.

    Each random variable node is rebuilt from its own inputs, so the generator's
    next state (the node's first output) and its draw stay one node; only the
    draw's readers see the barrier.  Registers the barrier's JAX form.

    Parameters
    ----------
    outputs : sequence of Variable
        The graph's outputs (for example a loss and its parameter updates).

    Returns
    -------
    list of Variable
        The same outputs, computing the same values.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> rng = pytensor.shared(np.random.default_rng(0))
    >>> next_rng, z = pt.random.normal(size=3, rng=rng).owner.outputs
    >>> (out,) = barrier_draws([z.sum()])
    >>> nodes = pytensor.graph.traversal.applys_between([], [out])
    >>> any(isinstance(n.op, DrawBarrier) for n in nodes)
    True
    """
    _register_jax()
    replacements: dict[Variable, Variable] = {}
    for node in applys_between([], list(outputs)):
        if isinstance(node.op, RandomVariable):
            next_rng, draw = node.op.make_node(*node.inputs).outputs
            replacements[node.outputs[0]] = next_rng
            replacements[node.outputs[1]] = DrawBarrier()(draw)
    if not replacements:
        return list(outputs)
    return list(graph_replace(list(outputs), replacements, strict=False))
