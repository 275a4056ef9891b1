"""The error the command line reports as one line with exit status 2."""

from __future__ import annotations

__all__ = ["CLIError", "one_line"]


class CLIError(Exception):
    """A problem with what the user gave; reported as one line, exit status 2."""


def one_line(err: BaseException) -> str:
    """The message of ``err`` on one line.

    Examples
    --------
    >>> one_line(ValueError("two" + chr(10) + "  lines"))
    'two lines'
    """
    return " ".join(str(err).split())
