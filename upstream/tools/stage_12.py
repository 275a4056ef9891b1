# ruff: noqa: E501  (the header quotes source lines as they are)
"""Stage 12 of the patches: ADVI's minibatch normalizing constant for observed data of 2+ dimensions."""

OPVI = "pymc/variational/opvi.py"

STAGE_12 = {
    "name": "12-minibatch-normalizing-constant",
    "header": """Subject: ADVI: normalize a minibatch of count vectors by N / B, not prod(N / shape)

`Approximation.symbolic_normalizing_constant` (and `Group`'s) is meant to
scale the loss to one minibatch, N / B. For observed data of two or more
dimensions (a matrix of Multinomial counts, rows of (G, K) counts) it is not:

    import numpy as np, pymc as pm
    C = np.array([[1, 2, 0]] * 12)  # 12 rows of counts over 3 classes
    with pm.Model() as m:
        C_b = pm.Minibatch(pm.Data("C", C), batch_size=4)
        p = pm.Dirichlet("p", np.ones(3))
        pm.Multinomial("y", n=3, p=p, observed=C_b, total_size=12)
    print(pm.ADVI(model=m).approx.symbolic_normalizing_constant.eval())  # 12.0; N / B = 3.0

Both call `get_scaling(total_size, constant_fold([shape], ...))`:
`constant_fold` returns a list with one element (the whole shape vector), so
`get_scaling` divides N by the shape vector and multiplies the ratios:
N**2 / (B K) here, (N / B)(N / G)(N / K) for (G, K) rows. A label vector has
one dimension, so the error does not show there. `pm.fit`'s reported loss of a
minibatch of counts is off by that factor, and so is its gradient: with
`pm.fit`'s defaults, 240 rows of (2, 3) counts in batches of 40 ended at
posterior means about 0.1 (sd 0.67, about the initial 0.69) where full-data
ADVI gives 0.75 (sd 0.17).

Fix: take the shape out of the list, `constant_fold([shape], ...)[0]`, in both
places.
""",
    "edits": [
        (
            OPVI,
            """                        constant_fold([v.owner.inputs[0].shape], raise_not_constant=False),
""",
            """                        constant_fold([v.owner.inputs[0].shape], raise_not_constant=False)[0],
""",
        ),
        (
            OPVI,
            """                    constant_fold([obs.owner.inputs[0].shape], raise_not_constant=False),
""",
            """                    constant_fold([obs.owner.inputs[0].shape], raise_not_constant=False)[0],
""",
        ),
        (
            "tests/variational/test_minibatch_normalizing_constant.py",
            None,
            """import numpy as np
import pytest

import pymc as pm


@pytest.mark.parametrize(
    "counts", [np.array([[1, 2, 0]] * 12), np.array([[[1, 2, 0], [0, 0, 3]]] * 12)]
)
def test_normalizing_constant_of_a_count_minibatch_is_n_over_b(counts):
    with pm.Model() as m:
        batch = pm.Minibatch(pm.Data("C", counts), batch_size=4)
        p = pm.Dirichlet("p", np.ones(3))
        pm.Multinomial("y", n=3, p=p, observed=batch, total_size=12)
    constant = pm.ADVI(model=m).approx.symbolic_normalizing_constant.eval()
    np.testing.assert_allclose(constant, 12 / 4)


def test_normalizing_constant_of_a_label_minibatch_is_unchanged():
    with pm.Model() as m:
        batch = pm.Minibatch(pm.Data("y", np.arange(12) % 3), batch_size=4)
        p = pm.Dirichlet("p", np.ones(3))
        pm.Categorical("y_obs", p=p, observed=batch, total_size=12)
    np.testing.assert_allclose(pm.ADVI(model=m).approx.symbolic_normalizing_constant.eval(), 3.0)
""",
        ),
    ],
}
