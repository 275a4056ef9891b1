"""The inference contract (pymc_bnn/testing/contract/inference.py): minibatches and ADVI's loss.

Each registered property runs against PyMC and pymc_bnn in process, through
``check_property`` as ``pymc-bnn check-upstream`` runs it: one compiled
function per property, case and implementation, called for 20 batches.  The
loss check on count data fails for both (PyMC's ADVI normalizes it by the wrong
constant): the tests below pin that, so the property is registered for
``Multinomial`` once PyMC fixes it.  A reproducer is run on its own (``slow``:
it starts an interpreter).
"""

import subprocess
import sys

import numpy as np
import pymc as pm
import pytest
from pymc.pytensorf import constant_fold
from pymc.variational.minibatch_rv import get_scaling

from pymc_bnn.testing import PYMC, PYMC_BNN
from pymc_bnn.testing.conformance import check_property
from pymc_bnn.testing.contract import PropertyFailure, get, inference, select
from pymc_bnn.testing.contract.inference import (
    CASES,
    MinibatchCall,
    MinibatchCase,
    check_loss_scale,
    minibatch_model,
)

PROPERTIES = [
    "Categorical.minibatch_logp_rescaled_exactly",
    "Multinomial.minibatch_logp_rescaled_exactly[counts]",
    "Multinomial.minibatch_logp_rescaled_exactly[batched]",
    "Categorical.advi_loss_on_full_data_scale",
]
IMPLEMENTATIONS = [PYMC, PYMC_BNN]


def _get(prop_id):
    return get(*prop_id.split(".", 1))


def test_registered_where_defined():
    registered = [
        p.id
        for p in select()
        if p.check in (inference.check_logp_rescaled, inference.check_loss_scale)
    ]
    assert registered == PROPERTIES
    kinds = {p.id: {c.kind for c in p.cases} for p in map(_get, PROPERTIES)}
    assert kinds[PROPERTIES[1]] == {"counts"} and kinds[PROPERTIES[2]] == {"batched"}
    assert MinibatchCase("labels", 12, 12, seed=1) in _get(PROPERTIES[0]).cases  # B = N


# slow: one compile per case and implementation; pymc_bnn's side also runs in the quick
# loop through tests/distributions (test_property_case).
@pytest.mark.slow
@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda i: i.name)
@pytest.mark.parametrize("prop_id", PROPERTIES)
def test_property_holds(prop_id, impl):
    result = check_property(_get(prop_id), impl)
    assert result.status == "holds", f"{result.quantity}: {result.actual} != {result.expected}"


@pytest.mark.slow
@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda i: i.name)
@pytest.mark.parametrize("kind", ["counts", "batched"])
def test_loss_of_count_minibatches_is_off_scale_for_both(kind, impl):
    """PyMC's ADVI: the loss of a minibatch of counts times N / B is not the full-data-scale
    estimate, whatever the distribution class (the full-data loss is right)."""
    case = CASES[kind][0]
    with pytest.raises(PropertyFailure) as info:
        check_loss_scale(impl, case)
    err = info.value
    assert err.quantity == "N / B * loss"
    # the loss was divided by prod(N / shape) instead of N / B
    wrong = {"counts": 12 * 12 / (4 * 3), "batched": 12**3 / (3 * 2 * 3)}[kind]
    ratio = float(err.expected) / float(err.actual)
    assert np.isclose(ratio, wrong / (case.rows / case.batch_size), rtol=1e-9)


@pytest.mark.parametrize(
    ("kind", "batch_size", "constant"),
    [("labels", 4, 3.0), ("counts", 4, 12.0), ("batched", 3, 96.0)],
)
def test_pymc_normalizing_constant(kind, batch_size, constant):
    """PyMC 6.4's constant is prod(N / batch shape): N / B for labels only.  When this fails,
    PyMC has fixed it: register ``check_loss_scale`` for Multinomial and drop the section
    "ADVI's minibatch loss" of docs/upstream.md."""
    case = MinibatchCase(kind, 12, batch_size)
    model, _ = minibatch_model(PYMC_BNN, case)
    approx = pm.ADVI(model=model).approx
    assert float(approx.symbolic_normalizing_constant.eval()) == constant
    # the fix: the folded shape itself, not a 1-tuple holding it
    obs = model.observed_RVs[0]
    (shape,) = constant_fold([obs.owner.inputs[0].shape], raise_not_constant=False)
    assert float(get_scaling(obs.owner.inputs[1:], shape).eval()) == 12 / batch_size


def test_logp_reproducer_computes_the_scale():
    """The reproducer of the log-likelihood property, run as it is, gives N / B."""
    call = MinibatchCall(CASES["batched"][0], "logp")
    code = "\n".join(call.code(PYMC_BNN))
    assert "pm.Minibatch(" in code and "total_size=N" in code
    scope: dict = {}
    exec(code, scope)
    assert np.isclose(scope["loglik"] / scope["batch_loglik"], 12 / 3, rtol=1e-12)


@pytest.mark.slow
def test_reproducer_alone_shows_the_wrong_loss():
    try:
        check_loss_scale(PYMC, CASES["counts"][0])
    except PropertyFailure as err:
        failure = err
    else:  # pragma: no cover - PyMC fixed it
        pytest.fail("the loss of count minibatches is on the full-data scale now")
    assert failure.reproducer.startswith("import numpy as np, pymc as pm")
    out = subprocess.run(
        [sys.executable, "-c", failure.reproducer], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    printed = out.stdout.strip().splitlines()[-1]
    assert printed.startswith("N / B * loss")
    shown = float(printed[len("N / B * loss") :])
    assert np.isclose(shown, float(failure.actual), rtol=1e-9)
    assert not np.isclose(shown, float(failure.expected))
