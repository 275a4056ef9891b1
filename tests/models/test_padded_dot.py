"""Tests of pymc_bnn.models.padded_dot: products padded to a multiple of 4 columns under JAX.

Oracle: NumPy's ``matmul`` and PyTensor's own ``Dot`` (value and gradient).  Padding
adds products with zero columns only, so the kept columns are the same sums; the
tolerance (1e-12 relative) leaves room for a kernel that orders a sum differently.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.graph.traversal import applys_between
from pytensor.tensor.math import Dot

from pymc_bnn.models.padded_dot import PAD_TO, PADDED_COLUMNS, PaddedDot, pad_products

jax = pytest.importorskip("jax")

COLUMNS = (1, 2, 3, 4, 6, 7, 8, 10, 16, 20)


@pytest.fixture(scope="module")
def jax_value_and_grads():
    """One JAX function of symbolic matrices: ``x @ y`` by PaddedDot, its gradients
    with respect to both operands, and the same three by PyTensor's Dot."""
    x, y, w = pt.matrix("x"), pt.matrix("y"), pt.matrix("w")
    outputs = []
    for product in (PaddedDot()(x, y), pt.dot(x, y)):
        outputs += [product, *pytensor.grad((product * w).sum(), [x, y])]
    pad_products([])  # registers the JAX form
    return pytensor.function([x, y, w], outputs, mode="JAX")


@pytest.mark.parametrize("columns", COLUMNS)
def test_jax_form_computes_the_product_and_its_gradients(jax_value_and_grads, columns):
    rng = np.random.default_rng(columns)
    x, y, w = rng.normal(size=(9, 5)), rng.normal(size=(5, columns)), rng.normal(size=(9, columns))
    padded, dx, dy, plain, dx_plain, dy_plain = jax_value_and_grads(x, y, w)
    np.testing.assert_allclose(padded, x @ y, rtol=1e-12)
    np.testing.assert_allclose(plain, x @ y, rtol=1e-12)
    np.testing.assert_allclose(dx, dx_plain, rtol=1e-12)
    np.testing.assert_allclose(dy, dy_plain, rtol=1e-12)
    assert padded.shape == (9, columns)


@pytest.mark.parametrize("columns", COLUMNS)
def test_jax_form_pads_only_the_column_counts_measured_to_gain(columns):
    """2-15 columns, not a multiple of 4, are padded to the next multiple of 4; 1 (a
    matrix-vector product, slower padded), 4 and 8 (slower padded to 8) and 20 (level)
    are not (benchmarks/padded_products.py, figures in padded_dot's docstring)."""
    from pytensor.link.jax.dispatch import jax_funcify

    pad_products([])
    product = jax_funcify(PaddedDot())
    jaxpr = str(jax.make_jaxpr(product)(np.ones((4, 3)), np.ones((3, columns))))
    padded = "pad" in jaxpr
    assert padded == (columns in PADDED_COLUMNS and columns % PAD_TO != 0)
    assert padded == (columns in (2, 3, 6, 7, 10))
    if padded:  # the product runs on the next multiple of 4 columns
        assert f"f64[4,{-(-columns // 4) * 4}]" in jaxpr


def test_pad_products_replaces_chained_products_and_keeps_values():
    """A gradient's product reads the forward product's output: rebuilt on its
    replacement, so no plain Dot is left (a plain one would keep XLA's slow form)."""
    x, w = pt.matrix("x"), pt.matrix("w")
    logits = pt.dot(x, w)
    loss = pt.special.logsumexp(logits, axis=1).sum()
    outputs = [loss, pytensor.grad(loss, w)]
    assert sum(type(n.op) is Dot for n in applys_between([x, w], outputs)) == 2

    padded = pad_products(outputs)
    products = [n.op for n in applys_between([x, w], padded) if isinstance(n.op, Dot)]
    assert [type(op) for op in products] == [PaddedDot, PaddedDot]

    rng = np.random.default_rng(0)
    values = rng.normal(size=(6, 4)), rng.normal(size=(4, 7))
    before = pytensor.function([x, w], outputs, mode="JAX")(*values)
    after = pytensor.function([x, w], padded, mode="JAX")(*values)
    for a, b in zip(after, before, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_pad_products_leaves_a_graph_without_products_as_it_is():
    x = pt.vector("x")
    outputs = [pt.exp(x).sum()]
    assert pad_products(outputs)[0] is outputs[0]
