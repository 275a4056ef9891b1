"""Matrix products with a few columns, padded to whole vector widths under JAX.

XLA's CPU product kernels (YNNPACK fusions in jaxlib 0.12) run a float64 product
whose right operand has a few columns, but not a multiple of 4, markedly slower
than the same product padded with zero columns to the next multiple of 4: for 2,
3, 5, 6 and 7 columns, forward ``X @ W`` and backward ``X.T @ G`` alike, on
cover type's full-batch and minibatch shapes.  4 and 8 columns are fast as they
are (padding 4 to 8 slows them), 9-15 columns gain little, and 1 column (a
matrix-vector product) is slower padded.  ``benchmarks/padded_products.py``
measures each case; its figures are in ``benchmarks/results/padded_products.md``,
and those of whole ADVI steps in ``benchmarks/results/advi_steps.md``.

:func:`pad_products` replaces each matrix product of a graph by
:class:`PaddedDot`, the same product whose JAX form pads the right operand's
columns to a multiple of 4 when there are 2 to 15 of them (decided when JAX
traces, from the operands' concrete shapes) and slices the result back.
``compile_steps`` applies it to its JAX steps only: Numba and C call BLAS, which
was not measured to need it.  Nothing here imports JAX until the JAX form is asked
for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from pytensor.graph.basic import Variable
from pytensor.graph.traversal import toposort
from pytensor.tensor.math import Dot

__all__ = ["PADDED_COLUMNS", "PAD_TO", "PaddedDot", "pad_products"]

#: Column counts the JAX form pads to the next multiple of :data:`PAD_TO` (measured above).
PADDED_COLUMNS = range(2, 16)
#: The padded column count is a multiple of this (XLA's float64 kernels work in fours).
PAD_TO = 4


class PaddedDot(Dot):
    """``x @ y`` for matrices; under JAX, ``y``'s columns padded to a multiple of 4.

    Everything but the JAX form (type, value, shape, gradient) is PyTensor's
    :class:`~pytensor.tensor.math.Dot`.

    Examples
    --------
    >>> import numpy as np, pytensor, pytensor.tensor as pt
    >>> x, y = pt.matrix("x"), pt.matrix("y")
    >>> f = pytensor.function([x, y], PaddedDot()(x, y), mode="FAST_COMPILE")
    >>> f(np.ones((2, 3)), np.ones((3, 7))).shape
    (2, 7)
    """


@cache
def _register_jax() -> None:
    """Teach PyTensor's JAX backend the padded product (imports JAX; once per process)."""
    import jax.numpy as jnp
    from pytensor.link.jax.dispatch import jax_funcify

    @jax_funcify.register(PaddedDot)
    def _jax_padded_dot(op, **kwargs):
        def padded_dot(x, y):
            columns = y.shape[1]
            if columns not in PADDED_COLUMNS or columns % PAD_TO == 0:
                return jnp.matmul(x, y)
            wide = jnp.pad(y, ((0, 0), (0, -columns % PAD_TO)))
            return jnp.matmul(x, wide)[:, :columns]

        return padded_dot


def pad_products(outputs: Sequence[Variable]) -> list[Variable]:
    """``outputs`` with every matrix product they depend on a :class:`PaddedDot`.

    A graph rewrite like :func:`~pymc_bnn.models.draw_barrier.barrier_draws`,
    with its parameters and result: the same outputs, computing the same values.
    Registers the padded product's JAX form.

    Examples
    --------
    >>> import pytensor, pytensor.tensor as pt
    >>> x, w = pt.matrix("x"), pt.matrix("w")
    >>> (out,) = pad_products([pt.dot(x, w).sum()])
    >>> nodes = pytensor.graph.traversal.applys_between([x, w], [out])
    >>> [type(n.op).__name__ for n in nodes if isinstance(n.op, Dot)]
    ['PaddedDot']
    """
    _register_jax()
    # Rebuilt node by node in topological order, so a product computed from another
    # (the gradient's from the forward one) is rebuilt on its replacement.
    new: dict[Variable, Variable] = {}
    for node in toposort(list(outputs)):
        inputs = [new.get(i, i) for i in node.inputs]
        if type(node.op) is Dot:
            rebuilt = PaddedDot().make_node(*inputs)
        elif inputs != node.inputs:
            rebuilt = node.clone_with_new_inputs(inputs)
        else:
            continue
        new.update(zip(node.outputs, rebuilt.outputs, strict=True))
    return [new.get(o, o) for o in outputs]
