"""Exact collinearity in the design: detection (pymc_bnn.models.collinearity) and the remedy.

Oracles: designs built with known dependencies (constant columns, copies, one-hot
groups that sum to one, before and after standardization) and known independent
designs; for the remedy, the reparametrization that maps any parameter of the
full model to one of the reduced model with the same logits (reference coding
of an indicator group: subtract the dropped level's coefficient from the
group's others and add it to the intercept), so both likelihoods must agree to
rounding (1e-9 relative).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytest

from pymc_bnn.models.collinearity import (
    CollinearityWarning,
    check_collinearity,
    find_collinearity,
)
from pymc_bnn.models.glm import multinomial_glm

SEED = 20261129


def design(n=300, seed=SEED, standardize=False):
    """Two Normal columns, a 3-level and a 4-level one-hot group, a copy and a constant."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    g3 = np.eye(3)[rng.integers(0, 3, n)]
    g4 = np.eye(4)[rng.integers(0, 4, n)]
    X = np.column_stack([z, g3, g4, z[:, 0], np.full(n, 1.5)])
    names = ["z0", "z1", "a1", "a2", "a3", "b1", "b2", "b3", "b4", "z0_copy", "const"]
    if standardize:
        sd = X.std(0)
        X = (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)
    return X, names


@pytest.mark.parametrize("standardize", [False, True])
def test_finds_every_dependency_and_names_it(standardize):
    X, names = design(standardize=standardize)
    found = find_collinearity(X, names)
    # Standardized, the constant column is centred to zero: it is left alone.
    assert found.constant == ([] if standardize else ["const"])
    assert found.zero == (["const"] if standardize else [])
    assert found.duplicated == [("z0", "z0_copy")]
    assert found.groups == [("a1", "a2", "a3"), ("b1", "b2", "b3", "b4")]
    dropped = ["a3", "b4", "z0_copy"] + ([] if standardize else ["const"])
    assert [names[j] for j in found.dropped] == dropped
    kept = ["z0", "z1", "a1", "a2", "b1", "b2", "b3"] + (["const"] if standardize else [])
    assert [names[j] for j in found.kept] == kept
    # The kept columns with the intercept have full rank, zero ones aside; adding any
    # dropped one does not raise it.
    ones = np.ones((len(X), 1))
    nonzero = [j for j in found.kept if X[:, j].any()]
    kept = np.column_stack([ones, X[:, nonzero]])
    assert np.linalg.matrix_rank(kept) == kept.shape[1]
    for j in found.dropped:
        assert np.linalg.matrix_rank(np.column_stack([kept, X[:, j]])) == kept.shape[1]


def test_a_column_of_zeros_keeps_its_prior():
    """Fixing the coefficients of a column that is zero in training (an indicator of a
    level absent from it) at zero made the softmax regression certain about rows where
    that level is present: on cover type trained on two wilderness areas, scored on the
    other two, its uncertainty could not tell those rows from familiar ones.  Such a
    column is outside the likelihood, so its coefficients keep the prior, independent of
    the rest (no ridge): "drop" leaves it, and no option warns about it."""
    rng = np.random.default_rng(SEED)
    X = np.column_stack([rng.normal(size=200), np.zeros(200)])
    found = find_collinearity(X, ["z", "absent"])
    assert found.zero == ["absent"] and found.dropped == [] and not found
    for option in ("drop", "warn", "error"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert check_collinearity(X, ["z", "absent"], option) == []
    # In the model: the coefficients stay free and the likelihood does not see them.
    y = rng.integers(0, 3, 200)
    frame = pd.DataFrame(X, columns=["z", "absent"])
    with pm.Model() as model, warnings.catch_warnings():
        warnings.simplefilter("error")
        # "plain": y_coef and y_intercept are the free variables the logp takes.
        glm = multinomial_glm("y", frame, y, identification="none", parametrization="plain")
    assert glm.fixed_columns == []
    logp = model.compile_logp(vars=[model["y"]])
    beta = rng.normal(size=(2, 3))
    moved = beta.copy()
    moved[1] += rng.normal(scale=5.0, size=3)
    intercept = rng.normal(size=3)
    assert logp({"y_coef": beta, "y_intercept": intercept}) == logp(
        {"y_coef": moved, "y_intercept": intercept}
    )


def test_general_linear_dependency_is_found():
    rng = np.random.default_rng(SEED)
    z = rng.normal(size=(100, 3))
    X = np.column_stack([z, 2 * z[:, 0] - 0.5 * z[:, 2] + 3])
    found = find_collinearity(X)
    assert found.groups == [("x0", "x2", "x3")] and found.dropped == [3]


def test_independent_and_nearly_collinear_designs_are_not_flagged():
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(200, 6))
    assert not find_collinearity(X)
    # One-hot with noise of 1e-3: ill-conditioned but identified, so it is kept.
    g = np.eye(3)[rng.integers(0, 3, 200)] + 1e-3 * rng.normal(size=(200, 3))
    assert not find_collinearity(g)
    # More columns than rows: the extra ones are dependent.
    assert len(find_collinearity(rng.normal(size=(3, 5))).dropped) == 3


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="X must be a 2-D matrix"):
        find_collinearity(np.zeros(3))
    with pytest.raises(ValueError, match="names must name the 2 columns"):
        find_collinearity(np.zeros((3, 2)), ["a"])
    with pytest.raises(ValueError, match="collinearity must be one of"):
        check_collinearity(np.zeros((3, 2)), None, "qr")
    with pm.Model(), pytest.raises(ValueError, match="collinearity must be one of"):
        multinomial_glm("y", np.eye(3), [0, 1, 2], collinearity="fix")
    with pm.Model(), pytest.raises(ValueError, match="collinearity lists 'nope'"):
        multinomial_glm("y", np.eye(3), [0, 1, 2], collinearity=["nope"])


def test_error_and_warn_name_the_columns():
    X, names = design()
    frame = pd.DataFrame(X, columns=names)
    y = np.arange(len(X)) % 3
    with pm.Model(), pytest.raises(ValueError, match=r"constant \['const'\]") as err:
        multinomial_glm("y", frame, y, collinearity="error")
    assert "'z0_copy' of 'z0'" in str(err.value) and "['a3', 'b4']" in str(err.value)
    with pm.Model() as model, pytest.warns(CollinearityWarning, match="b4"):
        glm = multinomial_glm("y", frame, y, collinearity="warn", parametrization="qr")
    assert glm.fixed_columns == []
    assert model.initial_point()["y_coef_qr"].shape == (2, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pm.Model():
            multinomial_glm("y", frame, y, collinearity="ignore")
        with pm.Model():
            multinomial_glm("y", frame.iloc[:, :2], y)  # no collinearity: no warning


@pytest.mark.parametrize("option", ["drop", "warn", "error"])
def test_the_message_is_one_sentence_naming_each_column_once(option):
    """Cover type's two indicator groups (4 and 40 levels) used to give one clause per
    group listing every level (44 columns) with the same words each time; the message
    names the dropped columns, each once, in one sentence."""
    rng = np.random.default_rng(SEED)
    g4, g40 = np.eye(4)[rng.integers(0, 4, 500)], np.eye(40)[rng.integers(0, 40, 500)]
    g40 = g40[:, g40.any(0)]  # levels present (an absent one is a constant column)
    z = rng.normal(size=(500, 3))
    X = np.column_stack([z, g4, g40, z[:, 1], np.ones(500)])
    names = [f"z{j}" for j in range(3)] + [f"w{j}" for j in range(4)]
    names += [f"s{j}" for j in range(g40.shape[1])] + ["z1_copy", "ones"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            check_collinearity(X, names, option)
        except ValueError as err:
            message = str(err)
        else:
            (warning,) = caught
            message = str(warning.message)
    dropped = ["w3", f"s{g40.shape[1] - 1}", "z1_copy", "ones"]
    for name in names:
        expected = 1 if name in [*dropped, "z1"] else 0
        assert message.count(f"'{name}'") == expected, (name, message)
    assert message.count(". ") == 0 and message.count("columns") == 2  # one sentence
    assert "4 columns add nothing to the others" in message


def _reduced_point(beta, alpha, names, kept):
    """The parameters of the dropped model with the same logits as (beta, alpha)."""
    beta, alpha = beta.copy(), alpha.copy()
    index = {n: j for j, n in enumerate(names)}
    for group, last in ((("a1", "a2"), "a3"), (("b1", "b2", "b3"), "b4")):
        shift = beta[index[last]].copy()
        for name in group:
            beta[index[name]] -= shift
        alpha += shift
    beta[index["z0"]] += beta[index["z0_copy"]]
    alpha += 1.5 * beta[index["const"]]
    return beta[kept], alpha


@pytest.mark.parametrize("identification", ["zerosum", "reference", "none"])
@pytest.mark.parametrize("kind", ["labels", "counts"])
def test_drop_keeps_the_likelihood_and_zeroes_the_dropped_coefficients(identification, kind):
    X, names = design(n=120)
    rng = np.random.default_rng(SEED + 1)
    k = 3
    y = rng.integers(0, k, len(X)) if kind == "labels" else rng.multinomial(4, [0.3] * 3, 120)
    frame = pd.DataFrame(X, columns=names)
    with pm.Model() as full:
        multinomial_glm(
            "y", frame, y, identification="none", collinearity="ignore", parametrization="plain"
        )
    with pm.Model() as reduced, pytest.warns(CollinearityWarning, match="fixed at zero"):
        glm = multinomial_glm("y", frame, y, identification="none", parametrization="plain")
    assert [names[j] for j in glm.fixed_columns] == ["a3", "b4", "z0_copy", "const"]
    kept = [j for j in range(len(names)) if j not in glm.fixed_columns]
    beta = rng.normal(size=(len(names), k))
    alpha = rng.normal(size=k)
    beta_r, alpha_r = _reduced_point(beta, alpha, names, kept)
    logp_full = full.compile_logp(vars=[full["y"]])({"y_coef": beta, "y_intercept": alpha})
    point = {"y_coef_raw": beta_r, "y_intercept": alpha_r}
    logp_reduced = reduced.compile_logp(vars=[reduced["y"]])(point)
    np.testing.assert_allclose(logp_reduced, logp_full, rtol=1e-9)
    # Every identification: the dropped rows of coef are exactly zero in every draw.
    with pm.Model(), pytest.warns(CollinearityWarning):
        glm = multinomial_glm("y", frame, y, identification=identification)
    coef = pm.draw(glm.coef, draws=20, random_seed=SEED)
    assert np.all(coef[:, glm.fixed_columns] == 0)
    assert np.all(coef[:, kept] != 0) if identification != "reference" else True


def test_explicit_list_of_columns_by_name_or_index():
    X, names = design(n=30)
    frame = pd.DataFrame(X, columns=names)
    with pm.Model() as model, warnings.catch_warnings():
        warnings.simplefilter("error")
        glm = multinomial_glm(
            "y", frame, np.arange(30) % 3, collinearity=["const", 2], parametrization="qr"
        )
    assert glm.fixed_columns == [2, 10]
    assert model.initial_point()["y_coef_qr"].shape == (2, 9)


@pytest.mark.slow
def test_estimator_drops_and_predicts_the_same_after_save_and_load(tmp_path):
    import pickle

    from pymc_bnn.estimators import BayesianSoftmaxClassifier

    X, names = design(n=150)
    frame = pd.DataFrame(X, columns=names)
    y = np.where(X[:, 0] + X[:, 2] > 0.5, "up", "down")
    clf = BayesianSoftmaxClassifier(
        iterations=300, draws=50, random_state=0, progressbar=False, compile_mode="FAST_COMPILE"
    )
    with pytest.warns(CollinearityWarning, match=r"4 columns add nothing"):
        clf.fit(frame, y)
    assert [names[j] for j in clf.fixed_columns_] == ["a3", "b4", "z0_copy", "const"]
    assert clf.sampler_ == "advi"
    coef = clf.posterior_["y_coef"].values
    assert np.all(coef[:, :, clf.fixed_columns_] == 0)
    expected = clf.predict_proba(frame)
    loaded = BayesianSoftmaxClassifier.load(clf.save(tmp_path / "model"))
    np.testing.assert_allclose(loaded.predict_proba(frame), expected, rtol=1e-12)
    unpickled = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(unpickled.predict_proba(frame), expected, rtol=1e-12)
