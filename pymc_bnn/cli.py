"""The ``pymc-bnn`` command line.

``pymc-bnn demo`` fits a Bayesian softmax regression on the wine data set that
ships with scikit-learn (offline), with :class:`pymc_bnn.Categorical` on the
logits, and prints held-out accuracy and log predictive density.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    import pymc as pm
    from scipy import special
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    import pymc_bnn as pb

    start = time.perf_counter()
    data = load_wine()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, stratify=data.target, random_state=args.seed
    )
    mean, sd = X_train.mean(0), X_train.std(0)
    X_train, X_test = (X_train - mean) / sd, (X_test - mean) / sd
    n_features, n_classes = X_train.shape[1], len(data.target_names)

    with pm.Model() as model:
        X = pm.Data("X", X_train)
        coef = pm.Normal("coef", 0.0, 1.0, shape=(n_features, n_classes))
        intercept = pm.Normal("intercept", 0.0, 2.0, shape=n_classes)
        pb.Categorical("y", logit_p=X @ coef + intercept, observed=y_train, shape=X.shape[0])
        approx = pm.fit(args.iterations, random_seed=args.seed, progressbar=not args.no_progress)
    draws = approx.sample(500, random_seed=args.seed).posterior
    coef_draws = draws["coef"].values.reshape(-1, n_features, n_classes)
    intercept_draws = draws["intercept"].values.reshape(-1, n_classes)
    logits = np.einsum("nf,sfk->snk", X_test, coef_draws) + intercept_draws[:, None, :]
    probs = special.softmax(logits, axis=-1).mean(0)
    accuracy = float(np.mean(probs.argmax(-1) == y_test))
    lpd = float(np.mean(np.log(probs[np.arange(len(y_test)), y_test])))
    print(
        f"Wine data (scikit-learn, offline): {len(data.target)} rows, {n_features} features, "
        f"{n_classes} classes; 70/30 stratified split, seed {args.seed}"
    )
    print(
        "Bayesian softmax regression, pymc_bnn.Categorical(logit_p=...), "
        f"ADVI {args.iterations} iterations"
    )
    print(f"  held-out accuracy                {accuracy:.3f}")
    print(f"  mean log predictive density      {lpd:.3f}")
    print(f"  model variables                  {[v.name for v in model.free_RVs]}")
    print(f"  wall time                        {time.perf_counter() - start:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pymc-bnn``."""
    parser = argparse.ArgumentParser(prog="pymc-bnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit a Bayesian softmax regression on offline data")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--iterations", type=int, default=20_000, help="ADVI iterations")
    demo.add_argument("--no-progress", action="store_true", help="hide progress bars")
    demo.set_defaults(func=_demo)
    from pymc_bnn import conformance

    check = sub.add_parser(
        "check-upstream", help="run the likelihood properties against PyMC and report failures"
    )
    conformance.add_arguments(check).set_defaults(func=conformance.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``pymc-bnn`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
