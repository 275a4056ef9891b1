"""The scikit-learn estimators: scikit-learn's checks, pickling, uncertainty, NUTS, the loss."""

import os
import pickle
import signal
import weakref

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from pymc_bnn import uncertainty
from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier

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


@pytest.mark.slow  # most checks fit a model
@parametrize_with_checks(list(_estimators()))
def test_sklearn_compatible(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    check(estimator)


@pytest.mark.slow
def test_fast_compile_fit_compiles_no_c_code(no_c_modules):
    # On a cold cache the first FAST_COMPILE fit compiled ~80 C modules (36 s).
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    for estimator in _estimators():
        fitted = estimator.set_params(iterations=20, draws=10).fit(X, y)
        assert fitted.predict_proba(X).shape == (30, 2)


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


@pytest.mark.slow
def test_fits_iris_with_string_labels(softmax, iris):
    X, y = iris
    assert softmax.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert softmax.score(X, y) > 0.9
    assert list(softmax.feature_names_in_) == list(X.columns)
    assert softmax.model_["y_coef"] is not None
    assert set(softmax.idata_["posterior"].data_vars) >= {"y_coef", "y_intercept"}
    assert softmax.posterior_.sizes["draw"] == QUICK["draws"]


@pytest.mark.slow
def test_pickled_estimator_predicts_the_same(softmax, iris):
    X, _ = iris
    copy = pickle.loads(pickle.dumps(softmax))
    np.testing.assert_array_equal(copy.predict_proba(X), softmax.predict_proba(X))
    assert copy.model_ is not None  # rebuilt on demand


@pytest.mark.slow
def test_predict_uncertainty_matches_the_uncertainty_module(softmax, iris):
    X, _ = iris
    table = softmax.predict_uncertainty(X.iloc[:20])
    assert list(table.columns) == ["total", "aleatoric", "epistemic", "max_probability"]
    assert table.index.equals(X.index[:20])
    draws = softmax.predict_proba_draws(X.iloc[:20])
    assert draws.sizes == {"chain": 1, "draw": QUICK["draws"], "obs": 20, "classes": 3}
    ed = uncertainty.entropy_decomposition(draws)
    np.testing.assert_allclose(table["epistemic"], ed.epistemic)
    np.testing.assert_allclose(table["total"], ed.total)
    np.testing.assert_allclose(softmax.predict_proba(X.iloc[:20]), draws.mean(("chain", "draw")))
    both = softmax.predict_uncertainty(X.iloc[:20], proba=True)
    assert list(both.columns) == [f"p_{c}" for c in softmax.classes_] + list(table.columns)
    np.testing.assert_allclose(both.iloc[:, :3], softmax.predict_proba(X.iloc[:20]))
    # max_probability is what it says: the largest posterior mean probability of the row
    # (0.865 shows 0.865), one minus the module's "least_confidence" score.
    np.testing.assert_allclose(table["max_probability"], both.iloc[:, :3].max(axis=1), atol=1e-12)
    np.testing.assert_allclose(
        table["max_probability"], 1 - uncertainty.uncertainty_scores(draws, "least_confidence")
    )


@pytest.mark.slow
def test_chunked_prediction_equals_whole(softmax, iris, monkeypatch):
    X, _ = iris
    whole = softmax.predict_proba(X), softmax.predict_uncertainty(X, proba=True)
    monkeypatch.setattr("pymc_bnn.models.predictive._CHUNK_ELEMENTS", 1)
    monkeypatch.setattr("pymc_bnn.models.predictive._MIN_ROWS", 3)  # 3 rows a chunk
    monkeypatch.setattr("pymc_bnn.estimators.base._PREDICTIVES", weakref.WeakKeyDictionary())
    assert softmax._predictive().chunk_rows == 3
    # Products of other shapes: equal to rounding, not bit for bit.
    np.testing.assert_allclose(softmax.predict_proba(X), whole[0], rtol=0, atol=1e-14)
    pd.testing.assert_frame_equal(
        softmax.predict_uncertainty(X, proba=True), whole[1], check_exact=False, atol=1e-13
    )


@pytest.mark.slow
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
        ({"parametrization": "QR"}, r"parametrization must be one of \['auto', 'qr'"),
    ],
)
def test_bad_options_are_named(iris, params, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        BayesianSoftmaxClassifier(**dict(QUICK, **params)).fit(X, y)


@pytest.mark.slow
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
    assert {"diverging", "energy"} <= set(clf.idata_["sample_stats"].data_vars)
    assert clf.score(X, y) > 0.9
    assert not hasattr(clf, "loss_curve_")  # NUTS optimises no loss


@pytest.mark.slow
def test_an_advi_fit_keeps_its_loss_curve_and_no_empty_sample_stats(softmax, iris):
    # An ADVI fit showed nothing of its optimisation: no loss per step, and an empty
    # sample_stats group. Oracle: the loss of the same model and seeds fitted again by
    # hand with fit_advi, step for step.
    import pymc as pm
    import pytensor

    from pymc_bnn.models.inference import fit_advi

    X, y = iris
    loss = softmax.loss_curve_
    assert loss.shape == (QUICK["iterations"],) and np.isfinite(loss).all()
    assert loss[-20:].mean() < loss[:20].mean()  # it optimised
    assert "sample_stats" not in softmax.idata_.children
    group = softmax.idata_["loss_curve"]["loss"]
    assert group.dims == ("chain", "step") and group["step"].values[[0, -1]].tolist() == [1, 100]

    model_seed, fit_seed = softmax._seeds()
    with pytensor.config.change_flags(mode=QUICK["compile_mode"]), pm.Model():
        softmax._build(X, y, classes=softmax.classes_, batch_size=None, random_seed=model_seed)
        _, approx = fit_advi(
            QUICK["iterations"],
            learning_rate=QUICK["learning_rate"],
            draws=10,
            random_seed=fit_seed,
            progressbar=False,
        )
    np.testing.assert_allclose(loss, approx.hist, rtol=1e-10)


@pytest.mark.slow
def test_mlp_fits_and_pickles(iris):
    X, y = iris
    clf = BayesianMLPClassifier(hidden=(8,), **QUICK).fit(X, y)
    assert clf.score(X, y) > 0.9
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    table = clf.predict_uncertainty(X)
    assert isinstance(table, pd.DataFrame) and (table["epistemic"] >= 0).all()


def test_init_scale_reaches_every_members_starting_weights(iris):
    """The estimator's ``init_scale`` is the spread of each member's starting weights."""
    X, y = iris
    clf = BayesianMLPClassifier(hidden=(8,), init_scale=0.05, **QUICK)
    with pm.Model() as model:
        net = clf._build(X, y, classes=np.unique(y), batch_size=None, random_seed=0)
    first = np.concatenate([v.ravel() for k, v in model.initial_point().items() if "_w_z" in k])
    others = np.concatenate(
        [w.ravel() for start in net.member_starts(40, random_seed=1) for w in start.values()]
    )
    # 4 x 8 + 8 x 3 = 56 weights per member: the sample sd of 56 normals is within 30%
    # of 0.05 at over 3 standard errors; of 39 x 56 = 2,184 normals, within 5% at over 4.
    assert 0.035 < first.std() < 0.065
    assert 0.0475 < others.std() < 0.0525
    assert BayesianMLPClassifier().init_scale == 1.0  # a draw from the prior by default


@pytest.mark.parametrize(("method", "free"), [("nuts", "y_coef_qr"), ("advi", "y_coef_raw")])
def test_auto_parametrization_follows_the_method(iris, method, free):
    """``parametrization="auto"``: QR coordinates for NUTS, the centred ones for ADVI."""
    X, y = iris
    clf = BayesianSoftmaxClassifier(method=method, **QUICK)
    assert clf.parametrization == "auto"  # the default, kept as given (get_params)
    with pm.Model() as model:
        clf._build(X, y, classes=np.unique(y), batch_size=None, random_seed=0)
    assert free in {v.name for v in model.free_RVs}
    assert clf.get_params()["parametrization"] == "auto"


# Interrupts (saving and loading: test_persistence.py) ---------------------------------


def _interrupt_at_step(step):
    """A fit_advi that sends this process SIGINT (as Ctrl-C does) once past step ``step``."""
    from pymc_bnn.models.inference import fit_advi

    sent = []

    def callback(approx, losses, i):  # called between compiled blocks of steps
        if i >= step and not sent:
            sent.append(i)
            os.kill(os.getpid(), signal.SIGINT)

    def interrupted_fit_advi(*args, **kwargs):
        # Callbacks run between compiled calls: 10 steps a call lands on ``step``.
        return fit_advi(*args, callbacks=[callback], steps_per_call=10, **kwargs)

    return interrupted_fit_advi


@pytest.mark.slow
def test_an_interrupted_fit_raises_and_leaves_the_estimator_as_it_was(iris, monkeypatch):
    # pm.fit catches KeyboardInterrupt and returns the partly fitted approximation; the
    # estimator must not count as fitted with it.
    X, y = iris
    monkeypatch.setattr("pymc_bnn.estimators.base.fit_advi", _interrupt_at_step(20))
    fresh = BayesianSoftmaxClassifier(**QUICK)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X, y)
    with pytest.raises(NotFittedError):
        fresh.predict(X)
    assert not hasattr(fresh, "n_features_in_")

    monkeypatch.undo()
    fitted = BayesianSoftmaxClassifier(**QUICK).fit(X, y)
    before = fitted.predict_proba(X)
    monkeypatch.setattr("pymc_bnn.estimators.base.fit_advi", _interrupt_at_step(20))
    with pytest.raises(KeyboardInterrupt):
        fitted.fit(X.iloc[:, :2], y)  # a refit on other columns, interrupted
    np.testing.assert_array_equal(fitted.predict_proba(X), before)  # the old fit, intact


@pytest.mark.slow
def test_fit_advi_raises_when_interrupted_instead_of_returning_a_partial_fit():
    import pymc as pm
    import pytensor

    from pymc_bnn.models.inference import fit_advi

    steps = []
    # What was installed before (SIG_IGN when the suite runs in a background job).
    before = signal.getsignal(signal.SIGINT)

    def callback(approx, losses, i):
        steps.append(i)
        if len(steps) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    with pytensor.config.change_flags(mode="FAST_COMPILE"), pm.Model():
        mu = pm.Normal("mu", 0, 10)
        pm.Normal("obs", mu, 1, observed=np.zeros(10))
        with pytest.raises(KeyboardInterrupt):
            fit_advi(
                1000,
                draws=10,
                progressbar=False,
                random_seed=0,
                callbacks=[callback],
                steps_per_call=10,
            )
    assert len(steps) == 1 and steps[0] < 1000  # stopped where interrupted, and raised
    assert signal.getsignal(signal.SIGINT) is before  # handler restored
