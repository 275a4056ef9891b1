"""What the package's source says and imports.

Dates, clock times, commit hashes and this project's issue numbers go stale the
day they are written; measured figures live in ``benchmarks/results/``.  Links
to upstream bug reports (``pymc-devs/pymc#...``) are citations, not history, and
stay allowed.  Every package the source imports is declared in
``pyproject.toml``: a fresh install must not work only because PyMC happens to
pull a package in.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HISTORY = re.compile(
    r"\b20\d\d-\d\d-\d\d\b"  # a date
    r"|\bUTC\b"  # a clock time
    r"|\bcommit [0-9a-f]{7,40}\b"  # a commit hash
    r"|\bissues? #?\d+\b",  # this project's issue numbers
    re.IGNORECASE,
)


def _history(text: str) -> list[str]:
    return [
        f"{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if HISTORY.search(line)
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Run 2026-11-30 at 00:33 UTC.",
        "fixed in commit 3f34a01",
        "as measured for issue 17",
        "see Issue #33",
    ],
)
def test_the_pattern_finds_each_kind_of_history(line):
    assert _history(line) == [f"1: {line}"]


@pytest.mark.parametrize(
    "line",
    ["pymc-devs/pymc#7000", "shape (2026, 12)", "an issue with the shape", "1e-12 relative"],
)
def test_the_pattern_lets_citations_and_numbers_pass(line):
    assert _history(line) == []


@pytest.mark.parametrize(
    "path",
    [*sorted((ROOT / "pymc_bnn").rglob("*.py")), ROOT / "README.md"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_dates_clock_times_commits_or_issue_numbers(path):
    assert _history(path.read_text(encoding="utf-8")) == []


def _normalized(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_top_level_modules() -> set[str]:
    modules = set()
    for path in (ROOT / "pymc_bnn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.partition(".")[0])
    return modules - set(sys.stdlib_module_names) - {"pymc_bnn"}


def test_every_imported_package_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # Required, or in the `nuts` extra: the samplers pymc_bnn.models.nuts imports when asked.
    declared = {_normalized(r) for r in project["dependencies"]}
    declared |= {_normalized(r) for r in project["optional-dependencies"]["nuts"]}
    distributions = importlib.metadata.packages_distributions()
    undeclared = {
        module: distributions.get(module)
        for module in _imported_top_level_modules()
        if not {_normalized(d) for d in distributions.get(module, [module])} & declared
    }
    assert undeclared == {}
