"""The README's demo output, regenerated from one run of ``pymc-bnn demo``.

``python docs/scripts/readme_demo.py`` (``make readme``) runs the demo as the
README tells a new user to (``pymc-bnn demo --no-progress``, in a temporary
folder, so that it writes to ``pymc-bnn-demo/`` there) and replaces the text
between the README's markers with what it printed.
``tests/test_readme.py`` runs the demo again and compares the two tables number by
number (:data:`TOLERANCE`), so the README cannot drift from what the package does.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- demo output: begin -->", "<!-- demo output: end -->"
COMMAND = ["pymc-bnn", "demo", "--no-progress"]
"""The command the README shows; the output folder is added."""

TOLERANCE = {
    "accuracy": 0.015,
    "log score": 0.03,
    "calibration error (ECE)": 0.02,
    "Brier score": 0.015,
    "mean epistemic (nats)": 0.05,
    "unseen digits flagged (AUROC)": 0.02,
    "mean epistemic, unseen (nats)": 0.1,
}
"""How far a fresh run's figures may lie from the README's (absolute), per metric.

Another machine, or another release of JAX, can round the fits' arithmetic
differently; a non-convex fit of 10,000 steps carries that into the second
decimal of a score.  Fit times are not compared.
"""


def run_demo() -> str:
    """The demo's standard output, run as the README shows it."""
    executable = Path(sys.executable).with_name("pymc-bnn")
    with tempfile.TemporaryDirectory() as folder:  # the demo's default folder, inside it
        result = subprocess.run(
            [str(executable), *COMMAND[1:]],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
        )
    return result.stdout


def table(text: str) -> dict[str, list[float]]:
    """The report's rows in ``text``: metric name to one value per model."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^  (\S.*?)\s{2,}(-?\d[\d.]*(?:\s+-?\d[\d.]*)*)$", line)
        if match:
            rows[match.group(1)] = [float(v) for v in match.group(2).split()]
    return rows


def readme_block(readme: str | None = None) -> str:
    """The demo output the README shows (between the markers)."""
    text = README.read_text() if readme is None else readme
    start, end = text.index(BEGIN), text.index(END)
    block = text[start + len(BEGIN) : end]
    return block.split("```text\n", 1)[1].rsplit("```", 1)[0]


def main() -> None:
    output = run_demo()
    text = README.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    shown = "\n".join([f"$ {' '.join(COMMAND)}", output.rstrip()])
    README.write_text(text[:start] + f"\n```text\n{shown}\n```\n" + text[end:])
    print(output)


if __name__ == "__main__":
    main()
