"""MkDocs hook: what a page's executed code writes to stderr goes into that block's output.

markdown-exec runs the pages' ``python exec="on"`` blocks inside the MkDocs
process and shows what they ``print``.  A warning they raise, or a line PyMC
logs (``NUTS[...]: ...``), would go to the build's log instead: the reader
never sees it and the log fills with warnings and traceback fragments.  This
hook sends both to the output of the block that caused them, as a notebook
shows stderr under its cell, one line each (``CollinearityWarning: ...``).
Anything raised outside a code block keeps going to the log, and MkDocs's own
warnings still fail ``mkdocs build --strict``.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable

_CODE_BLOCK = "<code block: "


def _block_print() -> Callable[..., None] | None:
    """The ``print`` of the markdown-exec code block running now, if one is."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_CODE_BLOCK):
            return frame.f_globals.get("print")
        frame = frame.f_back
    return None


class _ToBlock(logging.Filter):
    """Passes a record on to its handler unless a code block shows it."""

    def filter(self, record: logging.LogRecord) -> bool:
        block_print = _block_print()
        if block_print is None:
            return True
        block_print(record.getMessage())
        return False


def on_startup(**kwargs) -> None:
    log_to_build = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None) -> None:
        block_print = _block_print()
        if block_print is None:
            log_to_build(message, category, filename, lineno, file, line)
        else:
            block_print(f"{category.__name__}: {message}")

    warnings.showwarning = showwarning
    import pymc  # noqa: F401  (sets up the "pymc" logger's handler)

    for handler in logging.getLogger("pymc").handlers:
        handler.addFilter(_ToBlock())
