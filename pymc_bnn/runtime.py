"""How long computations run in this process: interrupts end them cleanly, BLAS on set threads.

* :func:`interruptible`: a block in which Ctrl-C (SIGINT) always ends in
  ``KeyboardInterrupt``, whatever the code inside does with the first one
  (``pm.fit`` and ``pm.sample`` catch it and return what they have).  The
  estimators' fits and the ``pymc-bnn`` command run inside it.
* :func:`blas_limits`: the BLAS libraries limited to a number of threads for a
  block; the matrix products of these models are thin, and a multi-threaded
  OpenBLAS spends more time waking threads than multiplying.

Only the standard library is imported here (threadpoolctl when a limit is set),
so the command line can use it before anything heavy is loaded.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

__all__ = ["blas_limits", "interruptible"]


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


@contextmanager
def interruptible() -> Iterator[None]:
    """Context in which Ctrl-C (SIGINT) always ends in ``KeyboardInterrupt``.

    ``pm.fit`` and ``pm.sample`` catch ``KeyboardInterrupt`` and return what they
    have so far, and an interrupt that lands inside compiled (Numba) code can
    surface as another exception (``SystemError``).  Inside this context a
    SIGINT is recorded, and the block ends by raising ``KeyboardInterrupt``
    whatever happened to the first one.  An interrupt raised where Python can
    only print it (a garbage-collector callback such as JAX's, a ``__del__``:
    "Exception ignored in ...") is delivered again about 10 ms later, so a long
    call in the block does not run to its end first.  Outside the main thread (where
    Python delivers no signals) it changes nothing.

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
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupted = []
    previous = signal.getsignal(signal.SIGINT)
    previous_hook = sys.unraisablehook

    def handler(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    active = [True]

    def deliver_again():
        if active:  # not after the block: it has raised KeyboardInterrupt by then
            _thread.interrupt_main()

    def unraisable(info):
        if isinstance(info.exc_value, KeyboardInterrupt):
            # It landed where it is ignored: deliver it again from another thread, once
            # the callback has returned (delivered now, it would land in this hook).
            threading.Timer(0.01, deliver_again).start()
            return
        previous_hook(info)

    signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = unraisable
    try:
        yield
    except BaseException:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        active.clear()
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt
