"""Memory a graph needs, estimated from its arrays' sizes before it is compiled.

:func:`check_fits_in_memory` refuses a graph holding an array larger than the
memory available (a softmax regression of 10,000 classes maps its free
coefficients to the classes through a ``(features, classes - 1, classes)``
product: 43 GB for 54 features), so that a fit too large for the machine is
refused with a message instead of being killed while it compiles.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytensor.tensor as pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import ancestors

__all__ = ["available_memory", "check_fits_in_memory", "largest_array"]


def _size(var: Variable) -> tuple[int, tuple[int, ...]]:
    """Bytes and shape of ``var``: its value's for data and constants, else its static shape.

    An unknown dimension counts as 1, so that the size is a lower bound.
    """
    if isinstance(var, SharedVariable):
        value = np.asarray(var.get_value(borrow=True))
        return value.nbytes, value.shape
    if isinstance(var, Constant):
        return np.asarray(var.data).nbytes, np.shape(var.data)
    shape = tuple(1 if d is None else int(d) for d in var.type.shape)
    return int(np.prod(shape, dtype=np.float64)) * np.dtype(var.type.dtype).itemsize, shape


def largest_array(outputs: Sequence[Variable]) -> tuple[int, tuple[int, ...], str]:
    """The largest array in the graph of ``outputs``: its bytes, shape and what makes it.

    Data and constants count with their values' sizes; computed arrays with
    their static shapes, an unknown dimension counting as 1 (a lower bound:
    the compiled graph needs at least this much).

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> x = pt.matrix("x", shape=(1000, 500))
    >>> largest_array([(x[:, :, None] * x[:, None, :]).sum()])
    (2000000000, (1000, 500, 500), 'Mul')
    """
    best = (0, (), "")
    for var in ancestors(outputs):  # every variable of the graph
        if not isinstance(var.type, pt.TensorType):
            continue
        nbytes, shape = _size(var)
        if nbytes > best[0]:
            what = "data or a constant" if var.owner is None else str(var.owner.op).split("{")[0]
            best = (nbytes, shape, what)
    return best


def available_memory() -> int | None:
    """Bytes of memory available to this process now (Linux), or ``None`` when unknown.

    The smaller of the system's available memory and what the control group's
    limit leaves.
    """
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    group = Path("/sys/fs/cgroup")
    try:
        limit = (group / "memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int((group / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    if not found and hasattr(os, "sysconf"):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            pass
    return min(found) if found else None


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB"


def check_fits_in_memory(outputs: Sequence[Variable], what: str) -> None:
    """Refuse, before compiling, a graph holding an array larger than the memory available.

    Parameters
    ----------
    outputs : sequence of Variable
        The graph's outputs.
    what : str
        What the graph computes, for the message.

    Raises
    ------
    ValueError
        Naming the largest array's shape and size, what makes it and the memory
        available.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> x = pt.matrix("x", shape=(10**5, 10**5))
    >>> check_fits_in_memory([(x[:, :, None] * x[:, None, :]).sum()], "this sum")
    Traceback (most recent call last):
    ...
    ValueError: this sum is too large for this machine: it holds an array of shape (100000, ...
    """
    available = available_memory()
    if available is None:
        return
    nbytes, shape, maker = largest_array(outputs)
    if nbytes > available:
        raise ValueError(
            f"{what} is too large for this machine: it holds an array of shape {shape} "
            f"({_gb(nbytes)}, made by {maker}), more than the {_gb(available)} of memory "
            "available. Use fewer classes, features or hidden units."
        )
