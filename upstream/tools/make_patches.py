"""Regenerate upstream/patches/*.patch from the edits below, against the installed PyMC.

Each stage is a list of (file, old, new) replacements applied on top of the
previous stage; the unified diff between two stages is one patch, so the
patches apply in order (``patch -p1`` from the folder holding ``pymc/``).
New files (the regression tests, in PyMC's ``tests/distributions`` style) are
given as (file, None, text).  An edit of one of PyMC's own test files (a patch
that changes what such a test expects updates it, with the reason in its
header) needs PyMC's sources at the installed release: pass the checkout with
``--pymc-tests`` (``CONTRIBUTING.md`` says how to get it).  Run from the
repository root:

    python upstream/tools/make_patches.py --pymc-tests ../pymc-src
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from stages import STAGES  # noqa: E402


def installed(package: str) -> Path:
    """The folder of the installed ``package``."""
    spec = importlib.util.find_spec(package)
    return Path(spec.origin).parent


def pymc_test_file(rel: str, pymc_tests: Path | None, stage: str) -> Path:
    """The PyMC test file ``rel`` (``tests/...``) in the checkout ``pymc_tests``."""
    if pymc_tests is None:
        raise SystemExit(
            f"{stage}: {rel} is one of PyMC's own test files; pass --pymc-tests PATH, "
            "a PyMC checkout at the installed release"
        )
    source = pymc_tests / rel
    if not source.is_file():
        raise SystemExit(f"{stage}: {rel} is not in {pymc_tests}")
    return source


def main(argv: list[str] | None = None) -> None:
    """Apply the stages to a copy of the installed packages and write one patch per stage."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pymc-tests",
        type=Path,
        help="a PyMC checkout at the installed release, for edits of PyMC's own tests",
    )
    pymc_tests = parser.parse_args(argv).pymc_tests
    out = HERE.parent / "patches"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.patch"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for package in {f.split("/")[0] for stage in STAGES for f, *_ in stage["edits"]}:
            if package != "tests":
                shutil.copytree(installed(package), root / package)
        for stage in STAGES:
            chunks = []
            for rel, old, new in stage["edits"]:
                path = root / rel
                if old is not None and rel.startswith("tests/") and not path.exists():
                    source = pymc_test_file(rel, pymc_tests, stage["name"])
                    path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, path)
                before = path.read_text() if path.exists() else ""
                if old is None:
                    after = new
                    path.parent.mkdir(parents=True, exist_ok=True)
                else:
                    if before.count(old) != 1:
                        name = stage["name"]
                        raise SystemExit(f"{name}: {rel}: edit not found once: {old[:60]!r}")
                    after = before.replace(old, new)
                path.write_text(after)
                chunks.append((rel, before, after, old is None))
            lines = [stage["header"].rstrip() + "\n", "\n"]
            merged: dict[str, list] = {}
            for rel, before, after, new_file in chunks:
                first = merged.setdefault(rel, [before, after, new_file])
                first[1] = after
            for rel, (before, after, new_file) in merged.items():
                lines += difflib.unified_diff(
                    before.splitlines(keepends=True),
                    after.splitlines(keepends=True),
                    "/dev/null" if new_file else f"a/{rel}",
                    f"b/{rel}",
                )
            (out / f"{stage['name']}.patch").write_text("".join(lines))
            print("wrote", stage["name"])


if __name__ == "__main__":
    main()
