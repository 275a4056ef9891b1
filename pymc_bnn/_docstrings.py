"""Docstring fragments that several public functions share, written once.

A docstring line that holds nothing but ``{name}`` is a placeholder: the
decorator made by :class:`Fragments` replaces it by the fragment ``name``,
indented as the placeholder was, when the function or class is defined.  So
``help()``, doctests and the API pages (whose griffe extension reads the
docstring of the imported object wherever :func:`has_placeholders` finds one)
show the whole text, while the source holds each shared parameter once.  Braces
anywhere else in a docstring (``{"advi", "nuts"}``, ``C{k}``) are left alone.

Examples
--------
>>> note = Fragments(units="Lengths are in metres.")
>>> @note
... def span(a, b):
...     '''The distance from ``a`` to ``b``.
...
...     {units}
...     '''
...     return b - a
>>> span.__doc__.splitlines()[2].strip()
'Lengths are in metres.'
"""

from __future__ import annotations

import re
import textwrap
from typing import TypeVar

__all__ = ["Fragments", "fill", "has_placeholders"]

_PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", re.MULTILINE)

T = TypeVar("T")


def has_placeholders(doc: str | None) -> bool:
    """Whether ``doc`` holds a placeholder line (``{name}`` alone on its line)."""
    return doc is not None and _PLACEHOLDER.search(doc) is not None


def fill(doc: str, fragments: dict[str, str]) -> str:
    """``doc`` with each placeholder line replaced by its fragment, at its indent.

    A fragment may hold placeholders of other fragments.

    Raises
    ------
    KeyError
        A placeholder names no fragment (a typo would otherwise reach the docs).
    """

    def _replace(match: re.Match) -> str:
        indent, name = match.groups()
        if name not in fragments:
            raise KeyError(
                f"docstring placeholder {{{name}}} names no fragment; known: {sorted(fragments)}"
            )
        return textwrap.indent(fill(fragments[name], fragments), indent)

    return _PLACEHOLDER.sub(_replace, doc)


class Fragments:
    """Named docstring fragments; calling it on a function or class fills its docstring.

    Each fragment is dedented and stripped of surrounding blank lines, so it may be
    written as an indented triple-quoted string.  :meth:`with_` adds more.
    """

    def __init__(self, **fragments: str):
        self.fragments = {
            name: textwrap.dedent(text).strip("\n") for name, text in fragments.items()
        }

    def with_(self, **fragments: str) -> Fragments:
        """These fragments and ``fragments`` (which win on a shared name)."""
        return Fragments(**{**self.fragments, **fragments})

    def __call__(self, obj: T) -> T:
        if obj.__doc__ is not None:  # None under python -OO
            obj.__doc__ = fill(obj.__doc__, self.fragments)
        return obj
