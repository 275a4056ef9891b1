"""The scikit-learn estimators: scikit-learn's own checks, pickling, uncertainty, NUTS."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.utils.estimator_checks import parametrize_with_checks

from pymc_bnn import uncertainty
from pymc_bnn.sklearn import BayesianMLPClassifier, BayesianSoftmaxClassifier

# Small fits: scikit-learn's checks test the interface, not the quality of the posterior.
# FAST_COMPILE compiles each new model shape in well under a second (Numba: 5-9 s cold).
QUICK = dict(
    iterations=100,
    learning_rate=0.1,
    draws=100,
    random_state=0,
    progressbar=False,
    compile_mode="FAST_COMPILE",
)

# Checks that cannot apply, by name, with the reason.
SKIPPED: dict[str, str] = {}


def _estimators():
    yield BayesianSoftmaxClassifier(**QUICK)
    yield BayesianMLPClassifier(hidden=(8,), **QUICK)


@parametrize_with_checks(list(_estimators()))
def test_sklearn_compatible(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    return X, labels


@pytest.fixture(scope="module")
def softmax(iris):
    X, y = iris
    return BayesianSoftmaxClassifier(**QUICK).fit(X, y)


def test_fits_iris_with_string_labels(softmax, iris):
    X, y = iris
    assert softmax.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert softmax.score(X, y) > 0.9
    assert list(softmax.feature_names_in_) == list(X.columns)
    assert softmax.model_["y_coef"] is not None
    assert set(softmax.idata_["posterior"].data_vars) >= {"y_coef", "y_intercept"}
    assert softmax.posterior_.sizes["draw"] == QUICK["draws"]


def test_pickled_estimator_predicts_the_same(softmax, iris):
    X, _ = iris
    copy = pickle.loads(pickle.dumps(softmax))
    np.testing.assert_array_equal(copy.predict_proba(X), softmax.predict_proba(X))
    assert copy.model_ is not None  # rebuilt on demand


def test_predict_uncertainty_matches_the_uncertainty_module(softmax, iris):
    X, _ = iris
    table = softmax.predict_uncertainty(X.iloc[:20])
    assert list(table.columns) == list(uncertainty.MEASURES)
    assert table.index.equals(X.index[:20])
    draws = softmax.predict_proba_draws(X.iloc[:20])
    assert draws.sizes == {"chain": 1, "draw": QUICK["draws"], "obs": 20, "classes": 3}
    ed = uncertainty.entropy_decomposition(draws)
    np.testing.assert_allclose(table["epistemic"], ed.epistemic)
    np.testing.assert_allclose(table["total"], ed.total)
    np.testing.assert_allclose(softmax.predict_proba(X.iloc[:20]), draws.mean(("chain", "draw")))
    both = softmax.predict_uncertainty(X.iloc[:20], proba=True)
    assert list(both.columns) == [f"p_{c}" for c in softmax.classes_] + list(uncertainty.MEASURES)
    np.testing.assert_allclose(both.iloc[:, :3], softmax.predict_proba(X.iloc[:20]))
    np.testing.assert_allclose(both["confidence"], table["confidence"])


def test_chunked_prediction_equals_whole(softmax, iris, monkeypatch):
    X, _ = iris
    whole = softmax.predict_proba(X), softmax.predict_uncertainty(X, proba=True)
    monkeypatch.setattr("pymc_bnn.sklearn._CHUNK_ELEMENTS", 1000)  # 3 rows a chunk
    np.testing.assert_array_equal(softmax.predict_proba(X), whole[0])
    pd.testing.assert_frame_equal(softmax.predict_uncertainty(X, proba=True), whole[1])


def test_same_seed_same_fit_different_seed_different_fit(iris):
    X, y = iris
    small = dict(QUICK, iterations=200)
    a = BayesianSoftmaxClassifier(**small).fit(X, y).predict_proba(X)
    b = BayesianSoftmaxClassifier(**small).fit(X, y).predict_proba(X)
    c = BayesianSoftmaxClassifier(**dict(small, random_state=1)).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "mcmc"}, "method must be"),
        ({"iterations": 0}, "iterations must be a positive integer"),
        ({"draws": 2.5}, "draws must be a positive integer"),
        ({"method": "nuts", "batch_size": 10}, "batch_size"),
        ({"learning_rate": 0}, "learning_rate must be positive"),
    ],
)
def test_bad_options_are_named(iris, params, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        BayesianSoftmaxClassifier(**dict(QUICK, **params)).fit(X, y)


def test_progressbar_can_be_turned_off_and_on(iris, capfd):
    X, y = iris
    BayesianSoftmaxClassifier(**dict(QUICK, iterations=50)).fit(X, y)
    quiet = capfd.readouterr()
    BayesianSoftmaxClassifier(**dict(QUICK, iterations=50, progressbar=True)).fit(X, y)
    loud = capfd.readouterr()
    assert len(loud.out + loud.err) > len(quiet.out + quiet.err)


@pytest.mark.slow
def test_nuts_fit(iris):
    X, y = iris
    clf = BayesianSoftmaxClassifier(
        method="nuts", draws=100, tune=100, chains=1, random_state=0, progressbar=False
    ).fit(X, y)
    assert clf.idata_["posterior"].sizes["draw"] == 100
    assert "sample_stats" in clf.idata_.children
    assert clf.score(X, y) > 0.9


def test_mlp_fits_and_pickles(iris):
    X, y = iris
    clf = BayesianMLPClassifier(hidden=(8,), **QUICK).fit(X, y)
    assert clf.score(X, y) > 0.9
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    table = clf.predict_uncertainty(X)
    assert isinstance(table, pd.DataFrame) and (table["epistemic"] >= 0).all()
