"""Hostile cases: each one command, the exit status it must give and a fragment of its message.

A :class:`Case` is a ``pymc-bnn`` invocation (``argv``) or a Python snippet
(``python``), run in a fresh folder (the working directory, so relative paths
name its files) that holds ``files`` first.  :func:`run_case` runs it and checks:

* the exit status: the command's status, or for a snippet 0 when it runs
  through, 1 when it raises (its message is then ``"Type: message"``, the last
  line of a traceback) and the code of a ``SystemExit``;
* every fragment of ``message`` in what it printed (stderr, then stdout);
* exit status 2 is one line on stderr starting ``pymc-bnn: error:`` and no
  traceback; exit status 1 from ``pymc-bnn`` is never expected, and every line
  it prints on stderr is one of its own messages (``pymc-bnn: ...``);
* on any non-zero status, the folder is exactly as it was before the command:
  nothing written, overwritten or left behind (no partial files);
* the files named in ``keeps`` are byte-for-byte as they were, whatever the
  status, and ``check``, if given, passes (an oracle on the files written).

Commands in ``before`` run first and must succeed (a fit whose model the case
predicts with, say).  A file given as :data:`FITTED` is a copy of a small
softmax model fitted by ``pymc-bnn fit`` on the iris data, with the iris table
(``species`` the target) beside the tests as ``iris.csv``.

Cases run in process (``main(argv)``, ``exec``) unless ``isolated``, which runs
them in a subprocess (``python -m pymc_bnn.cli`` or ``python -c``): for what
depends on a fresh interpreter (imports, signals, environment variables).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FITTED", "Case", "Outcome", "labelled_table", "params", "run_case"]


class _Fitted:
    def __repr__(self) -> str:
        return "FITTED"


FITTED = _Fitted()
"""A value of ``Case.files``: copy the shared fitted model file to that name."""

FileSpec = str | bytes | _Fitted | Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile command and what it must do.

    Parameters
    ----------
    name : str
        What is tried, in words (the test id).
    argv : sequence of str, optional
        Arguments of ``pymc-bnn``.
    python : str, optional
        A Python snippet (instead of ``argv``).
    exit : int
        The exit status it must give.
    message : str or tuple of str
        Fragments that must appear in what it prints.
    files : mapping
        Relative path to content: text, bytes, :data:`FITTED`, or a function
        writing the file at the path it is given.
    before : tuple of argv
        ``pymc-bnn`` commands run first, each of which must exit 0.
    keeps : tuple of str
        Files that must be unchanged whatever the status.
    check : callable, optional
        Called with the folder and the :class:`Outcome` after the command.
    isolated : bool
        Run in a subprocess rather than in process.
    env : mapping
        Environment variables for an isolated run.
    bug : str
        The bug the case pins, in words (shown when it fails).
    xfail : str
        A known bug the case shows, not yet fixed: the case is expected to fail
        (strictly: it must fail until the bug is fixed).
    """

    name: str
    argv: Sequence[str] | None = None
    python: str | None = None
    exit: int = 2
    message: str | tuple[str, ...] = ()
    files: Mapping[str, FileSpec] = field(default_factory=dict)
    before: tuple[Sequence[str], ...] = ()
    keeps: tuple[str, ...] = ()
    check: Callable[[Path, Outcome], None] | None = None
    isolated: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    bug: str = ""
    xfail: str = ""

    def __post_init__(self) -> None:
        if (self.argv is None) == (self.python is None):
            raise ValueError(f"{self.name}: give one of argv and python")

    def __str__(self) -> str:
        return self.name


@dataclass
class Outcome:
    """What a command did: its exit status and what it printed."""

    status: int
    stdout: str
    stderr: str


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder``: a file's SHA-256, ``None`` for a folder."""
    seen: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        seen[rel] = None if path.is_dir() else hashlib.sha256(path.read_bytes()).digest()
    return seen


def _write(folder: Path, files: Mapping[str, FileSpec], fitted: Callable[[], Path]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is FITTED:
            shutil.copyfile(fitted(), path)
        elif callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _cli_in_process(argv: Sequence[str]) -> Outcome:
    from pymc_bnn.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([str(a) for a in argv])
        except SystemExit as exit:  # argparse
            status = exit.code if isinstance(exit.code, int) else 1
    return Outcome(status, out.getvalue(), err.getvalue())


def _python_in_process(code: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exec(compile(code, "<case>", "exec"), {"__name__": "__main__"})
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else 1
        except Exception as error:
            status = 1
            print("".join(traceback.format_exception_only(error)).strip(), file=sys.stderr)
    return Outcome(status, out.getvalue(), err.getvalue())


def _isolated(case: Case) -> Outcome:
    if case.argv is not None:
        command = [sys.executable, "-m", "pymc_bnn.cli", *map(str, case.argv)]
    else:
        command = [sys.executable, "-c", case.python]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **case.env},
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def run_case(case: Case, folder: Path, fitted: Callable[[], Path]) -> Outcome:
    """Run ``case`` in the empty folder ``folder`` and assert what it must do.

    ``fitted`` gives the shared fitted model file (called only when a case
    asks for it).
    """
    _write(folder, case.files, fitted)
    previous = Path.cwd()
    os.chdir(folder)
    try:
        for argv in case.before:
            done = _cli_in_process(argv)
            assert done.status == 0, (argv, done.stdout, done.stderr)
        snapshot = _snapshot(folder)
        kept = {k: snapshot.get(k) for k in case.keeps}
        if case.isolated:
            outcome = _isolated(case)
        elif case.argv is not None:
            outcome = _cli_in_process(case.argv)
        else:
            outcome = _python_in_process(case.python)
    finally:
        os.chdir(previous)
    shown = (
        f"{case.bug}\nstatus {outcome.status}\n"
        f"stdout:\n{outcome.stdout}\nstderr:\n{outcome.stderr}"
    )
    assert outcome.status == case.exit, shown
    printed = outcome.stderr + outcome.stdout
    fragments = (case.message,) if isinstance(case.message, str) else case.message
    for fragment in fragments:
        assert fragment in printed, f"{fragment!r} not printed; {shown}"
    assert "Traceback" not in outcome.stderr, shown
    if case.argv is not None:
        assert outcome.status != 1, shown  # "unexpected error" is never the expected answer
        # Warnings too are the command's own one-line messages, not Python's.
        stray = [x for x in outcome.stderr.splitlines() if not x.startswith("pymc-bnn: ")]
        assert not stray, shown
    if case.argv is not None and case.exit == 2:
        lines = outcome.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pymc-bnn: error: "), shown
    after = _snapshot(folder)
    if outcome.status != 0:
        assert after == snapshot, f"the folder changed: {_diff(snapshot, after)}; {shown}"
    changed = [k for k, digest in kept.items() if after.get(k) != digest]
    assert not changed, f"changed {changed}; {shown}"
    if case.check is not None:
        case.check(folder, outcome)
    return outcome


def _diff(before: dict, after: dict) -> str:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    edited = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    return f"added {added}, removed {removed}, edited {edited}"


def labelled_table(labels: Sequence[str], rows: int = 40, *, header: str | None = None) -> str:
    """A CSV text of ``rows`` rows: two features and a column ``y`` cycling through ``labels``.

    ``labels`` are written as given (``"01"`` stays ``01``), and each class is
    separable from the others by the first feature, so a short fit learns it.
    ``header`` replaces the header line.
    """
    lines = [header or "a,b,y"]
    for i in range(rows):
        k = i % len(labels)
        lines.append(f"{3.0 * k + 0.01 * i:.2f},{(i * 7) % 11 / 10:.1f},{labels[k]}")
    return "\n".join(lines) + "\n"


def params(cases: Sequence[Case]) -> list:
    """``cases`` as pytest parameters, each with its name as id.

    A case that fits a model, uses the fitted one or starts a subprocess is
    marked ``slow`` (left out of ``make test-fast``).
    """
    import pytest

    def slow(case: Case) -> bool:
        fits = case.argv is not None and list(case.argv[:1]) in (["fit"], ["demo"])
        return bool(case.isolated or case.before or FITTED in case.files.values() or fits)

    def marks(case: Case) -> list:
        found = [pytest.mark.slow] if slow(case) else []
        if case.xfail:
            found.append(pytest.mark.xfail(reason=case.xfail, strict=True))
        return found

    return [pytest.param(case, id=case.name, marks=marks(case)) for case in cases]
