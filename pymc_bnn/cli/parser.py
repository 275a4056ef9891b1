"""The argument parser of ``pymc-bnn``: one subparser per command.

Parsing imports neither NumPy, pandas nor PyMC: a bad option is refused in a
fraction of a second, and each command's module is imported when it runs.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from pymc_bnn.cli.estimators import BACKENDS, MODEL_ALIASES, MODELS

__all__ = ["CHECK_UPSTREAM", "SCALE_MODES", "build_parser"]

CHECK_UPSTREAM = "check-upstream"
"""The command whose options import PyMC and hypothesis (:func:`build_parser`)."""

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


def _fitting_command(parser: argparse.ArgumentParser, module: str, name: str) -> None:
    """The options of a command that fits models, after its own; it runs ``module.name``."""
    _backend(parser)
    parser.add_argument("--seed", type=_seed, default=0, help="random seed")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--force", action="store_true", help="overwrite existing output")
    parser.set_defaults(func=_command(module, name))


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default once, after its help.

    None for a required option, a flag, or an option whose help says what leaving
    it out means.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def build_parser(*, check_upstream_options: bool = True) -> argparse.ArgumentParser:
    """The argument parser of ``pymc-bnn``: one subparser per command.

    Parameters
    ----------
    check_upstream_options : bool, default True
        Give ``check-upstream`` its options, which imports
        :mod:`pymc_bnn.testing` (PyMC and hypothesis).  :func:`pymc_bnn.cli.main`
        leaves them out unless that command is asked for, so the others start fast.

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
        "interrupted (Ctrl-C) and 143 when terminated (SIGTERM), nothing saved, 1 for "
        "anything unexpected.",
        formatter_class=_Help,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_demo(sub)
    _add_fit(sub)
    _add_predict(sub)
    _add_check_upstream(sub, check_upstream_options)
    return parser


def _add_demo(sub) -> None:
    demo = sub.add_parser(
        "demo",
        help="offline demo: which model flags digits it never saw (softmax, BNN, ensemble)",
        description="Fit a Bayesian softmax regression, a Bayesian neural network and a deep "
        "ensemble of scikit-learn MLPs on scikit-learn's digits 0-6 (offline), score them on "
        "held-out digits 0-6 and on the unseen 7, 8 and 9, print them side by side and write "
        "the uncertainty plots and a summary to a folder.",
        formatter_class=_Help,
    )
    demo.add_argument("--out", default="pymc-bnn-demo", help="output folder")
    demo.add_argument("--iterations", type=_positive_int, default=10_000, help="ADVI iterations")
    demo.add_argument("--hidden", type=_parse_hidden, default="20,20", help="BNN layer widths")
    demo.add_argument("--batch-size", type=_positive_int, default=256, help="ADVI minibatch rows")
    _fitting_command(demo, "demo", "demo")


def _add_fit(sub) -> None:
    fit = sub.add_parser(
        "fit",
        help="fit a model to a CSV or Parquet table, report on a held-out split and save it",
        description="Fit a Bayesian classifier to the numeric columns of a CSV or Parquet "
        "table, print its report on a stratified held-out split and save the model to one "
        "file (netCDF-4, "
        "which xarray and ArviZ open). The file is checked before the fit, and written beside "
        "its destination and renamed into place when complete (with --force the old model "
        "survives until then); an interrupted fit saves nothing and exits 130.",
        formatter_class=_Help,
    )
    fit.add_argument("data", help="CSV file with a header row, or Parquet file")
    fit.add_argument("--target", required=True, help="name of the class-label column")
    fit.add_argument(
        "--drop",
        action="append",
        metavar="COLUMN",
        help="leave this column (e.g. an id) out of the features; predict accepts it, and "
        "copies it to its output with --keep; repeat for more",
    )
    fit.add_argument(
        "--model",
        choices=[*MODELS, *MODEL_ALIASES],
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
        help="softmax: exactly collinear columns (one-hot groups, constants, copies); "
        "drop fixes the redundant coefficients at zero",
    )
    fit.add_argument("--iterations", type=_positive_int, default=10_000, help="ADVI iterations")
    fit.add_argument(
        "--batch-size", type=_positive_int, help="ADVI minibatch rows (default: all rows)"
    )
    fit.add_argument(
        "--draws",
        type=_positive_int,
        default=1000,
        help="posterior draws, per chain (NUTS) or per ADVI member (the BNN fits several)",
    )
    fit.add_argument("--test-size", type=_fraction, default=0.2, help="held-out fraction")
    fit.add_argument(
        "--scale",
        choices=SCALE_MODES,
        default="auto",
        help="which feature columns to standardize: auto = all but 0/1 indicator columns, "
        "all, or none",
    )
    fit.add_argument("--out", default="pymc-bnn-model.nc", help="model file")
    _fitting_command(fit, "commands", "fit")


def _add_predict(sub) -> None:
    predict = sub.add_parser(
        "predict",
        help="class probabilities and uncertainty of new rows",
        description="Write, for every row, the class probabilities (p_<class>), the "
        "predicted label, the uncertainty measures (total, aleatoric and epistemic entropy, "
        "in nats), max_probability (the probability of the predicted class) and "
        "out_of_range (True when a feature lies more than 10 training standard deviations "
        "outside the training range; such rows are also named in a warning). The input, CSV "
        "or Parquet, is read in chunks (bounded memory); the output is written beside --out "
        "and renamed into place when complete. The model file is checked (format, checksum, every "
        "entry) before anything is predicted.",
        formatter_class=_Help,
    )
    predict.add_argument("model_file", metavar="MODEL", help="model file written by pymc-bnn fit")
    predict.add_argument(
        "data",
        help="CSV or Parquet file with the model's feature columns (and the target, ignored)",
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


def _add_check_upstream(sub, with_options: bool) -> None:
    check = sub.add_parser(
        CHECK_UPSTREAM,
        help="run the likelihood properties against PyMC and report failures",
        description="Run this package's property tests of PyMC's Categorical, Multinomial "
        "and DirichletMultinomial likelihoods (support, normalization, agreement with "
        "scipy) against the installed PyMC, and report the properties that fail with a "
        "minimal failing example. Imports PyMC and hypothesis.",
        formatter_class=_Help,
    )
    if with_options:
        from pymc_bnn.testing import conformance

        conformance.add_arguments(check).set_defaults(func=conformance.run)
