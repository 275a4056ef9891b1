"""The package's code and front-door prose say what it does, not its history.

Dates, clock times, commit hashes and this project's issue numbers go stale the
day they are written; measured figures live in ``benchmarks/results/``.  Links
to upstream bug reports (``pymc-devs/pymc#...``) are citations, not history, and
stay allowed.
"""

from __future__ import annotations

import re
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
