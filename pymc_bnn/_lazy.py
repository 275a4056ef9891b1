"""Lazy package attributes: a package's names are imported on first use.

Used by ``pymc_bnn/__init__.py`` and ``pymc_bnn/testing/__init__.py`` so that
``import pymc_bnn`` (and ``pymc-bnn --help``) does not load PyMC until a name
that needs it is used.

Examples
--------
>>> getattr_, dir_ = lazy_attributes("json", {"loads": "json"}, modules=(), names=["loads"])
>>> getattr_("loads")("[1]")
[1]
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping


def lazy_attributes(
    package: str,
    where: Mapping[str, str],
    *,
    modules: Iterable[str],
    names: Iterable[str],
    renamed: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package with lazy names.

    Parameters
    ----------
    package : str
        The package's import name; a resolved name is stored in its globals.
    where : mapping of str to str
        Attribute name -> module that defines it.
    modules : iterable of str
        Subpackage or submodule names (``package.name``) imported on first use.
    names : iterable of str
        The package's ``__all__`` (listed by ``dir``).
    renamed : mapping of str to str, optional
        Former name -> current name: the former still resolves, with a
        DeprecationWarning.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)``.
    """
    modules, names, renamed = tuple(modules), tuple(names), dict(renamed or {})

    def __getattr__(name: str) -> object:
        if name in renamed:
            new = renamed[name]
            warnings.warn(
                f"{package}.{name} is now {package}.{new}.", DeprecationWarning, stacklevel=2
            )
            name = new
        if name in where:
            value = getattr(importlib.import_module(where[name]), name)
        elif name in modules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace = sys.modules.get(package)
        if namespace is not None:
            setattr(namespace, name, value)
        return value

    def __dir__() -> list[str]:
        namespace = vars(sys.modules[package]) if package in sys.modules else {}
        return sorted({*namespace, *names, *modules})

    return __getattr__, __dir__
