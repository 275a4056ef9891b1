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

__all__ = ["FAST", "RESULTS", "benchmark_result", "show"]

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


def benchmark_result(name: str, *, demote: int = 2) -> str:
    """The Markdown of ``benchmarks/results/{name}`` as committed, headings demoted.

    Read while the site is built, so the page always shows the latest results; a
    missing file gives a note instead.
    """
    path = RESULTS / name
    if not path.exists():
        return (
            f"*`benchmarks/results/{name}` has not been produced yet; run the benchmark "
            "script of the same name in `benchmarks/`.*"
        )
    return _demote(path.read_text(), demote)
