"""Griffe extension for the docs build: render the docstrings' reST markup as Markdown.

The docstrings are numpy style and read well in a terminal and under pytest's
doctests; two pieces of reST in them mean nothing to Markdown:

* roles such as ``:class:`pymc_bnn.Categorical``` become inline code
  (``pymc_bnn.Categorical``; a leading ``~`` keeps only the last name);
* ``.. math::`` blocks become ``$$ ... $$`` blocks for pymdownx.arithmatex.

A docstring completed at import time (the estimators insert their shared
parameters with ``{common}``) is taken from the imported object instead.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap

import griffe

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


class RestRoles(griffe.Extension):
    """Convert reST roles and math blocks in every docstring when it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        if "{common}" in obj.docstring.value:
            module, _, name = obj.path.rpartition(".")
            runtime = getattr(importlib.import_module(module), name)
            obj.docstring.value = inspect.cleandoc(runtime.__doc__)
        obj.docstring.value = convert(obj.docstring.value)
