"""The contract's machinery: the registry, the ``prop`` decorator, failures and reproducers.

The properties themselves run in tests/distributions (against pymc_bnn) and in
test_conformance.py (against PyMC); here the parts they are built from, in
process (no subprocess, so all of it is in the fast loop).
"""

import ast
import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import pymc_bnn.testing as testing
from pymc_bnn.testing import PYMC, PYMC_BNN
from pymc_bnn.testing.contract import (
    DISTRIBUTIONS,
    PROPERTIES,
    LogpCall,
    PropertyFailure,
    by_distribution,
    case_text,
    get,
    prop,
    select,
)

TESTING = Path(testing.__file__).parent


@pytest.fixture
def registry():
    """The registry, restored after the test registers its own properties."""
    saved = list(PROPERTIES)
    yield PROPERTIES
    PROPERTIES[:] = saved


def test_every_property_is_complete_and_unique():
    ids = [p.id for p in PROPERTIES]
    assert len(ids) == len(set(ids)) == 93
    assert {d: len(ps) for d, ps in by_distribution().items()} == {
        "Categorical": 32,
        "Multinomial": 40,
        "DirichletMultinomial": 21,
    }
    for p in PROPERTIES:
        assert p.distribution in DISTRIBUTIONS and p.summary
        assert (p.strategy is None) != (not p.cases), p.id
        assert "{" not in p.summary, p.id  # a parameter placeholder left unformatted


def test_params_register_one_property_per_parameter(registry):
    seen = []

    @prop("Multinomial", "probe", "dtype {param} holds", cases=[1, 2], params=["int8", "int64"])
    def probe(impl, case, dtype):
        seen.append((impl, case, dtype))

    assert [(p.name, p.summary) for p in select("Multinomial", "probe")] == [
        ("probe[int8]", "dtype int8 holds"),
        ("probe[int64]", "dtype int64 holds"),
    ]
    get("Multinomial", "probe[int64]").check(PYMC_BNN, 2)
    assert seen == [(PYMC_BNN, 2, "int64")]
    assert probe(PYMC, 1, "int8") is None  # the decorator returns the check unchanged


def test_stacked_decorators_register_in_the_order_written(registry):
    @prop("Categorical", "first", "written first", cases=[1])
    @prop("Categorical", "second", "written second", cases=[2], params=["a", "b"])
    @prop("Categorical", "third", "written third", cases=[3])
    def probe(impl, case, param=None):
        pass

    names = ["first", "second[a]", "second[b]", "third"]
    assert [p.name for p in PROPERTIES[-4:]] == names
    assert [p.name for p in probe.contract_properties] == names


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(distribution="Binomial", name="x", cases=[1]), "distribution must be one of"),
        (dict(distribution="Categorical", name="single_category", cases=[1]), "already"),
        (dict(distribution="Categorical", name="x"), "either a strategy or cases"),
    ],
)
def test_prop_rejects_bad_registrations(registry, kwargs, match):
    with pytest.raises(ValueError, match=match):
        prop(summary="s", **kwargs)(lambda impl, case: None)


def test_get_names_the_missing_property():
    with pytest.raises(KeyError, match=r"Categorical\.no_such_property"):
        get("Categorical", "no_such_property")


def test_case_text_shows_fields_and_non_default_integer_dtypes():
    case = get("Multinomial", "largest_n_of_each_dtype").cases[0]
    assert case_text(case) == "dtype=int8, n=127, counts=[  0   0 127], p=[0.2 0.3 0.5]"
    constant = get("Multinomial", "constant_inputs_of_any_integer_kind").cases[2]
    assert case_text(constant) == "n=100, counts=[10 20 70] (int8), p=[0.1 0.2 0.7]"


def _run_reproducer(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("distribution", "name"),
    [
        ("Categorical", "logit_p_constant_extreme"),  # ConstantCall
        ("Multinomial", "largest_n_of_each_dtype"),  # LogpCall
        ("Multinomial", "accepts_logit_p"),  # KeywordCall: PyMC raises
        ("DirichletMultinomial", "non_integer_observed_data_rejected"),  # ModelCall
    ],
)
def test_failure_carries_a_reproducer_that_prints_the_actual_value(distribution, name):
    p = get(distribution, name)
    with pytest.raises(PropertyFailure) as info:
        for case in p.cases:
            p.check(PYMC, case)
    err = info.value
    assert err.actual != err.expected
    assert err.reproducer.startswith("import numpy as np, pymc as pm")
    assert err.reproducer.endswith(f"# expected: {err.expected}")
    if name == "accepts_logit_p":  # the constructor itself raises: nothing to print
        assert err.actual.startswith("TypeError")
        with pytest.raises(TypeError):
            _run_reproducer(err.reproducer)
        return
    printed = _run_reproducer(err.reproducer)
    assert printed.startswith(repr(err.quantity)[1:-1])
    shown = printed[len(err.quantity) :].strip()
    if name == "non_integer_observed_data_rejected":
        assert shown == err.actual == "[0 2]"  # PyMC truncated [0.5, 2.5]
    else:
        assert np.isclose(float(shown), float(err.actual), equal_nan=True)


def test_logp_call_code_matches_its_run():
    call = LogpCall("Multinomial", "logit_p", "uint8", 3, [2, 1], np.array([0.0, -1000.0]))
    logp, grad = call.run(PYMC_BNN)
    scope: dict = {}
    exec("\n".join(call.code(PYMC_BNN)), scope)
    np.testing.assert_array_equal(scope["logp"], logp)
    np.testing.assert_array_equal(scope["grad"], grad)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize(
    "path",
    sorted(p for p in TESTING.rglob("*.py") if p.name != "conformance.py"),
    ids=lambda p: str(p.relative_to(TESTING)),
)
def test_only_the_runner_imports_the_runner(path):
    """No import circle: the contract, strategies, oracles and implementations never
    import ``conformance``, which imports them."""
    assert not any("conformance" in name for name in _imports(path))
