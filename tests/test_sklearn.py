"""The scikit-learn estimators: scikit-learn's own checks, pickling, saving, uncertainty, NUTS."""

import hashlib
import json
import os
import pickle
import signal

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from pymc_bnn import uncertainty
from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier
from pymc_bnn.estimators.base import _BayesianClassifier

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
    monkeypatch.setattr("pymc_bnn.estimators.base._CHUNK_ELEMENTS", 1000)  # 3 rows a chunk
    np.testing.assert_array_equal(softmax.predict_proba(X), whole[0])
    pd.testing.assert_frame_equal(softmax.predict_uncertainty(X, proba=True), whole[1])


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
    assert "sample_stats" in clf.idata_.children
    assert clf.score(X, y) > 0.9


@pytest.mark.slow
def test_mlp_fits_and_pickles(iris):
    X, y = iris
    clf = BayesianMLPClassifier(hidden=(8,), **QUICK).fit(X, y)
    assert clf.score(X, y) > 0.9
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    table = clf.predict_uncertainty(X)
    assert isinstance(table, pd.DataFrame) and (table["epistemic"] >= 0).all()


# Saving and loading --------------------------------------------------------------------

FORMAT = "pymc-bnn model 2"


def _assert_same_predictions(loaded, original, X):
    # The same draws through the same graph: equal up to rounding of a recompiled function.
    np.testing.assert_allclose(
        loaded.predict_proba(X), original.predict_proba(X), rtol=0, atol=1e-12
    )
    pd.testing.assert_frame_equal(
        loaded.predict_uncertainty(X, proba=True),
        original.predict_uncertainty(X, proba=True),
        rtol=0,
        atol=1e-12,
    )


@pytest.mark.slow
def test_saved_softmax_loads_with_its_classes_features_options_and_draws(softmax, iris, tmp_path):
    X, y = iris
    extra = {"note": "iris", "scores": [0.5, 0.25]}
    folder = softmax.save(tmp_path / "new" / "model", metadata=extra)
    assert folder == tmp_path / "new" / "model"
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.json", "posterior.npz"]

    loaded = _BayesianClassifier.load(folder)  # the base gives the class that was saved
    assert type(loaded) is BayesianSoftmaxClassifier
    _assert_same_predictions(loaded, softmax, X)
    np.testing.assert_array_equal(loaded.predict(X), softmax.predict(X))
    assert loaded.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert loaded.feature_names_in_.tolist() == list(X.columns)
    assert loaded.n_features_in_ == 4
    assert loaded.get_params() == softmax.get_params()
    assert set(loaded.posterior_.data_vars) == set(softmax.posterior_.data_vars)
    for name, draws in softmax.posterior_.data_vars.items():
        np.testing.assert_array_equal(loaded.posterior_[name].values, draws.values)
        assert loaded.posterior_[name].dims == draws.dims
    assert loaded.score(X, y) == softmax.score(X, y)

    meta = BayesianSoftmaxClassifier.read_metadata(folder)
    assert meta["format"] == FORMAT and meta["model"] == "glm"
    assert meta["features"] == list(X.columns) and meta["n_features"] == 4
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["options"]["random_state"] == QUICK["random_state"]
    assert meta["note"] == "iris" and meta["scores"] == [0.5, 0.25]
    assert meta["package_version"]

    copy = pickle.loads(pickle.dumps(loaded))  # a loaded estimator pickles like a fitted one
    np.testing.assert_array_equal(copy.predict_proba(X), loaded.predict_proba(X))


@pytest.mark.slow
def test_saved_mlp_fitted_on_an_array_loads_as_an_mlp(iris, tmp_path):
    X, y = iris
    X, codes = X.to_numpy(), np.unique(y, return_inverse=True)[1]  # no names, integer labels
    options = dict(
        QUICK, hidden=(6, 3), activation="relu", skip_scale=1.5, batch_size=50, draws=60
    )
    mlp = BayesianMLPClassifier(**options).fit(X, codes)
    assert mlp.posterior_["y_skip_w"].sizes["features"] == 4  # the linear path was fitted
    folder = mlp.save(tmp_path)

    loaded = BayesianMLPClassifier.load(folder)
    assert type(loaded) is BayesianMLPClassifier
    assert loaded.get_params() == mlp.get_params()
    assert loaded.hidden == (6, 3)  # a tuple again, as given
    assert loaded.classes_.tolist() == [0, 1, 2] and loaded.classes_.dtype.kind == "i"
    assert not hasattr(loaded, "feature_names_in_") and loaded.n_features_in_ == 4
    # prior_scale="auto" scaled the first layer to the training rows, which the loaded
    # estimator lacks: it reads the scales back from the draws (weights = scale * z).
    assert loaded.model_ is not mlp.model_
    assert loaded._fitted_predictor().prior_scales == mlp._fitted_predictor().prior_scales
    assert mlp._fitted_predictor().prior_scales[1:] == (1.0, 1.0)
    _assert_same_predictions(loaded, mlp, X)
    with pytest.raises(ValueError, match="holds a BayesianMLPClassifier, not a BayesianSoftmax"):
        BayesianSoftmaxClassifier.load(folder)


@pytest.mark.slow
def test_a_model_saved_by_the_first_pymc_bnn_fit_still_loads(softmax, iris, tmp_path):
    # pymc-bnn fit 0.1 wrote format 1 (no checksums), "hidden": null among a softmax
    # model's options and no n_features.
    X, _ = iris
    meta_file = softmax.save(tmp_path) / "metadata.json"
    meta = json.loads(meta_file.read_text())
    meta["format"] = "pymc-bnn model 1"
    meta["options"]["hidden"] = None
    del meta["n_features"], meta["sha256"]
    for later in ("collinearity", "nuts_sampler"):  # options added after 0.1
        meta["options"].pop(later, None)
    meta_file.write_text(json.dumps(meta))
    loaded = BayesianSoftmaxClassifier.load(tmp_path)
    assert loaded.get_params() == softmax.get_params()
    _assert_same_predictions(loaded, softmax, X)


@pytest.mark.slow
def test_save_refuses_metadata_it_cannot_write_and_writes_nothing(softmax, tmp_path):
    with pytest.raises(ValueError, match=r"must not reuse .* \['classes'\]"):
        softmax.save(tmp_path, metadata={"classes": [1, 2]})
    with pytest.raises(ValueError, match="metadata cannot be saved as strict JSON"):
        softmax.save(tmp_path, metadata={"scaler": object()})
    with pytest.raises(ValueError, match="metadata cannot be saved as strict JSON"):
        softmax.save(tmp_path, metadata={"scale": [float("inf")]})  # Infinity is not JSON
    with pytest.raises(TypeError, match="metadata must be a dict"):
        softmax.save(tmp_path, metadata=[("a", 1)])
    callable_option = pickle.loads(pickle.dumps(softmax)).set_params(identification=len)
    with pytest.raises(ValueError, match=r"option identification=.* cannot be saved as JSON"):
        callable_option.save(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="file exists and is not a folder"):
        softmax.save(tmp_path / "file")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.slow
def test_a_random_state_object_is_saved_as_none(softmax, iris, tmp_path):
    X, _ = iris
    seeded = pickle.loads(pickle.dumps(softmax)).set_params(random_state=np.random.RandomState(0))
    loaded = BayesianSoftmaxClassifier.load(seeded.save(tmp_path))
    assert loaded.random_state is None
    _assert_same_predictions(loaded, softmax, X)


def test_an_unfitted_estimator_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError):
        BayesianSoftmaxClassifier().save(tmp_path / "model")
    assert not (tmp_path / "model").exists()


def _fake_model(folder, **changes):
    """A model folder by hand (format 1, no checksums): a 2-feature, 2-class softmax."""
    meta = {
        "format": "pymc-bnn model 1",
        "package_version": "0",
        "model": "glm",
        "options": {"iterations": 10},
        "features": ["a", "b"],
        "classes": [0, 1],
        "posterior_dims": {
            "y_coef_raw": ["chain", "draw", "features", "raw_classes"],
            "y_intercept_raw": ["chain", "draw", "raw_classes"],
        },
    }
    meta.update(changes)
    folder.mkdir(exist_ok=True)
    (folder / "metadata.json").write_text(json.dumps(meta))
    raw = {"y_coef_raw": np.zeros((1, 3, 2, 1)), "y_intercept_raw": np.zeros((1, 3, 1))}
    np.savez(folder / "posterior.npz", **raw)
    return folder


def test_load_reads_a_model_folder_written_by_hand(tmp_path):
    loaded = _BayesianClassifier.load(_fake_model(tmp_path))
    assert isinstance(loaded, BayesianSoftmaxClassifier) and loaded.iterations == 10
    assert loaded.posterior_["y_coef_raw"].shape == (1, 3, 2, 1)
    np.testing.assert_allclose(loaded.predict_proba(np.zeros((1, 2))), [[0.5, 0.5]])
    assert loaded.feature_names_in_.tolist() == ["a", "b"] and loaded.n_features_in_ == 2


def test_load_refuses_a_folder_that_is_no_model_naming_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not a saved model \(no metadata.json"):
        _BayesianClassifier.load(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no metadata\.json"):
        BayesianSoftmaxClassifier.load(tmp_path / "missing")
    (tmp_path / "metadata.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"metadata\.json: cannot read it as JSON"):
        _BayesianClassifier.load(tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match=r"metadata\.json: not a saved model.s metadata"):
        _BayesianClassifier.load(tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({"format": FORMAT, "model": "glm"}))
    with pytest.raises(ValueError, match=r"metadata.json: lacks the checksums"):
        _BayesianClassifier.load(tmp_path)
    old = {"format": "pymc-bnn model 1", "model": "glm"}
    (tmp_path / "metadata.json").write_text(json.dumps(old))
    with pytest.raises(ValueError, match=r"metadata.json: lacks the entries \['options'"):
        _BayesianClassifier.load(tmp_path)
    (tmp_path / "metadata.json").write_text('{"format": NaN}')
    with pytest.raises(ValueError, match=r"metadata.json: cannot read it as JSON \(NaN is not"):
        _BayesianClassifier.load(tmp_path)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"model": "svm"}, ValueError, r"unknown model 'svm'; expected \['bnn', 'glm'\]"),
        ({"options": {"depth": 3}}, ValueError, r"options \['depth'\] are not options of"),
        ({"options": [1]}, ValueError, "options must be a JSON object"),
        ({"posterior_dims": {"y_w": ["chain", "draw"]}}, ValueError, r"lacks the posterior"),
        ({"posterior_dims": {"y_coef_raw": ["chain"]}}, ValueError, "starting with 'chain'"),
        ({"classes": [0, 1, 2]}, ValueError, r"y_coef_raw has shape \(2, 1\).*needs \(2, 2\)"),
        ({"classes": [0, 0]}, ValueError, "classes must be distinct"),
        ({"classes": [0, "a"]}, ValueError, "labels of one type"),
        ({"features": ["a", "a"]}, ValueError, "features must be distinct"),
        ({"features": ["a"]}, ValueError, r"y_coef_raw has shape \(2, 1\).*needs \(1, 1\)"),
        ({"n_features": 3}, ValueError, "n_features is 3 but 2 features"),
        ({"n_features": True}, ValueError, "n_features must be a positive integer"),
        ({"options": {"iterations": -1}}, ValueError, "bad options.*iterations"),
        ({"options": {"identification": "x"}}, ValueError, "cannot rebuild the model"),
    ],
)
def test_load_refuses_metadata_that_does_not_fit(tmp_path, changes, error, message):
    with pytest.raises(error, match=message):
        _BayesianClassifier.load(_fake_model(tmp_path, **changes))


def test_load_refuses_missing_or_broken_draws(tmp_path):
    folder = _fake_model(tmp_path)
    (folder / "posterior.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"posterior.npz: cannot read the posterior draws"):
        _BayesianClassifier.load(folder)
    nan = {"y_coef_raw": np.full((1, 3, 2, 1), np.nan), "y_intercept_raw": np.zeros((1, 3, 1))}
    np.savez(folder / "posterior.npz", **nan)
    with pytest.raises(ValueError, match="non-finite draws"):
        _BayesianClassifier.load(folder)
    (folder / "posterior.npz").unlink()
    with pytest.raises(FileNotFoundError, match=r"not a saved model \(no posterior.npz\)"):
        _BayesianClassifier.load(folder)


@pytest.mark.slow
def test_a_saved_model_refuses_damaged_draws_by_their_checksum(softmax, tmp_path):
    folder = softmax.save(tmp_path / "model")
    meta = json.loads((folder / "metadata.json").read_text())
    data = (folder / "posterior.npz").read_bytes()
    assert meta["sha256"]["posterior.npz"] == hashlib.sha256(data).hexdigest()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # one byte inside the draws: still a valid npz file
    (folder / "posterior.npz").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"posterior.npz: does not match its checksum"):
        _BayesianClassifier.load(folder)
    (folder / "posterior.npz").write_bytes(data)
    meta["classes"] = meta["classes"][::-1]  # a plausible edit: swapped labels
    (folder / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"metadata.json: does not match its checksum"):
        _BayesianClassifier.load(folder)


@pytest.mark.slow
def test_an_interrupted_save_leaves_the_old_model_whole(softmax, iris, tmp_path, monkeypatch):
    X, y = iris
    folder = softmax.save(tmp_path / "model")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    other = BayesianSoftmaxClassifier(**dict(QUICK, random_state=5)).fit(X, y)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # After writing, before the rename.
    monkeypatch.setattr("pymc_bnn.persistence._replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        other.save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # the partial folder is gone
    monkeypatch.undo()
    other.save(folder)  # replaced whole once complete
    _assert_same_predictions(_BayesianClassifier.load(folder), other, X)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


@pytest.mark.slow
def test_save_into_a_folder_with_other_files_keeps_them(softmax, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    softmax.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "metadata.json",
        "notes.txt",
        "posterior.npz",
    ]


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
