"""The ``pymc-bnn`` command line: fit Bayesian classifiers and predict with uncertainty.

* ``pymc-bnn demo``: offline, on scikit-learn's digits data, fits a Bayesian
  softmax regression and a Bayesian neural network, prints them side by side and
  writes the uncertainty plots and a summary to a folder.
* ``pymc-bnn fit DATA.csv --target COLUMN --model glm|bnn``: fits on a training
  split, prints the held-out report and saves the model to a folder.
* ``pymc-bnn predict MODEL_DIR NEW.csv``: writes class probabilities, the
  predicted label and the uncertainty measures of every row.
* ``pymc-bnn check-upstream``: runs the likelihood properties against PyMC
  (:mod:`pymc_bnn.testing.conformance`).

Bad input (a missing file or column, non-numeric or missing values, a target
with one class, new data whose features differ from the model's) ends with one
line on stderr and exit status 2; nothing that exists is overwritten without
``--force``.  A saved model is the folder written by the estimator's
:meth:`~pymc_bnn.BayesianSoftmaxClassifier.save`: ``metadata.json`` (features,
classes, model kind and options, package version, and from ``fit`` the target
column, the feature scaling and the held-out report) and ``posterior.npz`` (the
posterior draws).

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
from collections.abc import Callable, Sequence

from pymc_bnn.cli.errors import CLIError, one_line
from pymc_bnn.cli.estimators import MODEL_KINDS
from pymc_bnn.cli.outputs import DEMO_MARKER, prepare_dir

__all__ = ["DEMO_MARKER", "CLIError", "build_parser", "main", "prepare_dir"]

_CHECK_UPSTREAM = "check-upstream"


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


def _command(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The function ``name`` of ``pymc_bnn.cli.<module>``, imported when the command runs."""

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"pymc_bnn.cli.{module}"), name)(args)

    return run


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--force", action="store_true", help="overwrite existing output")


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
    >>> args.model, args.hidden, args.test_size
    ('glm', (8, 4), 0.2)
    """
    parser = argparse.ArgumentParser(
        prog="pymc-bnn",
        description="Bayesian multiclass classifiers with PyMC: fit, report, predict.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="offline demo: softmax regression vs BNN on scikit-learn's digits",
        description="Fit a Bayesian softmax regression and a Bayesian neural network on "
        "scikit-learn's digits data (offline), print them side by side and write the "
        "uncertainty plots and a summary to a folder.",
    )
    demo.add_argument("--out", default="pymc-bnn-demo", help="output folder (pymc-bnn-demo)")
    demo.add_argument("--iterations", type=int, default=10_000, help="ADVI iterations")
    demo.add_argument("--hidden", type=_parse_hidden, default=(20, 20), help="BNN layers")
    demo.add_argument("--batch-size", type=int, default=256, help="ADVI minibatch rows")
    _common(demo)
    demo.set_defaults(func=_command("demo", "demo"))

    fit = sub.add_parser(
        "fit",
        help="fit a model to a CSV table, report on a held-out split and save it",
        description="Fit a Bayesian classifier to the numeric columns of a CSV table, print "
        "its report on a stratified held-out split and save the model to a folder.",
    )
    fit.add_argument("data", help="CSV file with a header row")
    fit.add_argument("--target", required=True, help="name of the class-label column")
    fit.add_argument("--model", choices=sorted(MODEL_KINDS), default="glm", help="model kind")
    fit.add_argument("--hidden", type=_parse_hidden, default=(20, 20), help="BNN layers, 20,20")
    fit.add_argument("--method", choices=["advi", "nuts"], default="advi", help="inference")
    fit.add_argument("--iterations", type=int, default=10_000, help="ADVI iterations")
    fit.add_argument("--batch-size", type=int, help="ADVI minibatch rows (default: all)")
    fit.add_argument("--draws", type=int, default=1000, help="posterior draws")
    fit.add_argument("--test-size", type=float, default=0.2, help="held-out fraction (0.2)")
    fit.add_argument("--out", default="pymc-bnn-model", help="model folder (pymc-bnn-model)")
    _common(fit)
    fit.set_defaults(func=_command("commands", "fit"))

    predict = sub.add_parser(
        "predict",
        help="class probabilities and uncertainty of new rows",
        description="Write the class probabilities, the predicted label and the uncertainty "
        "measures (total, aleatoric, epistemic entropy; 1 - confidence) of every row.",
    )
    predict.add_argument("model_dir", help="folder written by pymc-bnn fit")
    predict.add_argument("data", help="CSV file with the model's feature columns")
    predict.add_argument("--out", default="predictions.csv", help="output CSV file")
    predict.add_argument("--force", action="store_true", help="overwrite an existing --out")
    predict.set_defaults(func=_command("commands", "predict"))

    check = sub.add_parser(
        _CHECK_UPSTREAM, help="run the likelihood properties against PyMC and report failures"
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
    try:
        return args.func(args)
    except CLIError as err:
        print(f"pymc-bnn: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pymc-bnn: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("PYMC_BNN_DEBUG"):
            raise
        print(
            f"pymc-bnn: unexpected error: {type(err).__name__}: {one_line(err)} "
            "(set PYMC_BNN_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1
