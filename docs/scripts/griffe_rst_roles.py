"""Griffe extension for the docs build: render the docstrings' reST markup as Markdown.

The docstrings are numpy style and read well in a terminal and under pytest's
doctests; two pieces of reST in them mean nothing to Markdown:

* roles such as ``:class:`pymc_bnn.Categorical``` become inline code
  (``pymc_bnn.Categorical``; a leading ``~`` keeps only the last name);
* ``.. math::`` blocks become ``$$ ... $$`` blocks for pymdownx.arithmatex.

A docstring completed at import time (a ``{name}`` placeholder line filled with
a shared fragment by :mod:`pymc_bnn._docstrings`) is taken from the imported
object instead.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap

import griffe

from pymc_bnn._docstrings import has_placeholders

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|obj|exc|const):`(~?)([^`]+)`")
MATH = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n((?:[ \t]*\n|\1[ \t]+\S.*\n?)+)", re.MULTILINE)


def _role(match: re.Match) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def _math(match: re.Match) -> str:
    indent, body = match.groups()
    body = textwrap.dedent(body).strip("\n")
    return f"{indent}$$\n{body}\n$$\n\n"


def convert(text: str) -> str:
    """The docstring ``text`` with roles and math blocks converted to Markdown."""
    return ROLE.sub(_role, MATH.sub(_math, text))


def _imported(obj: griffe.Object) -> object:
    """The object at ``obj``'s path, imported: its module, then attribute by attribute."""
    runtime = importlib.import_module(obj.module.path)
    for name in obj.path.removeprefix(obj.module.path).split(".")[1:]:
        runtime = getattr(runtime, name)
    return runtime


class RestRoles(griffe.Extension):
    """Convert reST roles and math blocks in every docstring when it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        if has_placeholders(obj.docstring.value):
            obj.docstring.value = inspect.cleandoc(_imported(obj).__doc__)
        obj.docstring.value = convert(obj.docstring.value)
