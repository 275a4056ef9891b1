"""Run pymc_bnn's likelihood properties against the installed PyMC and report what fails.

``pymc-bnn check-upstream`` (or ``python -m pymc_bnn.testing.conformance``) checks
every property of :mod:`pymc_bnn.testing.contract` against ``pm.Categorical``,
``pm.Multinomial`` and ``pm.DirichletMultinomial``, and against pymc_bnn's
own distributions as a control.  For each failure it prints the minimal
counterexample hypothesis shrank to, the actual and expected values, and a
reproducer to paste into an upstream issue (see ``docs/upstream.md``).

The default run checks PyMC with 20 examples per property (about a minute and
a half on two cores, most of it compiling); ``--thorough`` checks PyMC and the
control with 200 examples each.  ``--patched`` applies the patches in
``upstream/patches`` (unified diffs against the installed PyMC's source) to a
copy of PyMC in a temporary folder, runs their regression tests there, and
runs the whole contract against the patched copy in a subprocess that puts the
copy first on ``sys.path`` (:func:`run_patched`).

Exit status: 0 when every property holds, 1 when an upstream (PyMC) property
fails, 2 when a control (pymc_bnn) property fails, 3 when hypothesis is missing,
4 when a patch does not apply or its regression tests fail, 5 (``--pymc-tests``)
when one of PyMC's own tests of a touched file passes on the release and not
patched (:mod:`pymc_bnn.testing.pymc_tests`).

Examples
--------
>>> from pymc_bnn.testing import PYMC_BNN
>>> from pymc_bnn.testing.contract import get
>>> result = check_property(get("Categorical", "single_category"), PYMC_BNN)
>>> result.status
'holds'
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pymc_bnn.testing import DISTRIBUTIONS
from pymc_bnn.testing.pymc_tests import (
    EXIT_CHANGED,
    compare_with_release,
    copy_test_tree,
    patch_sections,
    pytest_command,
    touched_sources,
    without_missing_tests,
)

# hypothesis is a test dependency, and the contract needs it: both are imported when
# the checks run, so the command line (which adds this module's options) works without.
if TYPE_CHECKING:
    from hypothesis import settings

    from pymc_bnn.testing.contract import Property
    from pymc_bnn.testing.implementations import Implementation

__all__ = [
    "PATCHES",
    "Result",
    "add_arguments",
    "apply_patches",
    "check_property",
    "main",
    "run",
    "run_patched",
]

IMPLEMENTATIONS = ("pymc", "pymc_bnn")
#: Examples per property: the default run, and ``--thorough``.
DEFAULT_EXAMPLES, THOROUGH_EXAMPLES = 20, 200
#: The patches to PyMC, in a source checkout of pymc_bnn.
PATCHES = Path(__file__).resolve().parents[2] / "upstream" / "patches"


@dataclass
class Result:
    """The outcome of one property against one implementation."""

    distribution: str
    property: str
    summary: str
    implementation: str
    status: str  # "holds" or "fails"
    counterexample: str = ""
    quantity: str = ""
    actual: str = ""
    expected: str = ""
    reproducer: str = ""
    seconds: float = 0.0


def _settings(examples: int) -> settings:
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=False,
    )


def _describe_error(prop: Property, impl: Implementation, case, err: BaseException) -> Result:
    from pymc_bnn.testing.contract import PropertyFailure, case_text

    result = Result(prop.distribution, prop.name, prop.summary, impl.name, "fails")
    result.counterexample = case_text(case)
    if isinstance(err, PropertyFailure):
        result.quantity, result.actual = err.quantity, err.actual
        result.expected, result.reproducer = err.expected, err.reproducer
    else:  # an exception the property did not expect, e.g. a compile error
        result.quantity = "exception"
        result.actual = f"{type(err).__name__}: {err}".strip()
        result.expected = "no exception"
    return result


def check_property(
    prop: Property, impl: Implementation, examples: int = 100, random_seed: int = 0
) -> Result:
    """Check ``prop`` against ``impl``; on failure, shrink and describe the counterexample.

    Table properties check every case in order and report the first failing one;
    hypothesis properties draw up to ``examples`` cases with ``random_seed`` and
    report the minimal failing case hypothesis shrinks to.
    """
    from hypothesis import example, given, seed

    if prop.cases:
        for case in prop.cases:
            try:
                prop.check(impl, case)
            except Exception as err:
                return _describe_error(prop, impl, case, err)
        return Result(prop.distribution, prop.name, prop.summary, impl.name, "holds")

    last: list = []

    def run_property(case):
        try:
            prop.check(impl, case)
        except Exception as err:
            last[:] = [case, err]
            raise

    for case in reversed(prop.examples):
        run_property = example(case=case)(run_property)
    run_property = seed(random_seed)(_settings(examples)(given(case=prop.strategy)(run_property)))

    try:
        run_property()
    except Exception as err:
        if not last:  # the strategy itself failed
            return _describe_error(prop, impl, None, err)
        # hypothesis replays the shrunk example last, so `last` holds the minimal one.
        return _describe_error(prop, impl, *last)
    return Result(prop.distribution, prop.name, prop.summary, impl.name, "holds")


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``check-upstream`` to ``parser`` (also used by ``pymc-bnn``)."""
    parser.add_argument(
        "--examples",
        type=int,
        default=None,
        metavar="N",
        help=f"hypothesis examples per property (default {DEFAULT_EXAMPLES}; "
        f"--thorough: {THOROUGH_EXAMPLES})",
    )
    parser.add_argument(
        "--thorough",
        action="store_true",
        help=f"long run: {THOROUGH_EXAMPLES} examples per property, PyMC and the control",
    )
    parser.add_argument(
        "--patched",
        action="store_true",
        help="apply upstream/patches to a temporary copy of PyMC and check that copy",
    )
    parser.add_argument(
        "--patches",
        type=Path,
        default=PATCHES,
        metavar="DIR",
        help="folder of *.patch files for --patched (default: the checkout's upstream/patches)",
    )
    parser.add_argument(
        "--pymc-tests",
        type=Path,
        default=None,
        metavar="PATH",
        help="with --patched: a PyMC checkout at the installed release; run PyMC's own test "
        "modules of every file a patch touches on the release and patched, print every "
        "changed outcome (exit 5 if a test that passes on the release does not pass patched)",
    )
    parser.add_argument(
        "--distribution",
        action="append",
        choices=DISTRIBUTIONS,
        metavar="NAME",
        help=f"check only this distribution (repeatable; one of {', '.join(DISTRIBUTIONS)})",
    )
    parser.add_argument(
        "--property",
        action="append",
        metavar="NAME",
        help="check only properties with this name, e.g. float32_mode (repeatable)",
    )
    parser.add_argument(
        "--implementation",
        choices=["all", *IMPLEMENTATIONS],
        default=None,
        help="check PyMC (the default), pymc_bnn (the control), or all (--thorough's default)",
    )
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return parser


def _versions() -> dict:
    import pymc
    import pytensor

    import pymc_bnn

    return {
        "pymc": pymc.__version__,
        "pytensor": pytensor.__version__,
        "pymc_bnn": pymc_bnn.__version__,
    }


def _exit_status(results: list[Result]) -> int:
    if any(r.status == "fails" and r.implementation == "pymc_bnn" for r in results):
        return 2
    return 1 if any(r.status == "fails" for r in results) else 0


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _status_cell(status: str) -> str:
    return "FAILS" if status == "fails" else status


def _print_text(results: list[Result], header: str, out) -> None:
    print(header, file=out)
    impls = list(dict.fromkeys(r.implementation for r in results))
    rows: dict[tuple, dict] = {}
    for r in results:
        rows.setdefault((r.distribution, r.property), {})[r.implementation] = r.status
    width = max((len(p) for _, p in rows), default=10) + 2
    current = None
    for (dist, name), statuses in rows.items():
        if dist != current:
            print(f"\n{dist}".ljust(width + 3) + "".join(f"{i:<10}" for i in impls), file=out)
            current = dist
        cells = "".join(f"{_status_cell(statuses.get(i, '-')):<10}" for i in impls)
        print("  " + name.ljust(width) + cells, file=out)
    failures = [r for r in results if r.status == "fails"]
    if failures:
        print("\nFailures", file=out)
    for r in failures:
        print(f"\n[{r.implementation}] {r.distribution}.{r.property}: {r.summary}", file=out)
        print(f"  counterexample: {r.counterexample}", file=out)
        print(f"  {r.quantity}: got {r.actual}", file=out)
        print(f"  {' ' * len(r.quantity)}  expected {r.expected}", file=out)
        if r.reproducer:
            print("  reproducer:", file=out)
            print(_indent(r.reproducer, "    "), file=out)
    print("", file=out)
    for impl in impls:
        mine = [r for r in results if r.implementation == impl]
        bad = sum(r.status == "fails" for r in mine)
        verdict = "all hold" if not bad else f"{bad} fail"
        print(f"{impl}: {len(mine)} properties, {verdict}", file=out)


def _resolve(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the options that depend on ``--thorough``."""
    if getattr(args, "examples", None) is None:
        args.examples = THOROUGH_EXAMPLES if getattr(args, "thorough", False) else DEFAULT_EXAMPLES
    if getattr(args, "implementation", None) is None:
        args.implementation = "all" if getattr(args, "thorough", False) else "pymc"
    return args


def _installed(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"{package} is not installed")
    return Path(spec.origin).parent


def apply_patches(patches: list[Path], dest: Path) -> list[str]:
    """Copy the installed PyMC (and PyTensor if a patch needs it) to ``dest``; apply ``patches``.

    Each patch is a unified diff with ``a/pymc/...`` paths (``patch -p1`` from
    ``dest``); new files (the regression tests) land under ``dest/tests``.  A
    section that edits one of PyMC's own tests applies if ``dest/tests`` holds
    PyMC's tests (``--pymc-tests``) and is left out otherwise.  Returns the
    packages copied.  Raises ``RuntimeError`` naming the patch that does not
    apply.
    """
    texts = {p: p.read_text() for p in patches}
    packages = ["pymc"] + (["pytensor"] if any("a/pytensor/" in t for t in texts.values()) else [])
    for package in packages:
        shutil.copytree(
            _installed(package), dest / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for patch, text in texts.items():
        kept, _ = without_missing_tests(text, dest)
        out = subprocess.run(
            ["patch", "-p1", "--batch", "--forward", "-d", str(dest)],
            input=kept,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise RuntimeError(f"{patch.name} does not apply:\n{out.stdout}{out.stderr}")
    return packages


def run_patched(args: argparse.Namespace) -> int:
    """``--patched``: apply the patches to a temporary copy, test it, check the contract on it.

    Prints the regression tests' summary and the contract report of the
    patched PyMC; returns 4 if a patch does not apply or a regression test
    fails, else the contract's exit status.
    """
    patches = sorted(Path(args.patches).glob("*.patch"))
    if not patches:
        print(f"no patches in {args.patches}")
        return 4
    texts = [p.read_text() for p in patches]
    pymc_tests = getattr(args, "pymc_tests", None)
    if pymc_tests is not None and not (Path(pymc_tests) / "tests").is_dir():
        print(f"--pymc-tests {pymc_tests}: no tests folder there (a PyMC checkout is expected)")
        return 4
    with tempfile.TemporaryDirectory(prefix="pymc-patched-") as tmp:
        dest = Path(tmp)
        if pymc_tests is not None:
            copy_test_tree(Path(pymc_tests), dest)
        try:
            packages = apply_patches(patches, dest)
        except RuntimeError as err:
            print(err)
            return 4
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join([str(dest), root, env.get("PYTHONPATH", "")])
        # The patched copy shares PyTensor's compile cache: a patch that changes compiled
        # code without changing the graph bumps that code's cache version (patch 10).
        info = sys.stderr if args.json else sys.stdout  # --json keeps stdout parseable
        print(f"applied {len(patches)} patches to a copy of {', '.join(packages)}:", file=info)
        for patch in patches:
            print(f"  {patch.name}", file=info)
        added = [
            s.target
            for text in texts
            for s in patch_sections(text)[1]
            if s.new_file and s.target.startswith("tests/")
        ]
        if added:
            tests = subprocess.run(
                pytest_command("-o", "addopts=", *added),
                cwd=dest,
                env=env,
                capture_output=True,
                text=True,
            )
            summary = (tests.stdout.strip().splitlines() or [""])[-1]
            print(f"regression tests of the patches: {summary}", file=info)
            if tests.returncode != 0:
                print(tests.stdout, file=info)
                return 4
        breaks = False
        if pymc_tests is not None:
            touched = touched_sources(texts)
            changes = compare_with_release(Path(pymc_tests), "pymc", touched, dest, env, info)
            breaks = any(change.breaks for change in changes)
            for source in touched:
                if not source.startswith("pymc/"):
                    print(
                        f"  {source}: not PyMC's (its package's own tests are not run)", file=info
                    )
        argv = ["--examples", str(args.examples), "--seed", str(args.seed)]
        argv += ["--implementation", args.implementation]
        for dist in args.distribution or []:
            argv += ["--distribution", dist]
        for name in args.property or []:
            argv += ["--property", name]
        if args.json:
            argv.append("--json")
        check = [sys.executable, "-m", "pymc_bnn.testing.conformance", *argv]
        out = subprocess.run(check, cwd=dest, env=env, capture_output=True, text=True)
        print(out.stdout, end="")
        if out.returncode not in (0, 1, 2):
            print(out.stderr)
        return EXIT_CHANGED if breaks else out.returncode


def run(args: argparse.Namespace) -> int:
    """Run the checks that ``args`` select, print the report and return the exit status."""
    args = _resolve(args)
    if getattr(args, "patched", False):
        return run_patched(args)
    try:
        from pymc_bnn.testing.contract import select
        from pymc_bnn.testing.implementations import PYMC, PYMC_BNN
    except ImportError as err:
        print(f"check-upstream needs the test extra (pip install 'pymc_bnn[test]'): {err}")
        return 3
    available = {"pymc": PYMC, "pymc_bnn": PYMC_BNN}
    names = IMPLEMENTATIONS if args.implementation == "all" else [args.implementation]
    impls = [available[name] for name in names]
    props = [
        p
        for dist in args.distribution or DISTRIBUTIONS
        for p in select(dist)
        if not args.property
        or any(p.name == q or p.name.startswith(q + "[") for q in args.property)
    ]
    start = time.perf_counter()
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for prop in props:
            for impl in impls:
                if prop.applies_to(impl):
                    t0 = time.perf_counter()
                    result = check_property(prop, impl, args.examples, args.seed)
                    result.seconds = round(time.perf_counter() - t0, 2)
                    results.append(result)
    status = _exit_status(results)
    versions = _versions()
    if args.json:
        payload = {
            **versions,
            "examples": args.examples,
            "seed": args.seed,
            "seconds": round(time.perf_counter() - start, 1),
            "exit_status": status,
            "results": [asdict(r) for r in results],
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
    else:
        header = (
            f"pymc_bnn check-upstream: PyMC {versions['pymc']}, PyTensor {versions['pytensor']}, "
            f"{args.examples} examples per property, seed {args.seed} "
            f"({time.perf_counter() - start:.0f} s)"
        )
        _print_text(results, header, sys.stdout)
    return status


def main(argv: list[str] | None = None) -> int:
    """``python -m pymc_bnn.testing.conformance [options]``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pymc_bnn.testing.conformance", description=__doc__.splitlines()[0]
    )
    return run(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
