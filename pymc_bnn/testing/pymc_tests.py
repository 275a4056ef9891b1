"""PyMC's own test modules of the files the patches touch, on the release and patched.

``pymc-bnn check-upstream --patched --pymc-tests PATH`` (``PATH``: a PyMC
checkout at the installed release, ``CONTRIBUTING.md`` says how to get it) asks
of every patch in ``upstream/patches`` what a PyMC maintainer asks: does each
test that passes on the release still pass with the patches applied?  For
every source file a patch changes (``pymc/distributions/discrete.py``, ...)
the test module PyMC keeps for it (``tests/distributions/test_discrete.py``,
by PyMC's naming) runs twice, in two temporary folders holding a copy of the
checkout's ``tests``: once against the installed PyMC, once against the
patched copy; a patch that changes what one of PyMC's tests expects edits that
test, and the edit applies to the patched folder only.  Every changed outcome
is printed; a test that passed on the release and does not pass patched makes
the run fail (:data:`EXIT_CHANGED`).  ``--pytensor-tests PATH`` does the same
for the PyTensor files a patch touches, with a PyTensor checkout.

The patches are unified diffs; :func:`patch_sections` splits one into its
files, so that a copy without PyMC's tests (the plain ``--patched`` run) can
leave out the sections that edit them (:func:`without_missing_tests`).

Examples
--------
>>> module_of_tests("pymc/distributions/discrete.py")
'tests/distributions/test_discrete.py'
>>> module_of_tests("pymc/pytensorf.py")
'tests/test_pytensorf.py'
>>> module_of_tests("tests/distributions/test_logits.py") is None
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EXIT_CHANGED",
    "Change",
    "PatchSection",
    "compare_outcomes",
    "compare_with_release",
    "copy_test_tree",
    "module_of_tests",
    "patch_sections",
    "pytest_command",
    "run_test_modules",
    "touched_sources",
    "without_missing_tests",
]

#: Exit status of ``check-upstream`` when a test of PyMC's passes on the release and
#: not patched.
EXIT_CHANGED = 5
#: Files beside ``tests/`` that hold pytest's configuration (``xfail_strict``, markers).
_CONFIG_FILES = ("pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini", "conftest.py")


@dataclass(frozen=True)
class PatchSection:
    """The part of a unified diff that changes one file."""

    target: str  # the path after "+++ b/"
    new_file: bool  # "--- /dev/null": the patch creates the file
    text: str


def patch_sections(text: str) -> tuple[str, list[PatchSection]]:
    r"""Split a patch into its header (the issue text) and one section per file.

    Examples
    --------
    >>> header, sections = patch_sections(
    ...     "Subject: x\n\n--- a/pymc/a.py\n+++ b/pymc/a.py\n@@ -1 +1 @@\n-1\n+2\n"
    ...     "--- /dev/null\n+++ b/tests/test_a.py\n@@ -0,0 +1 @@\n+x = 1\n"
    ... )
    >>> [(s.target, s.new_file) for s in sections]
    [('pymc/a.py', False), ('tests/test_a.py', True)]
    """
    lines = text.splitlines(keepends=True)
    starts = [
        i
        for i in range(len(lines) - 1)
        if lines[i].startswith("--- ") and lines[i + 1].startswith("+++ ")
    ]
    header = "".join(lines[: starts[0]]) if starts else text
    sections = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        target = lines[start + 1][4:].strip()
        target = target[2:] if target.startswith("b/") else target
        new_file = lines[start][4:].strip() == "/dev/null"
        sections.append(PatchSection(target, new_file, "".join(lines[start:end])))
    return header, sections


def without_missing_tests(text: str, root: Path) -> tuple[str, list[str]]:
    r"""The patch without its sections that edit test files absent from ``root``.

    A patch may update one of PyMC's own tests; a copy of the installed PyMC
    has none, so those sections are left out there (and applied when PyMC's
    tests are in ``root``).  Returns the patch and the files left out.

    Examples
    --------
    >>> patch = "--- a/tests/test_a.py\n+++ b/tests/test_a.py\n@@ -1 +1 @@\n-1\n+2\n"
    >>> without_missing_tests(patch, Path("/nonexistent"))
    ('', ['tests/test_a.py'])
    """
    header, sections = patch_sections(text)
    kept, left_out = [header], []
    for section in sections:
        missing = not section.new_file and not (root / section.target).exists()
        if section.target.startswith("tests/") and missing:
            left_out.append(section.target)
        else:
            kept.append(section.text)
    return "".join(kept), left_out


def touched_sources(patch_texts: list[str]) -> list[str]:
    """The existing source files the patches change (not the test files they add or edit)."""
    found: list[str] = []
    for text in patch_texts:
        for section in patch_sections(text)[1]:
            if section.new_file or section.target.startswith("tests/"):
                continue
            if section.target not in found:
                found.append(section.target)
    return found


def module_of_tests(source: str) -> str | None:
    """The test module PyMC names for a source file: ``pkg/a/b.py`` -> ``tests/a/test_b.py``."""
    parts = Path(source).parts
    if len(parts) < 2 or parts[0] == "tests" or not parts[-1].endswith(".py"):
        return None
    return str(Path("tests", *parts[1:-1], f"test_{parts[-1]}"))


def copy_test_tree(checkout: Path, dest: Path) -> None:
    """Copy a checkout's ``tests`` folder and its pytest configuration into ``dest``.

    Only these: run from ``dest``, the tests import the PyMC (and PyTensor) that
    ``sys.path`` holds, not the checkout's sources.
    """
    shutil.copytree(
        checkout / "tests", dest / "tests", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in _CONFIG_FILES:
        if (checkout / name).is_file():
            shutil.copyfile(checkout / name, dest / name)


def run_test_modules(
    root: Path, modules: list[str], env: dict[str, str], timeout: float | None = None
) -> dict[str, str]:
    """Run ``modules`` (paths under ``root``) with pytest; the outcome of each test.

    Outcomes: ``"passed"``, ``"failed"``, ``"error"``, ``"skipped"``,
    ``"xfailed"``, keyed by ``module::Class::test[id]``.  A module that cannot
    be collected shows as one ``"error"`` under its own name.
    """
    report = Path(tempfile.mkdtemp(prefix="pymc-tests-")) / "report.xml"
    command = pytest_command(
        "-p",
        "no:randomly",
        "--continue-on-collection-errors",
        f"--junit-xml={report}",
        *modules,
    )
    try:
        subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
        if not report.exists():
            return {module: "error" for module in modules}
        cases = ET.parse(report).getroot().iter("testcase")
        return {_test_id(case): _outcome(case) for case in cases}
    finally:
        shutil.rmtree(report.parent, ignore_errors=True)


def pytest_command(*arguments: str) -> list[str]:
    """The command line of a fresh pytest process of this interpreter, quiet, no cache.

    Examples
    --------
    >>> pytest_command("tests/test_x.py")[-4:]
    ['-q', '-p', 'no:cacheprovider', 'tests/test_x.py']
    """
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]


#: A memory address in a test id (``ids=str`` of a function): differs from run to run.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _test_id(case: ET.Element) -> str:
    """``tests/a/test_b.py::TestC::test_d[x]`` from JUnit's ``tests.a.test_b.TestC`` and name."""
    if not case.get("classname"):  # a module that could not be collected
        return case.get("name", "").replace(".", "/") + ".py"
    parts = case.get("classname", "").split(".")
    modules = [i for i, part in enumerate(parts) if part.startswith("test_")]
    split = modules[0] + 1 if modules else len(parts)
    name = _ADDRESS.sub("", case.get("name", ""))
    return "::".join(["/".join(parts[:split]) + ".py", *parts[split:], name])


def _outcome(case: ET.Element) -> str:
    for child in case:
        if child.tag == "failure":
            return "failed"
        if child.tag == "error":
            return "error"
        if child.tag == "skipped":
            return "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
    return "passed"


@dataclass(frozen=True)
class Change:
    """A test whose outcome differs between the release and the patched copy."""

    test: str
    release: str  # "absent" if the release has no such test (a patch added it)
    patched: str  # "absent" if the patched copy has none (a patch removed or renamed it)

    @property
    def breaks(self) -> bool:
        """Whether it passed on the release and does not pass patched."""
        return self.release == "passed" and self.patched != "passed"


def compare_outcomes(release: dict[str, str], patched: dict[str, str]) -> list[Change]:
    """Every test whose outcome changed, in the release's order, then the patched copy's new ones.

    Examples
    --------
    >>> compare_outcomes({"a": "passed", "b": "passed"}, {"a": "passed", "b": "failed"})
    [Change(test='b', release='passed', patched='failed')]
    """
    changes = [
        Change(test, outcome, patched.get(test, "absent"))
        for test, outcome in release.items()
        if patched.get(test, "absent") != outcome
    ]
    changes += [
        Change(test, "absent", outcome) for test, outcome in patched.items() if test not in release
    ]
    return changes


def compare_with_release(
    checkout: Path,
    package: str,
    touched: list[str],
    patched_root: Path,
    env: dict[str, str],
    out,
) -> list[Change]:
    """Run the test modules of ``package``'s touched files on the release and patched.

    ``patched_root`` holds the patched copy of the packages and, under
    ``tests``, the checkout's tests with the patches applied (see
    :func:`copy_test_tree`).  Prints what runs and every changed outcome to
    ``out``; returns the changes.
    """
    sources = [f for f in touched if f.startswith(f"{package}/")]
    modules, uncovered = [], []
    for source in sources:
        module = module_of_tests(source)
        if module and (checkout / module).is_file():
            modules.append(module)
        else:
            uncovered.append(source)
    for source in uncovered:
        print(f"  {source}: no test module {module_of_tests(source)} in {checkout}", file=out)
    if not modules:
        return []
    print(f"{package}'s tests of the touched files: {', '.join(modules)}", file=out)
    with tempfile.TemporaryDirectory(prefix=f"{package}-release-") as tmp:
        release_root = Path(tmp)
        copy_test_tree(checkout, release_root)
        release_env = dict(env)
        release_env["PYTHONPATH"] = os.pathsep.join(
            p for p in [str(release_root), os.environ.get("PYTHONPATH", "")] if p
        )
        release = run_test_modules(release_root, modules, release_env)
    patched = run_test_modules(patched_root, modules, env)
    changes = compare_outcomes(release, patched)
    counts = {o: sum(v == o for v in release.values()) for o in ("passed", "failed")}
    print(
        f"  release: {len(release)} tests, {counts['passed']} passed, {counts['failed']} failed; "
        f"patched: {sum(v == 'passed' for v in patched.values())} passed; "
        f"{len(changes)} changed outcomes",
        file=out,
    )
    for change in changes:
        mark = "BREAKS" if change.breaks else "changed"
        print(
            f"  {mark}: {change.test}: {change.release} on the release, {change.patched} patched",
            file=out,
        )
    return changes
