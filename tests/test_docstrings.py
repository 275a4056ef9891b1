"""Shared docstring fragments: filled where they stand, complete in every public docstring."""

import inspect
import pkgutil

import pytest

import pymc_bnn
from pymc_bnn._docstrings import Fragments, fill, has_placeholders


def test_a_placeholder_line_becomes_the_fragment_at_its_indent():
    doc = "Title.\n\n    Parameters\n    ----------\n    {x}\n    z : str\n"
    filled = fill(doc, {"x": "x : int\n    The x.\n\ny : float"})
    assert filled == (
        "Title.\n\n    Parameters\n    ----------\n    x : int\n        The x.\n\n"
        "    y : float\n    z : str\n"
    )


def test_fragments_nest_and_other_braces_stay():
    document = Fragments(inner="a : int", outer="{inner}\nb : int")

    @document
    def f():
        """Title.

        kind : {"p", "logit_p"}, colour ``C{k}``
        {outer}
        """

    assert inspect.cleandoc(f.__doc__).splitlines()[2:] == [
        'kind : {"p", "logit_p"}, colour ``C{k}``',
        "a : int",
        "b : int",
    ]


def test_an_unknown_placeholder_is_an_error_naming_it():
    with pytest.raises(KeyError, match=r"\{typo\} names no fragment"):
        fill("Title.\n    {typo}\n", {"probs": "probs : array_like"})


def _public_objects():
    """Every public function, class and method of every pymc_bnn module, with its path."""
    prefix = pymc_bnn.__name__ + "."
    for info in pkgutil.walk_packages(pymc_bnn.__path__, prefix):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = pytest.importorskip(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{info.name}.{name}", obj
            if inspect.isclass(obj):  # its methods too (inherited ones where defined)
                for attr in vars(obj):
                    if not attr.startswith("_") and callable(getattr(obj, attr)):
                        yield f"{info.name}.{name}.{attr}", getattr(obj, attr)


def test_no_public_docstring_keeps_a_placeholder():
    # A placeholder left unfilled (a forgotten decorator) would reach help() and the
    # API pages as a bare "{probs}" instead of the parameter's description.
    objects = dict(_public_objects())
    assert "pymc_bnn.plots.entropy.plot_entropy_decomposition" in objects
    assert "pymc_bnn.estimators.saving.SavedModelMixin.load" in objects
    left = [path for path, obj in objects.items() if has_placeholders(obj.__doc__)]
    assert left == []
