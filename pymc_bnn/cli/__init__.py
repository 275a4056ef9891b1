"""The ``pymc-bnn`` command line: fit Bayesian classifiers and predict with uncertainty.

* ``pymc-bnn demo``: offline, on scikit-learn's digits data, fits a Bayesian
  softmax regression and a Bayesian neural network, prints them side by side and
  writes the uncertainty plots and a summary to a folder.
* ``pymc-bnn fit DATA.csv --target COLUMN --model softmax|bnn``: fits on a
  training split, prints the held-out report and saves the model to one file
  (``--model glm`` is the old name of ``softmax``).
* ``pymc-bnn predict MODEL NEW.csv``: writes class probabilities, the
  predicted label, the uncertainty measures, the probability of the predicted
  class and an out-of-range flag of every row, reading the input in chunks.
* ``pymc-bnn check-upstream``: runs the likelihood properties against PyMC
  (:mod:`pymc_bnn.testing.conformance`).

Exit status: 0 on success; 2 with one line on stderr for bad input (a missing
file or column, non-numeric or missing values, a target with one class, new
data whose columns differ from the model's, bad options, an output that cannot
be written, a damaged model file); 130 when interrupted (Ctrl-C), having
saved and overwritten nothing, and 143 when terminated (SIGTERM), the same; 1
for anything unexpected.  Options and output
locations are checked before PyMC is imported and before any fit.  Nothing that
exists is overwritten without ``--force``, and with it the old model or output
file stays whole until the new one is complete: both are written beside their
destination and renamed into place.  A saved model is the netCDF-4 file written
by the estimator's :meth:`~pymc_bnn.BayesianSoftmaxClassifier.save`
(:mod:`pymc_bnn.estimators.saving`): the posterior and, as attributes, the
estimator's options, classes and features, and from ``fit`` (its ``metadata``)
the target column, the feature scaling, the training limits and the held-out
report; a checksum of the whole file ends it.

The modules: ``parser`` (the options), ``tables`` (reading and checking CSV
input), ``scaling`` (the feature scaler), ``estimators``, ``report`` (held-out
metrics), ``commands`` (``fit`` and ``predict``), ``demo`` and ``outputs``
(output files and folders).  Only the command that runs imports what it needs,
so ``pymc-bnn --help`` loads neither PyMC nor matplotlib; and :func:`main`
handles Ctrl-C and SIGTERM before it imports anything else.  The executable
(:func:`console`) keeps what JAX compiles (prediction, the ADVI steps) in
``~/.cache/pymc_bnn/jax`` (:func:`pymc_bnn.runtime.keep_jax_compilations`;
``JAX_COMPILATION_CACHE_DIR`` chooses another folder), so the next run of a
command loads it.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import lazy_loader

from pymc_bnn.runtime import Terminated, interruptible, keep_jax_compilations

__all__ = ["DEMO_MARKER", "CLIError", "build_parser", "console", "main", "prepare_dir"]

__getattr__, __dir__, _ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "errors": ["CLIError"],
        "outputs": ["DEMO_MARKER", "prepare_dir"],
        "parser": ["build_parser"],
    },
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pymc-bnn`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status.

    Ctrl-C and SIGTERM are handled from the first moment, before the options are
    parsed or anything heavy is imported: 130 and 143, one line, nothing saved.

    Examples
    --------
    >>> main(["predict", "no-such-model.nc", "new.csv"])
    2
    """
    try:
        # A signal received in here ends in KeyboardInterrupt (SIGTERM: Terminated),
        # whatever error it caused.
        with interruptible():
            return _run(sys.argv[1:] if argv is None else list(argv))
    except Terminated:
        print("pymc-bnn: terminated; nothing was saved or overwritten", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("pymc-bnn: interrupted; nothing was saved or overwritten", file=sys.stderr)
        return 130


def console() -> int:
    """The ``pymc-bnn`` executable: :func:`main` in a process of its own.

    Two settings that only suit a process that ends with the command: what JAX
    compiles is kept on disk for the next run
    (:func:`pymc_bnn.runtime.keep_jax_compilations`), and the objects the
    command built are left out of the garbage collections of the interpreter's
    exit (``gc.freeze``), which would otherwise walk everything PyMC, JAX and
    the compiled model left behind.  A process that goes on calls :func:`main`.
    """
    keep_jax_compilations()
    status = main()
    gc.freeze()
    return status


def _run(argv: list[str]) -> int:
    from pymc_bnn.cli.errors import CLIError, one_line
    from pymc_bnn.cli.estimators import MODEL_ALIASES
    from pymc_bnn.cli.parser import CHECK_UPSTREAM, build_parser

    args = build_parser(check_upstream_options=CHECK_UPSTREAM in argv).parse_args(argv)
    if getattr(args, "model", None) in MODEL_ALIASES:
        args.model = MODEL_ALIASES[args.model]
    try:
        with _one_line_warnings():
            return args.func(args)
    except CLIError as err:
        print(f"pymc-bnn: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        if os.environ.get("PYMC_BNN_DEBUG"):
            raise
        print(
            f"pymc-bnn: unexpected error: {type(err).__name__}: {one_line(err)} "
            "(set PYMC_BNN_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Show pymc_bnn's own warnings as the command's other messages: one line, no source."""
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__module__.startswith("pymc_bnn"):
            print(f"pymc-bnn: warning: {message}", file=sys.stderr)
        else:
            original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = original
