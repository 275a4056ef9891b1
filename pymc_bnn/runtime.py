"""How long computations run in this process: interrupts end them cleanly, BLAS on set threads.

* :func:`interruptible`: a block that Ctrl-C (SIGINT) always ends in
  ``KeyboardInterrupt`` and SIGTERM in :class:`Terminated` (a
  ``KeyboardInterrupt`` too), whatever the code inside does with the first one
  (``pm.fit`` and ``pm.sample`` catch it and return what they have).  The
  estimators' fits and the ``pymc-bnn`` command run inside it.
* :func:`blas_limits`: the BLAS libraries limited to a number of threads for a
  block; the matrix products of these models are thin, and a multi-threaded
  OpenBLAS spends more time waking threads than multiplying.
* :func:`keep_jax_compilations`: JAX's persistent compilation cache pointed at
  a folder, so a later process loads what an earlier one compiled (the
  ``pymc-bnn`` command's prediction and ADVI steps) instead of compiling again.

Only the standard library is imported here (threadpoolctl when a limit is set),
so the command line can use it before anything heavy is loaded.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

__all__ = ["Terminated", "blas_limits", "interruptible", "keep_jax_compilations"]


def blas_limits(threads: int | None) -> AbstractContextManager:
    """Context limiting the BLAS libraries to ``threads`` threads (``None``: no change).

    Examples
    --------
    >>> import numpy as np
    >>> with blas_limits(1):
    ...     _ = np.ones((3, 3)) @ np.ones((3, 3))
    """
    if threads is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


JAX_CACHE_MAX_BYTES = 256 * 1024**2
"""Size at which :func:`keep_jax_compilations`' folder drops its least recently used
entries (a prediction function of a saved model takes tens of kB)."""


def keep_jax_compilations(folder: str | os.PathLike | None = None) -> str | None:
    """Point JAX's persistent compilation cache at ``folder`` unless the user chose one.

    JAX keeps the programs it compiles in memory only, so each new process
    compiles them again; with a cache folder it reads them back.  This sets
    environment defaults, which JAX reads when it is imported: call it before
    anything imports JAX.  A ``JAX_COMPILATION_CACHE_DIR`` already set is kept,
    and so is any other ``JAX_PERSISTENT_CACHE_*`` setting.  Every compilation is
    kept (JAX's default keeps only those that took over a second), the folder
    bounded to :data:`JAX_CACHE_MAX_BYTES`.

    Parameters
    ----------
    folder : str or path-like, optional
        Default: ``pymc_bnn/jax`` in ``$XDG_CACHE_HOME`` (``~/.cache``).

    Returns
    -------
    str or None
        The cache folder in effect; None when JAX was imported before (its
        settings are left as they are) or the folder cannot be written (no cache).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"XDG_CACHE_HOME": "/tmp/cache"}):
    ...     folder = keep_jax_compilations()
    >>> folder in (None, "/tmp/cache/pymc_bnn/jax")  # None if JAX was imported before
    True
    """
    if "jax" in sys.modules:
        return None
    if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
        if folder is None:
            home = os.path.join(os.path.expanduser("~"), ".cache")
            folder = os.path.join(os.environ.get("XDG_CACHE_HOME") or home, "pymc_bnn", "jax")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            return None  # no cache rather than a warning on every compilation
        if not os.access(folder, os.W_OK):
            return None
        os.environ["JAX_COMPILATION_CACHE_DIR"] = os.fspath(folder)
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(JAX_CACHE_MAX_BYTES))
    return os.environ["JAX_COMPILATION_CACHE_DIR"]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a job scheduler's stop) received inside :func:`interruptible`.

    A ``KeyboardInterrupt``, so whatever cleans up after Ctrl-C (partial files
    removed, an estimator left as it was) cleans up after it too; the
    ``pymc-bnn`` command exits 143 on it, as a shell reports a process ended by
    SIGTERM, and 130 on Ctrl-C.
    """


_RAISED = {signal.SIGINT: KeyboardInterrupt, signal.SIGTERM: Terminated}
"""The signals :func:`interruptible` handles, and what each raises."""


@contextmanager
def interruptible() -> Iterator[None]:
    """Context in which Ctrl-C (SIGINT) or SIGTERM always ends the block.

    Inside it, SIGINT raises ``KeyboardInterrupt`` and SIGTERM
    :class:`Terminated` (Python's default for SIGTERM is to end the process at
    once, leaving partial files behind).  ``pm.fit`` and ``pm.sample`` catch
    ``KeyboardInterrupt`` and return what they have so far, and an interrupt
    that lands inside compiled (Numba) code can surface as another exception
    (``SystemError``): a signal is recorded, and the block ends by raising it
    again whatever happened to the first one (:class:`Terminated` when SIGTERM
    was among them).  An interrupt raised where Python can only print it (a
    garbage-collector callback such as JAX's, a ``__del__``: "Exception ignored
    in ...") is delivered again about 10 ms later, so a long call in the block
    does not run to its end first.  Outside the main thread (where Python
    delivers no signals) it changes nothing.

    Examples
    --------
    >>> import os, signal
    >>> try:
    ...     with interruptible():
    ...         try:
    ...             os.kill(os.getpid(), signal.SIGINT)
    ...         except KeyboardInterrupt:
    ...             pass  # swallowed, as pm.fit does
    ... except KeyboardInterrupt:
    ...     print("interrupted")
    interrupted
    >>> try:
    ...     with interruptible():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ... except Terminated:
    ...     print("terminated")
    terminated
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in _RAISED}
    previous_hook = sys.unraisablehook
    active = [True]

    def handler(signum, frame):
        received.append(signum)
        raise _RAISED[signum]

    def deliver_again(signum):
        if active:  # not after the block: it has raised by then
            _thread.interrupt_main(signum)

    def unraisable(info):
        if isinstance(info.exc_value, KeyboardInterrupt):
            # It landed where it is ignored: deliver it again from another thread, once
            # the callback has returned (delivered now, it would land in this hook).
            signum = signal.SIGTERM if isinstance(info.exc_value, Terminated) else signal.SIGINT
            threading.Timer(0.01, deliver_again, args=(signum,)).start()
            return
        previous_hook(info)

    for signum in _RAISED:
        signal.signal(signum, handler)
    sys.unraisablehook = unraisable
    try:
        yield
    except BaseException:
        if received:
            raise _interrupt(received) from None
        raise
    finally:
        active.clear()
        sys.unraisablehook = previous_hook
        for signum, before in previous.items():
            if before is not None:  # None: installed outside Python, cannot be restored
                signal.signal(signum, before)
    if received:
        raise _interrupt(received)


def _interrupt(received: list[int]) -> KeyboardInterrupt:
    return Terminated() if signal.SIGTERM in received else KeyboardInterrupt()
