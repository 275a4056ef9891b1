"""Helpers for the tutorials, which markdown-exec runs while the site is built.

Each tutorial starts with a hidden block ``from docs_helpers import *``; the code
readers see uses the public API only.  ``FAST`` is true under ``make docs``
(``PYMC_BNN_DOCS_FAST=1``), which runs the tutorials with fewer iterations.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

__all__ = ["FAST", "RESULTS", "SECTIONS", "benchmark_result", "show"]

FAST = os.environ.get("PYMC_BNN_DOCS_FAST", "") not in ("", "0")
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def show(fig=None, *, width: int | None = None) -> str:
    """An ``<img>`` tag holding ``fig`` (default: the current figure) as PNG; closes it."""
    fig = plt.gcf() if fig is None else fig
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    style = f' style="max-width: {width}px"' if width else ""
    return f'<img alt="figure" src="data:image/png;base64,{data}"{style}>'


def _demote(text: str, levels: int) -> str:
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + levels) + " ", text, flags=re.M)


# The heading of each script's section in results/benchmarks.md (benchmarks/run.py).
SECTIONS = {
    "glm_covertype.md": "## Softmax regression on cover type",
    "bnn_covertype.md": "## Bayesian neural network on cover type",
    "scaling.md": "## Scaling",
    "uncertainty.md": "## Uncertainty: unseen classes",
}


def _section(text: str, heading: str) -> str | None:
    """The part of ``text`` from the line starting with ``heading`` to the next ``## ``."""
    match = re.search(rf"^{re.escape(heading)}.*?(?=^## |\Z)", text, flags=re.M | re.S)
    return match.group(0).strip() + "\n" if match else None


def benchmark_result(name: str, *, demote: int = 2) -> str:
    """The Markdown of ``benchmarks/results/{name}`` as committed, headings demoted.

    Read while the site is built, so the page always shows the latest results.
    Without that file, the same section of ``results/benchmarks.md`` (written
    by ``make bench``) is used; without either, a note says so.
    """
    path = RESULTS / name
    if path.exists():
        return _demote(path.read_text(), demote)
    combined = RESULTS / "benchmarks.md"
    if name in SECTIONS and combined.exists():
        section = _section(combined.read_text(), SECTIONS[name])
        if section:
            return _demote(section, demote)
    return (
        f"*`benchmarks/results/{name}` has not been produced yet; run the benchmark "
        "script of the same name in `benchmarks/`, or `make bench`.*"
    )
