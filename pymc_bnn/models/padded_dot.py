"""Matrix products with a few columns, padded to whole vector widths under JAX.

XLA's CPU product kernels (YNNPACK fusions in jaxlib 0.12) run a float64 product
whose right operand has a few columns, but not a multiple of 8, markedly slower
than the same product padded with zero columns to the next multiple of 8.  On the
2-core AMD EPYC machine (2026-12-04, jitted loops of 300 products, median of 5
interleaved rounds, ``X`` 12,000 x 54 as in cover type's full-batch fits):
``X @ W`` with 7 columns took 161 us, padded to 8 and sliced back 113 us; the
backward ``X.T @ G`` 283 against 231 us.  The same held from 2 to 10 columns and on
minibatch shapes (256 x 54, 256 x 20: padded 0.7-0.9 of unpadded); with 1 column
(a matrix-vector product) padding was 1.7-11 times slower, with 20 columns level.
A full-batch softmax-regression ADVI step went from 716 to 541 us (11 interleaved
rounds of 2,000 steps; NumPyro's float64 step 659).

:func:`pad_products` replaces each matrix product of a graph by
:class:`PaddedDot`, the same product whose JAX form pads the right operand's
columns to a multiple of 8 when there are 2 to 15 of them (decided when JAX
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

__all__ = ["PADDED_COLUMNS", "PaddedDot", "pad_products"]

#: Column counts the JAX form pads to the next multiple of 8 (measured above).
PADDED_COLUMNS = range(2, 16)


class PaddedDot(Dot):
    """``x @ y`` for matrices; under JAX, ``y``'s columns padded to a multiple of 8.

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
            if columns not in PADDED_COLUMNS or columns % 8 == 0:
                return jnp.matmul(x, y)
            wide = jnp.pad(y, ((0, 0), (0, -columns % 8)))
            return jnp.matmul(x, wide)[:, :columns]

        return padded_dot


def pad_products(outputs: Sequence[Variable]) -> list[Variable]:
    """``outputs`` with every matrix product they depend on a :class:`PaddedDot`.

    Registers the padded product's JAX form.

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
