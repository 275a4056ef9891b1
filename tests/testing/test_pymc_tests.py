"""The pieces of ``check-upstream --patched --pymc-tests``: patch sections, test modules, outcomes.

The whole run (PyMC's test modules of the touched files on the release and on the
patched copy) is tested in ``test_patched.py`` on a mini test tree; these check its
parts against the repository's own patches and small trees written here.
"""

import os

import pytest

from pymc_bnn.testing.conformance import PATCHES
from pymc_bnn.testing.pymc_tests import (
    Change,
    compare_outcomes,
    module_of_tests,
    patch_sections,
    run_test_modules,
    touched_sources,
    without_missing_tests,
)

TEXTS = [p.read_text() for p in sorted(PATCHES.glob("*.patch"))]


def test_touched_sources_are_the_files_the_patches_change():
    touched = touched_sources(TEXTS)
    assert "pymc/distributions/multivariate.py" in touched
    assert "pymc/distributions/discrete.py" in touched
    assert "pymc/pytensorf.py" in touched
    assert "pytensor/graph/rewriting/basic.py" in touched
    # neither the regression tests the patches add nor PyMC's tests they update
    assert not any(path.startswith("tests/") for path in touched)
    assert len(touched) == len(set(touched))


def test_every_section_of_every_patch_is_found_once():
    for text in TEXTS:
        header, sections = patch_sections(text)
        assert header.startswith("Subject: ")
        assert "".join([header, *(s.text for s in sections)]) == text


def test_pymc_test_edits_are_left_out_without_pymc_tests(tmp_path):
    """Patch 06 updates two of PyMC's tests; a copy without them applies the rest."""
    text = (PATCHES / "06-no-silent-rescaling.patch").read_text()
    kept, left_out = without_missing_tests(text, tmp_path)
    assert left_out == [
        "tests/distributions/test_discrete.py",
        "tests/distributions/test_multivariate.py",
    ]
    assert "+++ b/pymc/distributions/discrete.py" in kept
    assert "+++ b/tests/distributions/test_no_silent_rescaling.py" in kept  # a new file
    (tmp_path / "tests" / "distributions").mkdir(parents=True)
    (tmp_path / "tests" / "distributions" / "test_discrete.py").write_text("")
    kept, left_out = without_missing_tests(text, tmp_path)
    assert left_out == ["tests/distributions/test_multivariate.py"]


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("pymc/distributions/multivariate.py", "tests/distributions/test_multivariate.py"),
        ("pymc/model/core.py", "tests/model/test_core.py"),
        ("pymc/variational/opvi.py", "tests/variational/test_opvi.py"),
        ("pytensor/graph/rewriting/basic.py", "tests/graph/rewriting/test_basic.py"),
        ("tests/test_x.py", None),
        ("pymc/data/readme.txt", None),
    ],
)
def test_module_of_tests_follows_pymcs_naming(source, module):
    assert module_of_tests(source) == module


def test_a_test_that_passed_and_no_longer_passes_breaks():
    release = {"a": "passed", "b": "passed", "c": "failed", "d": "passed", "e": "xfailed"}
    patched = {"a": "passed", "b": "failed", "c": "passed", "e": "xfailed", "f": "passed"}
    changes = compare_outcomes(release, patched)
    assert changes == [
        Change("b", "passed", "failed"),
        Change("c", "failed", "passed"),
        Change("d", "passed", "absent"),
        Change("f", "absent", "passed"),
    ]
    assert [c.test for c in changes if c.breaks] == ["b", "d"]


@pytest.mark.slow
def test_run_test_modules_reads_every_outcome(tmp_path):
    """Outcomes from pytest's JUnit report, keyed like pytest's node ids; a module that
    cannot be imported is one error, and the other modules still run."""
    files = {
        "tests/__init__.py": "",
        "tests/sub/__init__.py": "",
        "tests/sub/test_a.py": (
            "import pytest\n\n"
            "def test_pass():\n    pass\n\n"
            "def test_fail():\n    assert False\n\n"
            "@pytest.mark.parametrize('x', [1, 2])\n"
            "def test_param(x):\n    assert x == 1\n\n"
            "@pytest.mark.xfail(strict=True)\n"
            "def test_xfail():\n    assert False\n\n"
            "class TestK:\n    def test_skip(self):\n        pytest.skip('no')\n\n"
            "@pytest.mark.parametrize('f', [lambda: 1], ids=str)\n"
            "def test_id_with_an_address(f):\n    pass\n"
        ),
        "tests/test_broken.py": "import no_such_module_anywhere\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    outcomes = run_test_modules(tmp_path, ["tests/sub/test_a.py", "tests/test_broken.py"], env)
    module = "tests/sub/test_a.py"
    assert outcomes == {
        f"{module}::test_pass": "passed",
        f"{module}::test_fail": "failed",
        f"{module}::test_param[1]": "passed",
        f"{module}::test_param[2]": "failed",
        f"{module}::test_xfail": "xfailed",
        f"{module}::TestK::test_skip": "skipped",
        # ids=str of a function holds its address, which differs from run to run
        f"{module}::test_id_with_an_address[<function <lambda>>]": "passed",
        "tests/test_broken.py": "error",
    }
