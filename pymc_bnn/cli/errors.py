"""The error the command line reports as one line with exit status 2, and message helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["CLIError", "one_line", "plain", "short_list"]


class CLIError(Exception):
    """A problem with what the user gave; reported as one line, exit status 2."""


def one_line(err: BaseException, limit: int = 300) -> str:
    """The message of ``err`` on one line, cut to about ``limit`` characters.

    Examples
    --------
    >>> one_line(ValueError("two" + chr(10) + "  lines"))
    'two lines'
    >>> len(one_line(ValueError("x" * 1000)))
    300
    """
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (``np.int64(3)`` prints as ``3``).

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.int64(3)), plain("a")
    (3, 'a')
    """
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "ndim", None) == 0 else value


def short_list(values: Iterable[Any], limit: int = 5) -> str:
    """The first ``limit`` values as a list, with how many there are when there are more.

    Examples
    --------
    >>> short_list(range(3))
    '[0, 1, 2]'
    >>> short_list(range(300))
    '[0, 1, 2, 3, 4, ...] (300 in all)'
    """
    values = [plain(v) for v in values]
    if len(values) <= limit:
        return repr(values)
    return repr(values[:limit])[:-1] + f", ...] ({len(values)} in all)"
