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
saved and overwritten nothing; 1 for anything unexpected.  Options and output
locations are checked before PyMC is imported and before any fit.  Nothing that
exists is overwritten without ``--force``, and with it the old model or output
file stays whole until the new one is complete: both are written beside their
destination and renamed into place.  A saved model is the netCDF-4 file written
by the estimator's :meth:`~pymc_bnn.BayesianSoftmaxClassifier.save`
(:mod:`pymc_bnn.estimators.saving`): the posterior and, as attributes, the
estimator's options, classes and features, and from ``fit`` (its ``metadata``)
the target column, the feature scaling, the training limits and the held-out
report; a checksum of the whole file ends it.

The modules: ``tables`` (reading and checking CSV input), ``scaling`` (the
feature scaler), ``estimators``, ``report`` (held-out metrics), ``commands``
(``fit`` and ``predict``), ``demo`` and ``outputs`` (output folders).  Only the
command that runs imports what it needs, so ``pymc-bnn --help`` loads neither
PyMC nor matplotlib.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from pymc_bnn.cli.errors import CLIError, one_line
from pymc_bnn.cli.estimators import BACKENDS, MODEL_ALIASES, MODEL_KINDS
from pymc_bnn.cli.outputs import DEMO_MARKER, prepare_dir
from pymc_bnn.runtime import interruptible

__all__ = ["DEMO_MARKER", "CLIError", "build_parser", "main", "prepare_dir"]

_CHECK_UPSTREAM = "check-upstream"

SCALE_MODES = ("auto", "all", "none")
"""The values of ``fit --scale`` (:data:`pymc_bnn.cli.scaling.SCALE_MODES`; repeated here
so that parsing the options imports neither NumPy nor pandas)."""


def _parse_hidden(text: str) -> tuple[int, ...]:
    try:
        hidden = tuple(int(h) for h in text.split(","))
    except ValueError:
        hidden = ()
    if not hidden or min(hidden) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 20,20; got {text!r}"
        )
    return hidden


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**32 - 1; got {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1; got {text!r}")
    return value


def _command(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The function ``name`` of ``pymc_bnn.cli.<module>``, imported when the command runs."""

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"pymc_bnn.cli.{module}"), name)(args)

    return run


def _backend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=["auto", *BACKENDS],
        default="auto",
        help="what compiles the ADVI steps: jax (seconds, on every run) or numba (PyTensor's "
        "default: about a minute on a first run, cached for later runs, faster minibatch "
        "steps); auto: jax when installed",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=_seed, default=0, help="random seed")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--force", action="store_true", help="overwrite existing output")


_HELP = argparse.ArgumentDefaultsHelpFormatter


def build_parser(*, check_upstream_options: bool = True) -> argparse.ArgumentParser:
    """The argument parser of ``pymc-bnn``: one subparser per command.

    Parameters
    ----------
    check_upstream_options : bool, default True
        Give ``check-upstream`` its options, which imports
        :mod:`pymc_bnn.testing` (PyMC and hypothesis).  :func:`main` leaves them
        out unless that command is asked for, so the others start fast.

    Examples
    --------
    >>> parser = build_parser(check_upstream_options=False)
    >>> args = parser.parse_args(["fit", "data.csv", "--target", "y", "--hidden", "8,4"])
    >>> args.model, args.hidden, args.test_size, args.scale
    ('softmax', (8, 4), 0.2, 'auto')
    """
    parser = argparse.ArgumentParser(
        prog="pymc-bnn",
        description="Bayesian multiclass classifiers with PyMC: fit, report, predict. "
        "Exit status 0 on success, 2 for bad input (one line on stderr), 130 when "
        "interrupted (nothing saved), 1 for anything unexpected.",
        formatter_class=_HELP,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="offline demo: softmax regression vs BNN on scikit-learn's digits",
        description="Fit a Bayesian softmax regression and a Bayesian neural network on "
        "scikit-learn's digits data (offline), print them side by side and write the "
        "uncertainty plots and a summary to a folder.",
        formatter_class=_HELP,
    )
    demo.add_argument("--out", default="pymc-bnn-demo", help="output folder")
    demo.add_argument("--iterations", type=_positive_int, default=10_000, help="ADVI iterations")
    demo.add_argument("--hidden", type=_parse_hidden, default="20,20", help="BNN layer widths")
    demo.add_argument("--batch-size", type=_positive_int, default=256, help="ADVI minibatch rows")
    _backend(demo)
    _common(demo)
    demo.set_defaults(func=_command("demo", "demo"))

    fit = sub.add_parser(
        "fit",
        help="fit a model to a CSV table, report on a held-out split and save it",
        description="Fit a Bayesian classifier to the numeric columns of a CSV table, print "
        "its report on a stratified held-out split and save the model to one file (netCDF-4, "
        "which xarray and ArviZ open). The file is checked before the fit, and written beside "
        "its destination and renamed into place when complete (with --force the old model "
        "survives until then); an interrupted fit saves nothing and exits 130.",
        formatter_class=_HELP,
    )
    fit.add_argument("data", help="CSV file with a header row")
    fit.add_argument("--target", required=True, help="name of the class-label column")
    fit.add_argument(
        "--model",
        choices=[*MODEL_KINDS, *MODEL_ALIASES],
        default="softmax",
        help="softmax: Bayesian softmax regression (glm is its old name); bnn: Bayesian neural "
        "network",
    )
    fit.add_argument("--hidden", type=_parse_hidden, default="20,20", help="BNN layer widths")
    fit.add_argument("--method", choices=["advi", "nuts"], default="advi", help="inference")
    fit.add_argument(
        "--nuts-sampler",
        choices=["auto", "nutpie", "numpyro", "blackjax", "pymc"],
        default="auto",
        help="NUTS implementation for --method nuts (auto: the fastest installed)",
    )
    fit.add_argument(
        "--collinearity",
        choices=["drop", "warn", "error", "ignore"],
        default="drop",
        help="glm: exactly collinear columns (one-hot groups, constants, copies); "
        "drop fixes the redundant coefficients at zero (default)",
    )
    fit.add_argument("--iterations", type=_positive_int, default=10_000, help="ADVI iterations")
    fit.add_argument(
        "--batch-size", type=_positive_int, help="ADVI minibatch rows (default: all rows)"
    )
    fit.add_argument("--draws", type=_positive_int, default=1000, help="posterior draws")
    fit.add_argument("--test-size", type=_fraction, default=0.2, help="held-out fraction")
    fit.add_argument(
        "--scale",
        choices=SCALE_MODES,
        default="auto",
        help="which feature columns to standardize: auto = all but 0/1 indicator columns, "
        "all, or none",
    )
    fit.add_argument("--out", default="pymc-bnn-model.nc", help="model file")
    _backend(fit)
    _common(fit)
    fit.set_defaults(func=_command("commands", "fit"))

    predict = sub.add_parser(
        "predict",
        help="class probabilities and uncertainty of new rows",
        description="Write, for every row, the class probabilities (p_<class>), the "
        "predicted label, the uncertainty measures (total, aleatoric and epistemic entropy, "
        "in nats), max_probability (the probability of the predicted class) and "
        "out_of_range (True when a feature lies more than 10 training standard deviations "
        "outside the training range; such rows are also named in a warning). The input is "
        "read in chunks (bounded memory); the output is written beside --out and renamed "
        "into place when complete. The model file is checked (format, checksum, every "
        "entry) before anything is predicted.",
        formatter_class=_HELP,
    )
    predict.add_argument("model_file", metavar="MODEL", help="model file written by pymc-bnn fit")
    predict.add_argument(
        "data", help="CSV file with the model's feature columns (and the target, ignored)"
    )
    predict.add_argument("--out", default="predictions.csv", help="output CSV file")
    predict.add_argument(
        "--keep",
        action="append",
        metavar="COLUMN",
        help="copy this input column (e.g. an id) to the output, as its first columns; "
        "repeat for more",
    )
    predict.add_argument(
        "--chunk-size", type=_positive_int, default=10_000, help="rows read at a time"
    )
    predict.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    predict.add_argument("--force", action="store_true", help="overwrite an existing --out")
    predict.set_defaults(func=_command("commands", "predict"))

    check = sub.add_parser(
        _CHECK_UPSTREAM,
        help="run the likelihood properties against PyMC and report failures",
        description="Run this package's property tests of PyMC's Categorical, Multinomial "
        "and DirichletMultinomial likelihoods (support, normalization, agreement with "
        "scipy) against the installed PyMC, and report the properties that fail with a "
        "minimal failing example. Imports PyMC and hypothesis.",
        formatter_class=_HELP,
    )
    if check_upstream_options:
        from pymc_bnn.testing import conformance

        conformance.add_arguments(check).set_defaults(func=conformance.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pymc-bnn`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status.

    Examples
    --------
    >>> main(["predict", "no-such-model", "new.csv"])
    2
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(check_upstream_options=_CHECK_UPSTREAM in argv)
    args = parser.parse_args(argv)
    if getattr(args, "model", None) in MODEL_ALIASES:
        args.model = MODEL_ALIASES[args.model]
    try:
        # An interrupt recorded here ends in KeyboardInterrupt, whatever error it caused.
        with interruptible(), _one_line_warnings():
            return args.func(args)
    except KeyboardInterrupt:
        return _interrupted()
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


def _interrupted() -> int:
    print("pymc-bnn: interrupted; nothing was saved or overwritten", file=sys.stderr)
    return 130
